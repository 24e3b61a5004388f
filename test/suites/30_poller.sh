#!/usr/bin/env bash
# The exchange poller against the fake exchange (test/fake_exchange.py, 127.0.0.1 only):
# it polls the three venues through base URLs set by GUC and reloaded on SIGHUP, writes
# ticks, books and candles, keeps exchange_status current, records every failure once,
# backs off, and keeps running through 429, 5xx, timeouts, truncated, huge and
# NaN/negative/wrong-type bodies.  Runs in the suite cluster's tradecore database.
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
FAKE_PORT=${TRADECORE_FAKE_EXCHANGE_PORT:-55390}
FAKE="http://127.0.0.1:$FAKE_PORT"
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore -c "$1"; }
mode() { curl -s "$FAKE/__mode?venue=$1&mode=$2" >/dev/null; }
served() { curl -s "$FAKE/__stats" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"; }
# wait_for SECONDS SQL: true once SQL returns t
wait_for() {
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do [ "$(q "$2" 2>/dev/null)" = t ] && return 0; sleep 0.2; done
  return 1
}

python3 "$ROOT/test/fake_exchange.py" "$FAKE_PORT" > /tmp/tradecore-fake-exchange.log 2>&1 &
fake_pid=$!
cleanup() {
  q "UPDATE tradecore.exchanges SET enabled = false WHERE code IN ('binance', 'coinbase', 'kraken')" >/dev/null 2>&1 || true
  for g in binance_base_url coinbase_base_url kraken_base_url poll_interval_ms poller_timeout_ms \
           poller_max_backoff_ms poller_candle_interval_ms; do
    q "ALTER SYSTEM RESET tradecore.$g" >/dev/null 2>&1 || true
  done
  q "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  kill "$fake_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q ready /tmp/tradecore-fake-exchange.log 2>/dev/null && break; sleep 0.1; done

# Base URLs first (SIGHUP), so the poller never tries the real venues.
q "ALTER SYSTEM SET tradecore.binance_base_url = '$FAKE'" >/dev/null
q "ALTER SYSTEM SET tradecore.coinbase_base_url = '$FAKE'" >/dev/null
q "ALTER SYSTEM SET tradecore.kraken_base_url = '$FAKE'" >/dev/null
q "ALTER SYSTEM SET tradecore.poll_interval_ms = 200" >/dev/null
q "ALTER SYSTEM SET tradecore.poller_timeout_ms = 1000" >/dev/null
q "ALTER SYSTEM SET tradecore.poller_max_backoff_ms = 1500" >/dev/null
q "ALTER SYSTEM SET tradecore.poller_candle_interval_ms = 500" >/dev/null
q "SELECT pg_reload_conf()" >/dev/null

q "
INSERT INTO tradecore.exchanges (code, name, kind, enabled, rate_limit_per_sec)
VALUES ('binance', 'Binance', 'live', true, 50), ('coinbase', 'Coinbase Exchange', 'live', true, 50),
       ('kraken', 'Kraken', 'live', true, 50)
ON CONFLICT (code) DO UPDATE SET enabled = true, base_url = NULL, rate_limit_per_sec = 50;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size, active)
SELECT e.id, tradecore.normalize_symbol(e.code, v.s), v.s, 'BTC', split_part(tradecore.normalize_symbol(e.code, v.s), '/', 2), 0.01, 0.00000001, true
  FROM (VALUES ('binance', 'BTCUSDT'), ('coinbase', 'BTC-USD'), ('kraken', 'XBTUSD')) v(c, s)
  JOIN tradecore.exchanges e ON e.code = v.c
ON CONFLICT (exchange_id, venue_symbol) DO UPDATE SET active = true;
" >/dev/null
ids=$(q "SELECT string_agg(id::text, ',' ORDER BY code) FROM tradecore.exchanges WHERE code IN ('binance','coinbase','kraken')")
IFS=, read -r BIN CB KR <<<"$ids"
start=$(q "SELECT now()")
q "SELECT pg_reload_conf()" >/dev/null   # SIGHUP: the poller re-reads venues and instruments

pid=""
for _ in $(seq 75); do
  pid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'tradecore poller' AND datname = 'tradecore'")
  [ -n "$pid" ] && break; sleep 0.2
done
check "the poller worker runs" '[ -n "$pid" ]'

check "after SIGHUP it polls the venues at the configured base URLs: ticks from all three" \
  'wait_for 20 "SELECT count(DISTINCT exchange_id) = 3 FROM tradecore.market_ticks WHERE exchange_id IN ($BIN,$CB,$KR) AND id > 0 AND bid > 0"'
check "book snapshots from all three venues, best first, prices as JSON strings" \
  'wait_for 10 "SELECT count(DISTINCT exchange_id) = 3 AND bool_and(jsonb_typeof(bids->0->0) = '"'"'string'"'"') FROM tradecore.order_book_snapshots WHERE exchange_id IN ($BIN,$CB,$KR)"'
check "candles from all three venues" \
  'wait_for 10 "SELECT count(DISTINCT exchange_id) = 3 FROM tradecore.candles WHERE exchange_id IN ($BIN,$CB,$KR)"'
check "exchange_status is ok for the three venues" \
  'wait_for 10 "SELECT count(*) = 3 FROM tradecore.exchange_status WHERE exchange_id IN ($BIN,$CB,$KR) AND state = '"'"'ok'"'"' AND consecutive_failures = 0"'
check "no error recorded while every venue is healthy" \
  '[ "$(q "SELECT count(*) FROM tradecore.exchange_errors WHERE exchange_id IN ($BIN,$CB,$KR) AND ts >= '"'"'$start'"'"'")" = 0 ]'

q "SELECT kind, http_status, left(message, 120), details->>'url' FROM tradecore.exchange_errors WHERE exchange_id IN ($BIN,$CB,$KR) AND ts >= '$start' LIMIT 5" | sed 's/^/# unexpected error: /'

# NaN prices at Kraken: rejected, each bad body recorded exactly once, others unaffected
mode kraken nan
bin_before=$(q "SELECT count(*) FROM tradecore.market_ticks WHERE exchange_id = $BIN")
check "NaN prices are rejected as parse errors naming the field" \
  'wait_for 10 "SELECT count(*) >= 3 FROM tradecore.exchange_errors WHERE exchange_id = $KR AND kind = '"'"'parse'"'"' AND message LIKE '"'"'%is not a decimal number: \"NaN\"%'"'"'"'
check "kraken turns degraded or down while it sends garbage" \
  'wait_for 10 "SELECT state IN ('"'"'degraded'"'"', '"'"'down'"'"') AND consecutive_failures > 0 FROM tradecore.exchange_status WHERE exchange_id = $KR"'
check "binance keeps ticking meanwhile" \
  'wait_for 10 "SELECT count(*) > $bin_before FROM tradecore.market_ticks WHERE exchange_id = $BIN"'
mode kraken ok
sleep 2.5
nan_served=$(served kraken:nan)
nan_rows=$(q "SELECT count(*) FROM tradecore.exchange_errors WHERE exchange_id = $KR AND message LIKE '%\"NaN\"%'")
echo "# kraken NaN bodies served: $nan_served, errors recorded: $nan_rows"
check "every bad body is recorded once: errors recorded = NaN bodies served" '[ "$nan_served" = "$nan_rows" ] && [ "$nan_rows" -gt 0 ]'
check "kraken recovers to ok" \
  'wait_for 10 "SELECT state = '"'"'ok'"'"' AND consecutive_failures = 0 FROM tradecore.exchange_status WHERE exchange_id = $KR"'

# every broken shape, one venue at a time
for m in negative wrongtype truncated garbage; do
  mode coinbase $m
  check "coinbase '$m' bodies are rejected as parse errors" \
    'wait_for 10 "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $CB AND kind = '"'"'parse'"'"' AND details->>'"'"'url'"'"' LIKE '"'"'$FAKE/%'"'"' AND ts > now() - interval '"'"'5 seconds'"'"' AND (('"'"'$m'"'"' = '"'"'negative'"'"' AND message LIKE '"'"'%negative%'"'"') OR ('"'"'$m'"'"' = '"'"'wrongtype'"'"' AND message LIKE '"'"'%neither a decimal string%'"'"') OR ('"'"'$m'"'"' IN ('"'"'truncated'"'"', '"'"'garbage'"'"') AND message LIKE '"'"'%malformed JSON%'"'"'))"'
done
mode coinbase error
check "a venue error body is recorded with the venue's message and HTTP status" \
  'wait_for 10 "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $CB AND kind = '"'"'http'"'"' AND http_status = 400 AND message LIKE '"'"'%NotFound%'"'"'"'
mode coinbase huge
check "a 9 MB body is cut off at the size limit" \
  'wait_for 15 "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $CB AND kind = '"'"'too_large'"'"'"'
mode coinbase ok

mode binance 500
check "HTTP 500 is recorded as an http error" \
  'wait_for 10 "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $BIN AND kind = '"'"'http'"'"' AND http_status = 500"'
mode binance 429
a=$(served binance:429)
sleep 4
b=$(served binance:429)
echo "# binance requests in 4 s while answering 429: $((b - a)) (healthy: about 60)"
check "429 is recorded as rate_limit" \
  '[ "$(q "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $BIN AND kind = '"'"'rate_limit'"'"' AND http_status = 429")" = t ]'
check "the poller backs off a venue answering 429 (Retry-After 1 s, exponential backoff)" '[ $((b - a)) -le 20 ]'
check "a venue failing repeatedly is marked down" \
  '[ "$(q "SELECT state FROM tradecore.exchange_status WHERE exchange_id = $BIN")" = down ]'
mode binance timeout
check "requests that exceed tradecore.poller_timeout_ms are recorded as timeouts" \
  'wait_for 15 "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE exchange_id = $BIN AND kind = '"'"'timeout'"'"'"'
mode binance ok
check "binance recovers to ok" \
  'wait_for 15 "SELECT state = '"'"'ok'"'"' FROM tradecore.exchange_status WHERE exchange_id = $BIN"'

check "the same poller process survived everything (pid $pid)" \
  '[ "$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = '"'"'tradecore poller'"'"' AND datname = '"'"'tradecore'"'"'")" = "$pid" ]'
rss=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
echo "# poller RSS: $rss kB"
check "the poller stays under 50 MB RSS" '[ "$rss" -lt 51200 ]'
check "the poller never holds a transaction open while idle-waiting on HTTP" \
  '[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = '"'"'tradecore poller'"'"' AND state = '"'"'idle in transaction'"'"'")" = 0 ]'
exit $fail
