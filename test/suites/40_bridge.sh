#!/usr/bin/env bash
# The AG-UI bridge against the test cluster's running bridge worker (127.0.0.1:54341):
# npm ci + esbuild build of the dashboard, then the node tests (protocol, AG-UI schemas,
# HttpAgent, RLS visibility and resume, slow and idle clients, the browser, fault tests).
# Until the schema's tradecore.events lands, test/node/fixture_outbox.sql creates a
# contract-shaped outbox (set-up only; never installed).
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
WORK=${TRADECORE_WORK:-$(mktemp -d /tmp/tradecore-bridge.XXXXXX)}
export TRADECORE_BRIDGE_PORT=${TRADECORE_TEST_BRIDGE_PORT:-54341}
cd "$ROOT"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore "$@"; }

# reproducible JavaScript dependencies; never a browser download
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.json; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build >/dev/null

# the dashboard, where the postgres user can read it
mkdir -p "$WORK/web/dist"
cp web/index.html web/style.css web/favicon.svg "$WORK/web/"
cp web/dist/app.js "$WORK/web/dist/"
chown -R postgres "$WORK/web"
q -f test/node/fixture_outbox.sql
q -c "ALTER SYSTEM SET tradecore.bridge_web_dir = '$WORK/web'" -c "SELECT pg_reload_conf()" >/dev/null

# the bridge restarts 10 s after the cluster's first start (the database did not exist yet)
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$TRADECORE_BRIDGE_PORT/healthz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$TRADECORE_BRIDGE_PORT/healthz" >/dev/null || { echo "not ok - bridge is not answering"; exit 1; }
echo "ok - bridge answers on 127.0.0.1:$TRADECORE_BRIDGE_PORT"

fail=0
for t in ws_protocol agui_schema httpagent visibility_resume browser memory fault; do
  [ -n "${TRADECORE_BRIDGE_TESTS:-}" ] && [[ " $TRADECORE_BRIDGE_TESTS " != *" $t "* ]] && continue
  echo "# node --test test/node/$t.test.mjs"
  if node --test --test-reporter=tap "test/node/$t.test.mjs" 2>&1 | sed 's/^/    /'; then
    echo "ok - node $t"
  else
    echo "not ok - node $t"; fail=1
  fi
done
q -c "ALTER SYSTEM RESET tradecore.bridge_web_dir" -c "SELECT pg_reload_conf()" >/dev/null
exit $fail
