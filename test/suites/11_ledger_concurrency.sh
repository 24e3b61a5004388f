#!/usr/bin/env bash
# Ledger under concurrency: pgbench with several clients for a bounded time doing random
# transfers and allocations between a tree of wallets (USD and BTC), no retries.  Then:
# per-asset totals exactly unchanged, no balance below zero, every transaction balanced,
# every balance equal to its legs, no deadlock and no failed transaction.  Runs in a
# throwaway database it creates and drops.  Prints the money movements per second.
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
: "${PGHOST:?}" "${PGPORT:?}"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB=tc_ledger_concurrency
CLIENTS=${TRADECORE_LEDGER_CLIENTS:-6}
SECONDS_RUN=${TRADECORE_LEDGER_SECONDS:-20}

work=$(mktemp -d /tmp/tc-ledger.XXXXXX)
chown postgres "$work"
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
cleanup() { q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

source "$(dirname "$0")/../lib/suite.sh"

q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
q -d $DB >/dev/null <<'SQL'
CREATE EXTENSION tradecore;
-- 1 external, 2 master, 3-4 farms, 5-8 agents under farm 3, 9-12 agents under farm 4
INSERT INTO tradecore.wallets (id, name, kind, allow_credit) VALUES (1, 'world', 'external', true);
INSERT INTO tradecore.wallets (id, name, kind) VALUES (2, 'master', 'master');
INSERT INTO tradecore.wallets (id, name, kind, parent_id) VALUES (3, 'farm-3', 'farm', 2), (4, 'farm-4', 'farm', 2);
INSERT INTO tradecore.wallets (id, name, kind, parent_id)
SELECT i, 'agent-' || i, 'agent', CASE WHEN i <= 8 THEN 3 ELSE 4 END FROM generate_series(5, 12) i;
SELECT tradecore.transfer(1, 2, 'USD', 1000000, 'seed');
SELECT tradecore.transfer(1, 2, 'BTC', 100, 'seed');
SELECT tradecore.allocate_funds(2, ARRAY[3, 4], a, ARRAY[m, m]::numeric[], 'seed')
  FROM (VALUES ('USD', 300000), ('BTC', 30)) v(a, m);
SELECT tradecore.allocate_funds(f, ARRAY[f * 4 - 7, f * 4 - 6, f * 4 - 5, f * 4 - 4], a, ARRAY[m, m, m, m]::numeric[], 'seed')
  FROM (VALUES (3), (4)) f(f), (VALUES ('USD', 50000), ('BTC', 5)) v(a, m);

-- Refusals (insufficient funds, a random pick of the same wallet) are expected under random
-- load and are counted; anything else, deadlocks above all, fails the pgbench client.
CREATE FUNCTION public.bench_transfer(a int, b int, units int, coin int) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    IF a = b THEN b := CASE WHEN b = 12 THEN 2 ELSE b + 1 END; END IF;
    PERFORM tradecore.transfer(a, b, CASE WHEN coin = 0 THEN 'BTC' ELSE 'USD' END,
                               CASE WHEN coin = 0 THEN units / 1000000.0 ELSE units / 100.0 END, 'bench');
    RETURN 'moved';
EXCEPTION WHEN check_violation THEN
    RETURN 'refused';
END $$;
CREATE FUNCTION public.bench_allocate(p int, i int, j int, units int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE base int := CASE WHEN p = 3 THEN 5 ELSE 9 END;
BEGIN
    IF i = j THEN j := (j + 1) % 4; END IF;
    PERFORM tradecore.allocate_funds(p, ARRAY[base + i, base + j], 'USD',
                                     ARRAY[units / 100.0, greatest(round(units / 200.0, 2), 0.01)], 'bench');
    RETURN 'moved';
EXCEPTION WHEN check_violation THEN
    RETURN 'refused';
END $$;
SQL

totals="SELECT string_agg(asset || ' all=' || trim_scale(total) || ' held=' || trim_scale(held), '; ' ORDER BY asset) FROM (SELECT asset, sum(amount) total, sum(amount) FILTER (WHERE wallet_id <> 1) held FROM tradecore.wallet_balances GROUP BY asset) s"
before=$(q -d $DB -c "$totals")
echo "# before: $before"
deadlocks_before=$(q -d $DB -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
tx_before=$(q -d $DB -c "SELECT count(*) FROM tradecore.wallet_transactions")

cat >"$work/transfer.sql" <<'PGB'
\set a random(2, 12)
\set b random(2, 12)
\set units random(1, 300000)
\set coin random(0, 3)
SELECT public.bench_transfer(:a, :b, :units, :coin);
PGB
cat >"$work/allocate.sql" <<'PGB'
\set p random(3, 4)
\set i random(0, 3)
\set j random(0, 3)
\set units random(1, 200000)
SELECT public.bench_allocate(:p, :i, :j, :units);
PGB
chown postgres "$work"/*.sql

set +e
out=$(timeout $((SECONDS_RUN + 60)) runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" \
      "$PG_BIN/pgbench" -n -c "$CLIENTS" -j 2 -T "$SECONDS_RUN" \
      -f "$work/transfer.sql@4" -f "$work/allocate.sql@1" $DB 2>&1)
rc=$?
set -e
echo "$out" | grep -E '^(number of|latency average|tps|duration|number of clients)' | sed 's/^/# /'

after=$(q -d $DB -c "$totals")
echo "# after:  $after"
check "pgbench finished without aborted clients" "$rc" "0"
check "no deadlock reported by pgbench" "$(grep -ci deadlock <<<"$out" || true)" "0"
check "no deadlock counted by the server" "$(q -d $DB -c "SELECT deadlocks - $deadlocks_before FROM pg_stat_database WHERE datname = current_database()")" "0"
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
check "no failed pgbench transaction" "${failed:-0}" "0"
check "per-asset totals exactly unchanged" "$after" "$before"
check "no balance below zero on a wallet without credit" \
  "$(q -d $DB -c "SELECT count(*) FROM tradecore.wallet_balances b JOIN tradecore.wallets w ON w.id = b.wallet_id WHERE b.amount < 0 AND NOT w.allow_credit")" "0"
check "every wallet transaction balances per asset" \
  "$(q -d $DB -c "SELECT count(*) FROM (SELECT 1 FROM tradecore.ledger_entries GROUP BY transaction_id, asset HAVING sum(amount) <> 0) x")" "0"
check "every wallet transaction has legs" \
  "$(q -d $DB -c "SELECT count(*) FROM tradecore.wallet_transactions t WHERE NOT EXISTS (SELECT 1 FROM tradecore.ledger_entries l WHERE l.transaction_id = t.id)")" "0"
check "every balance equals the sum of its legs" \
  "$(q -d $DB -c "SELECT count(*) FROM tradecore.wallet_balances b WHERE b.amount <> (SELECT sum(amount) FROM tradecore.ledger_entries l WHERE l.wallet_id = b.wallet_id AND l.asset = b.asset)")" "0"
check "one audit row per wallet transaction" \
  "$(q -d $DB -c "SELECT (SELECT count(*) FROM tradecore.wallet_transactions) - (SELECT count(*) FROM tradecore.audit_log WHERE table_name = 'wallet_transactions')")" "0"

moved=$(( $(q -d $DB -c "SELECT count(*) FROM tradecore.wallet_transactions") - tx_before ))
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
if [ "$moved" -gt 0 ]; then echo "ok - money moved under load ($moved committed movements)"; else echo "not ok - nothing moved"; fail=1; fi
awk -v m="$moved" -v p="${processed:-0}" -v s="$SECONDS_RUN" -v c="$CLIENTS" 'BEGIN {
  printf "# ledger concurrency: %d clients, %d s: %d pgbench transactions, %d committed money movements (%.0f/s), %d refused for insufficient funds\n", c, s, p, m, m / s, p - m }'
exit $fail
