// What each client may see (RLS as its token's role), resuming from the last event id,
// a client that never reads, and the idle timeout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connect, token, emit, agentId, psql, psqlAsync, setGuc, waitFor, sleep, rawUpgrade, serverFrames, closeFrameOf, BRIDGE_PORT } from './lib.mjs';

// a failed test must not leave its settings behind for the next file
after(() => setGuc({ bridge_client_queue_kb: null, bridge_ping_interval_s: null, bridge_idle_timeout_s: null }));

test('RLS decides: an agent role sees its own events and shared ones, never another agent\'s', async () => {
  const a1 = connect({ token: token('bridge_agent_1') });
  const viewer = connect({ token: token('tradecore_viewer') });
  await Promise.all([a1.ready, viewer.ready]);
  const mine = emit('order.new', { agent_id: agentId('bridge_agent_1'), order_id: 1001 });
  const other = emit('order.new', { agent_id: agentId('bridge_agent_2'), order_id: 1002 });
  const shared = emit('tick', { last: '9' });
  await waitFor(() => a1.domainIds().includes(shared) && viewer.domainIds().includes(shared));
  await sleep(100);
  assert.ok(a1.domainIds().includes(mine));
  assert.ok(!a1.domainIds().includes(other), 'agent 1 must not see agent 2\'s order');
  assert.ok(viewer.domainIds().includes(mine) && viewer.domainIds().includes(other));
  a1.ws.close(); viewer.ws.close();
});

test('a role without SELECT on the outbox is closed with 1008, not served', async () => {
  const c = connect({ token: token('bridge_noread') });
  const closed = await c.closedP;
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /may not read events/);
});

test('resume after a disconnect: every event exactly once, in order', async () => {
  const tok = token('tradecore_viewer');
  const first = connect({ token: tok });
  await first.ready;
  const before = [emit('signal', { n: 1 }), emit('signal', { n: 2 })];
  await waitFor(() => first.domainIds().includes(before[1]));
  const last = Math.max(...first.domainIds());
  first.ws.terminate();
  const during = [emit('signal', { n: 3 }), emit('signal', { n: 4 }), emit('signal', { n: 5 })];
  const second = connect({ token: tok, last_event_id: String(last) });
  await second.ready;
  await waitFor(() => second.domainIds().includes(during.at(-1)));
  const after = emit('signal', { n: 6 });
  await waitFor(() => second.domainIds().includes(after));
  const got = second.events.filter((e) => e.type === 'CUSTOM').map((e) => e.metadata.tradecore.eventId);
  assert.deepEqual(got, [...during, after]);
  assert.equal(second.events[0].type, 'STATE_SNAPSHOT');
  assert.equal(second.events[0].snapshot.lastEventId, last);
  second.ws.close();
});

test('events emitted in one transaction arrive together, in id order; a rolled-back id is skipped', async () => {
  const c = connect({ token: token('tradecore_viewer') });
  await c.ready;
  psql("BEGIN; SELECT tradecore.emit('fill', '{\"n\":1}'); ROLLBACK;");
  const ids = psql("SELECT string_agg(tradecore.emit('fill', jsonb_build_object('n', g))::text, ',') FROM generate_series(1, 50) g")
    .split(',').map(Number);
  await waitFor(() => c.domainIds().includes(ids.at(-1)), 5000);
  const got = c.events.filter((e) => e.type === 'CUSTOM').map((e) => e.metadata.tradecore.eventId);
  assert.deepEqual(got, ids);
  c.ws.close();
});

test('a client that never reads is dropped when its queue passes the cap; others are unaffected', async () => {
  setGuc({ bridge_client_queue_kb: 256 });
  await sleep(300);
  const tok = token('tradecore_viewer');
  const slow = await rawUpgrade(`?token=${encodeURIComponent(tok)}`);
  slow.sock.pause();            // never read again: the kernel buffers fill, then the bridge's queue
  const healthy = connect({ token: tok });
  await healthy.ready;
  // 16 MB in commits of 20 events (80 kB): far more than the kernel buffers and the cap
  await psqlAsync(`DO $d$ BEGIN FOR i IN 1..200 LOOP
          PERFORM tradecore.emit('tick', jsonb_build_object('pad', repeat('x', 4000), 'i', g)) FROM generate_series(1, 20) g;
          COMMIT; PERFORM pg_sleep(0.005);
        END LOOP; END $d$`);
  const last = Number(psql('SELECT max(id) FROM tradecore.events'));
  await waitFor(() => healthy.domainIds().includes(last), 10000);
  const health = await (await fetch(`http://127.0.0.1:${BRIDGE_PORT}/healthz`)).json();
  assert.equal(health.clients, 1, 'only the healthy client remains');
  setGuc({ bridge_client_queue_kb: null });
  await sleep(300);
  healthy.ws.close();
  slow.sock.destroy();
});

test('idle timeout: a client that does not answer pings is closed with 1001; one that does stays', async () => {
  setGuc({ bridge_ping_interval_s: 1, bridge_idle_timeout_s: 2 });
  await sleep(300);
  const tok = token('tradecore_viewer');
  const mute = await rawUpgrade(`?token=${encodeURIComponent(tok)}`);
  const polite = connect({ token: tok });   // the ws package answers pings
  await polite.ready;
  const c = await closeFrameOf(mute, 6000);
  assert.equal(c.code, 1001);
  assert.equal(c.reason, 'idle timeout');
  assert.ok(serverFrames(mute).some((f) => f.opcode === 9), 'a ping came before the close');
  assert.equal(polite.closed, null, 'the client answering pings is still open');
  setGuc({ bridge_ping_interval_s: null, bridge_idle_timeout_s: null });
  polite.ws.close();
  mute.sock.destroy();
});

test('a half-sent HTTP request is dropped, and the bridge keeps serving meanwhile', async () => {
  const s = net.connect(BRIDGE_PORT, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  s.write('GET / HTTP/1.1\r\nHost: x\r\n');      // never finished
  const r = await fetch(`http://127.0.0.1:${BRIDGE_PORT}/healthz`);
  assert.equal(r.status, 200);
  s.destroy();
});
