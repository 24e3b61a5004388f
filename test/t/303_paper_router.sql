-- Paper exchange through the order router: price-time matching in C over the orders table,
-- fills on both sides with maker/taker fees, order states, positions, client order ids that
-- make retries idempotent, cancels, and books rebuilt when a backend's cache is stale.
BEGIN;
SELECT plan(34);

UPDATE tradecore.exchanges SET maker_fee_bps = 10, taker_fee_bps = 20 WHERE code = 'paper';
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'TST/USD', 'TST/USD', 'TST', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t303 maker', 'master'), ('t303 taker', 'master');
CREATE TEMP TABLE w AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't303 maker') AS maker,
       (SELECT id FROM tradecore.wallets WHERE name = 't303 taker') AS taker,
       (SELECT id FROM tradecore.instruments WHERE symbol = 'TST/USD'
           AND exchange_id = (SELECT id FROM tradecore.exchanges WHERE code = 'paper')) AS inst;
CREATE TEMP TABLE o (name text PRIMARY KEY, id bigint);

INSERT INTO o SELECT 's1', tradecore.place_order(maker, 'TST/USD', 'sell', 1.0, 100.00, client_order_id => 'm-1') FROM w;
INSERT INTO o SELECT 's2', tradecore.place_order(maker, 'TST/USD', 'sell', 2.0, 101.00, client_order_id => 'm-2') FROM w;
SELECT is((SELECT status FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 's1')), 'open', 'a limit sell with nothing to match rests (open)');
SELECT results_eq($$SELECT side, level, price, qty, orders FROM tradecore.paper_book((SELECT inst FROM w))$$,
                  $$VALUES ('ask', 1, 100.00, 1.000, 1), ('ask', 2, 101.00, 2.000, 1)$$,
                  'the paper book holds both asks, best first');

INSERT INTO o SELECT 'b1', tradecore.place_order(taker, 'TST/USD', 'buy', 1.5, client_order_id => 't-1') FROM w;
SELECT is((SELECT status FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'b1')), 'filled', 'a market buy of 1.5 fills');
SELECT results_eq($$SELECT f.price, f.qty, f.fee, f.liquidity FROM tradecore.fills f WHERE f.order_id = (SELECT id FROM o WHERE name = 'b1') ORDER BY f.id$$,
                  $$VALUES (100.00, 1.000, 0.20000, 'taker'), (101.00, 0.500, 0.10100, 'taker')$$,
                  'taker fills: best price first, then the next level; taker fee 20 bps');
SELECT results_eq($$SELECT f.order_id, f.qty, f.fee, f.liquidity FROM tradecore.fills f
                     WHERE f.order_id IN (SELECT id FROM o WHERE name IN ('s1', 's2')) ORDER BY f.id$$,
                  $$SELECT id, q, fee, 'maker' FROM (VALUES ('s1', 1.000, 0.10000), ('s2', 0.500, 0.05050)) v(n, q, fee) JOIN o ON o.name = v.n$$,
                  'maker fills on the resting orders; maker fee 10 bps');
SELECT is((SELECT round(avg_fill_price, 6) FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'b1')), 100.333333, 'average fill price of the taker');
SELECT is((SELECT status || ' ' || filled_qty FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 's1')), 'filled 1.000', 'first maker filled');
SELECT is((SELECT status || ' ' || filled_qty FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 's2')), 'partially_filled 0.500', 'second maker partially filled');
SELECT is((SELECT qty FROM tradecore.trading_positions WHERE wallet_id = (SELECT taker FROM w) AND instrument_id = (SELECT inst FROM w)), 1.500, 'taker position +1.5');
SELECT is((SELECT qty FROM tradecore.trading_positions WHERE wallet_id = (SELECT maker FROM w) AND instrument_id = (SELECT inst FROM w)), -1.500, 'maker position -1.5');
SELECT is((SELECT realized_pnl FROM tradecore.trading_positions WHERE wallet_id = (SELECT taker FROM w) AND instrument_id = (SELECT inst FROM w)), -0.30100, 'taker realised P&L is minus the fees so far');

-- client order ids: a retry returns the first order and places nothing
SELECT is(tradecore.place_order(taker, 'TST/USD', 'buy', 1.5, client_order_id => 't-1'), (SELECT id FROM o WHERE name = 'b1'), 'a retried client order id returns the same order') FROM w;
SELECT is((SELECT count(*) FROM tradecore.fills WHERE order_id = (SELECT id FROM o WHERE name = 'b1')), 2::bigint, 'the retry placed nothing: still two taker fills');
SELECT is((SELECT count(*) FROM tradecore.orders WHERE wallet_id = (SELECT taker FROM w)), 1::bigint, 'still one order in the taker wallet');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT taker FROM w), 'TST/USD', 'buy', 2.0, client_order_id => 't-1')$$,
                 '23505', NULL, 'reusing a client order id for a different order is refused');

-- time in force
INSERT INTO o SELECT 'po', tradecore.place_order(taker, 'TST/USD', 'buy', 1.0, 101.00, time_in_force => 'post_only') FROM w;
SELECT is((SELECT status || ': ' || reject_reason FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'po')),
          'rejected: post-only order would have taken liquidity', 'post-only that would cross is rejected');
INSERT INTO o SELECT 'fok', tradecore.place_order(taker, 'TST/USD', 'buy', 5.0, 101.00, time_in_force => 'fok') FROM w;
SELECT is((SELECT status || ' ' || filled_qty FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'fok')), 'rejected 0', 'FOK that cannot fill completely is rejected');
SELECT is((SELECT qty FROM tradecore.paper_book((SELECT inst FROM w)) WHERE side = 'ask' AND level = 1), 1.500, 'the rejected FOK left the book untouched');
INSERT INTO o SELECT 'ioc', tradecore.place_order(taker, 'TST/USD', 'buy', 2.0, 101.00, time_in_force => 'ioc') FROM w;
SELECT is((SELECT status || ' ' || filled_qty FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'ioc')), 'canceled 1.500', 'IOC fills what it can, the rest is canceled');
SELECT is((SELECT count(*) FROM tradecore.paper_book((SELECT inst FROM w))), 0::bigint, 'the book is empty now');

-- resting bids, cancel by id and by client order id, idempotent cancel
INSERT INTO o SELECT 'bid1', tradecore.place_order(taker, 'TST/USD', 'buy', 1.0, 99.00, client_order_id => 'bid-1') FROM w;
INSERT INTO o SELECT 'bid2', tradecore.place_order(taker, 'TST/USD', 'buy', 1.0, 99.00, client_order_id => 'bid-2') FROM w;
SELECT is(tradecore.cancel_order((SELECT id FROM o WHERE name = 'bid1')), 'canceled', 'cancel_order cancels a resting order');
SELECT is(tradecore.cancel_order((SELECT id FROM o WHERE name = 'bid1')), 'canceled', 'canceling again is harmless');
SELECT is(tradecore.cancel_order((SELECT id FROM o WHERE name = 's1')), 'filled', 'canceling a filled order returns its status');
SELECT results_eq($$SELECT side, price, qty, orders FROM tradecore.paper_book((SELECT inst FROM w))$$,
                  $$VALUES ('bid', 99.00, 1.000, 1)$$, 'only the second bid rests');

-- a stale cache (another backend matched, or a restart) is rebuilt from the orders table
INSERT INTO o SELECT 'bid3', tradecore.place_order(taker, 'TST/USD', 'buy', 0.5, 98.50) FROM w;
UPDATE tradecore.paper_books SET version = nextval('tradecore.paper_book_version_seq') WHERE instrument_id = (SELECT inst FROM w);
SELECT results_eq($$SELECT side, price, qty FROM tradecore.paper_book((SELECT inst FROM w))$$,
                  $$SELECT 'bid', price, sum(qty - filled_qty) FROM tradecore.orders
                     WHERE instrument_id = (SELECT inst FROM w) AND status IN ('open', 'partially_filled')
                     GROUP BY price ORDER BY price DESC$$,
                  'after invalidation the book equals the open orders');
INSERT INTO o SELECT 's3', tradecore.place_order(maker, 'TST/USD', 'sell', 1.2, 98.00) FROM w;
SELECT results_eq($$SELECT f.price, f.qty FROM tradecore.fills f WHERE f.order_id = (SELECT id FROM o WHERE name = 's3') ORDER BY f.id$$,
                  $$VALUES (99.00, 1.000), (98.50, 0.200)$$, 'the rebuilt book matches in price-time order');

-- an order placed in a rolled-back savepoint never rests: the next order of the same
-- transaction (whose book row stays locked) matches the book as the table has it
INSERT INTO o SELECT 'b9', tradecore.place_order(taker, 'TST/USD', 'buy', 0.1, 97.00) FROM w;
SAVEPOINT t303;
INSERT INTO o SELECT 'sv', tradecore.place_order(maker, 'TST/USD', 'sell', 1.0, 96.00) FROM w;
ROLLBACK TO SAVEPOINT t303;
INSERT INTO o SELECT 'b10', tradecore.place_order(taker, 'TST/USD', 'buy', 1.0, 96.00) FROM w;
SELECT is((SELECT status FROM tradecore.orders WHERE id = (SELECT id FROM o WHERE name = 'b10')), 'open',
          'the sell of a rolled-back savepoint is not on the book');
SELECT results_eq($$SELECT side, price, qty FROM tradecore.paper_book((SELECT inst FROM w)) WHERE side = 'bid' ORDER BY level$$,
                  $$SELECT 'bid', price, sum(qty - filled_qty) FROM tradecore.orders
                     WHERE instrument_id = (SELECT inst FROM w) AND status IN ('open', 'partially_filled') AND side = 'buy'
                     GROUP BY price ORDER BY price DESC$$,
                  'after the savepoint the book equals the open orders');

-- refusals
SELECT throws_ok($$SELECT tradecore.place_order((SELECT taker FROM w), 'TST/USD', 'buy', 1, 99.005)$$,
                 '22023', NULL, 'a price off the tick grid is refused');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT taker FROM w), 'TST/USD', 'buy', 'NaN', 99)$$,
                 '22003', NULL, 'a NaN quantity is refused');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT taker FROM w), 'NOPE/USD', 'buy', 1, 99)$$,
                 '22023', NULL, 'an unknown instrument is refused');
INSERT INTO tradecore.exchanges (code, name, kind, enabled) VALUES ('t303live', 'live venue', 'live', true);
SELECT throws_ok($$SELECT tradecore.place_order((SELECT taker FROM w), 'TST/USD', 'buy', 1, 99, exchange => 't303live')$$,
                 '0A000', NULL, 'live venues are not routed to');

-- events and order history
SELECT cmp_ok((SELECT count(*) FROM tradecore.events WHERE type = 'fill' AND (payload->>'order_id')::bigint IN (SELECT id FROM o)), '>=', 6::bigint,
              'every fill is an outbox event on both sides');
SELECT is((SELECT array_agg(kind ORDER BY id) FROM tradecore.order_events WHERE order_id = (SELECT id FROM o WHERE name = 'b1')),
          ARRAY['new', 'fill', 'fill', 'filled'], 'order events of the taker');

SELECT * FROM finish();
ROLLBACK;
