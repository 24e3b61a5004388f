-- place_order writes exactly the rows it wrote before the fill recording was made
-- set-based (issue 6): a scenario with every outcome (resting, several fills across levels,
-- a retried client order id, IOC, post-only and FOK refusals, partial fills, a self-trade,
-- an agent placing orders through its own role, a position flip, a cancel) and every row it
-- leaves in orders, order_events, fills, trading_positions and events, ids replaced by
-- names.  The expected values were captured from the previous implementation
-- (paper_record_fill / paper_apply_position, one statement per row), with the average
-- prices then rounded to 16 decimals (pgTAP 308).
BEGIN;
SELECT plan(6);

UPDATE tradecore.exchanges SET maker_fee_bps = 10, taker_fee_bps = 20 WHERE code = 'paper';
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'GLD/USD', 'GLD/USD', 'GLD', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
CREATE ROLE tc_t306_agent IN ROLE tradecore_agent;
INSERT INTO tradecore.autonomous_agents (name, role_name) VALUES ('t306 agent', 'tc_t306_agent');
INSERT INTO tradecore.wallets (name, kind, agent_id)
SELECT 't306 a', 'agent', id FROM tradecore.autonomous_agents WHERE name = 't306 agent';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t306 b', 'master'), ('t306 c', 'master');
CREATE TEMP TABLE w306 AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't306 a') AS a,
       (SELECT id FROM tradecore.wallets WHERE name = 't306 b') AS b,
       (SELECT id FROM tradecore.wallets WHERE name = 't306 c') AS c;
GRANT SELECT ON w306 TO tc_t306_agent;
CREATE TEMP TABLE o306 (name text PRIMARY KEY, id bigint);
GRANT SELECT, INSERT ON o306 TO tc_t306_agent;
CREATE TEMP TABLE e306 AS SELECT coalesce(max(id), 0) AS last FROM tradecore.events;
-- makers at two levels, one from the agent's wallet
INSERT INTO o306 SELECT 's1', tradecore.place_order(b, 'GLD/USD', 'sell', 1.0, 100.00, client_order_id => 's1') FROM w306;
INSERT INTO o306 SELECT 's2', tradecore.place_order(c, 'GLD/USD', 'sell', 2.0, 101.00, client_order_id => 's2') FROM w306;
INSERT INTO o306 SELECT 's3', tradecore.place_order(b, 'GLD/USD', 'sell', 0.7, 101.00) FROM w306;
-- market buy through two levels (three fills), then a retry of the same client order id
INSERT INTO o306 SELECT 'm1', tradecore.place_order(c, 'GLD/USD', 'buy', 2.5, client_order_id => 'm1') FROM w306;
CREATE TEMP TABLE r306 AS SELECT tradecore.place_order(c, 'GLD/USD', 'buy', 2.5, client_order_id => 'm1') AS id FROM w306;
-- IOC partly filled, remainder canceled; post-only rejected; FOK rejected
INSERT INTO o306 SELECT 'i1', tradecore.place_order(b, 'GLD/USD', 'buy', 1.0, 101.00, time_in_force => 'ioc', client_order_id => 'i1') FROM w306;
INSERT INTO o306 SELECT 'p1', tradecore.place_order(b, 'GLD/USD', 'buy', 1.0, 101.00, time_in_force => 'post_only', client_order_id => 'p1') FROM w306;
INSERT INTO o306 SELECT 'k1', tradecore.place_order(b, 'GLD/USD', 'sell', 9.0, 50.00, time_in_force => 'fok', client_order_id => 'k1') FROM w306;
-- bids: the agent places one itself (role semantics of events), c another
SET ROLE tc_t306_agent;
INSERT INTO o306 SELECT 'ab1', tradecore.place_order(a, 'GLD/USD', 'buy', 1.5, 99.00, client_order_id => 'ab1') FROM w306;
RESET ROLE;
INSERT INTO o306 SELECT 'cb1', tradecore.place_order(c, 'GLD/USD', 'buy', 1.0, 98.50, client_order_id => 'cb1') FROM w306;
-- c sells into the agent's bid (partial), then c sells into its own bid and the agent's rest
INSERT INTO o306 SELECT 'cs1', tradecore.place_order(c, 'GLD/USD', 'sell', 0.4, 99.00, client_order_id => 'cs1') FROM w306;
INSERT INTO o306 SELECT 'cs2', tradecore.place_order(c, 'GLD/USD', 'sell', 3.0, 98.50, client_order_id => 'cs2') FROM w306;
-- the agent takes liquidity from b and c: the makers' fill and order.filled events belong to the
-- makers' wallets (not to the calling agent, which must not see them)
INSERT INTO o306 SELECT 'b4', tradecore.place_order(b, 'GLD/USD', 'sell', 0.3, 102.00, client_order_id => 'b4') FROM w306;
SET ROLE tc_t306_agent;
INSERT INTO o306 SELECT 'am1', tradecore.place_order(a, 'GLD/USD', 'buy', 3.0, 102.00, client_order_id => 'am1') FROM w306;
RESET ROLE;
-- b flips from short to long
INSERT INTO o306 SELECT 'bs', tradecore.place_order(c, 'GLD/USD', 'sell', 4.0, 103.00, client_order_id => 'bs') FROM w306;
INSERT INTO o306 SELECT 'bb', tradecore.place_order(b, 'GLD/USD', 'buy', 3.5, 103.00, client_order_id => 'bb') FROM w306;
CREATE TEMP TABLE c306 AS SELECT tradecore.cancel_order((SELECT id FROM o306 WHERE name = 'bs')) AS status;

-- normalised dump: ids replaced by names
CREATE TEMP VIEW d306 AS
WITH wn AS (SELECT id, name FROM tradecore.wallets WHERE name LIKE 't306 %'),
     an AS (SELECT id, name FROM tradecore.autonomous_agents WHERE name LIKE 't306 %')
SELECT 'order' AS tbl, o.name AS k, concat_ws(' | ', x.side, x.type, x.time_in_force, x.price, x.qty, x.filled_qty,
         x.avg_fill_price, x.status, x.reject_reason, x.venue_order_id = 'paper-' || x.id, wn.name, an.name,
         x.client_order_id = o.name) AS v
  FROM o306 o JOIN tradecore.orders x ON x.id = o.id JOIN wn ON wn.id = x.wallet_id LEFT JOIN an ON an.id = x.agent_id
UNION ALL
SELECT 'order_event', lpad((row_number() OVER (ORDER BY e.id))::text, 3, '0'),
       concat_ws(' | ', o.name, e.kind, e.details - 'counter_order_id', c.name, wn.name, an.name)
  FROM tradecore.order_events e JOIN o306 o ON o.id = e.order_id LEFT JOIN o306 c ON c.id = (e.details ->> 'counter_order_id')::bigint
  LEFT JOIN wn ON wn.id = e.wallet_id LEFT JOIN an ON an.id = e.agent_id
UNION ALL
SELECT 'fill', lpad((row_number() OVER (ORDER BY f.id))::text, 3, '0'),
       concat_ws(' | ', o.name, f.price, f.qty, f.fee, f.fee_asset, f.liquidity,
                 f.venue_fill_id ~ '^paper-[0-9]+-[0-9]+$', wn.name, an.name)
  FROM tradecore.fills f JOIN o306 o ON o.id = f.order_id LEFT JOIN wn ON wn.id = f.wallet_id LEFT JOIN an ON an.id = f.agent_id
UNION ALL
SELECT 'position', wn.name, concat_ws(' | ', p.qty, p.avg_price, p.realized_pnl, an.name)
  FROM tradecore.trading_positions p JOIN wn ON wn.id = p.wallet_id LEFT JOIN an ON an.id = p.agent_id
 WHERE p.instrument_id = (SELECT id FROM tradecore.instruments WHERE symbol = 'GLD/USD')
UNION ALL
SELECT 'event', lpad((row_number() OVER (ORDER BY e.id))::text, 3, '0'),
       concat_ws(' | ', e.type, e.topic, wn.name, an.name,
                 regexp_replace(regexp_replace((e.payload - 'order_id' - 'wallet_id' - 'agent_id')::text,
                                               '"instrument_id": ' || (SELECT id FROM tradecore.instruments WHERE symbol = 'GLD/USD') || '([,}])',
                                               '"instrument_id": "GLD/USD"\1'),
                                '"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"', '"<uuid>"'),
                 o.name, pw.name, pa.name)
  FROM tradecore.events e
  LEFT JOIN o306 o ON o.id = (e.payload ->> 'order_id')::bigint
  LEFT JOIN wn ON wn.id = e.wallet_id LEFT JOIN an ON an.id = e.agent_id
  LEFT JOIN wn pw ON pw.id = (e.payload ->> 'wallet_id')::bigint LEFT JOIN an pa ON pa.id = (e.payload ->> 'agent_id')::bigint
 WHERE e.id > (SELECT last FROM e306);

SELECT is((SELECT id FROM r306), (SELECT id FROM o306 WHERE name = 'm1'), 'the retried client order id returned the first order');
SELECT results_eq($$SELECT v FROM d306 WHERE tbl = 'order' ORDER BY k$$,
                  ARRAY[
    $r$buy | limit | gtc | 99.00 | 1.5 | 1.500 | 99.0000000000000000 | filled | t | t306 a | t306 agent | t$r$,
    $r$buy | limit | gtc | 102.00 | 3.0 | 1.400 | 99.6071428571428571 | partially_filled | t | t306 a | t306 agent | t$r$,
    $r$sell | limit | gtc | 102.00 | 0.3 | 0.300 | 102.0000000000000000 | filled | t | t306 b | t$r$,
    $r$buy | limit | gtc | 103.00 | 3.5 | 3.500 | 103.0000000000000000 | filled | t | t306 b | t$r$,
    $r$sell | limit | gtc | 103.00 | 4.0 | 3.500 | 103.0000000000000000 | canceled | canceled by request | t | t306 c | t$r$,
    $r$buy | limit | gtc | 98.50 | 1.0 | 1.000 | 98.5000000000000000 | filled | t | t306 c | t$r$,
    $r$sell | limit | gtc | 99.00 | 0.4 | 0.400 | 99.0000000000000000 | filled | t | t306 c | t$r$,
    $r$sell | limit | gtc | 98.50 | 3.0 | 3.000 | 98.6833333333333333 | filled | t | t306 c | t$r$,
    $r$buy | limit | ioc | 101.00 | 1.0 | 1.000 | 101.0000000000000000 | filled | t | t306 b | t$r$,
    $r$sell | limit | fok | 50.00 | 9.0 | 0 | rejected | fill-or-kill order could not be filled completely | t | t306 b | t$r$,
    $r$buy | market | gtc | 2.5 | 2.500 | 100.6000000000000000 | filled | t | t306 c | t$r$,
    $r$buy | limit | post_only | 101.00 | 1.0 | 0 | rejected | post-only order would have taken liquidity | t | t306 b | t$r$,
    $r$sell | limit | gtc | 100.00 | 1.0 | 1.000 | 100.0000000000000000 | filled | t | t306 b | t$r$,
    $r$sell | limit | gtc | 101.00 | 2.0 | 2.000 | 101.0000000000000000 | filled | t | t306 c | t$r$,
    $r$sell | limit | gtc | 101.00 | 0.7 | 0.700 | 101.0000000000000000 | filled | t | t306 b | f$r$
],
                  'every order row (side, type, tif, price, qty, filled, average price, status, reason, venue id, owners)');
SELECT results_eq($$SELECT v FROM d306 WHERE tbl = 'order_event' ORDER BY k$$,
                  ARRAY[
    $r$s1 | new | {"client_order_id": "s1"} | t306 b$r$,
    $r$s1 | open | {"reason": null, "filled_qty": "0"} | t306 b$r$,
    $r$s2 | new | {"client_order_id": "s2"} | t306 c$r$,
    $r$s2 | open | {"reason": null, "filled_qty": "0"} | t306 c$r$,
    $r$s3 | new | {"client_order_id": null} | t306 b$r$,
    $r$s3 | open | {"reason": null, "filled_qty": "0"} | t306 b$r$,
    $r$m1 | new | {"client_order_id": "m1"} | t306 c$r$,
    $r$m1 | fill | {"qty": "1.000", "price": "100.00", "liquidity": "taker"} | s1 | t306 c$r$,
    $r$s1 | fill | {"qty": "1.000", "price": "100.00", "liquidity": "maker"} | m1 | t306 b$r$,
    $r$m1 | fill | {"qty": "1.500", "price": "101.00", "liquidity": "taker"} | s2 | t306 c$r$,
    $r$s2 | fill | {"qty": "1.500", "price": "101.00", "liquidity": "maker"} | m1 | t306 c$r$,
    $r$m1 | filled | {"reason": null, "filled_qty": "2.500"} | t306 c$r$,
    $r$i1 | new | {"client_order_id": "i1"} | t306 b$r$,
    $r$i1 | fill | {"qty": "0.500", "price": "101.00", "liquidity": "taker"} | s2 | t306 b$r$,
    $r$s2 | fill | {"qty": "0.500", "price": "101.00", "liquidity": "maker"} | i1 | t306 c$r$,
    $r$i1 | fill | {"qty": "0.500", "price": "101.00", "liquidity": "taker"} | s3 | t306 b$r$,
    $r$s3 | fill | {"qty": "0.500", "price": "101.00", "liquidity": "maker"} | i1 | t306 b$r$,
    $r$i1 | filled | {"reason": null, "filled_qty": "1.000"} | t306 b$r$,
    $r$p1 | new | {"client_order_id": "p1"} | t306 b$r$,
    $r$p1 | rejected | {"reason": "post-only order would have taken liquidity", "filled_qty": "0"} | t306 b$r$,
    $r$k1 | new | {"client_order_id": "k1"} | t306 b$r$,
    $r$k1 | rejected | {"reason": "fill-or-kill order could not be filled completely", "filled_qty": "0"} | t306 b$r$,
    $r$ab1 | new | {"client_order_id": "ab1"} | t306 a | t306 agent$r$,
    $r$ab1 | open | {"reason": null, "filled_qty": "0"} | t306 a | t306 agent$r$,
    $r$cb1 | new | {"client_order_id": "cb1"} | t306 c$r$,
    $r$cb1 | open | {"reason": null, "filled_qty": "0"} | t306 c$r$,
    $r$cs1 | new | {"client_order_id": "cs1"} | t306 c$r$,
    $r$cs1 | fill | {"qty": "0.400", "price": "99.00", "liquidity": "taker"} | ab1 | t306 c$r$,
    $r$ab1 | fill | {"qty": "0.400", "price": "99.00", "liquidity": "maker"} | cs1 | t306 a | t306 agent$r$,
    $r$cs1 | filled | {"reason": null, "filled_qty": "0.400"} | t306 c$r$,
    $r$cs2 | new | {"client_order_id": "cs2"} | t306 c$r$,
    $r$cs2 | fill | {"qty": "1.100", "price": "99.00", "liquidity": "taker"} | ab1 | t306 c$r$,
    $r$ab1 | fill | {"qty": "1.100", "price": "99.00", "liquidity": "maker"} | cs2 | t306 a | t306 agent$r$,
    $r$cs2 | fill | {"qty": "1.000", "price": "98.50", "liquidity": "taker"} | cb1 | t306 c$r$,
    $r$cb1 | fill | {"qty": "1.000", "price": "98.50", "liquidity": "maker"} | cs2 | t306 c$r$,
    $r$cs2 | partially_filled | {"reason": null, "filled_qty": "2.100"} | t306 c$r$,
    $r$b4 | new | {"client_order_id": "b4"} | t306 b$r$,
    $r$b4 | open | {"reason": null, "filled_qty": "0"} | t306 b$r$,
    $r$am1 | new | {"client_order_id": "am1"} | t306 a | t306 agent$r$,
    $r$am1 | fill | {"qty": "0.900", "price": "98.50", "liquidity": "taker"} | cs2 | t306 a | t306 agent$r$,
    $r$cs2 | fill | {"qty": "0.900", "price": "98.50", "liquidity": "maker"} | am1 | t306 c$r$,
    $r$am1 | fill | {"qty": "0.200", "price": "101.00", "liquidity": "taker"} | s3 | t306 a | t306 agent$r$,
    $r$s3 | fill | {"qty": "0.200", "price": "101.00", "liquidity": "maker"} | am1 | t306 b$r$,
    $r$am1 | fill | {"qty": "0.300", "price": "102.00", "liquidity": "taker"} | b4 | t306 a | t306 agent$r$,
    $r$b4 | fill | {"qty": "0.300", "price": "102.00", "liquidity": "maker"} | am1 | t306 b$r$,
    $r$am1 | partially_filled | {"reason": null, "filled_qty": "1.400"} | t306 a | t306 agent$r$,
    $r$bs | new | {"client_order_id": "bs"} | t306 c$r$,
    $r$bs | open | {"reason": null, "filled_qty": "0"} | t306 c$r$,
    $r$bb | new | {"client_order_id": "bb"} | t306 b$r$,
    $r$bb | fill | {"qty": "3.500", "price": "103.00", "liquidity": "taker"} | bs | t306 b$r$,
    $r$bs | fill | {"qty": "3.500", "price": "103.00", "liquidity": "maker"} | bb | t306 c$r$,
    $r$bb | filled | {"reason": null, "filled_qty": "3.500"} | t306 b$r$,
    $r$bs | canceled | {"remaining_qty": "0.500"} | t306 c$r$
],
                  'order_events in id order (kind, details, counter order, owner keys)');
SELECT results_eq($$SELECT v FROM d306 WHERE tbl = 'fill' ORDER BY k$$,
                  ARRAY[
    $r$m1 | 100.00 | 1.000 | 0.20000 | USD | taker | t | t306 c$r$,
    $r$s1 | 100.00 | 1.000 | 0.10000 | USD | maker | t | t306 b$r$,
    $r$m1 | 101.00 | 1.500 | 0.30300 | USD | taker | t | t306 c$r$,
    $r$s2 | 101.00 | 1.500 | 0.15150 | USD | maker | t | t306 c$r$,
    $r$i1 | 101.00 | 0.500 | 0.10100 | USD | taker | t | t306 b$r$,
    $r$s2 | 101.00 | 0.500 | 0.05050 | USD | maker | t | t306 c$r$,
    $r$i1 | 101.00 | 0.500 | 0.10100 | USD | taker | t | t306 b$r$,
    $r$s3 | 101.00 | 0.500 | 0.05050 | USD | maker | t | t306 b$r$,
    $r$cs1 | 99.00 | 0.400 | 0.07920 | USD | taker | t | t306 c$r$,
    $r$ab1 | 99.00 | 0.400 | 0.03960 | USD | maker | t | t306 a | t306 agent$r$,
    $r$cs2 | 99.00 | 1.100 | 0.21780 | USD | taker | t | t306 c$r$,
    $r$ab1 | 99.00 | 1.100 | 0.10890 | USD | maker | t | t306 a | t306 agent$r$,
    $r$cs2 | 98.50 | 1.000 | 0.19700 | USD | taker | t | t306 c$r$,
    $r$cb1 | 98.50 | 1.000 | 0.09850 | USD | maker | t | t306 c$r$,
    $r$am1 | 98.50 | 0.900 | 0.17730 | USD | taker | t | t306 a | t306 agent$r$,
    $r$cs2 | 98.50 | 0.900 | 0.08865 | USD | maker | t | t306 c$r$,
    $r$am1 | 101.00 | 0.200 | 0.04040 | USD | taker | t | t306 a | t306 agent$r$,
    $r$s3 | 101.00 | 0.200 | 0.02020 | USD | maker | t | t306 b$r$,
    $r$am1 | 102.00 | 0.300 | 0.06120 | USD | taker | t | t306 a | t306 agent$r$,
    $r$b4 | 102.00 | 0.300 | 0.03060 | USD | maker | t | t306 b$r$,
    $r$bb | 103.00 | 3.500 | 0.72100 | USD | taker | t | t306 b$r$,
    $r$bs | 103.00 | 3.500 | 0.36050 | USD | maker | t | t306 c$r$
],
                  'fills in id order (order, price, qty, fee, fee asset, liquidity, venue fill id, owner keys)');
SELECT results_eq($$SELECT v FROM d306 WHERE tbl = 'position' ORDER BY k$$,
                  ARRAY[
    $r$2.900 | 99.2931034482758621 | -0.42740 | t306 agent$r$,
    $r$2.500 | 103.00 | -3.8243000000000000000$r$,
    $r$-5.400 | 101.4629629629629630 | -1.4966500000000000000$r$
],
                  'positions (qty, average price, realised P&L, agent)');
SELECT results_eq($$SELECT v FROM d306 WHERE tbl = 'event' ORDER BY k$$,
                  ARRAY[
    $r$order.new | order | t306 b | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "s1"} | s1 | t306 b$r$,
    $r$order.new | order | t306 c | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "s2"} | s2 | t306 c$r$,
    $r$order.new | order | t306 b | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": null} | s3 | t306 b$r$,
    $r$fill | fill | t306 c | {"qty": "1.000", "side": "buy", "price": "100.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | m1 | t306 c$r$,
    $r$fill | fill | t306 b | {"qty": "1.000", "side": "sell", "price": "100.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | s1 | t306 b$r$,
    $r$order.filled | order | t306 b | {"client_order_id": "s1"} | s1 | t306 b$r$,
    $r$fill | fill | t306 c | {"qty": "1.500", "side": "buy", "price": "101.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | m1 | t306 c$r$,
    $r$fill | fill | t306 c | {"qty": "1.500", "side": "sell", "price": "101.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | s2 | t306 c$r$,
    $r$order.filled | order | t306 c | {"status": "filled", "symbol": "GLD/USD", "filled_qty": "2.500", "client_order_id": "m1"} | m1 | t306 c$r$,
    $r$fill | fill | t306 b | {"qty": "0.500", "side": "buy", "price": "101.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | i1 | t306 b$r$,
    $r$fill | fill | t306 c | {"qty": "0.500", "side": "sell", "price": "101.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | s2 | t306 c$r$,
    $r$order.filled | order | t306 c | {"client_order_id": "s2"} | s2 | t306 c$r$,
    $r$fill | fill | t306 b | {"qty": "0.500", "side": "buy", "price": "101.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | i1 | t306 b$r$,
    $r$fill | fill | t306 b | {"qty": "0.500", "side": "sell", "price": "101.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | s3 | t306 b$r$,
    $r$order.filled | order | t306 b | {"status": "filled", "symbol": "GLD/USD", "filled_qty": "1.000", "client_order_id": "i1"} | i1 | t306 b$r$,
    $r$order.canceled | order | t306 b | {"status": "rejected", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "p1"} | p1 | t306 b$r$,
    $r$order.canceled | order | t306 b | {"status": "rejected", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "k1"} | k1 | t306 b$r$,
    $r$order.new | order | t306 a | t306 agent | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "ab1"} | ab1 | t306 a | t306 agent$r$,
    $r$order.new | order | t306 c | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "cb1"} | cb1 | t306 c$r$,
    $r$fill | fill | t306 c | {"qty": "0.400", "side": "sell", "price": "99.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | cs1 | t306 c$r$,
    $r$fill | fill | t306 a | t306 agent | {"qty": "0.400", "side": "buy", "price": "99.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | ab1 | t306 a | t306 agent$r$,
    $r$order.filled | order | t306 c | {"status": "filled", "symbol": "GLD/USD", "filled_qty": "0.400", "client_order_id": "cs1"} | cs1 | t306 c$r$,
    $r$fill | fill | t306 c | {"qty": "1.100", "side": "sell", "price": "99.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | cs2 | t306 c$r$,
    $r$fill | fill | t306 a | t306 agent | {"qty": "1.100", "side": "buy", "price": "99.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | ab1 | t306 a | t306 agent$r$,
    $r$order.filled | order | t306 a | t306 agent | {"client_order_id": "ab1"} | ab1 | t306 a | t306 agent$r$,
    $r$fill | fill | t306 c | {"qty": "1.000", "side": "sell", "price": "98.50", "liquidity": "taker", "instrument_id": "GLD/USD"} | cs2 | t306 c$r$,
    $r$fill | fill | t306 c | {"qty": "1.000", "side": "buy", "price": "98.50", "liquidity": "maker", "instrument_id": "GLD/USD"} | cb1 | t306 c$r$,
    $r$order.filled | order | t306 c | {"client_order_id": "cb1"} | cb1 | t306 c$r$,
    $r$order.new | order | t306 c | {"status": "partially_filled", "symbol": "GLD/USD", "filled_qty": "2.100", "client_order_id": "cs2"} | cs2 | t306 c$r$,
    $r$order.new | order | t306 b | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "b4"} | b4 | t306 b$r$,
    $r$fill | fill | t306 a | t306 agent | {"qty": "0.900", "side": "buy", "price": "98.50", "liquidity": "taker", "instrument_id": "GLD/USD"} | am1 | t306 a | t306 agent$r$,
    $r$fill | fill | t306 c | {"qty": "0.900", "side": "sell", "price": "98.50", "liquidity": "maker", "instrument_id": "GLD/USD"} | cs2 | t306 c$r$,
    $r$order.filled | order | t306 c | {"client_order_id": "cs2"} | cs2 | t306 c$r$,
    $r$fill | fill | t306 a | t306 agent | {"qty": "0.200", "side": "buy", "price": "101.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | am1 | t306 a | t306 agent$r$,
    $r$fill | fill | t306 b | {"qty": "0.200", "side": "sell", "price": "101.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | s3 | t306 b$r$,
    $r$order.filled | order | t306 b | {"client_order_id": "<uuid>"} | s3 | t306 b$r$,
    $r$fill | fill | t306 a | t306 agent | {"qty": "0.300", "side": "buy", "price": "102.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | am1 | t306 a | t306 agent$r$,
    $r$fill | fill | t306 b | {"qty": "0.300", "side": "sell", "price": "102.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | b4 | t306 b$r$,
    $r$order.filled | order | t306 b | {"client_order_id": "b4"} | b4 | t306 b$r$,
    $r$order.new | order | t306 a | t306 agent | {"status": "partially_filled", "symbol": "GLD/USD", "filled_qty": "1.400", "client_order_id": "am1"} | am1 | t306 a | t306 agent$r$,
    $r$order.new | order | t306 c | {"status": "open", "symbol": "GLD/USD", "filled_qty": "0", "client_order_id": "bs"} | bs | t306 c$r$,
    $r$fill | fill | t306 b | {"qty": "3.500", "side": "buy", "price": "103.00", "liquidity": "taker", "instrument_id": "GLD/USD"} | bb | t306 b$r$,
    $r$fill | fill | t306 c | {"qty": "3.500", "side": "sell", "price": "103.00", "liquidity": "maker", "instrument_id": "GLD/USD"} | bs | t306 c$r$,
    $r$order.filled | order | t306 b | {"status": "filled", "symbol": "GLD/USD", "filled_qty": "3.500", "client_order_id": "bb"} | bb | t306 b$r$,
    $r$order.canceled | order | t306 c | {"client_order_id": "bs"} | bs | t306 c$r$
],
                  'outbox events in id order (type, topic, owner keys, payload)');

SELECT * FROM finish();
ROLLBACK;
