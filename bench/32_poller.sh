#!/usr/bin/env bash
# The poller against the fake exchange (127.0.0.1): requests per second it sustains over
# 10 s with 3 venues x 40 instruments (ticker + book every 250 ms, rate limit 100/s per
# venue, 16 in flight), and its RSS.  Baseline in the same run: the same endpoints fetched
# by one sequential curl loop for 5 s (what a naive single-threaded poller gets).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROOT=${TRADECORE_ROOT:?}
PORT=55391
FAKE="http://127.0.0.1:$PORT"
python3 "$ROOT/test/fake_exchange.py" $PORT > /tmp/tradecore-bench-fake.log 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true; for g in binance_base_url coinbase_base_url kraken_base_url poll_interval_ms poller_max_concurrency poller_candle_interval_ms; do bq -c "ALTER SYSTEM RESET tradecore.$g" >/dev/null; done; bq -c "UPDATE tradecore.exchanges SET enabled = false WHERE code IN ('"'"'binance'"'"','"'"'coinbase'"'"','"'"'kraken'"'"')" >/dev/null; bq -c "SELECT pg_reload_conf()" >/dev/null' EXIT
sleep 0.5
total() { curl -s "$FAKE/__stats" | python3 -c "import json,sys; print(sum(json.load(sys.stdin).values()))"; }

# baseline: sequential curl
b0=$(total); t0=$(date +%s.%N); end=$((SECONDS + 5))
while [ $SECONDS -lt $end ]; do curl -s -o /dev/null "$FAKE/api/v3/ticker/24hr?symbol=B1USDT"; done
b1=$(total); t1=$(date +%s.%N)
base_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)*1000}')
base_n=$((b1 - b0))

for g in binance_base_url coinbase_base_url kraken_base_url; do bq -c "ALTER SYSTEM SET tradecore.$g = '$FAKE'" >/dev/null; done
bq -c "ALTER SYSTEM SET tradecore.poll_interval_ms = 250" >/dev/null
bq -c "ALTER SYSTEM SET tradecore.poller_candle_interval_ms = 3600000" >/dev/null
bq -c "ALTER SYSTEM SET tradecore.poller_max_concurrency = 16" >/dev/null
bq -c "SELECT pg_reload_conf()" >/dev/null
bq >/dev/null <<'SQL'
INSERT INTO tradecore.exchanges (code, name, kind, enabled, rate_limit_per_sec)
VALUES ('binance', 'Binance', 'live', true, 100), ('coinbase', 'Coinbase Exchange', 'live', true, 100), ('kraken', 'Kraken', 'live', true, 100)
ON CONFLICT (code) DO UPDATE SET enabled = true, base_url = NULL, rate_limit_per_sec = 100;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset)
SELECT e.id, 'B' || g || '/' || q, v, 'B' || g, q
  FROM generate_series(1, 40) g
 CROSS JOIN LATERAL (VALUES ('binance', 'B' || g || 'USDT', 'USDT'), ('coinbase', 'B' || g || '-USD', 'USD'),
                            ('kraken', 'B' || g || 'USD', 'USD')) x(code, v, q)
  JOIN tradecore.exchanges e ON e.code = x.code
ON CONFLICT DO NOTHING;
SELECT pg_reload_conf();
SQL
sleep 3
pid=$(bq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'tradecore poller' AND datname = 'tradecore'")
c0=$(total); s0=$(date +%s.%N); cpu0=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
sleep 10
c1=$(total); s1=$(date +%s.%N); cpu1=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
poll_ms=$(awk -v a="$s0" -v b="$s1" 'BEGIN{print (b-a)*1000}')
rss=$(awk '/VmRSS/{print $2}' /proc/"$pid"/status)
errs=$(bq -c "SELECT count(*) FROM tradecore.exchange_errors WHERE ts > now() - interval '11 seconds'")
echo "detail: poller pid $pid, RSS $((rss / 1024)) MB, CPU $(awk -v c=$((cpu1 - cpu0)) -v t="$poll_ms" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", c / hz / (t / 1000) * 100}') % of one core, $errs errors in the window"
report "poller requests to the fake exchange" requests "$((c1 - c0))" "$poll_ms" "sequential curl loop" "$(awk -v n=$base_n -v ms="$base_ms" -v m=$((c1 - c0)) 'BEGIN{print ms * m / n}')"
