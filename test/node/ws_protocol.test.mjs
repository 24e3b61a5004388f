// RFC 6455 conformance of the bridge's hand-written WebSocket server, frame by frame,
// plus the HTTP side's refusals and the token checks (close 1008 with a reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawUpgrade, frame, serverFrames, closeFrameOf, token, connect, waitFor, sleep, BRIDGE_PORT } from './lib.mjs';

let tok;
const q = () => `?token=${encodeURIComponent(tok)}`;

test('setup: token', () => { tok = token('tradecore_viewer'); assert.match(tok, /^tc1\./); });

test('handshake: Sec-WebSocket-Accept is right and the first message is STATE_SNAPSHOT', async () => {
  const s = await rawUpgrade(q());
  assert.match(s.head, /^HTTP\/1\.1 101 /);
  assert.ok(s.acceptOk, s.head);
  const f = await waitFor(() => serverFrames(s)[0]);
  assert.equal(f.opcode, 1);
  assert.equal(JSON.parse(f.payload).type, 'STATE_SNAPSHOT');
  s.sock.destroy();
});

const violations = [
  ['unmasked client frame', () => frame(1, '{}', { mask: false }), 1002],
  ['reserved bit set', () => frame(1, '{}', { rsv: 4 }), 1002],
  ['reserved opcode 3', () => frame(3, 'x'), 1002],
  ['reserved control opcode 0xB', () => frame(0xb, 'x'), 1002],
  ['fragmented ping', () => frame(9, 'x', { fin: false }), 1002],
  ['ping over 125 bytes', () => frame(9, Buffer.alloc(126)), 1002],
  ['continuation without a message', () => frame(0, 'x'), 1002],
  ['close with one byte', () => frame(8, Buffer.from([3])), 1002],
  ['close with code 1005 (reserved)', () => frame(8, Buffer.from([0x03, 0xed])), 1002],
  ['text that is not UTF-8', () => frame(1, Buffer.from([0xc3, 0x28])), 1007],
  ['overlong UTF-8', () => frame(1, Buffer.from([0xc0, 0xaf])), 1007],
  ['binary message', () => frame(2, Buffer.from([1, 2, 3])), 1003],
  ['unknown client message', () => frame(1, '{"type":"hello"}'), 1003],
];
for (const [name, make, code] of violations) {
  test(`close ${code} on ${name}`, async () => {
    const s = await rawUpgrade(q());
    s.sock.write(make());
    const c = await closeFrameOf(s);
    assert.equal(c.code, code, c.reason);
    await waitFor(() => s.ended, 3000);
    s.sock.destroy();
  });
}

test('close 1009 on a frame over bridge_max_frame_kb, refused from its header alone', async () => {
  const s = await rawUpgrade(q());
  // announce 10 MB but send only the header: the bridge must not wait for the payload
  s.sock.write(frame(1, Buffer.alloc(0), { lenOverride: 10 * 1024 * 1024 }).subarray(0, 10));
  const c = await closeFrameOf(s);
  assert.equal(c.code, 1009);
  s.sock.destroy();
});

test('close 1009 on a message over bridge_max_message_kb built from small fragments', async () => {
  const s = await rawUpgrade(q());
  const chunk = Buffer.alloc(32 * 1024, 0x20);
  s.sock.write(frame(1, chunk, { fin: false }));
  for (let i = 0; i < 12; i++) s.sock.write(frame(0, chunk, { fin: false }));
  const c = await closeFrameOf(s);
  assert.equal(c.code, 1009);
  s.sock.destroy();
});

test('close 1002 on non-minimal length encoding', async () => {
  const s = await rawUpgrade(q());
  const b = Buffer.from([0x81, 0x80 | 126, 0, 5, 1, 2, 3, 4, 1, 2, 3, 4, 5]);
  s.sock.write(b);
  assert.equal((await closeFrameOf(s)).code, 1002);
  s.sock.destroy();
});

test('ping is answered with a pong carrying the same payload; a ping between fragments is fine', async () => {
  const s = await rawUpgrade(q());
  s.sock.write(frame(1, '{"type":"subscri', { fin: false }));
  s.sock.write(frame(9, 'hello'));
  s.sock.write(frame(0, 'be","topics":["order"]}', { fin: true }));
  const pong = await waitFor(() => serverFrames(s).find((f) => f.opcode === 10));
  assert.equal(pong.payload.toString(), 'hello');
  await sleep(200);
  assert.equal(serverFrames(s).find((f) => f.opcode === 8), undefined, 'no close after a valid fragmented message');
  s.sock.destroy();
});

test('a client close 1000 is echoed and the connection ends', async () => {
  const s = await rawUpgrade(q());
  s.sock.write(frame(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65])));
  const c = await closeFrameOf(s);
  assert.equal(c.code, 1000);
  await waitFor(() => s.ended, 3000);
});

test('a masked frame split across TCP segments byte by byte is reassembled', async () => {
  const s = await rawUpgrade(q());
  const f = frame(9, 'split');
  for (const byte of f) { s.sock.write(Buffer.from([byte])); await sleep(2); }
  const pong = await waitFor(() => serverFrames(s).find((x) => x.opcode === 10));
  assert.equal(pong.payload.toString(), 'split');
  s.sock.destroy();
});

test('tokens: missing, malformed, forged, expired and for a superuser are closed with 1008', async () => {
  const cases = [
    ['', 'token required'],
    ['nonsense', 'malformed token'],
    [tok.slice(0, -3) + (tok.endsWith('AAA') ? 'BBB' : 'AAA'), 'invalid token signature'],
  ];
  const short = token('tradecore_viewer', '1 second');
  await sleep(1100);
  cases.push([short, 'token expired']);
  for (const [t, reason] of cases) {
    const c = connect(t ? { token: t } : {});
    const closed = await c.closedP;
    assert.equal(closed.code, 1008, `token ${JSON.stringify(t).slice(0, 20)}`);
    assert.equal(closed.reason, reason);
    assert.equal(c.events.length, 0, 'nothing is sent before the close');
  }
});

test('the payload of a forged token (role swapped) does not verify', async () => {
  const [p, body, mac] = tok.split('.');
  const payload = Buffer.from(body, 'base64url').toString().replace('tradecore_viewer', 'bridge_agent_1');
  const forged = [p, Buffer.from(payload).toString('base64url'), mac].join('.');
  const c = connect({ token: forged });
  assert.equal((await c.closedP).code, 1008);
});

async function http(raw) {
  const sock = net.connect(BRIDGE_PORT, '127.0.0.1');
  let buf = '';
  sock.on('data', (d) => { buf += d.toString(); });
  await new Promise((r) => sock.once('connect', r));
  sock.write(raw);
  await new Promise((r) => sock.once('close', r));
  return buf;
}

test('HTTP: wrong WebSocket version 426, bad key 400, traversal 404, huge headers 431, bad method 405', async () => {
  const up = (extra) => `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
  assert.match(await http(up('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n')), /^HTTP\/1\.1 426 .*Sec-WebSocket-Version: 13/s);
  assert.match(await http(up('Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n')), /^HTTP\/1\.1 400 /);
  assert.match(await http('GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 404 /);
  assert.match(await http('GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 404 /);
  assert.match(await http('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(20000) + '\r\n\r\n'), /^HTTP\/1\.1 431 /);
  assert.match(await http('DELETE / HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 405 /);
  assert.match(await http('GET / HTTP/2.0\r\n\r\n'), /^HTTP\/1\.1 505 /);
  assert.match(await http('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 200 .*"status":"ok"/s);
});
