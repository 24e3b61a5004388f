#!/usr/bin/env bash
# Bounded memory: peak resident memory (VmHWM of the backend, from /proc/PID/status via
# pg_read_file) of one indicator call over 1,000,000 and 10,000,000 bars, each in a fresh
# backend.  The input is a constant-folded array_fill (one allocation, no transient copies),
# so the growth of VmHWM over the backend's own baseline is what the call needs: the input
# array (8 B/bar) plus the result (8 B/bar and a 1 bit/bar NULL bitmap), nothing per bar
# beyond that.  Baseline: the same measurement of SELECT cardinality(input) alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
hwm_kb() {  # hwm_kb SQL: VmHWM (kB) of a fresh backend after running SQL
  bq -c "$1" -c "SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+)'))[1]" | tail -1
}
base=$(hwm_kb "SELECT 1")
echo "# fresh backend VmHWM: ${base} kB"
for n in 1000000 10000000; do
  inp=$(hwm_kb "SELECT cardinality(array_fill(100.5::float8, ARRAY[$n]))")
  for f in "sma(X, 20)" "ema(X, 20)" "rsi(X, 14)" "zscore(X, 20)"; do
    kb=$(hwm_kb "SELECT cardinality(tradecore.${f/X/array_fill(100.5::float8, ARRAY[$n])})")
    awk -v f="$f" -v n="$n" -v kb="$kb" -v base="$base" -v inp="$inp" 'BEGIN {
      d = (kb - base) * 1024; di = (inp - base) * 1024;
      printf "%-24s %9d bars: peak RSS +%7.1f MB = %5.2f B/bar   baseline (input only) +%7.1f MB = %5.2f B/bar\n",
             "tradecore." f, n, d / 1048576, d / n, di / 1048576, di / n }'
  done
done
# bollinger returns five arrays, written in place inside the one composite row that holds them
for n in 1000000 10000000; do
  kb=$(hwm_kb "SELECT cardinality((tradecore.bollinger(array_fill(100.5::float8, ARRAY[$n]), 20, 2)).upper)")
  awk -v n="$n" -v kb="$kb" -v base="$base" 'BEGIN { d = (kb - base) * 1024;
    printf "%-24s %9d bars: peak RSS +%7.1f MB = %5.2f B/bar (input 8 + 5 results x 8.125, in one row)\n",
           "tradecore.bollinger", n, d / 1048576, d / n }'
done
