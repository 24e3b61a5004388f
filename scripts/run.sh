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
bash scripts/cluster.sh start "$CLUSTER" "${TRADECORE_PORT:-54329}"
eval "$(bash scripts/cluster.sh env "$CLUSTER")"
psql_pg() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -X -v ON_ERROR_STOP=1 -d tradecore "$@"; }

psql_pg -q -f scripts/demo.sql

cat <<MSG

tradecore is running (cluster "$CLUSTER", PostgreSQL 15, pg_cron + tradecore preloaded).
  connect:    psql -h $PGHOST -p $PGPORT -U postgres tradecore
        or:   psql "host=127.0.0.1 port=$PGPORT user=postgres dbname=tradecore"
  workers:    SELECT * FROM tradecore.workers();
  dashboard:  http://$(psql_pg -qAt -c "SHOW tradecore.bridge_listen_address"):$(psql_pg -qAt -c "SHOW tradecore.bridge_port")/
  server log: $(dirname "$PGDATA")/server.log
  stop:       bash scripts/cluster.sh stop $CLUSTER
MSG
