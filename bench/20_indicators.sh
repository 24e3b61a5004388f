#!/usr/bin/env bash
# Indicators over 1,000,000 bars from SQL, each beside the same indicator written the way a
# SQL user would without tradecore: a window function over a table of the bars, or a
# PL/pgSQL loop over the array where SQL has no window form (EMA, WMA, RSI, MACD, ATR).
#
# What is timed (best of $REPS, server side, clock_timestamp):
#   C:        one call tradecore.f(a, ...) on a float8[] of N bars held in a PL/pgSQL
#             variable, including reading the argument and building the full result array
#             (cardinality() of the result is taken so nothing is optimised away).  The
#             variable's type is a domain over float8[] so that PL/pgSQL keeps it a flat
#             array (it turns plain array variables into expanded arrays, which would add a
#             flatten-copy per call that no SQL caller pays).
#   baseline: the query or loop producing the same N (or NB) values.  PL/pgSQL loops are
#             measured on NB bars (they are slow) and scaled per bar; window functions run
#             on all N rows.
# Figures are bars per second on one backend (one core).  Never gates CI.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${TC_BENCH_BARS:-1000000}
NB=${TC_BENCH_BASELINE_BARS:-200000}
REPS=${TC_BENCH_REPS:-5}

bq -c "DROP TABLE IF EXISTS bench_bars; DROP DOMAIN IF EXISTS bench_series CASCADE;
CREATE DOMAIN bench_series AS float8[];
CREATE TABLE bench_bars AS
  SELECT i, c, c * (1 + 0.002 * random()) AS h, c * (1 - 0.002 * random()) AS l, 1 + 1000 * random() AS v
    FROM (SELECT i, 100 * exp(sum(0.01 * (random() - 0.5)) OVER (ORDER BY i)) AS c
            FROM generate_series(1, $N) i) s;
ANALYZE bench_bars;" >/dev/null

# Times every C indicator on the N-bar arrays in one session; prints name|ms per call.
c_times=$(bq <<SQL
CREATE FUNCTION pg_temp.best_ms(q text, a bench_series, h bench_series, l bench_series, v bench_series, reps int)
RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; ms float8; n int;
BEGIN
  FOR r IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q INTO n USING a, h, l, v;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    best := least(best, ms);
  END LOOP;
  RETURN best;
END \$\$;
CREATE TEMP TABLE arrs AS SELECT array_agg(c ORDER BY i)::bench_series a, array_agg(h ORDER BY i)::bench_series h,
  array_agg(l ORDER BY i)::bench_series l, array_agg(v ORDER BY i)::bench_series v FROM bench_bars;
SELECT name, pg_temp.best_ms(q, a, h, l, v, $REPS) FROM arrs, (VALUES
  ('sma',            'SELECT cardinality(tradecore.sma(\$1, 20))'),
  ('ema',            'SELECT cardinality(tradecore.ema(\$1, 20))'),
  ('wma',            'SELECT cardinality(tradecore.wma(\$1, 20))'),
  ('rsi',            'SELECT cardinality(tradecore.rsi(\$1, 14))'),
  ('rolling_stddev', 'SELECT cardinality(tradecore.rolling_stddev(\$1, 20))'),
  ('zscore',         'SELECT cardinality(tradecore.zscore(\$1, 20))'),
  ('bollinger',      'SELECT cardinality((tradecore.bollinger(\$1, 20, 2)).bandwidth)'),
  ('macd',           'SELECT cardinality((tradecore.macd(\$1, 12, 26, 9)).histogram)'),
  ('atr',            'SELECT cardinality(tradecore.atr(\$2, \$3, \$1, 14))'),
  ('obv',            'SELECT cardinality(tradecore.obv(\$1, \$4))'),
  ('vwap',           'SELECT cardinality(tradecore.vwap(\$1, \$4))'),
  ('vwap_rolling',   'SELECT cardinality(tradecore.vwap(\$1, \$4, 20))')) t(name, q);
SQL
)

# Baselines: window functions over all N rows of the table.
W="FROM bench_bars WINDOW w20 AS (ORDER BY i ROWS BETWEEN 19 PRECEDING AND CURRENT ROW), wall AS (ORDER BY i)"
# Each is wrapped in count(ROW(...)) so that every output value is really computed.
declare -A base_sql=(
  [sma]="SELECT count(ROW(x)) FROM (SELECT avg(c) OVER w20 x $W) q"
  [rolling_stddev]="SELECT count(ROW(x)) FROM (SELECT stddev_pop(c) OVER w20 x $W) q"
  [zscore]="SELECT count(ROW(x)) FROM (SELECT (c - avg(c) OVER w20) / nullif(stddev_pop(c) OVER w20, 0) x $W) q"
  [bollinger]="SELECT count(ROW(m, m + 2 * s, m - 2 * s, (c - (m - 2 * s)) / nullif(4 * s, 0), 4 * s / nullif(m, 0)))
               FROM (SELECT c, avg(c) OVER w20 m, stddev_pop(c) OVER w20 s $W) q"
  [obv]="SELECT count(ROW(x)) FROM (SELECT sum(CASE WHEN d > 0 THEN v WHEN d < 0 THEN -v ELSE 0 END) OVER (ORDER BY i) x
         FROM (SELECT i, v, c - lag(c) OVER (ORDER BY i) d FROM bench_bars) q0) q"
  [vwap]="SELECT count(ROW(x)) FROM (SELECT sum(c * v) OVER wall / nullif(sum(v) OVER wall, 0) x $W) q"
  [vwap_rolling]="SELECT count(ROW(x)) FROM (SELECT sum(c * v) OVER w20 / nullif(sum(v) OVER w20, 0) x $W) q"
)
# PL/pgSQL loops over the first NB bars (no window form exists in SQL).
bq -c "
CREATE OR REPLACE FUNCTION bench_plpgsql(kind text, nb int) RETURNS int LANGUAGE plpgsql AS \$\$
DECLARE a float8[]; h float8[]; l float8[]; out float8[] := '{}'; e float8; e2 float8; sig float8;
  g float8 := 0; lo float8 := 0; d float8; s float8; ws float8; tr float8; p int := 14; n int; k int;
BEGIN
  SELECT array_agg(c ORDER BY i), array_agg(bench_bars.h ORDER BY i), array_agg(bench_bars.l ORDER BY i)
    INTO a, h, l FROM bench_bars WHERE i <= nb;
  n := cardinality(a);
  out := array_fill(NULL::float8, ARRAY[n]);
  IF kind = 'ema' THEN
    e := 0; FOR i IN 1..20 LOOP e := e + a[i]; END LOOP; e := e / 20; out[20] := e;
    FOR i IN 21..n LOOP e := e + 2.0 / 21 * (a[i] - e); out[i] := e; END LOOP;
  ELSIF kind = 'wma' THEN
    FOR i IN 20..n LOOP ws := 0; FOR j IN 1..20 LOOP ws := ws + j * a[i - 20 + j]; END LOOP; out[i] := ws / 210; END LOOP;
  ELSIF kind = 'rsi' THEN
    FOR i IN 2..n LOOP
      d := a[i] - a[i - 1];
      IF i <= p + 1 THEN g := g + greatest(d, 0) / p; lo := lo + greatest(-d, 0) / p;
      ELSE g := (g * (p - 1) + greatest(d, 0)) / p; lo := (lo * (p - 1) + greatest(-d, 0)) / p; END IF;
      IF i > p THEN out[i] := CASE WHEN g + lo > 0 THEN 100 * g / (g + lo) ELSE 50 END; END IF;
    END LOOP;
  ELSIF kind = 'macd' THEN
    e := 0; FOR i IN 1..12 LOOP e := e + a[i]; END LOOP; e := e / 12;
    FOR i IN 13..26 LOOP e := e + 2.0 / 13 * (a[i] - e); END LOOP;
    e2 := 0; FOR i IN 1..26 LOOP e2 := e2 + a[i]; END LOOP; e2 := e2 / 26; sig := 0;
    FOR i IN 26..n LOOP
      IF i > 26 THEN e := e + 2.0 / 13 * (a[i] - e); e2 := e2 + 2.0 / 27 * (a[i] - e2); END IF;
      k := i - 25;
      IF k < 9 THEN sig := sig + (e - e2); ELSIF k = 9 THEN sig := (sig + e - e2) / 9; ELSE sig := sig + 0.2 * (e - e2 - sig); END IF;
      out[i] := (e - e2) - sig;
    END LOOP;
  ELSIF kind = 'atr' THEN
    s := 0;
    FOR i IN 2..n LOOP
      tr := greatest(h[i] - l[i], abs(h[i] - a[i - 1]), abs(l[i] - a[i - 1]));
      IF i <= p + 1 THEN s := s + tr / p; ELSE s := (s * (p - 1) + tr) / p; END IF;
      IF i > p THEN out[i] := s; END IF;
    END LOOP;
  END IF;
  RETURN cardinality(out);
END \$\$;" >/dev/null

echo "# $N bars per call; C: best of $REPS calls on an in-memory float8[]; PL/pgSQL baselines on $NB bars, scaled per bar"
while IFS='|' read -r name cms; do
  if [ -n "${base_sql[$name]:-}" ]; then
    bms=$(sql_ms "${base_sql[$name]}" 1)
    blabel="SQL window function, $N rows"
  else
    raw=$(sql_ms "SELECT bench_plpgsql('$name', $NB)" 1)
    # subtract the cost of loading the NB-bar arrays, which the loop's figure should not carry
    load=$(sql_ms "SELECT bench_plpgsql('none', $NB)" 1)
    bms=$(awk -v r="$raw" -v z="$load" -v n="$N" -v nb="$NB" 'BEGIN { printf "%.3f", (r - z) * n / nb }')
    blabel="PL/pgSQL loop ($NB bars, scaled)"
  fi
  report "tradecore.$name ($(printf '%.2f' "$cms") ms/call)" bars "$N" "$cms" "$blabel" "$bms"
done <<<"$c_times"

# End to end from a stored row: the same SMA when the 1M-bar array must first be read
# (detoasted) from a table, the way a query over a stored series pays it.
bq -c "DROP TABLE IF EXISTS bench_series_tab; CREATE TABLE bench_series_tab AS SELECT array_agg(c ORDER BY i) a FROM bench_bars" >/dev/null
e2e=$(sql_ms "SELECT cardinality(tradecore.sma(a, 20)) FROM bench_series_tab" "$REPS")
wb=$(sql_ms "${base_sql[sma]}" 1)
report "tradecore.sma from a stored 1M array ($(printf '%.2f' "$e2e") ms)" bars "$N" "$e2e" "SQL window function, $N rows" "$wb"
bq -c "DROP TABLE bench_series_tab; DROP TABLE bench_bars; DROP FUNCTION bench_plpgsql(text, int); DROP DOMAIN bench_series CASCADE" >/dev/null
