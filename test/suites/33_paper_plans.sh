#!/usr/bin/env bash
# place_order in one long transaction after VACUUM ANALYZE has recorded the orders table as
# empty (what bench 22 and any maintenance run leave behind).  The plans made in that state,
# place_order's own and the foreign-key checks of fills and order_events against orders,
# look orders up by sequential scan, and nothing replans them while the transaction fills
# the table: n orders read O(n^2) rows (47 million for 3,000 orders before the fix).
# place_order rules out sequential scans and hash/merge joins for the plans made
# during its call (they are all key lookups).  Measured by rows, not time: pg_stat_xact_user_tables counts the rows this very
# transaction read from orders by sequential scan.  Throwaway database, created and dropped.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_paper_plans
N=3000
export PGOPTIONS="-c client_min_messages=warning"
source "$TRADECORE_ROOT/test/lib/suite.sh"
q() { pg_as $DB "$@"; }
trap 'db_drop $DB' EXIT

# fresh_db: a new database with the extension, instrument PLN/USD, wallets 'plans a' and
# 'plans b', and the statistics of empty tables (VACUUM ANALYZE), the state under test
fresh_db() {
  db_recreate $DB
  q -c "CREATE EXTENSION tradecore" >/dev/null
  q >/dev/null <<'SQL'
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'PLN/USD', 'PLN/USD', 'PLN', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('plans a', 'master'), ('plans b', 'master');
SQL
  q -c "VACUUM ANALYZE"
}

fresh_db
# one session, one transaction: resting sells and crossing buys, then the rows read
out=$(q <<SQL
BEGIN;
DO \$d\$
DECLARE
    a bigint := (SELECT id FROM tradecore.wallets WHERE name = 'plans a');
    b bigint := (SELECT id FROM tradecore.wallets WHERE name = 'plans b');
BEGIN
    FOR i IN 1 .. $N LOOP
        IF i % 2 = 1 THEN
            PERFORM tradecore.place_order(a, 'PLN/USD', 'sell', 1, 100 + (i % 7) * 0.01, client_order_id => 'p-' || i);
        ELSE
            PERFORM tradecore.place_order(b, 'PLN/USD', 'buy', 1, 100.10, client_order_id => 'p-' || i);
        END IF;
    END LOOP;
END
\$d\$;
SELECT (SELECT count(*) FROM tradecore.orders WHERE status = 'filled') || ' ' || seq_tup_read
  FROM pg_stat_xact_user_tables WHERE relid = 'tradecore.orders'::regclass;
SELECT pg_stat_force_next_flush();
COMMIT;
SQL
)
out=$(echo "$out" | head -1)
# index statistics are not kept per transaction: read them once the session has flushed them
idx=""
for _ in $(seq 50); do
  idx=$(q -c "SELECT pg_stat_clear_snapshot()" -c "SELECT coalesce(sum(idx_tup_read) FILTER (WHERE indexrelname = 'orders_wallet_ts_idx'), 0) || ' ' ||
                     coalesce(sum(idx_scan) FILTER (WHERE relname = 'trading_positions'), 0)
                FROM pg_stat_user_indexes WHERE schemaname = 'tradecore'
               HAVING sum(idx_scan) > 0" | tail -1)
  [ -n "$idx" ] && break; sleep 0.1
done
wallet_ts=${idx% *}; pos_pkey=${idx#* }
filled=${out% *}; read_rows=${out#* }
echo "# $N orders in one transaction after VACUUM ANALYZE: $filled filled, $read_rows rows of orders read by sequential scan"
if [ "$filled" = "$N" ]; then echo "ok - every order traded (half resting, half crossing)"; else echo "not ok - $filled of $N orders filled"; fail=1; fi
# Key lookups read no row by sequential scan; plans stuck at "empty" read ~n^2 / 2 x the
# lookups per order, tens of millions of rows.
if [ "$read_rows" -lt 100000 ]; then
  echo "ok - the plans look orders up by key however empty the table was when they were made"
else
  echo "not ok - plans made while orders was empty scanned it again and again"; fail=1
fi
echo "# entries read from orders_wallet_ts_idx: $wallet_ts; index scans of trading_positions: $pos_pkey"
# Cancels the same way: a fresh database, VACUUM ANALYZE, then resting orders placed and
# every other one canceled by client order id in one transaction.  Before: 11,263,820 rows
# read by sequential scan and 2,265,000 fetched through (wallet_id, ts) for 3,000 orders.
fresh_db
out=$(q <<SQL
BEGIN;
DO \$d\$
DECLARE
    a bigint := (SELECT id FROM tradecore.wallets WHERE name = 'plans a');
BEGIN
    FOR i IN 1 .. $N LOOP
        PERFORM tradecore.place_order(a, 'PLN/USD', 'sell', 1, 100 + (i % 7) * 0.01, client_order_id => 'c-' || i);
        IF i % 2 = 0 THEN
            PERFORM tradecore.cancel_order(a, 'c-' || i);
        END IF;
    END LOOP;
END
\$d\$;
SELECT (SELECT count(*) FROM tradecore.orders WHERE status = 'canceled') || ' ' || seq_tup_read || ' ' || idx_tup_fetch
  FROM pg_stat_xact_user_tables WHERE relid = 'tradecore.orders'::regclass;
COMMIT;
SQL
)
read -r canceled c_seq c_fetch <<<"$out"
echo "# $N orders placed and every other one canceled by client order id: $canceled canceled, $c_seq rows of orders read by sequential scan, $c_fetch fetched through indexes"
if [ "$canceled" = "$((N / 2))" ]; then echo "ok - every other order canceled"; else echo "not ok - $canceled of $((N / 2)) orders canceled"; fail=1; fi
if [ "$c_seq" -lt 100000 ] && [ "$c_fetch" -lt $((20 * N)) ]; then
  echo "ok - cancels look orders up by key and client order id (rows read grow linearly)"
else
  echo "not ok - cancel lookups read orders again and again"; fail=1
fi

# a retried client order id is looked up through (wallet_id, client_order_id); the index on
# (wallet_id, ts) would find every order of the wallet, n^2 / 4 entries
if [ -n "$wallet_ts" ] && [ "$wallet_ts" -lt 1000 ]; then
  echo "ok - client order ids are looked up by their unique key, not by wallet"
else
  echo "not ok - client order id lookups read the orders of the wallet by (wallet_id, ts)"; fail=1
fi
# positions are found at their last address; a key lookup walks every version of the row
if [ -n "$pos_pkey" ] && [ "$pos_pkey" -lt 10 ]; then
  echo "ok - positions are found at their last address, not by key"
else
  echo "not ok - positions were looked up by key on every fill"; fail=1
fi
exit $fail
