#!/usr/bin/env bash
# The events outbox across sessions: NOTIFY carries the id only after COMMIT, nothing for a
# rollback, and events_after() never hands out an id while a lower id is still in flight
# (the gap a plain "WHERE id > last" falls into).  Throwaway database, created and dropped.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_events_outbox
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d $DB "$@"; }
cleanup() {
  [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null || true
  [ -n "${listener:-}" ] && kill "$listener" 2>/dev/null || true
  db_drop $DB
  rm -f "${lfile:-}"
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/suite.sh"

db_recreate $DB
q -c "CREATE EXTENSION tradecore" >/dev/null
base=$(q -c "SELECT tradecore.emit('test.base', '{}')")

q -c "CREATE TABLE public.flags (name text)"
# wait_for NAME: SQL that waits (at most 60 s) until main inserts flag NAME
wait_for() { echo "DO \$w\$ BEGIN FOR i IN 1 .. 1200 LOOP EXIT WHEN EXISTS (SELECT 1 FROM public.flags WHERE name = '$1'); PERFORM pg_sleep(0.05); END LOOP; END \$w\$"; }

# a listener; psql prints each notification after the command it arrived during
lfile=$(mktemp /tmp/tc-listen.XXXXXX); chmod 666 "$lfile"
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -X -d $DB \
  -c "LISTEN tradecore_events" -c "$(wait_for listener_done)" -c "SELECT 1" >"$lfile" 2>&1 &
listener=$!

# A: emits, then holds its transaction open until released
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d $DB \
  -c "BEGIN" -c "SELECT tradecore.emit('test.slow', '{}')" -c "$(wait_for release)" -c "COMMIT" >/dev/null &
holder=$!
for _ in $(seq 200); do  # until A holds its first-id lock (at most 20 s)
  [ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1952671746 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ] && break
  sleep 0.1
done
slow=$((base + 1))
# B: emits and commits at once (higher id, committed first); C: emits and rolls back
fast=$(q -c "SELECT tradecore.emit('test.fast', '{}')")
q -c "BEGIN" -c "SELECT tradecore.emit('test.rolled_back', '{}')" -c "ROLLBACK" >/dev/null
check "the slow transaction's event got the lower id" "$((fast > slow))" "1"
check "a plain 'id > last' read already sees the later id (the gap)" \
  "$(q -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM tradecore.events WHERE id > $base")" "$fast"
check "events_after holds back ids above an in-flight lower id" \
  "$(q -c "SELECT count(*) FROM tradecore.events_after($base)")" "0"
q -c "INSERT INTO public.flags VALUES ('release')"
wait "$holder"; holder=
check "after the commit events_after returns both, in id order, without the rolled-back id" \
  "$(q -c "SELECT string_agg(type, ',' ORDER BY id) FROM tradecore.events_after($base)")" "test.slow,test.fast"
q -c "INSERT INTO public.flags VALUES ('listener_done')"
wait "$listener" || true; listener=
notes=$(sed -n 's/^Asynchronous notification "tradecore_events" with payload "\([0-9]*\)".*/\1/p' "$lfile" | sort -n | tr '\n' ' ')
check "NOTIFY tradecore_events carried the committed ids only" "$notes" "$slow $fast "
check "prune_events keeps recent events" "$(q -c "SELECT tradecore.prune_events(interval '1 hour')")" "0"
check "prune_events removes old ones" \
  "$(q -c "UPDATE tradecore.events SET ts = ts - interval '2 hours' WHERE id = $base" -c "SELECT tradecore.prune_events(interval '1 hour')")" "1"
exit $fail
