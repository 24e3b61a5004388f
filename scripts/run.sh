#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine, as root: installs dependencies, builds and
# installs tradecore, starts a cluster (as the postgres user) with pg_cron and tradecore
# preloaded, creates both extensions in database "tradecore", and prints how to connect.
# Run it again at any time: the old cluster is stopped and replaced.
#   TRADECORE_PORT   TCP port on 127.0.0.1 (default 54329)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CLUSTER=${TRADECORE_CLUSTER:-main}

TRADECORE_WITH_BROWSER=${TRADECORE_WITH_BROWSER:-0} bash scripts/deps.sh
bash scripts/reserve_ports.sh
bash scripts/build.sh

# The dashboard: JavaScript dependencies from package-lock.json, bundled by esbuild, copied
# where the postgres user (the bridge worker) can read it.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.json; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build >/dev/null
RUNDIR=${TRADECORE_RUNDIR:-/var/tmp/tradecore}
WEB="$RUNDIR/web-$CLUSTER"
rm -rf "$WEB"; mkdir -p "$WEB/dist"
cp web/index.html web/style.css web/favicon.svg "$WEB/"
cp web/dist/app.js "$WEB/dist/"
chmod -R a+rX "$WEB"

TRADECORE_EXTRA_CONF="tradecore.bridge_web_dir = '$WEB'" \
  bash scripts/cluster.sh start "$CLUSTER" "${TRADECORE_PORT:-54329}"
eval "$(bash scripts/cluster.sh env "$CLUSTER")"
psql_pg() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -X -v ON_ERROR_STOP=1 -d tradecore "$@"; }

psql_pg -q -f scripts/demo.sql >"$RUNDIR/$CLUSTER/demo.log"
token=$(psql_pg -qAt -c "SELECT tradecore.issue_dashboard_token('tradecore_viewer', '8 hours')")
bridge="$(psql_pg -qAt -c "SHOW tradecore.bridge_listen_address"):$(psql_pg -qAt -c "SHOW tradecore.bridge_port")"
# the bridge starts once the database exists; give it a moment to answer
for _ in $(seq 1 60); do curl -sf "http://$bridge/healthz" >/dev/null && break; sleep 0.5; done

cat <<MSG

tradecore is running (cluster "$CLUSTER", PostgreSQL 15, pg_cron + tradecore preloaded).
  connect:    psql -h $PGHOST -p $PGPORT -U postgres tradecore
        or:   psql "host=127.0.0.1 port=$PGPORT user=postgres dbname=tradecore"
  workers:    SELECT * FROM tradecore.workers();
  dashboard:  http://$bridge/#token=$token
              (a read-only viewer token valid 8 hours; new one:
               SELECT tradecore.issue_dashboard_token('tradecore_viewer', '8 hours');)
  bridge:     $(curl -sf "http://$bridge/healthz" >/dev/null && echo "answering on $bridge" || echo "not answering yet on $bridge (see the server log)")
  jobs:       SELECT jobname, schedule, command FROM cron.job;   -- the engine loop (engine_tick) every minute
  set-up log: $RUNDIR/$CLUSTER/demo.log
  server log: $(dirname "$PGDATA")/server.log
  stop:       bash scripts/cluster.sh stop $CLUSTER
MSG
