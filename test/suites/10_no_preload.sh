#!/usr/bin/env bash
# Without shared_preload_libraries: CREATE EXTENSION works, says how to enable the
# workers in a WARNING, the SQL functions work and no tradecore worker runs.
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
name=test-nopreload
trap 'bash "$ROOT/scripts/cluster.sh" stop $name >/dev/null 2>&1 || true' EXIT
TRADECORE_EXTRA_CONF="shared_preload_libraries = ''" \
  bash "$ROOT/scripts/cluster.sh" start $name 54360 >/dev/null
eval "$(bash "$ROOT/scripts/cluster.sh" env $name)"
out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" \
      psql -X -v ON_ERROR_STOP=1 -d tradecore -c "CREATE EXTENSION tradecore" 2>&1)
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
echo "$out" | sed "s/^/# /"
check "CREATE EXTENSION raises the preload WARNING" \
  'grep -q "WARNING:  tradecore is not in shared_preload_libraries" <<<"$out"'
check "the WARNING's HINT says how to enable the workers" \
  'grep -q "HINT:  Add tradecore to shared_preload_libraries" <<<"$out"'
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d tradecore -c "$1"; }
check "tradecore.version() works without preload" '[ -n "$(q "SELECT tradecore.version()")" ]'
check "is_preloaded() is false" '[ "$(q "SELECT tradecore.is_preloaded()")" = f ]'
check "no tradecore worker runs" \
  '[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE '"'"'tradecore %'"'"'")" = 0 ]'
exit $fail
