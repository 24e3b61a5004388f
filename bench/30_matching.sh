#!/usr/bin/env bash
# The C matching engine, place-and-match, against the cheapest way to merely record the
# same number of orders in PostgreSQL, measured in the same run:
#   - tradecore.bench_matching(n, seed): n seeded orders (limit/market, GTC/IOC/FOK/
#     post-only, ~40 % marketable, one cancel per ten orders) matched in C; the wall
#     time of the whole SQL call is used, not only the loop's own timer;
#   - baseline A: one INSERT ... SELECT of n order rows into an UNLOGGED table
#     (no matching at all, no WAL);
#   - baseline B: a PL/pgSQL loop that merely assigns n order records (no storage).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${BENCH_MATCHING_N:-2000000}

# wall time (ms) of a statement list, best of 3, measured server side
stmt_ms() {
  local sql=$1 best="" t
  for _ in 1 2 3; do
    t=$(bq -c "DO \$b\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN $sql; RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$b\$" 2>&1 \
        | sed -n 's/.*ms=\([0-9.]*\).*/\1/p')
    [ -n "$t" ] || { echo "bench: statement failed: $sql" >&2; return 1; }
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}

bq -c "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_orders; CREATE UNLOGGED TABLE bench_orders (id bigint, side text, type text, tif text, price numeric, qty numeric)" >/dev/null
c=$(stmt_ms "PERFORM * FROM tradecore.bench_matching($n, 42)")
a=$(stmt_ms "TRUNCATE bench_orders; INSERT INTO bench_orders SELECT i, CASE WHEN i % 2 = 0 THEN 'buy' ELSE 'sell' END, 'limit', 'gtc', 100 + (i % 50), 1 + (i % 100) FROM generate_series(1, $n) i")
b=$(stmt_ms "DECLARE r record; BEGIN FOR i IN 1..$n LOOP SELECT i AS id, 'buy' AS side, 100 + (i % 50) AS price INTO r; END LOOP; END")
bq -c "DROP TABLE bench_orders" >/dev/null
bq -c "SELECT 'detail: ' || orders || ' orders, ' || fills || ' fills, ' || resting || ' resting at the end, C loop ' || round(elapsed_ms::numeric, 1) || ' ms' FROM tradecore.bench_matching($n, 42)"
report "matching engine place+match (C)" orders "$n" "$c" "INSERT of the orders (unlogged)" "$a"
report "matching engine place+match (C)" orders "$n" "$c" "PL/pgSQL loop over the orders" "$b"
