#!/usr/bin/env bash
# Live orders against the fake exchange (127.0.0.1): three figures, each beside a baseline
# measured in the same run.
#   1. queueing: place_order on a live venue (validation, order, events, request row) in a
#      PL/pgSQL loop, against plain single-row INSERTs into tradecore.orders;
#   2. sending: orders acknowledged per second by the order sender (claim, decrypt, sign,
#      HTTP, record), against a python client sending the same signed Binance requests to
#      the same fake exchange one after the other (what the fake itself sustains);
#   3. acknowledgement latency: from the commit of place_order to status 'open' (the
#      commit wakes the sender), against the python client's request round trip.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ROOT=${TRADECORE_ROOT:?}
n=${BENCH_LIVE_N:-500}
lat_n=${BENCH_LIVE_LATENCY_N:-50}
FAKE_PORT=${BENCH_FAKE_LIVE_PORT:-55143}
FAKE="http://127.0.0.1:$FAKE_PORT"
work=$(mktemp -d /tmp/tc-bench-live.XXXXXX); chown postgres "$work"; chmod 700 "$work"
python3 -c "import secrets; print(secrets.token_hex(32))" > "$work/master.key"
chown postgres "$work/master.key"; chmod 600 "$work/master.key"
python3 "$ROOT/test/fake_exchange.py" "$FAKE_PORT" > "$work/fake.log" 2>&1 &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null || true; bq -c "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q ready "$work/fake.log" 2>/dev/null && break; sleep 0.1; done

for s in "binance_base_url = '$FAKE'" "master_key_file = '$work/master.key'" "live_trading = on" \
         "poller_enabled = off" "order_sync_interval_ms = 0"; do
  bq -c "ALTER SYSTEM SET tradecore.$s" >/dev/null
done
bq -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
bq >/dev/null <<'SQL'
-- the sender paces each venue to rate_limit_per_sec; lift it to measure the sender itself
INSERT INTO tradecore.exchanges (code, name, kind, enabled, rate_limit_per_sec) VALUES ('binance', 'Binance', 'live', true, 100000)
ON CONFLICT (code) DO UPDATE SET enabled = true, base_url = NULL, rate_limit_per_sec = 100000;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USDT', 'BTCUSDT', 'BTC', 'USDT', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'binance'
ON CONFLICT DO NOTHING;
INSERT INTO tradecore.wallets (name, kind) VALUES ('bench live', 'master') ON CONFLICT DO NOTHING;
SELECT tradecore.store_credentials('binance', 'tc-test-api-key', 'tc-binance-test-secret');
SQL
for _ in $(seq 150); do
  [ -n "$(bq -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'tradecore order sender'")" ] && break; sleep 0.2
done
tag=$(date +%s%N)

loop_ms() {
  bq -c "DO \$b\$ DECLARE t0 timestamptz; w bigint := (SELECT id FROM tradecore.wallets WHERE name = 'bench live');
         inst bigint := (SELECT i.id FROM tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id
                          WHERE e.code = 'binance' AND i.symbol = 'BTC/USDT');
         ex int := (SELECT id FROM tradecore.exchanges WHERE code = 'binance');
         BEGIN t0 := clock_timestamp(); $1; RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$b\$" 2>&1 \
    | sed -n 's/.*ms=\([0-9.]*\).*/\1/p'
}

# 1 + 2: queue n orders in one transaction; its commit releases them all to the sender
start=$(bq -c "SELECT extract(epoch FROM clock_timestamp())")
p=$(loop_ms "FOR i IN 1..$n LOOP PERFORM tradecore.place_order(w, 'BTC/USDT', 'buy', 0.001, 30000 + i * 0.01, client_order_id => 'bl-$tag-' || i, exchange => 'binance'); END LOOP")
committed=$(bq -c "SELECT extract(epoch FROM clock_timestamp())")
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ]; do
  left=$(bq -c "SELECT count(*) FROM tradecore.orders WHERE client_order_id LIKE 'bl-$tag-%' AND status = 'new'")
  [ "$left" = 0 ] && break; sleep 0.05
done
done_at=$(bq -c "SELECT extract(epoch FROM max(updated_at)) FROM tradecore.orders WHERE client_order_id LIKE 'bl-$tag-%'")
q=$(loop_ms "FOR i IN 1..$n LOOP INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status) VALUES ('bi-$tag-' || i, w, inst, ex, 'buy', 'limit', 30000, 0.001, 'canceled'); END LOOP")
[ -n "$p" ] && [ -n "$q" ] && [ "$left" = 0 ] || { echo "bench: live order loop failed (left $left)" >&2; exit 1; }
bq -c "SELECT 'detail: ' || count(*) FILTER (WHERE status = 'open') || ' of $n acknowledged open, ' || (SELECT count(*) FROM tradecore.exchange_errors) || ' exchange errors' FROM tradecore.orders WHERE client_order_id LIKE 'bl-$tag-%'"
send_ms=$(awk -v a="$committed" -v b="$done_at" 'BEGIN { printf "%.3f", (b - a) * 1000 }')

# the baseline client: signed Binance POSTs to the fake, sequential, one connection each
cat > "$work/client.py" <<'PY'
import hashlib, hmac, sys, time, urllib.request
base, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lat = []
t0 = time.time()
for i in range(n):
    p = (f"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=30000.00"
         f"&newClientOrderId=00000000-0000-4000-8000-{tag[-4:]}{i:08d}&newOrderRespType=RESULT"
         f"&recvWindow=5000&timestamp={int(time.time() * 1000)}")
    p += "&signature=" + hmac.new(b"tc-binance-test-secret", p.encode(), hashlib.sha256).hexdigest()
    r = urllib.request.Request(base + "/api/v3/order", data=p.encode(), method="POST",
                               headers={"X-MBX-APIKEY": "tc-test-api-key",
                                        "Content-Type": "application/x-www-form-urlencoded"})
    s = time.time()
    urllib.request.urlopen(r).read()
    lat.append((time.time() - s) * 1000)
total = (time.time() - t0) * 1000
lat.sort()
print(f"{total:.3f} {lat[len(lat) // 2]:.3f}")
PY
read -r base_ms base_p50 < <(python3 "$work/client.py" "$FAKE" "$n" "$tag")

# 3: one order at a time, committed, then polled until open
lat=$(bq -c "DO \$b\$ DECLARE w bigint := (SELECT id FROM tradecore.wallets WHERE name = 'bench live'); v_id bigint;
             t0 timestamptz; l float8[] := '{}'; st text;
             BEGIN
               FOR i IN 1..$lat_n LOOP
                 v_id := tradecore.place_order(w, 'BTC/USDT', 'buy', 0.001, 31000 + i * 0.01, client_order_id => 'bt-$tag-' || i, exchange => 'binance');
                 COMMIT;
                 t0 := clock_timestamp();
                 LOOP
                   SELECT status INTO st FROM tradecore.orders WHERE orders.id = v_id;
                   COMMIT;
                   EXIT WHEN st <> 'new' OR clock_timestamp() - t0 > interval '5 seconds';
                   PERFORM pg_sleep(0.0005);
                 END LOOP;
                 l := l || extract(epoch FROM clock_timestamp() - t0)::float8 * 1000;
               END LOOP;
               RAISE NOTICE 'p50=%', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(l) x);
             END \$b\$" 2>&1 | sed -n 's/.*p50=\([0-9.]*\).*/\1/p')
[ -n "$lat" ] || { echo "bench: latency loop failed" >&2; exit 1; }

report "place_order, live venue (queue only, SQL)" orders "$n" "$p" "plain INSERT into tradecore.orders" "$q"
report "order sender: acknowledged orders" orders "$n" "$send_ms" "python client, same fake, sequential" "$base_ms"
awk -v a="$lat" -v b="$base_p50" 'BEGIN { printf "%-44s %11.2f ms p50   baseline %-34s %11.2f ms p50   ratio %7.2fx\n",
  "commit of place_order -> status open", a, "python client request round trip", b, a / b }'
