# Sourced by bench/4N_*.sh: the outbox (fixture until the schema lands), node deps, a token,
# and a bridge that answers.  Needs PGHOST/PGPORT (bench/run.sh) and TRADECORE_ROOT.
BR_PORT=${TRADECORE_BENCH_BRIDGE_PORT:-54351}
export TRADECORE_BRIDGE_PORT=$BR_PORT
( cd "$TRADECORE_ROOT" && { [ -d node_modules ] || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error; } )
bq -c "SET client_min_messages = warning" -f "$TRADECORE_ROOT/test/node/fixture_outbox.sql" >/dev/null
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$BR_PORT/healthz" >/dev/null && break; sleep 0.5; done
BRIDGE_PID=$(curl -sf "http://127.0.0.1:$BR_PORT/healthz" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
[ -n "$BRIDGE_PID" ] || { echo "bench: the bridge does not answer on $BR_PORT" >&2; exit 1; }
export BRIDGE_TOKEN=$(bq -c "SELECT tradecore.issue_dashboard_token('tradecore_viewer', '1 hour')")

# emit_at RATE SECONDS: one session emitting RATE events/s (one per transaction) for SECONDS
emit_at() {
  bq -c "DO \$b\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
    FOR i IN 1..$(( $1 * $2 )) LOOP
      PERFORM tradecore.emit('bench', jsonb_build_object('t0', extract(epoch FROM clock_timestamp()), 'i', i));
      COMMIT;
      PERFORM pg_sleep(greatest(0, extract(epoch FROM t0 + i * interval '1 second' / $1 - clock_timestamp())));
    END LOOP; END \$b\$"
}
