-- Strategies: error codes, signal ranges, and a randomized bad-input run.
BEGIN;
SELECT plan(10);

SELECT throws_ok($$SELECT tradecore.momentum('{1,2}', '{1,2}', '{"fast": 30, "slow": 10}')$$, '22023', NULL,
                 'momentum refuses fast >= slow');
SELECT throws_ok($$SELECT tradecore.mean_reversion('{1,2}', '{"period": 0}')$$, '22023', NULL,
                 'out-of-range parameter is refused');
SELECT throws_ok($$SELECT tradecore.mean_reversion('{1,2}', '{"k": "wide"}')$$, '22023', NULL,
                 'non-numeric parameter is refused');
SELECT throws_ok($$SELECT tradecore.pairs('{1,2}', '{1,2,3}')$$, '2202E', NULL, 'pairs windows must match');
SELECT throws_ok($$SELECT tradecore.arbitrage('{1,2}', '{1,2}', '{1}', '{1,2}', 1)$$, '2202E', NULL,
                 'arbitrage venue arrays must match');
SELECT is((tradecore.mean_reversion('{}')).reason->>'status', 'insufficient_data', 'empty window is flat with a reason');

CREATE FUNCTION pg_temp.rand_window(n int, allow_bad bool) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE a float8[] := '{}'; x float8 := 50 + random() * 100; r float8;
BEGIN
  FOR i IN 1..n LOOP
    r := random();
    x := x * (1 + (random() - 0.5) * 0.04);
    a := a || CASE WHEN allow_bad AND r < 0.03 THEN NULL WHEN allow_bad AND r < 0.05 THEN 'NaN'::float8
                   WHEN allow_bad AND r < 0.06 THEN 'Infinity'::float8 WHEN allow_bad AND r < 0.08 THEN 0
                   WHEN allow_bad AND r < 0.09 THEN -x ELSE x END;
  END LOOP;
  RETURN a;
END $$;

CREATE FUNCTION pg_temp.fuzz(iterations int) RETURNS TABLE (calls int, signals int, documented_errors int, problems text[])
LANGUAGE plpgsql AS $$
DECLARE
  n int; a float8[]; b float8[]; c float8[]; d float8[]; s tradecore.strategy_signal; calls int := 0;
  signals int := 0; errs int := 0; problems text[] := '{}'; fn text; params jsonb;
  param_sets jsonb[] := ARRAY['{}', '{"fast": 3, "slow": 8, "period": 5, "rsi_period": 3, "vol_period": 5, "lookback": 40}',
                              '{"slow": 2, "period": 2, "k": 0.5, "entry_z": 0.5, "adf_lags": 0, "min_edge_bps": 0}',
                              '{"fast": 0}', '{"k": -1}', '{"entry_z": 1, "exit_z": 2}', '{"adf_lags": 11}',
                              '{"max_inventory": 0}', '{"oversold": 80}', '{"period": "x"}', '[1,2]', 'null']::jsonb[];
BEGIN
  PERFORM setseed(0.25);
  FOR it IN 1..300 LOOP
    n := (random() * 120)::int;
    a := pg_temp.rand_window(n, random() < 0.5);
    b := pg_temp.rand_window(CASE WHEN random() < 0.05 THEN n + 1 ELSE n END, random() < 0.5);
    c := pg_temp.rand_window(least(n, 6), true);
    d := pg_temp.rand_window(least(n, 6), true);
    params := param_sets[1 + (random() * (array_length(param_sets, 1) - 1))::int];
    FOREACH fn IN ARRAY ARRAY['momentum', 'mean_reversion', 'arbitrage', 'pairs', 'market_making'] LOOP
      calls := calls + 1;
      BEGIN
        s := CASE fn
          WHEN 'momentum' THEN tradecore.momentum(a, b, params)
          WHEN 'mean_reversion' THEN tradecore.mean_reversion(a, params)
          WHEN 'arbitrage' THEN tradecore.arbitrage(c, d, c, d, (random() * 7)::int - 1, params)
          WHEN 'pairs' THEN tradecore.pairs(a, b, params)
          WHEN 'market_making' THEN tradecore.market_making(a, (random() - 0.5) * 4, params) END;
        IF s IS NULL THEN
          IF params IS NOT NULL AND params <> 'null' THEN
            problems := problems || format('%s(n=%s) returned NULL', fn, n);
          END IF;
          CONTINUE;
        END IF;
        IF s.direction NOT IN (-1, 0, 1) OR NOT s.strength BETWEEN 0 AND 1 OR NOT s.confidence BETWEEN 0 AND 1
           OR jsonb_typeof(s.reason) <> 'object' OR s.reason->>'strategy' <> fn OR s.reason->>'status' IS NULL THEN
          problems := problems || format('%s(n=%s, %s): %s', fn, n, params, s);
        END IF;
        IF s.direction <> 0 THEN signals := signals + 1; END IF;
      EXCEPTION
        WHEN invalid_parameter_value OR array_subscript_error THEN errs := errs + 1;
        WHEN OTHERS THEN problems := problems || format('%s(n=%s, %s): %s %s', fn, n, params, SQLSTATE, SQLERRM);
      END;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT calls, signals, errs, problems;
END $$;

CREATE TEMP TABLE fuzz AS SELECT * FROM pg_temp.fuzz(300);
SELECT is((SELECT calls FROM fuzz), 1500, 'randomized run made 1500 strategy calls');
SELECT cmp_ok((SELECT signals FROM fuzz), '>', 0, 'some random windows produce a non-flat signal');
SELECT cmp_ok((SELECT documented_errors FROM fuzz), '>', 0, 'some random parameters hit the documented errors');
SELECT is((SELECT problems FROM fuzz), '{}'::text[],
          'direction in -1..1, strength and confidence in 0..1, a reason object with strategy and status; no other error');

SELECT * FROM finish();
ROLLBACK;
