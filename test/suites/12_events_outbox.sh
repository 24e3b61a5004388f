#!/usr/bin/env bash
# The events outbox across sessions: NOTIFY carries the id only after COMMIT, nothing for a
# rollback, and events_after() never hands out an id while a lower id is still in flight
# (the gap a plain "WHERE id > last" falls into).  Throwaway database, created and dropped.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_events_outbox
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d $DB "$@"; }
cleanup() {
  [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null || true
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "${lfile:-}"
}
trap cleanup EXIT
fail=0
check() { if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1"; echo "#   got:      $2"; echo "#   expected: $3"; fail=1; fi; }

runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d postgres \
  -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
q -c "CREATE EXTENSION tradecore" >/dev/null
base=$(q -c "SELECT tradecore.emit('test.base', '{}')")

# a listener for 6 s; psql prints each notification after the command it arrives during
lfile=$(mktemp /tmp/tc-listen.XXXXXX); chmod 666 "$lfile"
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -X -d $DB \
  -c "LISTEN tradecore_events" -c "SELECT pg_sleep(6)" -c "SELECT 1" >"$lfile" 2>&1 &
listener=$!
sleep 0.5

# A: emits, then holds its transaction open for 3 s
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d $DB \
  -c "BEGIN" -c "SELECT tradecore.emit('test.slow', '{}')" -c "SELECT pg_sleep(3)" -c "COMMIT" >/dev/null &
holder=$!
sleep 0.7
slow=$((base + 1))
# B: emits and commits at once (higher id, committed first); C: emits and rolls back
fast=$(q -c "SELECT tradecore.emit('test.fast', '{}')")
q -c "BEGIN" -c "SELECT tradecore.emit('test.rolled_back', '{}')" -c "ROLLBACK" >/dev/null
check "the slow transaction's event got the lower id" "$((fast > slow))" "1"
check "a plain 'id > last' read already sees the later id (the gap)" \
  "$(q -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM tradecore.events WHERE id > $base")" "$fast"
check "events_after holds back ids above an in-flight lower id" \
  "$(q -c "SELECT count(*) FROM tradecore.events_after($base)")" "0"
wait "$holder"; holder=
check "after the commit events_after returns both, in id order, without the rolled-back id" \
  "$(q -c "SELECT string_agg(type, ',' ORDER BY id) FROM tradecore.events_after($base)")" "test.slow,test.fast"
wait "$listener" || true; listener=
notes=$(sed -n 's/^Asynchronous notification "tradecore_events" with payload "\([0-9]*\)".*/\1/p' "$lfile" | sort -n | tr '\n' ' ')
check "NOTIFY tradecore_events carried the committed ids only" "$notes" "$slow $fast "
check "prune_events keeps recent events" "$(q -c "SELECT tradecore.prune_events(interval '1 hour')")" "0"
check "prune_events removes old ones" \
  "$(q -c "UPDATE tradecore.events SET ts = ts - interval '2 hours' WHERE id = $base" -c "SELECT tradecore.prune_events(interval '1 hour')")" "1"
exit $fail
