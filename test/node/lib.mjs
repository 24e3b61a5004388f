// Helpers shared by the bridge's node tests: SQL through psql (as the postgres OS user,
// against the cluster in PGHOST/PGPORT), dashboard tokens, WebSocket clients that record
// what they receive, and raw TCP sockets for frame-level protocol tests.
import { execFileSync, execFile } from 'node:child_process';
import net from 'node:net';
import crypto from 'node:crypto';
import WebSocket from 'ws';

export const BRIDGE_PORT = Number(process.env.TRADECORE_BRIDGE_PORT || 54341);
export const BRIDGE = `127.0.0.1:${BRIDGE_PORT}`;

// psql(sql) -> trimmed stdout; throws with stderr on failure
export function psql(sql, { db = 'tradecore' } = {}) {
  const args = ['-u', 'postgres', '--', 'env', `PGHOST=${process.env.PGHOST}`, `PGPORT=${process.env.PGPORT}`,
    'psql', '-qAtX', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql];
  const cmd = process.getuid && process.getuid() === 0 ? 'runuser' : null;
  const out = cmd ? execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    : execFileSync('psql', args.slice(args.indexOf('psql') + 1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.trim();
}

// ALTER SYSTEM (one statement per call: it refuses transaction blocks) and reload
export function setGuc(settings) {
  for (const [k, v] of Object.entries(settings)) {
    psql(v === null ? `ALTER SYSTEM RESET tradecore.${k}` : `ALTER SYSTEM SET tradecore.${k} = ${v}`);
  }
  psql('SELECT pg_reload_conf()');
}

// the same without blocking node's event loop (clients keep reading meanwhile)
export function psqlAsync(sql) {
  return new Promise((resolve, reject) => {
    execFile('runuser', ['-u', 'postgres', '--', 'env', `PGHOST=${process.env.PGHOST}`, `PGPORT=${process.env.PGPORT}`,
      'psql', '-qAtX', '-v', 'ON_ERROR_STOP=1', '-d', 'tradecore', '-c', sql], { encoding: 'utf8' },
    (err, out, errout) => (err ? reject(new Error(errout || err.message)) : resolve(out.trim())));
  });
}

export function token(role = 'tradecore_viewer', ttl = '1 hour') {
  return psql(`SELECT tradecore.issue_dashboard_token('${role}', '${ttl}')`);
}

export function emit(type, payload = {}) {
  return Number(psql(`SELECT tradecore.emit('${type}', '${JSON.stringify(payload).replace(/'/g, "''")}'::jsonb)`));
}

// the agent id whose rows ROLE may see: autonomous_agents.role_name with the schema,
// the fixture's bridge_agent_<n> convention without it
export function agentId(role) {
  const id = psql(`SELECT CASE WHEN to_regclass('tradecore.autonomous_agents') IS NULL THEN substr('${role}', 14)::bigint
                   ELSE (SELECT id FROM tradecore.autonomous_agents WHERE role_name = '${role}') END`);
  return Number(id);
}

export function maxEventId() {
  return Number(psql('SELECT coalesce(max(id), 0) FROM tradecore.events'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(pred, ms = 5000, step = 20) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await sleep(step);
  }
}

// A WebSocket client that records every AG-UI event and the close code/reason.
export function connect(query = {}) {
  const qs = new URLSearchParams(query).toString();
  const ws = new WebSocket(`ws://${BRIDGE}/ws${qs ? '?' + qs : ''}`);
  const rec = { ws, events: [], closed: null, opened: false };
  rec.ready = new Promise((resolve, reject) => {
    ws.on('open', () => { rec.opened = true; resolve(rec); });
    ws.on('error', (e) => { if (!rec.opened) reject(e); });
  });
  ws.on('message', (data) => rec.events.push(JSON.parse(data.toString())));
  rec.closedP = new Promise((resolve) => ws.on('close', (code, reason) => {
    rec.closed = { code, reason: reason.toString() };
    resolve(rec.closed);
  }));
  rec.domainIds = () => [...new Set(rec.events.map((e) => e.metadata?.tradecore?.eventId).filter((x) => x))];
  return rec;
}

// --- raw RFC 6455 client, for frames the ws package refuses to produce ---------------

export async function rawUpgrade(query = '') {
  const sock = net.connect(BRIDGE_PORT, '127.0.0.1');
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  const key = crypto.randomBytes(16).toString('base64');
  sock.write(`GET /ws${query} HTTP/1.1\r\nHost: ${BRIDGE}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const state = { sock, buf: Buffer.alloc(0), head: null, ended: false };
  sock.on('data', (d) => { state.buf = Buffer.concat([state.buf, d]); });
  sock.on('end', () => { state.ended = true; });
  sock.on('close', () => { state.ended = true; });
  await waitFor(() => state.buf.indexOf('\r\n\r\n') >= 0, 3000);
  const i = state.buf.indexOf('\r\n\r\n');
  state.head = state.buf.subarray(0, i).toString();
  state.buf = state.buf.subarray(i + 4);
  const expect = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  state.acceptOk = state.head.includes(`Sec-WebSocket-Accept: ${expect}`);
  return state;
}

// encode one client frame; options let tests break the rules on purpose
export function frame(opcode, payload = Buffer.alloc(0), { fin = true, mask = true, rsv = 0, lenOverride } = {}) {
  payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = lenOverride ?? payload.length;
  const parts = [Buffer.from([(fin ? 0x80 : 0) | (rsv << 4) | opcode])];
  const m = mask ? 0x80 : 0;
  if (len < 126) parts.push(Buffer.from([m | len]));
  else if (len < 65536) { const b = Buffer.alloc(3); b[0] = m | 126; b.writeUInt16BE(len, 1); parts.push(b); }
  else { const b = Buffer.alloc(9); b[0] = m | 127; b.writeBigUInt64BE(BigInt(len), 1); parts.push(b); }
  if (mask) {
    const k = crypto.randomBytes(4);
    parts.push(k);
    const p = Buffer.from(payload);
    for (let i = 0; i < p.length; i++) p[i] ^= k[i & 3];
    parts.push(p);
  } else parts.push(payload);
  return Buffer.concat(parts);
}

// parse the server frames received so far: [{opcode, payload}]
export function serverFrames(state) {
  const out = [];
  let b = state.buf;
  for (;;) {
    if (b.length < 2) break;
    const op = b[0] & 0x0f;
    let len = b[1] & 0x7f;
    let off = 2;
    if (b[1] & 0x80) throw new Error('server frame is masked');
    if (len === 126) { if (b.length < 4) break; len = b.readUInt16BE(2); off = 4; }
    else if (len === 127) { if (b.length < 10) break; len = Number(b.readBigUInt64BE(2)); off = 10; }
    if (b.length < off + len) break;
    out.push({ opcode: op, fin: (b[0] & 0x80) !== 0, payload: b.subarray(off, off + len) });
    b = b.subarray(off + len);
  }
  return out;
}

export async function closeFrameOf(state, ms = 3000) {
  const f = await waitFor(() => serverFrames(state).find((x) => x.opcode === 8), ms);
  return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null, reason: f.payload.subarray(2).toString() };
}
