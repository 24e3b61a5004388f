# Sourced by test/suites/*.sh (it is not a suite itself): TAP-ish checks and throwaway
# databases on the test cluster (PGHOST/PGPORT from scripts/test.sh).
fail=0

# check NAME GOT EXPECTED: one ok / not ok line; a failure shows both values
check() {
  if [ "$2" = "$3" ]; then echo "ok - $1"
  else echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; fail=1; fi
}

# pg_as DB [psql args]: psql as the postgres user (the server refuses root), unaligned, quiet
pg_as() {
  local db=$1; shift
  runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="${PGOPTIONS:-}" \
    psql -qAtX -v ON_ERROR_STOP=1 -d "$db" "$@"
}

# db_recreate NAME: a fresh database (one a failed run left behind is dropped first)
db_recreate() { pg_as postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null; }

# db_drop NAME: for cleanup traps; never fails
db_drop() { pg_as postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true; }
