// Load-side helper of bench/40_*.sh and bench/42_*.sh: N WebSocket clients of the bridge.
//   node bench/bridge_clients.mjs latency CLIENTS   -> prints "ready", then on stdin EOF prints
//        JSON {n, p50_ms, p99_ms, max_ms, lost} of emit-to-client latency over every client
//   node bench/bridge_clients.mjs idle CLIENTS      -> prints "ready" when all are connected,
//        then holds them until stdin closes
// Latency = arrival time (performance.timeOrigin + now(), microseconds) - payload.t0 (the
// emitting transaction's clock_timestamp(), taken just before its INSERT and COMMIT), so it
// includes the insert, the commit, NOTIFY, the bridge's read and the WebSocket hop.
import WebSocket from 'ws';

const [mode, nStr] = process.argv.slice(2);
const n = Number(nStr);
const port = Number(process.env.TRADECORE_BRIDGE_PORT);
const tok = process.env.BRIDGE_TOKEN;
const lat = [];
let customs = 0;
const sockets = [];
let open = 0;

function onMessage(data) {
  const s = data.toString();
  const i = s.indexOf('"t0":');
  if (i < 0) return;
  const now = (performance.timeOrigin + performance.now()) / 1000;
  const t0 = parseFloat(s.slice(i + 5));
  lat.push((now - t0) * 1000);
  customs++;
}

for (let k = 0; k < n; k++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(tok)}&topics=bench`, { perMessageDeflate: false });
  ws.on('open', () => { if (++open === n) console.log('ready'); });
  ws.on('error', (e) => { console.error('client error', e.message); process.exit(1); });
  if (mode === 'latency') ws.on('message', onMessage);
  sockets.push(ws);
}

process.stdin.resume();
process.stdin.on('end', () => {
  if (mode === 'latency') {
    lat.sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    console.log(JSON.stringify({ n: lat.length, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: lat.at(-1) }));
  }
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
