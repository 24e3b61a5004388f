// AG-UI's own client, HttpAgent from @ag-ui/client 1.0, runs against the bridge's HTTP
// transport (POST RunAgentInput -> text/event-stream) unchanged; its event verification
// (first event RUN_STARTED, balanced messages and steps, nothing after RUN_FINISHED) and
// schema checks must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpAgent } from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { BRIDGE, token, emit, maxEventId } from './lib.mjs';

function agent(tok) {
  return new HttpAgent({ url: `http://${BRIDGE}/agui`, headers: { Authorization: `Bearer ${tok}` }, threadId: 'dashboard-test' });
}

test('HttpAgent replays events after lastEventId and finishes without a verification error', async () => {
  const from = maxEventId();
  const ids = [
    emit('order.new', { order_id: 42, side: 'sell', qty: '1' }),
    emit('run.started', { run_id: 'http-1' }),
    emit('run.step', { run_id: 'http-1', step: 'signals', status: 'finished' }),
    emit('agent.message', { message_id: 'hm-1', role: 'assistant', content: 'Closing the position.' }),
  ];
  const seen = [];
  const a = agent(token('tradecore_viewer'));
  const result = await a.runAgent({ forwardedProps: { lastEventId: from } }, {
    onEvent: ({ event }) => { seen.push(event); },
  });
  assert.ok(result);
  for (const ev of seen) assert.ok(EventSchema.safeParse(ev).success, JSON.stringify(ev));
  assert.equal(seen[0].type, 'RUN_STARTED');
  assert.equal(seen[1].type, 'STATE_SNAPSHOT');
  assert.equal(seen.at(-1).type, 'RUN_FINISHED');
  assert.equal(seen.at(-1).result.lastEventId, ids.at(-1));
  // strategy runs travel as CUSTOM inside the HttpAgent's own run
  const names = seen.filter((e) => e.type === 'CUSTOM').map((e) => e.name);
  assert.deepEqual(names, ['order.new', 'run.started', 'run.step']);
  assert.equal(a.messages.at(-1).content, 'Closing the position.');
  assert.equal(a.state.lastEventId, ids.at(-1));
});

test('HttpAgent follows live events for followMs, then the run finishes', async () => {
  const a = agent(token('tradecore_viewer'));
  const seen = [];
  const run = a.runAgent({ forwardedProps: { followMs: 1500, topics: ['fill'] } }, {
    onEvent: ({ event }) => { seen.push(event); },
  });
  await new Promise((r) => setTimeout(r, 400));
  emit('tick', { last: '3' });
  const fill = emit('fill', { order_id: 42, qty: '1', price: '101' });
  await run;
  const custom = seen.filter((e) => e.type === 'CUSTOM');
  assert.deepEqual(custom.map((e) => e.metadata.tradecore.eventId), [fill]);
  assert.equal(seen.at(-1).type, 'RUN_FINISHED');
});

test('HTTP transport refuses a bad token (401) and a malformed RunAgentInput (422/400)', async () => {
  const post = (body, tok) => fetch(`http://${BRIDGE}/agui`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...(tok ? { Authorization: `Bearer ${tok}` } : {}) }, body,
  });
  const good = JSON.stringify({ threadId: 't', runId: 'r', messages: [] });
  assert.equal((await post(good, 'tc1.bad.token')).status, 401);
  assert.equal((await post(good)).status, 401);
  const tok = token('tradecore_viewer');
  assert.equal((await post(JSON.stringify({ threadId: 't' }), tok)).status, 422);
  assert.equal((await post('{not json', tok)).status, 400);
  const r = await post(good, tok);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/event-stream/);
  await r.text();
});
