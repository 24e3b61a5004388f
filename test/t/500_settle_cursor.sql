-- settle_fills reads fills from its cursor (tradecore.settlement_cursor) instead of the
-- whole history: the cursor follows the settled fills, a deleted (to be retried)
-- settlement moves it back, a venue-side fill does not hold it, and a missing cursor row
-- means a full read.  The late-commit case (a lower fill id committed after a call) needs
-- two sessions: test/suites/51_settle_cursor.sh.
BEGIN;
SELECT plan(9);

INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;
INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('t500 trader', 'master', true), ('t500 venue', 'external', true);
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 't500-' || w.name, w.id, i.id, i.exchange_id, 'buy', 'limit', 100, 10, 'open'
  FROM tradecore.wallets w, tradecore.instruments i WHERE w.name LIKE 't500 %' AND i.symbol = 'BTC/USD' AND i.exchange_id = (SELECT id FROM tradecore.exchanges WHERE code = 'paper');
CREATE TEMP TABLE f500 (n int, id bigint);
-- fills 1, 2 and 4 are the trader's; 3 is the venue's own side
DO $$
DECLARE o_t bigint; o_v bigint; i bigint; v bigint;
BEGIN
    SELECT o.id, o.instrument_id INTO o_t, i FROM tradecore.orders o WHERE o.client_order_id = 't500-t500 trader';
    SELECT o.id INTO o_v FROM tradecore.orders o WHERE o.client_order_id = 't500-t500 venue';
    FOR n IN 1..4 LOOP
        INSERT INTO tradecore.fills (order_id, instrument_id, price, qty, fee, fee_asset, liquidity)
        VALUES (CASE WHEN n = 3 THEN o_v ELSE o_t END, i, 100, 0.5, 0.01, 'USD', 'taker') RETURNING id INTO v;
        INSERT INTO f500 VALUES (n, v);
    END LOOP;
END $$;

SELECT is((SELECT settled || '/' || failed FROM tradecore.settle_fills()), '3/0',
          'the trader''s three fills are settled');
SELECT ok((SELECT seen_fill_id >= (SELECT max(id) FROM f500) FROM tradecore.settlement_cursor),
          'the call records the fill sequence''s position');
SELECT pg_sleep(0.05);
SELECT is((SELECT settled FROM tradecore.settle_fills()), 0, 'a second call settles nothing');
SELECT ok((SELECT settled_below > (SELECT max(id) FROM f500) FROM tradecore.settlement_cursor),
          'then the cursor has passed every fill (the venue''s own fill does not hold it)');

-- a failed settlement deleted to be retried moves the cursor back, and it is settled again
DELETE FROM tradecore.fill_settlements WHERE fill_id = (SELECT id FROM f500 WHERE n = 2);
SELECT is((SELECT settled_below FROM tradecore.settlement_cursor), (SELECT id FROM f500 WHERE n = 2),
          'deleting a settlement rewinds the cursor to its fill');
SELECT is((SELECT settled FROM tradecore.settle_fills()), 1, 'the deleted settlement''s fill is settled again');
SELECT is((SELECT count(*)::int FROM tradecore.fill_settlements s JOIN f500 f ON f.id = s.fill_id WHERE s.status = 'settled'), 3,
          'each of the trader''s fills has one settlement');

-- without a cursor row, the next call reads every fill (and puts the row back)
DELETE FROM tradecore.settlement_cursor;
SELECT is((SELECT settled FROM tradecore.settle_fills()), 0, 'a call without a cursor row settles nothing twice');
SELECT is((SELECT count(*)::int FROM tradecore.settlement_cursor), 1, 'and recreates the row');

SELECT * FROM finish();
ROLLBACK;
