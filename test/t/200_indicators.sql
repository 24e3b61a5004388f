-- Indicators: errors carry SQLSTATEs, documented shapes, and a randomized bad-input run.
BEGIN;
SELECT plan(26);

SELECT throws_ok($$SELECT tradecore.sma('{1,2,3}', 0)$$, '22023', NULL, 'period 0 is refused with 22023');
SELECT throws_ok($$SELECT tradecore.rsi('{1,2,3}', -1)$$, '22023', NULL, 'negative period is refused with 22023');
SELECT throws_ok($$SELECT tradecore.macd('{1,2,3}', 5, 5, 3)$$, '22023', NULL, 'macd needs fast < slow');
SELECT throws_ok($$SELECT tradecore.bollinger('{1,2,3}', 2, -1)$$, '22023', NULL, 'negative band multiplier is refused');
SELECT throws_ok($$SELECT tradecore.atr('{1,2}', '{1,2}', '{1}', 1)$$, '2202E', NULL,
                 'arrays of different lengths are refused with 2202E');
SELECT throws_ok($$SELECT tradecore.vwap('{1,2}', '{1,2,3}')$$, '2202E', NULL, 'vwap checks lengths');
SELECT throws_ok($$SELECT tradecore.ema('{{1,2},{3,4}}', 1)$$, '2202E', NULL, 'multi-dimensional arrays are refused');
SELECT is(tradecore.sma('{}'::float8[], 5), '{}'::float8[], 'empty input gives an empty array');
SELECT is(tradecore.ema('{1,2,3}', 2147483647), '{NULL,NULL,NULL}'::float8[], 'a huge period gives all NULL');
SELECT is(tradecore.sma(ARRAY[1,2,3]::numeric[], 2), '{NULL,1.5,2.5}'::float8[], 'numeric[] is accepted');
SELECT is(array_lower(tradecore.wma('[5:7]={1,2,3}', 2), 1), 5, 'the lower bound is kept');

-- aggregate forms give the array functions' values bit for bit
CREATE TEMP TABLE walk AS
SELECT i, 100 * exp(sum(0.01 * sin(i * i * 0.37)) OVER (ORDER BY i)) AS x FROM generate_series(1, 500) i;
SELECT is((SELECT array_agg(e ORDER BY i) FROM (SELECT i, tradecore.ema_agg(x, 10) OVER (ORDER BY i) e FROM walk) q),
          (SELECT tradecore.ema(array_agg(x ORDER BY i), 10) FROM walk), 'ema_agg over rows = ema over the array');
SELECT throws_ok($$SELECT tradecore.ema_agg(x, NULL) FROM (VALUES (1.0::float8)) v(x)$$,
                 '22004', 'period must not be NULL', 'ema_agg refuses a NULL period');
SELECT throws_ok($$SELECT tradecore.rsi_agg(x, 0) FROM (VALUES (1.0::float8)) v(x)$$,
                 '22023', NULL, 'rsi_agg refuses a non-positive period');
SELECT is((SELECT array_agg(r ORDER BY i) FROM (SELECT i, tradecore.rsi_agg(x, 14) OVER (ORDER BY i) r FROM walk) q),
          (SELECT tradecore.rsi(array_agg(x ORDER BY i), 14) FROM walk), 'rsi_agg over rows = rsi over the array');
SELECT throws_ok($$SELECT tradecore.rsi_agg(x, -2) FROM unnest('{1,2}'::float8[]) x$$, '22023', NULL,
                 'aggregates refuse a non-positive period');

-- Randomized bad input: every function, random lengths, NULL/NaN/Infinity elements,
-- huge and tiny values, random (also non-positive) periods, now and then mismatched
-- lengths or two dimensions.  Only the documented errors may occur; every result has
-- the input's length; RSI stays within 0..100 and stddev is never negative.
CREATE FUNCTION pg_temp.rand_series(n int) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE a float8[] := '{}'; x float8 := 100; r float8;
BEGIN
  FOR i IN 1..n LOOP
    r := random();
    x := x * (1 + (random() - 0.5) * 0.1);
    a := a || CASE WHEN r < 0.05 THEN NULL WHEN r < 0.08 THEN 'NaN'::float8
                   WHEN r < 0.09 THEN 'Infinity'::float8 WHEN r < 0.10 THEN '-Infinity'::float8
                   WHEN r < 0.11 THEN 1e300 WHEN r < 0.12 THEN -1e-300 WHEN r < 0.14 THEN 0
                   ELSE x END;
  END LOOP;
  RETURN a;
END $$;

CREATE FUNCTION pg_temp.fuzz(iterations int) RETURNS TABLE (calls int, documented_errors int, problems text[])
LANGUAGE plpgsql AS $$
DECLARE
  n int; p int; a float8[]; b float8[]; c float8[]; r float8[]; calls int := 0; errs int := 0;
  problems text[] := '{}'; fn text; want int;
  fns text[] := ARRAY['sma','ema','wma','rsi','rolling_stddev','zscore','bollinger','macd',
                      'atr','obv','vwap','vwap_rolling','ema_agg','rsi_agg'];
BEGIN
  PERFORM setseed(0.5);
  FOR it IN 1..iterations LOOP
    n := (random() * 70)::int;
    p := CASE WHEN random() < 0.1 THEN (random() * 4)::int - 3
              WHEN random() < 0.03 THEN 2147483647 ELSE 1 + (random() * 40)::int END;
    a := pg_temp.rand_series(n);
    b := pg_temp.rand_series(CASE WHEN random() < 0.05 THEN n + 1 ELSE n END);
    c := pg_temp.rand_series(n);
    IF random() < 0.02 AND n >= 2 THEN a := ARRAY[a[1:1], a[2:2]]; END IF;
    want := coalesce(cardinality(a), 0);
    FOREACH fn IN ARRAY fns LOOP
      calls := calls + 1;
      BEGIN
        r := CASE fn
          WHEN 'sma' THEN tradecore.sma(a, p)
          WHEN 'ema' THEN tradecore.ema(a, p)
          WHEN 'wma' THEN tradecore.wma(a, p)
          WHEN 'rsi' THEN tradecore.rsi(a, p)
          WHEN 'rolling_stddev' THEN tradecore.rolling_stddev(a, p)
          WHEN 'zscore' THEN tradecore.zscore(a, p)
          WHEN 'bollinger' THEN (tradecore.bollinger(a, p, random() * 3)).percent_b
          WHEN 'macd' THEN (tradecore.macd(a, p, least(p, 1000) + 1 + (random() * 10)::int, 1 + (random() * 9)::int)).histogram
          WHEN 'atr' THEN tradecore.atr(a, b, c, p)
          WHEN 'obv' THEN tradecore.obv(a, b)
          WHEN 'vwap' THEN tradecore.vwap(a, b)
          WHEN 'vwap_rolling' THEN tradecore.vwap(a, b, p)
          WHEN 'ema_agg' THEN (SELECT array_agg(e ORDER BY i) FROM (SELECT i, tradecore.ema_agg(x, p) OVER (ORDER BY i) e
                                 FROM unnest(a) WITH ORDINALITY AS u(x, i)) q)
          WHEN 'rsi_agg' THEN (SELECT array_agg(e ORDER BY i) FROM (SELECT i, tradecore.rsi_agg(x, p) OVER (ORDER BY i) e
                                 FROM unnest(a) WITH ORDINALITY AS u(x, i)) q) END;
        IF coalesce(cardinality(r), 0) <> want THEN
          problems := problems || format('%s(n=%s,p=%s): length %s', fn, n, p, cardinality(r));
        END IF;
        IF fn IN ('rsi', 'rsi_agg') AND EXISTS (SELECT 1 FROM unnest(r) v WHERE v < 0 OR v > 100 OR v = 'NaN') THEN
          problems := problems || format('rsi(n=%s,p=%s) out of 0..100: %s', n, p, r);
        END IF;
        IF fn = 'rolling_stddev' AND EXISTS (SELECT 1 FROM unnest(r) v WHERE v < 0 OR v = 'NaN') THEN
          problems := problems || format('stddev(n=%s,p=%s) negative or NaN: %s', n, p, r);
        END IF;
      EXCEPTION
        WHEN invalid_parameter_value OR array_subscript_error THEN errs := errs + 1;
        WHEN OTHERS THEN problems := problems || format('%s(n=%s,p=%s): %s %s', fn, n, p, SQLSTATE, SQLERRM);
      END;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT calls, errs, problems;
END $$;

CREATE TEMP TABLE fuzz AS SELECT * FROM pg_temp.fuzz(400);
SELECT is((SELECT calls FROM fuzz), 5600, 'randomized run made 5600 calls');
SELECT cmp_ok((SELECT documented_errors FROM fuzz), '>', 0, 'some random inputs hit the documented errors');
SELECT cmp_ok((SELECT documented_errors FROM fuzz), '<', 2800, 'most random inputs are computed');
SELECT is((SELECT problems FROM fuzz), '{}'::text[], 'no unexpected error, wrong length or out-of-range value');
SELECT is((SELECT tradecore.version()), tradecore.version(), 'the backend survived the randomized run');

-- Long series: EMA and MACD split their recurrences into independent chains from 8,192
-- bars on (src/indicators.c); they must agree with the sequential aggregate to 1e-12 of the
-- series' scale.  40,000 bars with a gap, so both the finite and the gapped paths split.
CREATE TEMP TABLE longwalk AS
SELECT i, CASE WHEN i = 20001 THEN NULL ELSE 100 * exp(sum(0.01 * sin(i * i * 0.37)) OVER (ORDER BY i)) END AS x,
       CASE WHEN i <= 20000 THEN 1 ELSE 2 END AS run
  FROM generate_series(1, 40000) i;
SELECT ok((SELECT max(abs(g - w)) <= 1e-12 * max(abs(w)) AND count(w) = 39961 AND bool_and((g IS NULL) = (w IS NULL))
             FROM unnest((SELECT tradecore.ema(array_agg(x ORDER BY i), 20) FROM longwalk),
                         (SELECT array_agg(e ORDER BY i) FROM (SELECT i, CASE WHEN x IS NOT NULL THEN
                                 tradecore.ema_agg(x, 20) OVER (PARTITION BY run ORDER BY i) END e FROM longwalk) q)) u(g, w)),
          'ema over 40,000 bars with a gap = the sequential ema_agg per finite run');
CREATE TEMP TABLE macd_ref AS
SELECT i, run, line, tradecore.ema_agg(line, 9) OVER (PARTITION BY run ORDER BY i) AS sig
  FROM (SELECT i, run, x, tradecore.ema_agg(x, 12) OVER w - tradecore.ema_agg(x, 26) OVER w AS line
          FROM longwalk WHERE x IS NOT NULL WINDOW w AS (PARTITION BY run ORDER BY i)) q;
CREATE TEMP TABLE macd_got AS
SELECT (m).macd AS line, (m).signal AS sig, (m).histogram AS hist
  FROM (SELECT tradecore.macd(array_agg(x ORDER BY i), 12, 26, 9) m FROM longwalk) q;
SELECT ok((SELECT max(abs(g.line - r.line)) <= 1e-12 * max(abs(r.line))
                  AND max(abs(g.sig - r.sig)) <= 1e-12 * max(abs(r.sig))
                  AND max(abs(g.hist - (r.line - r.sig))) <= 1e-12 * max(abs(r.line - r.sig))
                  AND count(g.sig) = count(r.sig) AND count(g.line) = count(r.line)
             FROM (SELECT u.* FROM macd_got, unnest(line, sig, hist) WITH ORDINALITY u(line, sig, hist, i)) g
             JOIN macd_ref r USING (i)),
          'macd over 40,000 bars with a gap = the sequential ema_agg composition per finite run');
SELECT is((SELECT count(*) FILTER (WHERE s IS NOT NULL) FROM macd_got, unnest(sig) s), 39933::bigint,
          'macd signal is NULL for its own warm-up in each run and at the gap');

-- Composite results are laid out in one row; with gaps, arrays shrink and move down.
CREATE TEMP TABLE boll AS
SELECT (b).*, tradecore.sma(a, 20) AS sma, tradecore.rolling_stddev(a, 20) AS sd
  FROM (SELECT tradecore.bollinger(a, 20, 2) b, a
          FROM (SELECT array_agg(CASE WHEN i % 997 = 0 THEN NULL ELSE x END ORDER BY i) a FROM longwalk) q) q2;
SELECT ok((SELECT cardinality(middle) = 40000 AND cardinality(upper) = 40000 AND cardinality(lower) = 40000
                  AND cardinality(percent_b) = 40000 AND cardinality(bandwidth) = 40000
                  AND (SELECT bool_and((m IS NULL) = (a IS NULL) AND (m IS NULL OR abs(m - a) <= 1e-12 * abs(a)))
                         FROM unnest(middle, sma) u(m, a))
             FROM boll), 'bollinger middle = sma on gapped input; every array has the input length');
SELECT ok((SELECT bool_and((m IS NULL) = (u IS NULL) AND (m IS NULL) = (lo IS NULL) AND (m IS NULL) = (pb IS NULL)
                  AND (m IS NULL OR (abs(u - (m + 2 * s)) <= 1e-12 * abs(m) AND abs(lo - (m - 2 * s)) <= 1e-12 * abs(m)
                                     AND abs(bw - 4 * s / m) <= 1e-12 AND abs(pb - (c - lo) / (u - lo)) <= 1e-9)))
             FROM boll, unnest(middle, upper, lower, percent_b, bandwidth, sd,
                               (SELECT array_agg(CASE WHEN i % 997 = 0 THEN NULL ELSE x END ORDER BY i) FROM longwalk))
                        u(m, u, lo, pb, bw, s, c)),
          'bollinger bands, %b and bandwidth agree with sma and rolling_stddev at every position');

SELECT * FROM finish();
ROLLBACK;
