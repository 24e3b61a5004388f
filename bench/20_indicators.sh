#!/usr/bin/env bash
# Indicators over 1,000,000 bars from SQL, each beside the same indicator written the way a
# SQL user would without tradecore: a window function over a table of the bars, or a
# PL/pgSQL loop over the array where SQL has no window form (EMA, WMA, RSI, MACD, ATR).
#
# What is timed (server side, clock_timestamp, the query's value fetched into a variable so
# that nothing is planned away):
#   C:        best of $REPS calls tradecore.f(s.a, ...) on float8[] arrays of N bars held
#             as fields of a PL/pgSQL record variable, including reading the arguments and
#             building the full result (cardinality() of the result is fetched).  Record
#             fields stay flat arrays; a PL/pgSQL array variable (also one of a domain over
#             float8[]) is an expanded array, which every C call would first flatten into
#             a fresh 8 MB copy per argument: a cost of PL/pgSQL's variable storage, not of
#             the function (the PL/pgSQL baselines load their arrays before timing too).
#   C, stored: the same call on arrays read from a table row (detoasted per call), the
#             way a query over stored series pays it: end to end, printed beside.
#   baseline: the query or loop producing the same N (or NB) values.  PL/pgSQL loops are
#             measured on NB bars (they are slow) and scaled per bar; window functions run
#             on all N rows.
# Figures are bars per second on one backend (one core).  Never gates CI.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${TC_BENCH_BARS:-1000000}
NB=${TC_BENCH_BASELINE_BARS:-200000}
REPS=${TC_BENCH_REPS:-5}

bq -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_bars;
CREATE TABLE bench_bars AS
  SELECT i, c, c * (1 + 0.002 * random()) AS h, c * (1 - 0.002 * random()) AS l, 1 + 1000 * random() AS v
    FROM (SELECT i, 100 * exp(sum(0.01 * (random() - 0.5)) OVER (ORDER BY i)) AS c
            FROM generate_series(1, $N) i) s;
ANALYZE bench_bars;" >/dev/null

# A helper that runs a query and fetches its one value into a variable, so that nothing the
# query computes can be planned away (PERFORM 1 FROM (q) would let the planner drop unused
# outputs), best of reps.  Dropped at the end.
bq -c "CREATE OR REPLACE FUNCTION bench_best_ms(q text, reps int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; best float8 := 'Infinity'; x text;
BEGIN
  FOR r IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE q INTO x;
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  RETURN best;
END \$\$" >/dev/null

# Times every C indicator on the N-bar arrays held in local variables; prints name|ms per call.
# The calls are plain PL/pgSQL expressions (generic plans, arguments passed by reference):
# EXECUTE ... USING would plan each call with the 8 MB arrays as constants and copy them.
cases=(
  "sma|cardinality(tradecore.sma(s.a, 20))"
  "ema|cardinality(tradecore.ema(s.a, 20))"
  "wma|cardinality(tradecore.wma(s.a, 20))"
  "rsi|cardinality(tradecore.rsi(s.a, 14))"
  "rolling_stddev|cardinality(tradecore.rolling_stddev(s.a, 20))"
  "zscore|cardinality(tradecore.zscore(s.a, 20))"
  "bollinger|cardinality((tradecore.bollinger(s.a, 20, 2)).bandwidth)"
  "macd|cardinality((tradecore.macd(s.a, 12, 26, 9)).histogram)"
  "atr|cardinality(tradecore.atr(s.h, s.l, s.a, 14))"
  "obv|cardinality(tradecore.obv(s.a, s.v))"
  "vwap|cardinality(tradecore.vwap(s.a, s.v))"
  "vwap_rolling|cardinality(tradecore.vwap(s.a, s.v, 20))"
)
body=""
for c in "${cases[@]}"; do
  body+="
  best := 'Infinity';
  FOR r IN 1..reps LOOP
    t0 := clock_timestamp(); n := ${c#*|};
    best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
  END LOOP;
  name := '${c%%|*}'; ms := best; RETURN NEXT;"
done
c_times=$(bq <<SQL
CREATE FUNCTION pg_temp.c_times(reps int) RETURNS TABLE (name text, ms float8) LANGUAGE plpgsql AS \$\$
DECLARE s record; t0 timestamptz; best float8; n int;
BEGIN
  SELECT array_agg(b.c ORDER BY b.i) a, array_agg(b.h ORDER BY b.i) h, array_agg(b.l ORDER BY b.i) l,
         array_agg(b.v ORDER BY b.i) v
    INTO s FROM bench_bars b;
  $body
END \$\$;
SELECT * FROM pg_temp.c_times($REPS);
SQL
)

# The same calls on the arrays of a stored row, detoasted by every call (end to end).
bq -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_series_tab;
CREATE TABLE bench_series_tab AS
  SELECT array_agg(c ORDER BY i) a, array_agg(h ORDER BY i) h, array_agg(l ORDER BY i) l, array_agg(v ORDER BY i) v
    FROM bench_bars" >/dev/null
declare -A stored_ms=()
for c in "${cases[@]}"; do
  stored_ms[${c%%|*}]=$(bq -c "SELECT bench_best_ms(\$q\$SELECT ${c#*|} FROM bench_series_tab s\$q\$, $REPS)")
done

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
CREATE OR REPLACE FUNCTION bench_plpgsql(kind text, nb int) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE t0 timestamptz; a float8[]; h float8[]; l float8[]; out float8[] := '{}'; e float8; e2 float8; sig float8;
  g float8 := 0; lo float8 := 0; d float8; s float8; ws float8; tr float8; p int := 14; n int; k int;
BEGIN
  SELECT array_agg(c ORDER BY i), array_agg(bench_bars.h ORDER BY i), array_agg(bench_bars.l ORDER BY i)
    INTO a, h, l FROM bench_bars WHERE i <= nb;
  n := cardinality(a);
  -- timed from here: the loop and its result array, not the loading of the bars
  t0 := clock_timestamp();
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
  IF cardinality(out) <> n THEN RAISE EXCEPTION 'baseline produced % values, not %', cardinality(out), n; END IF;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END \$\$;" >/dev/null

echo "# $N bars per call; C: best of $REPS calls on an in-memory float8[]; PL/pgSQL baselines on $NB bars, scaled per bar"
while IFS='|' read -r name cms; do
  if [ -n "${base_sql[$name]:-}" ]; then
    bms=$(bq -c "SELECT bench_best_ms(\$q\$${base_sql[$name]}\$q\$, 1)")
    blabel="SQL window function, $N rows"
  else
    # the function times its own loop (best of 3), so loading the bars is not counted
    raw=$(bq -c "SELECT min(bench_plpgsql('$name', $NB)) FROM generate_series(1, 3)")
    bms=$(awk -v r="$raw" -v n="$N" -v nb="$NB" 'BEGIN { printf "%.3f", r * n / nb }')
    blabel="PL/pgSQL loop ($NB bars, scaled)"
  fi
  report "tradecore.$name ($(printf '%.2f' "$cms") ms/call)" bars "$N" "$cms" "$blabel" "$bms"
  report "  same, stored row ($(printf '%.2f' "${stored_ms[$name]}") ms/call)" bars "$N" "${stored_ms[$name]}" "$blabel" "$bms"
done <<<"$c_times"

bq -c "DROP TABLE bench_series_tab; DROP TABLE bench_bars; DROP FUNCTION bench_plpgsql(text, int);
       DROP FUNCTION bench_best_ms(text, int)" >/dev/null
