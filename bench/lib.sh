# Sourced by bench/*.sh.  Helpers that time SQL on the bench cluster and print one
# row per figure: what was measured, its rate, the baseline's rate measured in the same
# run, and the ratio.  Benchmarks never gate CI on absolute times.

# psql as the postgres user against the bench cluster (PGHOST/PGPORT exported by run.sh)
bq() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore "$@"; }

# sql_ms "SQL" [repeats]: best server-side execution time in ms of SQL, from EXPLAIN ANALYZE,
# which runs the whole plan and computes every output column (a wrapper such as
# "SELECT 1 FROM (SQL) s" would let the planner drop unused outputs and time nothing).
# IMMUTABLE calls with constant arguments are folded at plan time: give them per-row input.
sql_ms() {
  local sql=$1 reps=${2:-3} best="" t
  for _ in $(seq "$reps"); do
    t=$(bq -c "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF, FORMAT JSON) $sql" 2>&1 \
        | sed -n 's/.*"Execution Time": *\([0-9.]*\).*/\1/p')
    [ -n "$t" ] || { echo "bench: query failed: $sql" >&2; return 1; }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

# report LABEL UNITS COUNT MS BASELINE_LABEL BASELINE_MS
# prints rate (COUNT per second) for both and the speed ratio
report() {
  awk -v l="$1" -v u="$2" -v n="$3" -v ms="$4" -v bl="$5" -v bms="$6" 'BEGIN {
    r = n / (ms / 1000); br = n / (bms / 1000);
    printf "%-44s %14.0f %s/s   baseline %-34s %14.0f %s/s   ratio %7.2fx\n", l, r, u, bl, br, u, r / br }'
}
