// Memory: an idle client must cost the bridge little private memory even when its
// STATE_SNAPSHOT is large (a full orders panel, about 60 kB here).  Each idle client used
// to keep the send buffer its snapshot had grown, and the heap kept the free holes left by
// every connect's transaction: 220 kB per client in bench/42 on a full database.  The bridge
// now frees a drained buffer and hands free heap pages back (bgworkers/bridge.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, token, psql, waitFor, sleep, BRIDGE_PORT } from './lib.mjs';

const CLIENTS = 300;
const MAX_KB_PER_CLIENT = 40;

function rssAnonKb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^RssAnon:\s+(\d+) kB/m);
  return Number(m[1]);
}

test(`${CLIENTS} idle clients with a 60 kB snapshot each cost under ${MAX_KB_PER_CLIENT} kB apiece`, { timeout: 60000 }, async () => {
  psql(`INSERT INTO tradecore.wallets (name, kind) VALUES ('bridge memory test', 'master');
        INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
        SELECT id, 'MEM/USD', 'MEM/USD', 'MEM', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
        INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
        SELECT 'bridge-memory-test-' || i || repeat('x', 200), w.id, n.id, n.exchange_id, 'buy', 'limit', 100, 1, 'canceled'
          FROM generate_series(1, 100) i, tradecore.wallets w, tradecore.instruments n
         WHERE w.name = 'bridge memory test' AND n.symbol = 'MEM/USD';`);
  const clients = [];
  try {
    const { pid } = await (await fetch(`http://127.0.0.1:${BRIDGE_PORT}/healthz`)).json();
    const tok = token('tradecore_viewer', '10 minutes');
    // one client first, so that the baseline includes caches every connect warms
    const first = connect({ token: tok });
    await first.ready;
    await waitFor(() => first.events.length > 0);
    const snap = JSON.stringify(first.events[0]);
    assert.equal(first.events[0].type, 'STATE_SNAPSHOT');
    assert.ok(snap.length > 50000, `snapshot is ${snap.length} bytes, expected a large one`);
    first.ws.close();
    await first.closedP;
    await sleep(1500);
    const before = rssAnonKb(pid);
    for (let i = 0; i < CLIENTS; i++) clients.push(connect({ token: tok }));
    await Promise.all(clients.map((c) => c.ready));
    await waitFor(() => clients.every((c) => c.events.length > 0), 30000, 50);
    // give the worker a pass after its last connect (free memory is handed back at most once a second)
    await sleep(1500);
    const after = rssAnonKb(pid);
    const perClient = (after - before) / CLIENTS;
    console.log(`# bridge RssAnon ${before} kB -> ${after} kB with ${CLIENTS} idle clients: ${perClient.toFixed(1)} kB each`);
    assert.ok(perClient < MAX_KB_PER_CLIENT, `${perClient.toFixed(1)} kB per idle client`);
  } finally {
    for (const c of clients) c.ws.close();
    await Promise.all(clients.map((c) => c.closedP));
    psql(`DELETE FROM tradecore.orders WHERE client_order_id LIKE 'bridge-memory-test-%';
          DELETE FROM tradecore.instruments WHERE symbol = 'MEM/USD';
          DELETE FROM tradecore.wallets WHERE name = 'bridge memory test';`);
  }
});
