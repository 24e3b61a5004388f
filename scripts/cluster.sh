#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tradecore, run as the postgres system user
# (initdb and postgres refuse root).
#
#   scripts/cluster.sh start NAME [PORT]   fresh cluster: stops and wipes an old one of that NAME
#   scripts/cluster.sh stop NAME           stops it (fast shutdown); data kept until next start
#   scripts/cluster.sh env NAME            prints PGHOST/PGPORT/PGDATA lines to eval
#
# The cluster lives in $TRADECORE_RUNDIR/NAME (default /var/tmp/tradecore/NAME): data/ holds
# PGDATA, the Unix socket sits in the same folder, and it also listens on 127.0.0.1:PORT.
# If PORT is taken by something else, the next free port is used and recorded in NAME/port.
# TRADECORE_BRIDGE_PORT sets the bridge's port (default 8787); TRADECORE_EXTRA_CONF is
# appended to postgresql.conf.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
RUNDIR=${TRADECORE_RUNDIR:-/var/tmp/tradecore}
PGUSER_OS=${TRADECORE_OS_USER:-postgres}

as_pg() {
  if [ "$(id -un)" = "$PGUSER_OS" ]; then "$@"; else runuser -u "$PGUSER_OS" -- "$@"; fi
}

port_in_use() {
  # true if anything accepts on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A postmaster started from here must not inherit the caller's open files: a caller holding
# the test lock (flock on /var/lock/tradecore-test.lock) would otherwise pass it to the
# server, which would keep every other test run waiting for as long as the server lives.
for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null || true
done

cmd=${1:-}; name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { echo "usage: $0 start|stop|env NAME [PORT]" >&2; exit 2; }
dir="$RUNDIR/$name"
data="$dir/data"

stop_cluster() {
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    # a postmaster that ignored the fast shutdown (or a stale pid file) must not block a restart
    if [ -f "$data/postmaster.pid" ]; then
      pid=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || kill -9 "$pid" || true
      fi
      rm -f "$data/postmaster.pid"
    fi
  fi
}

case "$cmd" in
  start)
    port=${3:-${TRADECORE_PORT:-54329}}
    stop_cluster
    rm -rf "$dir"
    mkdir -p "$dir"
    chown "$PGUSER_OS" "$RUNDIR" "$dir" 2>/dev/null || true
    chmod 755 "$RUNDIR" 2>/dev/null || true
    tries=0
    while port_in_use "$port"; do
      tries=$((tries + 1)); [ $tries -le 50 ] || { echo "cluster: no free port near $port" >&2; exit 1; }
      echo "cluster: port $port is in use by another process, trying $((port + 1))" >&2
      port=$((port + 1))
    done
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$data/postgresql.conf" <<CONF
# --- tradecore throwaway cluster ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'pg_cron,tradecore'
cron.database_name = 'tradecore'
tradecore.database_name = 'tradecore'
tradecore.bridge_port = ${TRADECORE_BRIDGE_PORT:-8787}
max_worker_processes = 32
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %b '
${TRADECORE_EXTRA_CONF:-}
CONF
    echo "$port" >"$dir/port"
    chown "$PGUSER_OS" "$dir/port"
    # A port free a moment ago can be taken before the postmaster binds it (another test's
    # server, or a client's ephemeral port): move to the next port and retry a few times.
    for attempt in 1 2 3 4 5; do
      if as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null; then break; fi
      if [ "$attempt" -lt 5 ] && grep -q "could not create any TCP/IP sockets" "$dir/server.log"; then
        port=$((port + 1))
        echo "cluster: port taken while starting, retrying on $port" >&2
        sed -i "s/^port = .*/port = $port/" "$data/postgresql.conf"
        echo "$port" >"$dir/port"
        continue
      fi
      echo "cluster: server did not start; log follows" >&2; tail -50 "$dir/server.log" >&2; exit 1
    done
    as_pg "$PG_BIN/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAtX \
      -c "CREATE DATABASE tradecore" >/dev/null
    echo "cluster: $name up on port $port (socket dir $dir), log $dir/server.log"
    ;;
  stop)
    stop_cluster
    echo "cluster: $name stopped"
    ;;
  env)
    [ -f "$dir/port" ] || { echo "cluster: $name was never started" >&2; exit 1; }
    echo "export PGHOST='$dir' PGPORT='$(cat "$dir/port")' PGUSER=postgres PGDATABASE=tradecore PGDATA='$data'"
    ;;
  *) echo "usage: $0 start|stop|env NAME [PORT]" >&2; exit 2 ;;
esac
