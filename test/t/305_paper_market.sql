-- The simulated market: a seeded GBM path and a market maker whose quotes move with it,
-- so the whole system trades with no network; the same seed gives the same fills.
BEGIN;
SELECT plan(9);

SELECT is((SELECT array_agg(price ORDER BY step) FROM tradecore.gbm_path(100, 0, 0.8, 50, 42)),
          (SELECT array_agg(price ORDER BY step) FROM tradecore.gbm_path(100, 0, 0.8, 50, 42)),
          'the same seed gives the same path');
SELECT isnt((SELECT array_agg(price ORDER BY step) FROM tradecore.gbm_path(100, 0, 0.8, 50, 42)),
            (SELECT array_agg(price ORDER BY step) FROM tradecore.gbm_path(100, 0, 0.8, 50, 43)),
            'another seed gives another path');
SELECT is((SELECT count(*) FILTER (WHERE price = 100) FROM tradecore.gbm_path(100, 0, 0, 20, 1)), 21::bigint,
          'zero volatility and drift: a flat path');
SELECT throws_ok($$SELECT * FROM tradecore.gbm_path(-1, 0, 0.5, 10, 1)$$, '22023', NULL, 'a non-positive start is refused');

INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT e.id, s || '/USD', s || '/USD', s, 'USD', 0.01, 0.001
  FROM tradecore.exchanges e, unnest(ARRAY['SIMA', 'SIMB', 'SIMC']) s WHERE e.code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t305 agent', 'master');
-- the same resting bid on three instruments, then the market runs: A and B with one seed, C with another
SELECT tradecore.place_order((SELECT id FROM tradecore.wallets WHERE name = 't305 agent'), s || '/USD', 'buy', 5, 99.90)
  FROM unnest(ARRAY['SIMA', 'SIMB', 'SIMC']) s;
CREATE TEMP TABLE runs AS
SELECT s, r.* FROM unnest(ARRAY['SIMA', 'SIMB', 'SIMC']) s,
       LATERAL tradecore.paper_market_run(s || '/USD', 40, CASE WHEN s = 'SIMC' THEN 8 ELSE 7 END, volatility => 3, s0 => 100) r;
CREATE TEMP TABLE agent_fills AS
SELECT split_part(i.symbol, '/', 1) AS s, array_agg(f.price::text || 'x' || f.qty::text ORDER BY f.id) AS fills
  FROM tradecore.fills f JOIN tradecore.instruments i ON i.id = f.instrument_id
 WHERE f.wallet_id = (SELECT id FROM tradecore.wallets WHERE name = 't305 agent')
 GROUP BY 1;

SELECT is((SELECT count(*) FROM runs WHERE s = 'SIMA'), 41::bigint, 'one quote update per step (steps + 1)');
SELECT ok((SELECT bool_and(bid < mid AND mid < ask) FROM runs), 'market maker quotes straddle the mid');
SELECT cmp_ok((SELECT cardinality(fills) FROM agent_fills WHERE s = 'SIMA'), '>', 0, 'the moving market filled the resting bid');
SELECT is((SELECT fills FROM agent_fills WHERE s = 'SIMA'), (SELECT fills FROM agent_fills WHERE s = 'SIMB'),
          'same seed, same orders: the same fills');
SELECT isnt((SELECT array_agg(mid ORDER BY step) FROM runs WHERE s = 'SIMA'), (SELECT array_agg(mid ORDER BY step) FROM runs WHERE s = 'SIMC'),
            'another seed moves the market differently');

SELECT * FROM finish();
ROLLBACK;
