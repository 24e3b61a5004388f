#!/usr/bin/env bash
# The main job's set-up (scripts/demo.sql, which scripts/run.sh loads) on the test database:
# it runs without an error, schedules the engine job, and seeds a market whose price line
# is continuous where the seeded history meets the live market (an earlier separate seed
# run once left a 1.8% jump there).  Runs last: it leaves the demo's rows behind, and its
# pg_cron jobs are unscheduled at the end.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}" "${TRADECORE_ROOT:?}"
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore "$@"; }
trap 'q -c "SELECT tradecore.unschedule_jobs()" >/dev/null 2>&1 || true' EXIT
source "$(dirname "$0")/../lib/suite.sh"

if out=$(q -f "$TRADECORE_ROOT/scripts/demo.sql" 2>&1); then
  echo "ok - scripts/demo.sql runs without an error"
else
  echo "not ok - scripts/demo.sql runs without an error"; echo "$out" | tail -5 | sed 's/^/#   /'; exit 1
fi
check "the engine job is scheduled" \
  "$(q -c "SELECT count(*) FROM cron.job WHERE jobname = 'tradecore.engine'")" "1"
# one-minute closes of the seeded history and the first live tick: a 1% move in a minute is
# over ten standard deviations of the demo's simulated market (volatility 0.6 a year)
check "the price line is continuous (no one-minute move of 1% or more)" \
  "$(q -c "SELECT count(*) FROM (SELECT c.close / lag(c.close) OVER (ORDER BY c.ts) - 1 AS r
                                   FROM tradecore.candles c JOIN tradecore.instruments i ON i.id = c.instrument_id
                                  WHERE i.symbol = 'BTC/USD' AND c.\"interval\" = interval '1 minute') s
            WHERE abs(r) >= 0.01")" "0"
check "the seeded history reaches the present" \
  "$(q -c "SELECT max(c.ts) > now() - interval '3 minutes' AND count(*) >= 200
             FROM tradecore.candles c JOIN tradecore.instruments i ON i.id = c.instrument_id
            WHERE i.symbol = 'BTC/USD' AND c.\"interval\" = interval '1 minute'")" "t"
exit $fail
