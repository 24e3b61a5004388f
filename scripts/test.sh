#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root:
#   installs dependencies, builds and installs tradecore, starts a throwaway cluster
#   (as the postgres user), runs pg_regress (exact output), pgTAP via pg_prove
#   (behaviour, security, errors) and every suite in test/suites/*.sh, prints each
#   summary, stops the cluster and exits non-zero if anything failed.
#
# test/ <-> expected/ mapping: PostgreSQL 15's pg_regress has no --expecteddir and reads
# INPUTDIR/sql/NAME.sql and INPUTDIR/expected/NAME.out.  Inputs live in test/sql/, expected
# outputs in expected/ at the top level, and test/expected is a committed symlink to
# ../expected, so --inputdir=test sees both.  Tests run in name order (000_..., 999_drop).
#
# TRADECORE_ONLY="2 31" runs only the tests and suites whose file names start with one of
# the given prefixes (000_install and 999_drop always run); for quick loops while developing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PGXS_DIR=$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null)/pgxs || true
CLUSTER=${TRADECORE_TEST_CLUSTER:-test}
PORT=${TRADECORE_TEST_PORT:-54340}

bash scripts/deps.sh
bash scripts/reserve_ports.sh

# Several checkouts on one machine share the system install directory: serialise
# install+test so one checkout's .so never replaces another's mid-run.
exec 9>/var/lock/tradecore-test.lock
if ! flock -n 9; then echo "test: waiting for another tradecore test run to finish"; flock 9; fi

bash scripts/build.sh

cleanup() { bash "$ROOT/scripts/cluster.sh" stop "$CLUSTER" >/dev/null 2>&1 || true; }
trap cleanup EXIT
TRADECORE_BRIDGE_PORT=${TRADECORE_TEST_BRIDGE_PORT:-54341} bash scripts/cluster.sh start "$CLUSTER" "$PORT"
eval "$(bash scripts/cluster.sh env "$CLUSTER")"
export TRADECORE_ROOT="$ROOT"

# The checkout may sit where the postgres user cannot read (/root/...): copy the
# test inputs to a work folder it owns.
WORK=$(mktemp -d /tmp/tradecore-test.XXXXXX)
cp -r test "$WORK/test"
rm -f "$WORK/test/expected"; cp -r expected "$WORK/test/expected"
chown -R postgres "$WORK"
as_pg() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER=postgres "$@"; }

rm -rf test/artifacts
passed=0; failed=0
declare -a failures=()

echo
echo "==== pg_regress (exact output) ===="
selected() {  # selected NAME: true when TRADECORE_ONLY is unset or NAME starts with one of its prefixes
  [ -z "${TRADECORE_ONLY:-}" ] && return 0
  local p; for p in $TRADECORE_ONLY 000_install 999_drop; do case "$1" in "$p"*) return 0 ;; esac; done
  return 1
}
mapfile -t regress_tests < <(cd test/sql && ls -1 *.sql | sed 's/\.sql$//' | sort | while read -r t; do selected "$t" && echo "$t"; done)
set +e
as_pg "$PGXS_DIR/src/test/regress/pg_regress" \
      --inputdir="$WORK/test" --outputdir="$WORK/regress" --bindir="$PG_BIN" \
      --host="$PGHOST" --port="$PGPORT" --user=postgres --dbname=tradecore_regress \
      "${regress_tests[@]}" 2>&1 | tee "$WORK/pg_regress.log"
regress_rc=${PIPESTATUS[0]}
set -e
n_fail=$(grep -cE '^(not ok|test ).*(FAILED|failed)' "$WORK/pg_regress.log" || true)
if [ "$regress_rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then n_fail=${#regress_tests[@]}; fi
passed=$((passed + ${#regress_tests[@]} - n_fail)); failed=$((failed + n_fail))
if [ "$n_fail" -gt 0 ]; then
  failures+=("pg_regress")
  mkdir -p test/artifacts
  cp -r "$WORK/regress/results" test/artifacts/regress-results 2>/dev/null || true
  if [ -f "$WORK/regress/regression.diffs" ]; then
    cp "$WORK/regress/regression.diffs" test/artifacts/
    echo "---- regression.diffs (first 200 lines; full copy in test/artifacts/) ----"
    head -200 "$WORK/regress/regression.diffs"
  fi
fi

echo
echo "==== pgTAP via pg_prove (behaviour, security, errors) ===="
as_pg psql -qAtX -v ON_ERROR_STOP=1 -d tradecore \
  -c "CREATE EXTENSION IF NOT EXISTS pgtap" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
  -c "CREATE EXTENSION IF NOT EXISTS tradecore" >/dev/null
prove_log="$WORK/pg_prove.log"
set +e
tap_files=()
for f in "$WORK"/test/t/*.sql; do selected "$(basename "$f")" && tap_files+=("$f"); done
files=${#tap_files[@]}
prove_rc=0
if [ "$files" -gt 0 ]; then
  as_pg pg_prove --dbname tradecore --ext .sql "${tap_files[@]}" 2>&1 | tee "$prove_log"
  prove_rc=${PIPESTATUS[0]}
fi
set -e
if [ "$prove_rc" -eq 0 ]; then
  passed=$((passed + files))
else
  bad=$(grep -cE '^.*\.sql \.+ *(Failed|Dubious|No plan|Parse errors)|^\S+\.sql +\(Wstat' "$prove_log" || true)
  [ "$bad" -gt 0 ] || bad=1
  failed=$((failed + bad)); passed=$((passed + files - bad)); failures+=("pg_prove")
fi

shopt -s nullglob
for suite in test/suites/*.sh; do
  selected "$(basename "$suite")" || continue
  echo
  echo "==== suite $(basename "$suite") ===="
  if TRADECORE_WORK="$WORK" bash "$suite"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failures+=("$(basename "$suite")")
  fi
done

echo
echo "==== summary ===="
[ "${#failures[@]}" -eq 0 ] || echo "failing: ${failures[*]}"
echo "tradecore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
