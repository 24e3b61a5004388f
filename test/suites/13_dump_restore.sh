#!/usr/bin/env bash
# pg_dump / pg_restore keeps the books: user rows of extension tables are dumped (seed rows
# are not duplicated), sequences continue, and a restore run with
# session_replication_role = replica (so the ledger triggers do not post restored legs a
# second time) yields identical balances, audit and outbox, and a working ledger.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
export PGOPTIONS="-c client_min_messages=warning"
src=tc_dump_src; dst=tc_dump_dst
dump=$(mktemp -d /tmp/tc-dump.XXXXXX); chown postgres "$dump"
pgq() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 "$@"; }
cleanup() { pgq -d postgres -c "DROP DATABASE IF EXISTS $src WITH (FORCE)" -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$dump"; }
trap cleanup EXIT
source "$(dirname "$0")/../lib/suite.sh"

pgq -d postgres -c "DROP DATABASE IF EXISTS $src WITH (FORCE)" -c "DROP DATABASE IF EXISTS $dst WITH (FORCE)" \
    -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
pgq -d $src >/dev/null <<'SQL'
CREATE EXTENSION tradecore;
INSERT INTO tradecore.wallets (id, name, kind, allow_credit) VALUES (1, 'world', 'external', true);
INSERT INTO tradecore.wallets (id, name, kind) VALUES (2, 'desk', 'master');
INSERT INTO tradecore.wallets (id, name, kind, parent_id) VALUES (3, 'farm', 'farm', 2), (4, 'farm-2', 'farm', 2);
SELECT tradecore.transfer(1, 2, 'USD', 500.25);
SELECT tradecore.allocate_funds(2, ARRAY[3, 4], 'USD', ARRAY[200, 100]::numeric[]);
INSERT INTO tradecore.risk_limits (scope, kind, limit_value) VALUES ('global', 'max_order_notional', 1000);
SQL
state="SELECT (SELECT string_agg(wallet_id || ':' || asset || '=' || amount, ' ' ORDER BY wallet_id, asset) FROM tradecore.wallet_balances)
  || ' | audit ' || (SELECT count(*) FROM tradecore.audit_log) || ' | events ' || (SELECT count(*) FROM tradecore.events)
  || ' | tree ' || (SELECT count(*) FROM tradecore.wallet_hierarchies) || ' | venues ' || (SELECT count(*) FROM tradecore.exchanges)
  || ' | assets ' || (SELECT count(*) FROM tradecore.assets) || ' | limits ' || (SELECT count(*) FROM tradecore.risk_limits)"
before=$(pgq -d $src -c "$state")
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" pg_dump -d $src -Fc -f "$dump/src.dump" 2>/dev/null
set +e
out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="-c session_replication_role=replica" \
      pg_restore --exit-on-error -d $dst "$dump/src.dump" 2>&1)
rc=$?
set -e
[ -z "$out" ] || echo "$out" | sed 's/^/# /'
check "pg_restore succeeds" "$rc" "0"
check "balances, audit, outbox, tree and seed rows restored exactly" "$(pgq -d $dst -c "$state")" "$before"
check "the ledger works after the restore (sequences continue)" "$(pgq -d $dst -c "SELECT tradecore.transfer(3, 4, 'USD', 1)")" "3"
check "and still refuses an overdraft" \
  "$(pgq -d $dst -c "SELECT tradecore.transfer(3, 4, 'USD', 1000)" 2>&1 | grep -c 'insufficient funds' || true)" "1"
exit $fail
