// Every event the bridge emits over WebSocket is validated against @ag-ui/core 1.0's zod
// schemas (EventSchema, the discriminated union of all event types), and the mapping of
// outbox rows to AG-UI events is checked type by type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSchema } from '@ag-ui/core/schemas';
import { EventType } from '@ag-ui/core';
import jsonpatch from 'fast-json-patch';
import { connect, token, emit, psql, waitFor } from './lib.mjs';

const rows = [
  ['tick', { instrument_id: 1, symbol: 'BTC/USD', bid: '100.5', ask: '100.7', last: '100.6' }],
  ['order.new', { order_id: 7, side: 'buy', qty: '0.5', price: '100.5', status: 'new' }],
  ['run.started', { run_id: 'r-1', thread_id: 'strategy-1', strategy_id: 1 }],
  ['run.step', { run_id: 'r-1', step: 'indicators', status: 'started' }],
  ['run.step', { run_id: 'r-1', step: 'indicators', status: 'finished' }],
  ['agent.message', { message_id: 'm-1', role: 'assistant', content: 'Buying 0.5 BTC: momentum is strong.' }],
  ['run.finished', { run_id: 'r-1', thread_id: 'strategy-1', signals: 2 }],
  ['run.error', { run_id: 'r-2', error: 'no market data' }],
  ['run.started', { note: 'no run_id: travels as CUSTOM' }],
  ['alert', { severity: 'warning', message: 'drawdown 4%' }],
  ['agent.message', { role: 'robot', content: '' }],
  // as run_strategies emits them: a per-strategy summary once the step is done, a strategy's error
  ['run.step', { run_id: 3, strategy_id: 5, strategy: 'mom-btc', kind: 'momentum', signals: 2 }],
  ['run.error', { run_id: 3, strategy_id: 6, strategy: 'mr-eth', sqlstate: '22023', message: 'bad window' }],
];

test('every emitted event passes @ag-ui/core EventSchema and the mapping is as documented', async () => {
  const c = connect({ token: token('tradecore_viewer') });
  await c.ready;
  await waitFor(() => c.events.length >= 1);
  const ids = rows.map(([t, p]) => emit(t, p));
  await waitFor(() => c.domainIds().includes(ids.at(-1)), 5000);
  await waitFor(() => c.events.at(-1).type === 'STATE_DELTA', 2000);

  for (const ev of c.events) {
    const r = EventSchema.safeParse(ev);
    assert.ok(r.success, `${ev.type} fails the schema: ${JSON.stringify(r.error?.issues)}\n${JSON.stringify(ev)}`);
    assert.ok(Object.values(EventType).includes(ev.type));
    assert.equal(typeof ev.timestamp, 'number');
  }
  assert.equal(c.events[0].type, 'STATE_SNAPSHOT');

  const byId = (id) => c.events.filter((e) => e.metadata?.tradecore?.eventId === id).map((e) => e.type);
  assert.deepEqual(byId(ids[0]), ['CUSTOM']);
  assert.deepEqual(byId(ids[1]), ['CUSTOM']);
  assert.deepEqual(byId(ids[2]), ['RUN_STARTED']);
  assert.deepEqual(byId(ids[3]), ['STEP_STARTED']);
  assert.deepEqual(byId(ids[4]), ['STEP_FINISHED']);
  assert.deepEqual(byId(ids[5]), ['TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END']);
  assert.deepEqual(byId(ids[6]), ['RUN_FINISHED']);
  assert.deepEqual(byId(ids[7]), ['RUN_ERROR']);
  assert.deepEqual(byId(ids[8]), ['CUSTOM']);
  assert.deepEqual(byId(ids[9]), ['CUSTOM']);
  assert.deepEqual(byId(ids[10]), ['TEXT_MESSAGE_START', 'TEXT_MESSAGE_END'], 'empty content: no CONTENT event');
  assert.deepEqual(byId(ids[11]), ['STEP_STARTED', 'STEP_FINISHED'], 'a finished step without status: both');
  assert.equal(c.events.find((e) => e.metadata?.tradecore?.eventId === ids[11]).stepName, 'mom-btc');
  assert.deepEqual(byId(ids[12]), ['CUSTOM'], 'one strategy failing is not the run failing');

  const order = c.events.find((e) => e.metadata?.tradecore?.eventId === ids[1]);
  assert.equal(order.name, 'order.new');
  assert.deepEqual(order.value, rows[1][1]);
  const started = c.events.find((e) => e.type === 'RUN_STARTED');
  assert.equal(started.runId, 'r-1');
  assert.equal(started.threadId, 'strategy-1');
  const content = c.events.find((e) => e.type === 'TEXT_MESSAGE_CONTENT');
  assert.equal(content.delta, rows[5][1].content);
  assert.equal(c.events.find((e) => e.type === 'TEXT_MESSAGE_START' && e.messageId !== 'm-1').role, 'assistant',
    'an unknown role falls back to assistant');

  // the state: snapshot + every delta (JSON Patch) gives lastEventId = the last event
  let state = structuredClone(c.events[0].snapshot);
  for (const e of c.events.filter((x) => x.type === 'STATE_DELTA')) state = jsonpatch.applyPatch(state, e.delta, true, false).newDocument;
  assert.equal(state.lastEventId, ids.at(-1));
  assert.equal(state.latest.order.id, ids[1]);
  assert.equal(state.latest.alert.type, 'alert');
  c.ws.close();
});

test('topics narrow the stream; subscribe messages change it live', async () => {
  const c = connect({ token: token('tradecore_viewer'), topics: 'order' });
  await c.ready;
  const a = emit('tick', { last: '1' });
  const b = emit('order.new', { order_id: 1 });
  await waitFor(() => c.domainIds().includes(b));
  assert.ok(!c.domainIds().includes(a), 'tick filtered out');
  c.ws.send(JSON.stringify({ type: 'subscribe', topics: ['tick'] }));
  await new Promise((r) => setTimeout(r, 100));
  const d = emit('tick', { last: '2' });
  const e = emit('order.new', { order_id: 2 });
  await waitFor(() => c.domainIds().includes(d));
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!c.domainIds().includes(e), 'order filtered out after re-subscribing');
  c.ws.close();
});

test('a real tradecore.run_strategies() run arrives as RUN_STARTED ... RUN_FINISHED with one runId', async (t) => {
  if (psql("SELECT to_regprocedure('tradecore.run_strategies(timestamptz)') IS NOT NULL") !== 't') {
    t.skip('run_strategies() has not landed');
    return;
  }
  const c = connect({ token: token('tradecore_viewer'), topics: 'run' });
  await c.ready;
  const runId = psql('SELECT run_id FROM tradecore.run_strategies()');
  await waitFor(() => c.events.some((e) => e.type === 'RUN_FINISHED' && e.runId === runId), 5000);
  const run = c.events.filter((e) => e.runId === runId);
  assert.deepEqual(run.map((e) => e.type), ['RUN_STARTED', 'RUN_FINISHED']);
  for (const ev of c.events) assert.ok(EventSchema.safeParse(ev).success, JSON.stringify(ev));
  assert.equal(run[1].result.run_id, Number(runId));
  c.ws.close();
});
