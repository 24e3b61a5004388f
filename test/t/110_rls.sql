-- Row-level security and privileges, tried as the right roles (superusers bypass RLS):
-- agent A against agent B's rows (select, insert, update, delete all refused), the
-- viewer (reads everything but secrets, writes nothing) and the operator.
BEGIN;
SELECT plan(80);

CREATE ROLE tc_t_agent_a IN ROLE tradecore_agent;
CREATE ROLE tc_t_agent_b IN ROLE tradecore_agent;
CREATE ROLE tc_t_viewer IN ROLE tradecore_viewer;
CREATE ROLE tc_t_operator IN ROLE tradecore_operator;

-- two agents with one wallet each, and one row of every per-agent table for each
INSERT INTO tradecore.autonomous_agents (id, name, role_name) VALUES
    (9001, 'rls-a', 'tc_t_agent_a'), (9002, 'rls-b', 'tc_t_agent_b');
INSERT INTO tradecore.wallets (id, name, kind, allow_credit) VALUES (9100, 'rls-world', 'external', true);
INSERT INTO tradecore.wallets (id, name, kind, agent_id) VALUES (9101, 'rls-wa', 'agent', 9001), (9102, 'rls-wb', 'agent', 9002);
SELECT tradecore.transfer(9100, 9101, 'USD', 100, 'rls-a-seed') IS NOT NULL AS seeded_a;
SELECT tradecore.transfer(9100, 9102, 'USD', 100, 'rls-b-seed') IS NOT NULL AS seeded_b;
INSERT INTO tradecore.instruments (id, exchange_id, symbol, venue_symbol, base_asset, quote_asset)
SELECT 9201, id, 'RLS/USD', 'RLSUSD', 'RLS', 'USD' FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.trading_strategies (id, name, kind, agent_id) VALUES
    (9301, 'rls-sa', 'momentum', 9001), (9302, 'rls-sb', 'momentum', 9002);
INSERT INTO tradecore.trading_signals (strategy_id, instrument_id, agent_id, direction, strength, confidence)
VALUES (9301, 9201, 9001, 1, 0.5, 0.5), (9302, 9201, 9002, -1, 0.5, 0.5);
INSERT INTO tradecore.orders (id, agent_id, wallet_id, instrument_id, exchange_id, side, price, qty)
OVERRIDING SYSTEM VALUE
SELECT v.id, v.agent, v.wallet, 9201, e.id, 'buy', 10, 1
  FROM tradecore.exchanges e, (VALUES (9401, 9001, 9101), (9402, 9002, 9102)) v(id, agent, wallet)
 WHERE e.code = 'paper';
INSERT INTO tradecore.order_events (order_id, kind) VALUES (9401, 'submitted'), (9402, 'submitted');
INSERT INTO tradecore.fills (id, order_id, instrument_id, price, qty) OVERRIDING SYSTEM VALUE
VALUES (9501, 9401, 9201, 10, 1), (9502, 9402, 9201, 10, 1);
INSERT INTO tradecore.trading_positions (wallet_id, instrument_id, agent_id, qty, avg_price)
VALUES (9101, 9201, 9001, 1, 10), (9102, 9201, 9002, 1, 10);
INSERT INTO tradecore.decision_contexts (id, mode) OVERRIDING SYSTEM VALUE
VALUES (9601, 'consensus'), (9602, 'consensus');
INSERT INTO tradecore.agent_votes (context_id, agent_id, vote) VALUES (9601, 9001, 'buy'), (9601, 9002, 'sell');
INSERT INTO tradecore.llm_conversations (id, agent_id, title) OVERRIDING SYSTEM VALUE
VALUES (9701, 9001, 'a'), (9702, 9002, 'b');
INSERT INTO tradecore.llm_messages (conversation_id, role, content) VALUES (9701, 'user', 'hi a'), (9702, 'user', 'hi b');
INSERT INTO tradecore.agent_communications (from_agent_id, to_agent_id, content)
VALUES (9002, 9002, '{"note": "b to itself"}');
SELECT tradecore._emit('agent.message', '{}', 9002, NULL) IS NOT NULL AS event_b;

-- counts through a helper that runs as whoever calls it
CREATE FUNCTION pg_temp.n(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE r bigint; BEGIN EXECUTE q INTO r; RETURN r; END $$;

SELECT is(tradecore.current_agent_id(), NULL, 'postgres is no agent');

------------------------------------------------------------------------------------------
SET ROLE tc_t_agent_a;
SELECT is(tradecore.current_agent_id(), 9001::bigint, 'SET ROLE tc_t_agent_a resolves to agent 9001');

-- select: own rows visible, B's rows invisible
SELECT is(pg_temp.n(format('SELECT count(*) FROM tradecore.%s WHERE %s', t, own)), 1::bigint,
          'agent A sees its own ' || t)
  FROM (VALUES ('wallets', 'id = 9101'), ('orders', 'id = 9401'), ('fills', 'id = 9501'),
               ('trading_positions', 'wallet_id = 9101'), ('trading_signals', 'agent_id = 9001'),
               ('agent_votes', 'agent_id = 9001'), ('llm_conversations', 'id = 9701'),
               ('llm_messages', 'conversation_id = 9701'), ('wallet_balances', 'wallet_id = 9101'),
               ('ledger_entries', 'wallet_id = 9101'), ('wallet_transactions', 'memo = ''rls-a-seed''')) AS v(t, own);
SELECT is(pg_temp.n(format('SELECT count(*) FROM tradecore.%s WHERE %s', t, other)), 0::bigint,
          'agent A cannot select agent B''s ' || t)
  FROM (VALUES ('wallets', 'id = 9102'), ('wallet_balances', 'wallet_id = 9102'),
               ('ledger_entries', 'wallet_id = 9102'), ('wallet_transactions', 'memo = ''rls-b-seed'''),
               ('orders', 'agent_id = 9002'), ('order_events', 'order_id = 9402'), ('fills', 'id = 9502'),
               ('trading_positions', 'wallet_id = 9102'), ('trading_signals', 'agent_id = 9002'),
               ('trading_strategies', 'id = 9302'), ('agent_votes', 'agent_id = 9002'),
               ('llm_conversations', 'id = 9702'), ('llm_messages', 'conversation_id = 9702'),
               ('agent_communications', 'from_agent_id = 9002'), ('autonomous_agents', 'id = 9002'),
               ('events', 'agent_id = 9002')) AS v(t, other);

-- insert: rows owned by B refused (RLS WITH CHECK or no privilege: 42501 either way)
SELECT throws_ok($$INSERT INTO tradecore.orders (agent_id, wallet_id, instrument_id, exchange_id, side, price, qty)
                   VALUES (9002, 9102, 9201, 1, 'buy', 10, 1)$$, '42501', NULL, 'agent A cannot insert an order as agent B');
SELECT throws_ok($$INSERT INTO tradecore.orders (agent_id, wallet_id, instrument_id, exchange_id, side, price, qty)
                   VALUES (9001, 9102, 9201, 1, 'buy', 10, 1)$$, '42501', NULL, 'agent A cannot insert an order on agent B''s wallet');
SELECT throws_ok($$INSERT INTO tradecore.trading_signals (strategy_id, instrument_id, agent_id, direction, strength, confidence)
                   VALUES (9302, 9201, 9002, 1, 0.5, 0.5)$$, '42501', NULL, 'agent A cannot insert a signal for agent B');
SELECT throws_ok($$INSERT INTO tradecore.agent_votes (context_id, agent_id, vote) VALUES (9602, 9002, 'buy')$$,
                 '42501', NULL, 'agent A cannot vote as agent B');
SELECT throws_ok($$INSERT INTO tradecore.llm_conversations (agent_id) VALUES (9002)$$,
                 '42501', NULL, 'agent A cannot open a conversation for agent B');
SELECT throws_ok($$INSERT INTO tradecore.llm_messages (conversation_id, role, content) VALUES (9702, 'user', 'x')$$,
                 '42501', NULL, 'agent A cannot write into agent B''s conversation');
SELECT throws_ok($$INSERT INTO tradecore.order_events (order_id, kind) VALUES (9402, 'x')$$,
                 '42501', NULL, 'agent A cannot add events to agent B''s order');
SELECT throws_ok($$INSERT INTO tradecore.agent_communications (from_agent_id, content) VALUES (9002, '{}')$$,
                 '42501', NULL, 'agent A cannot send a message as agent B');
SELECT throws_ok(format('INSERT INTO tradecore.%s DEFAULT VALUES', t), '42501', NULL,
                 'agent A cannot insert into ' || t)
  FROM unnest(ARRAY['wallets', 'wallet_balances', 'ledger_entries', 'wallet_transactions', 'fills',
                    'trading_positions', 'events', 'audit_log', 'risk_limits']) AS t;

-- update: B's rows are invisible, so nothing is updated; moving own rows to B is refused
SELECT is(pg_temp.n(format('WITH u AS (UPDATE tradecore.%s SET %s WHERE %s RETURNING 1) SELECT count(*) FROM u', t, s, w)),
          0::bigint, 'agent A updates none of agent B''s ' || t)
  FROM (VALUES ('orders', 'status = ''canceled''', 'id = 9402'),
               ('agent_votes', 'vote = ''buy''', 'agent_id = 9002'),
               ('llm_conversations', 'title = ''mine''', 'id = 9702')) AS v(t, s, w);
SELECT throws_ok($$UPDATE tradecore.agent_votes SET agent_id = 9002 WHERE agent_id = 9001$$, '42501', NULL,
                 'agent A cannot hand its vote to agent B');
SELECT throws_ok($$UPDATE tradecore.orders SET agent_id = 9002 WHERE id = 9401$$, '42501', NULL,
                 'agent A cannot change an order''s owner (column privilege)');
SELECT throws_ok($$UPDATE tradecore.wallets SET allow_credit = true WHERE id = 9101$$, '42501', NULL,
                 'agent A cannot give itself credit');
SELECT throws_ok($$UPDATE tradecore.wallet_balances SET amount = 1e9 WHERE wallet_id = 9101$$, '42501', NULL,
                 'agent A cannot write balances');

-- delete: B's rows untouched
SELECT is(pg_temp.n(format('WITH d AS (DELETE FROM tradecore.%s WHERE %s RETURNING 1) SELECT count(*) FROM d', t, w)),
          0::bigint, 'agent A deletes none of agent B''s ' || t)
  FROM (VALUES ('agent_votes', 'agent_id = 9002'), ('llm_conversations', 'id = 9702')) AS v(t, w);
SELECT throws_ok($$DELETE FROM tradecore.orders WHERE id = 9402$$, '42501', NULL, 'agent A cannot delete orders');
SELECT throws_ok($$DELETE FROM tradecore.trading_signals$$, '42501', NULL, 'agent A cannot delete signals');

-- money: an agent debits only its own wallets
SELECT throws_ok($$SELECT tradecore.transfer(9102, 9101, 'USD', 1)$$, '42501',
                 'role tc_t_agent_a may not move funds out of wallet 9102', 'agent A cannot transfer out of agent B''s wallet');
SELECT throws_ok($$SELECT tradecore.allocate_funds(9102, ARRAY[9101], 'USD', ARRAY[1]::numeric[])$$, '42501', NULL,
                 'agent A cannot allocate from agent B''s wallet');
SELECT lives_ok($$SELECT tradecore.transfer(9101, 9102, 'USD', 1, 'a pays b')$$, 'agent A can pay agent B from its own wallet');

-- own rows: writes work
SELECT lives_ok($$INSERT INTO tradecore.orders (agent_id, wallet_id, instrument_id, exchange_id, side, price, qty)
                  VALUES (9001, 9101, 9201, 1, 'sell', 11, 1)$$, 'agent A can place an order on its own wallet');
SELECT is(pg_temp.n($$WITH u AS (UPDATE tradecore.orders SET status = 'canceled' WHERE id = 9401 RETURNING 1) SELECT count(*) FROM u$$),
          1::bigint, 'agent A can cancel its own order');
SELECT lives_ok($$INSERT INTO tradecore.llm_messages (conversation_id, role, content) VALUES (9701, 'assistant', 'ok')$$,
                'agent A can write into its own conversation');

-- events: an agent emits only as itself and reads its own and broadcast events
SELECT tradecore.emit('agent.message', '{"agent_id": 9002}') AS emitted_by_a \gset
SELECT is((SELECT agent_id FROM tradecore.events WHERE id = :emitted_by_a),
          9001::bigint, 'an event emitted by agent A is attributed to A whatever the payload says');
SELECT is((SELECT count(*) FROM tradecore.events_after(0, 100000) WHERE agent_id = 9002), 0::bigint,
          'events_after shows agent A none of agent B''s events');
RESET ROLE;

SELECT is((SELECT status FROM tradecore.orders WHERE id = 9402), 'new', 'agent B''s order is unchanged');
SELECT is((SELECT count(*) FROM tradecore.agent_votes WHERE agent_id = 9002), 1::bigint, 'agent B''s vote still exists');
SELECT is((SELECT amount FROM tradecore.wallet_balances WHERE wallet_id = 9102 AND asset = 'USD'), 101::numeric,
          'agent B''s balance moved only by A''s payment');

------------------------------------------------------------------------------------------
SET ROLE tc_t_viewer;
SELECT is(pg_temp.n('SELECT count(*) FROM tradecore.orders WHERE id IN (9401, 9402)'), 2::bigint, 'the viewer reads every agent''s orders');
SELECT is(pg_temp.n('SELECT count(*) FROM tradecore.wallet_balances WHERE wallet_id IN (9101, 9102)'), 2::bigint, 'the viewer reads every balance');
SELECT throws_ok($$INSERT INTO tradecore.orders (agent_id, wallet_id, instrument_id, exchange_id, side, price, qty)
                   VALUES (9001, 9101, 9201, 1, 'buy', 10, 1)$$, '42501', NULL, 'the viewer cannot insert');
SELECT throws_ok($$UPDATE tradecore.orders SET status = 'canceled'$$, '42501', NULL, 'the viewer cannot update');
SELECT throws_ok($$DELETE FROM tradecore.agent_votes$$, '42501', NULL, 'the viewer cannot delete');
SELECT throws_ok($$SELECT tradecore.transfer(9101, 9102, 'USD', 1)$$, '42501', NULL, 'the viewer cannot move money');
SELECT throws_ok($$SELECT tradecore.emit('alert', '{}')$$, '42501', NULL, 'the viewer cannot emit events');
RESET ROLE;
SELECT is((SELECT array_agg(c.relname ORDER BY c.relname) FROM pg_class c
            WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p', 'v')
              AND (has_table_privilege('tradecore_viewer', c.oid, 'INSERT') OR has_table_privilege('tradecore_viewer', c.oid, 'UPDATE')
                   OR has_table_privilege('tradecore_viewer', c.oid, 'DELETE') OR has_table_privilege('tradecore_viewer', c.oid, 'TRUNCATE'))),
          NULL, 'the viewer holds no write privilege on any tradecore table');

------------------------------------------------------------------------------------------
SET ROLE tc_t_operator;
SELECT is(pg_temp.n('SELECT count(*) FROM tradecore.orders WHERE id IN (9401, 9402)'), 2::bigint, 'the operator reads every order');
SELECT lives_ok($$SELECT tradecore.transfer(9102, 9101, 'USD', 1, 'operator move')$$, 'the operator moves money between any wallets');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (1, 9101, 'USD', 1)$$,
                 '42501', NULL, 'the operator cannot post ledger legs directly');
RESET ROLE;

-- every table holding per-agent or per-wallet rows has row-level security, forced
SELECT is((SELECT array_agg(DISTINCT c.relname ORDER BY c.relname) FROM pg_class c
             JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND a.attname IN ('agent_id', 'wallet_id', 'from_agent_id', 'child_wallet_id') AND NOT a.attisdropped
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity)),
          NULL, 'row-level security is enabled and forced on every table with an agent or wallet owner key');

SELECT * FROM finish();
ROLLBACK;
