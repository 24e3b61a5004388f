#!/usr/bin/env bash
# The outbox writer in C (src/outbox.c) across commits, which a pgTAP file (one rolled-back
# transaction) cannot see:
#   - one NOTIFY tradecore_events per committed id, in id order, none for ids rolled back
#     with their transaction or subtransaction (a session hears its own notifications);
#   - the first-id lock key is first_id mod 2^31, which events_safe_horizon() relies on: with
#     ids above 2^31 an open emitter still holds back every later id.
# Throwaway database, created and dropped.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_outbox_notify
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d $DB "$@"; }
cleanup() {
  [ -n "${holder:-}" ] && kill "$holder" 2>/dev/null || true
  db_drop $DB
  rm -f "${nfile:-}"
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/suite.sh"

db_recreate $DB
q -c "CREATE EXTENSION tradecore" >/dev/null

emit3="SELECT tradecore._emit_many(ARRAY['n.a', 'n.b', 'n.c'], ARRAY['{}', NULL, '{\"k\": 1}']::jsonb[], '{NULL,NULL,NULL}', '{NULL,NULL,NULL}')"
# One session: psql prints the notifications that arrived after each command.  Committed:
# three in one call; one, a rolled-back savepoint of two, then two more in one transaction;
# a rolled-back transaction of three; one through emit().
nfile=$(mktemp /tmp/tc-notify.XXXXXX); chmod 666 "$nfile"
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -X -v ON_ERROR_STOP=1 -d $DB \
  -c "LISTEN tradecore_events" \
  -c "$emit3" \
  -c "BEGIN" -c "SELECT tradecore._emit('n.d', NULL, NULL, NULL)" -c "SAVEPOINT s" -c "$emit3" -c "ROLLBACK TO SAVEPOINT s" \
  -c "SELECT tradecore._emit_many(ARRAY['n.e', 'n.f'], ARRAY[NULL, NULL]::jsonb[], '{1,2}', '{3,4}')" -c "COMMIT" \
  -c "BEGIN" -c "$emit3" -c "ROLLBACK" \
  -c "SELECT tradecore.emit('n.g', '{}')" \
  -c "SELECT pg_sleep(0.2)" >"$nfile" 2>&1
notes=$(sed -n 's/^Asynchronous notification "tradecore_events" with payload "\([0-9]*\)".*/\1/p' "$nfile" | tr '\n' ' ')
committed=$(q -c "SELECT string_agg(id::text, ' ' ORDER BY id) || ' ' FROM tradecore.events")
check "seven committed events" "$(q -c "SELECT string_agg(type, ',' ORDER BY id) FROM tradecore.events")" "n.a,n.b,n.c,n.d,n.e,n.f,n.g"
check "one NOTIFY per committed id, in id order, none for rolled-back ids" "$notes" "$committed"

# ids above 2^31: the lock key wraps, and the horizon still stops below an open emitter
q -c "SELECT setval('tradecore.events_id_seq', 2147483648 + 40)" >/dev/null
q -c "CREATE TABLE public.flags (name text)"
wait_for() { echo "DO \$w\$ BEGIN FOR i IN 1 .. 1200 LOOP EXIT WHEN EXISTS (SELECT 1 FROM public.flags WHERE name = '$1'); PERFORM pg_sleep(0.05); END LOOP; END \$w\$"; }
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d $DB \
  -c "BEGIN" -c "SELECT tradecore._emit('n.slow', NULL, NULL, NULL)" -c "$(wait_for release)" -c "COMMIT" >/dev/null &
holder=$!
key=""
for _ in $(seq 200); do  # until the holder has its first-id lock (at most 20 s)
  key=$(q -c "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = 1952671746 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
  [ -n "$key" ] && break
  sleep 0.1
done
check "the first-id lock of id 2^31 + 41 is keyed 41" "$key" "41"
fast=$(q -c "SELECT tradecore._emit('n.fast', NULL, NULL, NULL)")
check "a later emitter commits id 2^31 + 42" "$fast" "2147483690"
check "events_safe_horizon stops below the open emitter's id" "$(q -c "SELECT tradecore.events_safe_horizon()")" "2147483688"
q -c "INSERT INTO public.flags VALUES ('release')"
wait "$holder"; holder=
check "and moves on once it commits" "$(q -c "SELECT tradecore.events_safe_horizon()")" "2147483690"
exit $fail
