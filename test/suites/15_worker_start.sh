#!/usr/bin/env bash
# The test cluster starts before its database exists (scripts/test.sh creates it), as a new
# installation does: tradecore's workers must wait for the database instead of failing to
# connect (a FATAL in the log and a 10 s restart each).  Reads the cluster's server log.
set -euo pipefail
: "${PGHOST:?}"
source "$(dirname "$0")/../lib/suite.sh"
log="$PGHOST/server.log"
[ -r "$log" ] || { echo "not ok - the server log $log is readable"; exit 1; }
check "no tradecore worker failed to connect at start" \
  "$(grep -E 'tradecore [a-z ]+FATAL' "$log" | head -3)" ""
check "the workers are connected" \
  "$(pg_as tradecore -c "SELECT count(*) >= 3 FROM pg_stat_activity WHERE backend_type IN ('tradecore bridge', 'tradecore order sender', 'tradecore poller')")" "t"
exit $fail
