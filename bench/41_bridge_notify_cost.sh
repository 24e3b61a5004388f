#!/usr/bin/env bash
# What NOTIFY costs the emitting transactions (every notifying commit takes one cluster-wide
# lock): pgbench, the outbox INSERT with and without pg_notify in the same transaction, while
# the bridge LISTENs.  (1) throughput with 8 concurrent clients for 5 s; (2) average
# transaction latency at a fixed 1,000 transactions/s.
set -euo pipefail
source "$TRADECORE_ROOT/bench/lib.sh"
source "$TRADECORE_ROOT/bench/bridge_setup.sh"
PGBENCH=/usr/lib/postgresql/15/bin/pgbench
d=$(mktemp -d); chmod 755 "$d"
cat >"$d/notify.sql" <<'SQL'
BEGIN;
INSERT INTO tradecore.events (type, payload) VALUES ('bench.notify', '{}') RETURNING id \gset
SELECT pg_notify('tradecore_events', :id::text);
COMMIT;
SQL
cat >"$d/plain.sql" <<'SQL'
BEGIN;
INSERT INTO tradecore.events (type, payload) VALUES ('bench.plain', '{}') RETURNING id \gset
COMMIT;
SQL
chmod 644 "$d"/*.sql
pgb() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" "$PGBENCH" -n -d tradecore "$@" 2>&1; }
tps() { pgb -f "$1" -c 8 -j 2 -T 5 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }
latency_at() { pgb -f "$1" -c 4 -j 2 -R 1000 -T 5 | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p'; }
t_plain=$(tps "$d/plain.sql"); t_notify=$(tps "$d/notify.sql")
report "outbox INSERT + NOTIFY, 8 clients" tx 1000 "$(awk -v t="$t_notify" 'BEGIN{print 1000000/t}')" \
       "INSERT, no NOTIFY" "$(awk -v t="$t_plain" 'BEGIN{print 1000000/t}')"
l_plain=$(latency_at "$d/plain.sql"); l_notify=$(latency_at "$d/notify.sql")
printf "%-44s %10.3f ms   baseline %-34s %10.3f ms   ratio %7.2fx\n" "avg latency at 1,000 tx/s, with NOTIFY" "$l_notify" "no NOTIFY" "$l_plain" \
  "$(awk -v a="$l_notify" -v b="$l_plain" 'BEGIN{print a/b}')"
rm -rf "$d"
