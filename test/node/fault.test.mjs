// Fault tolerance: the bridge worker is killed while a client is connected and events keep
// being emitted; the worker restarts (bgw_restart_time) and the client, reconnecting with
// its last event id, receives every event exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, token, emit, psql, waitFor, sleep, BRIDGE_PORT } from './lib.mjs';

async function bridgePid() {
  try {
    const h = await (await fetch(`http://127.0.0.1:${BRIDGE_PORT}/healthz`)).json();
    return h.pid;
  } catch { return null; }
}

test('kill the bridge: it restarts and a resuming client loses and repeats nothing', { timeout: 60000 }, async () => {
  const tok = token('tradecore_viewer', '10 minutes');
  const pid = await bridgePid();
  assert.ok(pid);
  const c1 = connect({ token: tok });
  await c1.ready;
  const before = [emit('order.new', { k: 1 }), emit('order.new', { k: 2 })];
  await waitFor(() => c1.domainIds().includes(before[1]));
  const last = Math.max(...c1.domainIds());

  // SIGTERM through pg_terminate_backend: the worker exits 1 and the postmaster restarts it
  assert.equal(psql(`SELECT pg_terminate_backend(${pid})`), 't');
  const closed = await c1.closedP;
  assert.ok(closed.code === 1006 || closed.code === 1001, `close code ${closed.code}`);
  const during = [];
  for (let i = 0; i < 20; i++) during.push(emit('order.new', { k: 100 + i }));
  // the one rolled back while the bridge is down leaves a gap it must step over
  psql("BEGIN; SELECT tradecore.emit('order.new', '{}'); ROLLBACK;");
  during.push(emit('order.new', { k: 200 }));

  const newPid = await waitFor(async () => { const p = await bridgePid(); return p && p !== pid ? p : null; }, 30000, 250);
  assert.notEqual(newPid, pid);
  const c2 = connect({ token: tok, last_event_id: String(last) });
  await c2.ready;
  const after = emit('order.new', { k: 300 });
  await waitFor(() => c2.domainIds().includes(after), 5000);
  const got = c2.events.filter((e) => e.type === 'CUSTOM').map((e) => e.metadata.tradecore.eventId);
  assert.deepEqual(got, [...during, after], 'every event after the resume point, once, in order');
  c2.ws.close();
});
