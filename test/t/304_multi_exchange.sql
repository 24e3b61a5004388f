-- Several venues as one: best price, aggregated book, arbitrage net of fees, unified
-- positions.  Live venues' books come from order_book_snapshots (as the poller writes
-- them), the paper venue's from its open orders.
BEGIN;
SELECT plan(9);

INSERT INTO tradecore.exchanges (code, name, kind, enabled, maker_fee_bps, taker_fee_bps, withdrawal_fee_bps)
VALUES ('t304a', 'Venue A', 'live', true, 5, 10, 0), ('t304b', 'Venue B', 'live', true, 5, 20, 5);
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'ARB/USD', CASE WHEN kind = 'paper' THEN 'ARB/USD' ELSE 'ARBUSD' END, 'ARB', 'USD', 0.01, 0.001
  FROM tradecore.exchanges WHERE code IN ('t304a', 't304b', 'paper');
INSERT INTO tradecore.order_book_snapshots (instrument_id, exchange_id, ts, bids, asks)
SELECT i.id, e.id, now(), v.bids::jsonb, v.asks::jsonb
  FROM (VALUES ('t304a', '[["99","1"],["98","2"]]', '[["100","1"],["101","1"]]'),
               ('t304b', '[["101","0.5"],["99","3"]]', '[["102","1"]]')) v(code, bids, asks)
  JOIN tradecore.exchanges e ON e.code = v.code
  JOIN tradecore.instruments i ON i.exchange_id = e.id AND i.symbol = 'ARB/USD';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t304 maker', 'master'), ('t304 taker', 'master');
SELECT tradecore.place_order((SELECT id FROM tradecore.wallets WHERE name = 't304 maker'), 'ARB/USD', 'sell', 2, 99.50);

SELECT is((SELECT exchange || ' ' || price FROM tradecore.get_best_price('ARB/USD', 'buy')), 'paper 99.50',
          'best place to buy: the paper ask at 99.50');
SELECT is((SELECT exchange || ' ' || price FROM tradecore.get_best_price('ARB/USD', 'sell')), 't304b 101',
          'best place to sell: venue B bid at 101');
SELECT is((SELECT exchange FROM tradecore.get_best_price('NONE/USD', 'buy')), NULL, 'no quote: NULL');
SELECT throws_ok($$SELECT tradecore.get_best_price('ARB/USD', 'hold')$$, '22023', NULL, 'side must be buy or sell');

SELECT results_eq($$SELECT side, price, qty, venues FROM tradecore.aggregated_book('ARB/USD')$$,
  $$VALUES ('bid', 101::numeric, 0.5::numeric, ARRAY['t304b']), ('bid', 99, 4, ARRAY['t304a', 't304b']),
           ('bid', 98, 2, ARRAY['t304a']),
           ('ask', 99.50, 2.000, ARRAY['paper']), ('ask', 100, 1, ARRAY['t304a']), ('ask', 101, 1, ARRAY['t304a']),
           ('ask', 102, 1, ARRAY['t304b'])$$,
  'aggregated book: equal prices summed across venues, best first');

-- buy paper 99.50 (no fee) -> sell B 101 (20 bps): (101 * 0.998 - 99.5) / 99.5 = 130.45 bps
-- buy A 100 (10 bps) -> sell B 101 (20 bps): (101 * 0.998 - 100.1) / 100.1 = 69.73 bps
SELECT results_eq($$SELECT buy_exchange, sell_exchange, qty, round(gross_edge_bps::numeric, 2), round(net_edge_bps::numeric, 2)
                      FROM tradecore.detect_arbitrage('ARB/USD') ORDER BY net_edge_bps DESC$$,
  $$VALUES ('paper', 't304b', 0.5::numeric, 150.75, 130.45), ('t304a', 't304b', 0.5, 100.00, 69.73)$$,
  'arbitrage net of taker and withdrawal fees; losing directions are left out');
UPDATE tradecore.exchanges SET taker_fee_bps = 100 WHERE code = 't304b';
SELECT is((SELECT count(*) FROM tradecore.detect_arbitrage('ARB/USD', record => true)), 1::bigint,
          'with a 1 % taker fee at B only the paper route keeps an edge');
SELECT is((SELECT count(*) FROM tradecore.arbitrage_opportunities WHERE symbol = 'ARB/USD'), 1::bigint,
          'record => true stores the opportunity');

SELECT tradecore.place_order((SELECT id FROM tradecore.wallets WHERE name = 't304 taker'), 'ARB/USD', 'buy', 1.5);
SELECT results_eq($$SELECT asset, position_qty FROM tradecore.unified_balances(ARRAY(SELECT id FROM tradecore.wallets WHERE name LIKE 't304 %'))$$,
                  $$VALUES ('ARB', 0.000::numeric)$$, 'unified positions net out across the two wallets');

SELECT * FROM finish();
ROLLBACK;
