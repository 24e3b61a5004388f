#!/usr/bin/env bash
# Live orders against the fake exchange (test/fake_exchange.py, 127.0.0.1 only), in the
# suite cluster's tradecore database: place_order queues, the order sender worker sends
# signed requests (the fake verifies every signature), rejects carry the venue's code,
# 429/500/timeouts are retried without ever placing an order twice (the fake counts
# placements per client id), the kill switch holds, cancels and the status sync work,
# and no secret reaches the server log or any table.  Bounded: every wait has a deadline.
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
WORK=${TRADECORE_WORK:-/tmp}
FAKE_PORT=${TRADECORE_FAKE_LIVE_PORT:-55142}
FAKE="http://127.0.0.1:$FAKE_PORT"
LOG="$(dirname "${PGDATA:?}")/server.log"
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore -c "$1"; }
q_err() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d tradecore -c "$1" 2>&1 || true; }
omode() { curl -s "$FAKE/__order_mode?venue=$1&mode=$2" >/dev/null; }
placed() { curl -s "$FAKE/__orders" | python3 -c "import json,sys; print(json.load(sys.stdin)['placed'].get('$1:$2', 0))"; }
wait_for() {  # wait_for SECONDS SQL: true once SQL returns t
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do [ "$(q "$2" 2>/dev/null)" = t ] && return 0; sleep 0.2; done
  return 1
}
setg() { q "ALTER SYSTEM SET tradecore.$1 = '$2'" >/dev/null; }
reload() { q "SELECT pg_reload_conf()" >/dev/null; sleep 0.5; }

BIN_SECRET=tc-binance-test-secret
CB_SECRET=$(printf %s 'tc-coinbase-test-secret-bytes!!!' | base64 -w0)
KR_SECRET=$(printf %s 'tc-kraken-test-secret-bytes-0123456789abcdef' | base64 -w0)
PASS=tc-test-passphrase
KEY=tc-test-api-key

key=$(mktemp -d "$WORK/tc-live-key.XXXXXX"); chown postgres "$key"; chmod 700 "$key"
python3 -c "import secrets; print(secrets.token_hex(32))" > "$key/master.key"
chown postgres "$key/master.key"; chmod 600 "$key/master.key"

python3 "$ROOT/test/fake_exchange.py" "$FAKE_PORT" > "$WORK/fake-live.log" 2>&1 &
fake_pid=$!
cleanup() {
  q "UPDATE tradecore.exchanges SET enabled = false WHERE code IN ('binance', 'coinbase', 'kraken')" >/dev/null 2>&1 || true
  for g in live_trading binance_base_url coinbase_base_url kraken_base_url order_timeout_ms order_lookup_delay_ms \
           order_max_backoff_ms order_sync_interval_ms order_max_attempts master_key_file poller_enabled; do
    q "ALTER SYSTEM RESET tradecore.$g" >/dev/null 2>&1 || true
  done
  q "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
  kill "$fake_pid" 2>/dev/null || true
  rm -rf "$key"
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q ready "$WORK/fake-live.log" 2>/dev/null && break; sleep 0.1; done

setg poller_enabled off
for v in binance coinbase kraken; do setg ${v}_base_url "$FAKE"; done
setg order_timeout_ms 1000
setg order_lookup_delay_ms 1500
setg order_max_backoff_ms 800
setg order_sync_interval_ms 500
setg order_max_attempts 50
setg master_key_file "$key/master.key"
reload

q "
INSERT INTO tradecore.exchanges (code, name, kind, enabled)
VALUES ('binance', 'Binance', 'live', true), ('coinbase', 'Coinbase Exchange', 'live', true), ('kraken', 'Kraken', 'live', true)
ON CONFLICT (code) DO UPDATE SET enabled = true, base_url = NULL;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size, active)
SELECT e.id, tradecore.normalize_symbol(e.code, v.s), v.s, 'BTC', split_part(tradecore.normalize_symbol(e.code, v.s), '/', 2), 0.01, 0.0001, true
  FROM (VALUES ('binance', 'BTCUSDT'), ('coinbase', 'BTC-USD'), ('kraken', 'XBTUSD')) v(c, s)
  JOIN tradecore.exchanges e ON e.code = v.c
ON CONFLICT (exchange_id, venue_symbol) DO UPDATE SET active = true, tick_size = 0.01, lot_size = 0.0001;
INSERT INTO tradecore.wallets (name, kind) VALUES ('suite33 live', 'master') ON CONFLICT (name) DO NOTHING;
" >/dev/null
q "SELECT tradecore.store_credentials('binance', '$KEY', '$BIN_SECRET')" >/dev/null
q "SELECT tradecore.store_credentials('coinbase', '$KEY', '$CB_SECRET', '$PASS')" >/dev/null
q "SELECT tradecore.store_credentials('kraken', '$KEY', '$KR_SECRET')" >/dev/null
W=$(q "SELECT id FROM tradecore.wallets WHERE name = 'suite33 live'")
declare -A SYM=([binance]=BTC/USDT [coinbase]=BTC/USD [kraken]=BTC/USD)
run=$(date +%s%N)
# place VENUE NAME [extra named args]: prints the order id
place() { q "SELECT tradecore.place_order($W, '${SYM[$1]}', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-$2', exchange => '$1'${3:+, $3})"; }
vcid() { q "SELECT tradecore.venue_client_order_id($W, 's33-$run-$1')"; }
status_is() { wait_for "${3:-10}" "SELECT status = '$2' FROM tradecore.orders WHERE id = $1"; }
start_err=$(q "SELECT coalesce(max(id), 0) FROM tradecore.exchange_errors")

# ---- the kill switch, off by default ----
out=$(q_err "SELECT tradecore.place_order($W, 'BTC/USD', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-off', exchange => 'kraken')")
check "kill switch off: place_order refuses a live order with SQLSTATE 55000 and a hint" \
  'grep -q "live trading is off" <<<"$out" && grep -q "HINT:.*tradecore.live_trading" <<<"$out"'
check "kill switch off: nothing was queued" \
  '[ "$(q "SELECT count(*) FROM tradecore.orders WHERE client_order_id = '"'"'s33-$run-off'"'"'")" = 0 ]'

setg live_trading on
reload
sender=""
for _ in $(seq 100); do
  sender=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'tradecore order sender' AND datname = 'tradecore'")
  [ -n "$sender" ] && break; sleep 0.2
done
check "the order sender worker runs" '[ -n "$sender" ]'

# ---- orders reach each venue, signed ----
for v in binance coinbase kraken; do
  id=$(place $v ok-$v)
  check "$v: the order is acknowledged (open, venue order id recorded)" \
    'status_is $id open && [ -n "$(q "SELECT venue_order_id FROM tradecore.orders WHERE id = $id")" ]'
  check "$v: the fake verified the signature and holds the order once under our client id" '[ "$(placed $v "$(vcid ok-$v)")" = 1 ]'
  eval "OK_$v=$id"
done
again=$(place binance ok-binance)
check "placing again with the same client order id returns the same order and sends nothing" \
  '[ "$again" = "$OK_binance" ] && [ "$(placed binance "$(vcid ok-binance)")" = 1 ]'
check "no authentication or signature error was recorded" \
  '[ "$(q "SELECT count(*) FROM tradecore.exchange_errors WHERE id > $start_err AND kind = '"'"'auth'"'"'")" = 0 ]'

# ---- rejects carry the venue's code ----
declare -A CODE=([binance]=-2010 [coinbase]=400 [kraken]=EOrder)
for v in binance coinbase kraken; do
  omode $v reject
  id=$(place $v rej-$v)
  check "$v: a venue reject marks the order rejected with the venue's code (${CODE[$v]})" \
    'status_is $id rejected && q "SELECT reject_reason FROM tradecore.orders WHERE id = $id" | grep -q -- "${CODE[$v]}"'
  check "$v: the reject is one exchange_errors row carrying the code" \
    '[ "$(q "SELECT count(*) FROM tradecore.exchange_errors WHERE details->>'"'"'order_id'"'"' = '"'"'$id'"'"' AND kind = '"'"'rejected'"'"' AND details->>'"'"'code'"'"' = '"'"'${CODE[$v]}'"'"'")" = 1 ]'
  omode $v ok
done

# ---- timeout after the venue accepted: looked up, never placed twice ----
for v in binance coinbase kraken; do
  omode $v timeout
  id=$(place $v to-$v)
  check "$v: an order whose answer timed out is found by client id and recorded open" 'status_is $id open 20'
  omode $v ok
  check "$v: it was placed exactly once" '[ "$(placed $v "$(vcid to-$v)")" = 1 ]'
  check "$v: the timeout was recorded as such" \
    '[ "$(q "SELECT count(*) > 0 FROM tradecore.exchange_errors WHERE details->>'"'"'order_id'"'"' = '"'"'$id'"'"' AND kind = '"'"'timeout'"'"'")" = t ]'
done

# ---- the order is taken but the answer is unreadable: looked up, placed once ----
omode kraken garbage
id=$(place kraken garb)
check "kraken: an unreadable answer to a place is looked up; the order is found open and placed once" \
  'status_is $id open 15 && [ "$(placed kraken "$(vcid garb)")" = 1 ]'
omode kraken ok

# ---- place_order in a transaction that rolls back sends nothing ----
out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore \
  -c "BEGIN" -c "SELECT tradecore.place_order($W, 'BTC/USDT', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-rb', exchange => 'binance')" \
  -c "SELECT count(*) FROM tradecore.live_order_requests r JOIN tradecore.orders o ON o.id = r.order_id
       WHERE o.client_order_id = 's33-$run-rb' AND o.status = 'new' AND r.state = 'pending' AND r.action = 'place'" \
  -c "SELECT pg_sleep(1.5)" -c "ROLLBACK")
check "inside the caller's transaction the order is new with a pending request, and nothing is sent before commit" \
  '[ "$(sed -n 2p <<<"$out")" = 1 ] && [ "$(placed binance "$(vcid rb)")" = 0 ]'
sleep 1
check "a rolled-back place_order leaves no order and sends nothing" \
  '[ "$(q "SELECT count(*) FROM tradecore.orders WHERE client_order_id = '"'"'s33-$run-rb'"'"'")" = 0 ] && [ "$(placed binance "$(vcid rb)")" = 0 ]'

# ---- 500 (order not taken) and 429: retried after a lookup / backoff, placed once ----
omode coinbase 500
id=$(place coinbase e500)
check "coinbase 500: the order is looked up, not found, and not yet placed" \
  'wait_for 10 "SELECT count(*) > 0 FROM tradecore.order_events WHERE order_id = $id AND kind = '"'"'lookup_not_found'"'"'"'
omode coinbase ok
check "coinbase 500: once the venue recovers the order is placed, exactly once" \
  'status_is $id open 15 && [ "$(placed coinbase "$(vcid e500)")" = 1 ]'
omode binance 429
id=$(place binance e429)
check "binance 429: recorded as rate_limit with backoff" \
  'wait_for 10 "SELECT count(*) >= 2 FROM tradecore.exchange_errors WHERE details->>'"'"'order_id'"'"' = '"'"'$id'"'"' AND kind = '"'"'rate_limit'"'"'"'
omode binance ok
check "binance 429: placed once the venue accepts" 'status_is $id open 15 && [ "$(placed binance "$(vcid e429)")" = 1 ]'

# ---- a wrong secret is the venue's authentication error, the order is refused ----
omode kraken badsig
id=$(place kraken sig)
check "kraken bad signature: the order is rejected with the venue's EAPI code" \
  'status_is $id rejected && q "SELECT reject_reason FROM tradecore.orders WHERE id = $id" | grep -q "EAPI"'
omode kraken ok

# ---- the kill switch holds a queued cancel ----
setg live_trading off
reload
out=$(q_err "SELECT tradecore.cancel_order($OK_kraken)")
check "kill switch off: cancel_order queues with a warning" 'grep -q "pending_cancel" <<<"$out" && grep -q "live trading is off" <<<"$out"'
sleep 2
check "kill switch off: nothing is sent, the order stays open at the venue" \
  '[ "$(curl -s "$FAKE/__orders" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"orders\"][\"kraken\"][\"$(vcid ok-kraken)\"][\"status\"])")" = open ] && [ "$(q "SELECT status FROM tradecore.orders WHERE id = $OK_kraken")" = open ]'
setg live_trading on
reload
check "kill switch on again: the queued cancel is sent and the order canceled" 'status_is $OK_kraken canceled 10'

# ---- a cancel behind a place whose outcome is unknown waits for it, without spinning ----
setg order_lookup_delay_ms 4000
setg order_sync_interval_ms 0   # the status syncs of the open orders above would be real work
reload
omode binance timeout
id=$(place binance cxl)
wait_for 10 "SELECT lookup AND last_error IS NOT NULL FROM tradecore.live_order_requests WHERE order_id = $id AND action = 'place'" || true
out=$(q_err "SELECT tradecore.cancel_order($id)")
sleep 1   # the status syncs still pending finish
ticks() { awk '{print $14 + $15}' /proc/"$sender"/stat; }
t0=$(ticks); sleep 2; t1=$(ticks)
echo "# sender CPU while a cancel waits behind a place being resolved: $((t1 - t0)) ticks in 2 s"
check "the queued cancel does not make the sender spin (under 6% CPU while it waits)" \
  'grep -q pending_cancel <<<"$out" && [ $((t1 - t0)) -lt 12 ]'
omode binance ok
check "the place is resolved by lookup first, then the cancel is sent: canceled, placed once" \
  'status_is $id canceled 20 && [ "$(placed binance "$(vcid cxl)")" = 1 ]'
setg order_lookup_delay_ms 1500
setg order_sync_interval_ms 500
reload

# ---- cancels on the other venues; a never-sent order cancels locally ----
for v in binance coinbase; do
  eval "oid=\$OK_$v"
  q "SELECT tradecore.cancel_order($oid)" >/dev/null
  check "$v: cancel_order cancels the open order at the venue" 'status_is $oid canceled 10'
done

# ---- status sync: fills found at the venue become fills, positions, final state ----
id=$(place binance sync)
status_is $id open >/dev/null || true
curl -s "$FAKE/__fill?venue=binance&client_id=$(vcid sync)&qty=0.2&price=36990" >/dev/null
check "status sync: a partial fill at the venue is recorded (0.2 at 36990)" \
  'wait_for 10 "SELECT o.status = '"'"'partially_filled'"'"' AND o.filled_qty = 0.2 AND (SELECT sum(qty) = 0.2 AND min(price) = 36990 FROM tradecore.fills WHERE order_id = $id) FROM tradecore.orders o WHERE o.id = $id"'
curl -s "$FAKE/__fill?venue=binance&client_id=$(vcid sync)&qty=0.3&price=37000" >/dev/null
check "status sync: the rest fills; one fill row per increase, position updated" \
  'wait_for 10 "SELECT o.status = '"'"'filled'"'"' AND (SELECT count(*) = 2 AND sum(qty) = 0.5 FROM tradecore.fills WHERE order_id = $id) AND (SELECT qty >= 0.5 FROM tradecore.trading_positions WHERE wallet_id = $W AND instrument_id = o.instrument_id) FROM tradecore.orders o WHERE o.id = $id"'

omode binance fill
id=$(q "SELECT tradecore.place_order($W, 'BTC/USDT', 'sell', 0.25, client_order_id => 's33-$run-mkt', exchange => 'binance')")
check "binance: a market order filled at once is recorded filled from the answer, with its fill" \
  'status_is $id filled && [ "$(q "SELECT count(*) || '"'"' '"'"' || sum(qty) FROM tradecore.fills WHERE order_id = $id")" = "1 0.25" ]'
omode binance ok
id=$(place kraken ksync)
status_is $id open >/dev/null || true
curl -s "$FAKE/__fill?venue=kraken&client_id=$(vcid ksync)&qty=0.5&price=37000" >/dev/null
check "kraken status sync: an order no longer open is found among the closed orders, filled" \
  'wait_for 10 "SELECT status = '"'"'filled'"'"' AND filled_qty = 0.5 FROM tradecore.orders WHERE id = $id"'

# ---- fees: each fill carries the increase of the venue's cumulative fee ----
check "binance: fills carry fee 0 and no fee asset (its order answers have no commission)" \
  '[ "$(q "SELECT count(*) = 3 AND sum(f.fee) = 0 AND count(f.fee_asset) = 0 FROM tradecore.fills f JOIN tradecore.orders o ON o.id = f.order_id JOIN tradecore.exchanges e ON e.id = o.exchange_id WHERE e.code = '"'"'binance'"'"' AND o.client_order_id IN ('"'"'s33-$run-sync'"'"', '"'"'s33-$run-mkt'"'"')")" = t ]'
curl -s "$FAKE/__fee_rate?rate=0.001" >/dev/null
for v in coinbase kraken; do
  WF=$(q "INSERT INTO tradecore.wallets (name, kind) VALUES ('suite33 fees $v $run', 'master') RETURNING id" | head -1)
  id=$(q "SELECT tradecore.place_order($WF, '${SYM[$v]}', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-fee', exchange => '$v')")
  c=$(q "SELECT tradecore.venue_client_order_id($WF, 's33-$run-fee')")
  status_is $id open >/dev/null || true
  curl -s "$FAKE/__fill?venue=$v&client_id=$c&qty=0.2&price=36990" >/dev/null
  check "$v: a partial fill carries the venue's fee so far (0.1% of 7398 = 7.398 USD)" \
    'wait_for 10 "SELECT count(*) = 1 AND sum(fee) = 7.398 AND bool_and(fee_asset = '"'"'USD'"'"') FROM tradecore.fills WHERE order_id = $id"'
  curl -s "$FAKE/__fill?venue=$v&client_id=$c&qty=0.3&price=37000" >/dev/null
  check "$v: the rest fills; two fills whose fees (7.398 + 11.1) sum to the venue's cumulative 18.498" \
    'wait_for 10 "SELECT o.status = '"'"'filled'"'"' AND (SELECT count(*) = 2 AND sum(fee) = 18.498 AND max(fee) = 11.1 AND count(fee_asset) = 2 FROM tradecore.fills WHERE order_id = $id) FROM tradecore.orders o WHERE o.id = $id"'
  if [ $v = kraken ]; then
    check "kraken: the order asks for its fee in the quote currency (oflags fciq), the asset the fills record" \
      '[ "$(curl -s "$FAKE/__orders" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"orders\"][\"kraken\"][\"$c\"][\"oflags\"])")" = fciq ]'
  fi
  check "$v: the position's realised P&L is net of both fees (-18.498)" \
    '[ "$(q "SELECT realized_pnl = -18.498 FROM tradecore.trading_positions p JOIN tradecore.orders o ON o.wallet_id = p.wallet_id AND o.instrument_id = p.instrument_id WHERE o.id = $id")" = t ]'
done
WF=$(q "INSERT INTO tradecore.wallets (name, kind) VALUES ('suite33 fee down $run', 'master') RETURNING id" | head -1)
id=$(q "SELECT tradecore.place_order($WF, 'BTC/USD', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-feedown', exchange => 'coinbase')")
c=$(q "SELECT tradecore.venue_client_order_id($WF, 's33-$run-feedown')")
status_is $id open >/dev/null || true
curl -s "$FAKE/__fill?venue=coinbase&client_id=$c&qty=0.2&price=36990" >/dev/null
wait_for 10 "SELECT count(*) = 1 FROM tradecore.fills WHERE order_id = $id" || true
curl -s "$FAKE/__fill?venue=coinbase&client_id=$c&qty=0.3&price=37000&fee=5" >/dev/null
check "coinbase: a cumulative fee that goes down (7.398 to 5) records the next fill with fee 0" \
  'wait_for 10 "SELECT o.status = '"'"'filled'"'"' AND (SELECT count(*) = 2 AND sum(fee) = 7.398 AND min(fee) = 0 FROM tradecore.fills WHERE order_id = $id) FROM tradecore.orders o WHERE o.id = $id"'
check "coinbase: the decrease is counted as one venue data error in exchange_errors" \
  '[ "$(q "SELECT count(*) FROM tradecore.exchange_errors WHERE id > $start_err AND kind = '"'"'data'"'"' AND details->>'"'"'order_id'"'"' = '"'"'$id'"'"'")" = 1 ]'

# ---- pacing: a venue at rate_limit_per_sec = 2 gets its burst half a second apart ----
q "UPDATE tradecore.exchanges SET rate_limit_per_sec = 2 WHERE code = 'kraken'" >/dev/null
burst=(-c "BEGIN")
for i in 1 2 3 4; do
  burst+=(-c "SELECT tradecore.place_order($W, 'BTC/USD', 'buy', 0.5, 37000.00, client_order_id => 's33-$run-pace$i', exchange => 'kraken')")
done
t0=$(date +%s%N)
ids=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore \
  "${burst[@]}" -c "COMMIT" | paste -sd,)
wait_for 20 "SELECT bool_and(status = 'open') FROM tradecore.orders WHERE id IN ($ids)" || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# 4 kraken orders at 2 requests/s acknowledged in $ms ms"
check "the sender paces a venue to its rate limit: 4 orders at 2/s take at least 1.4 s" \
  '[ "$(q "SELECT bool_and(status = '"'"'open'"'"') FROM tradecore.orders WHERE id IN ($ids)")" = t ] && [ "$ms" -ge 1400 ]'
q "UPDATE tradecore.exchanges SET rate_limit_per_sec = 10 WHERE code = 'kraken'" >/dev/null

# ---- no placement ever happened twice ----
dups=$(curl -s "$FAKE/__orders" | python3 -c "import json,sys; print(sum(1 for n in json.load(sys.stdin)['placed'].values() if n > 1))")
check "across everything above, no client order id was placed twice at any venue" '[ "$dups" = 0 ]'

# ---- secrets ----
leaks=0
for s in "$BIN_SECRET" "$CB_SECRET" "$KR_SECRET" "$PASS" 'tc-coinbase-test-secret' 'tc-kraken-test-secret'; do
  grep -qF -- "$s" "$LOG" && leaks=$((leaks + 1))
  n=$(q "SELECT count(*) FROM (SELECT message || details::text AS t FROM tradecore.exchange_errors UNION ALL
         SELECT coalesce(reject_reason, '') FROM tradecore.orders UNION ALL SELECT details::text FROM tradecore.order_events UNION ALL
         SELECT payload::text FROM tradecore.events UNION ALL SELECT coalesce(last_error, '') FROM tradecore.live_order_requests
         UNION ALL SELECT row_to_json(a)::text FROM tradecore.audit_log a) x WHERE strpos(t, \$s\$$s\$s\$) > 0")
  leaks=$((leaks + n))
done
check "no secret or passphrase in the server log, exchange_errors, orders, order events, events, the queue or the audit log" '[ "$leaks" = 0 ]'
check "the sender never holds a transaction open while waiting for a venue" \
  '[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = '"'"'tradecore order sender'"'"' AND state LIKE '"'"'idle in transaction%'"'"'")" = 0 ]'
check "the same sender process did all of it (pid $sender)" \
  '[ "$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = '"'"'tradecore order sender'"'"' AND datname = '"'"'tradecore'"'"'")" = "$sender" ]'

# ---- the sender dies while a place is in flight: after its restart the order is looked up ----
omode coinbase timeout
id=$(place coinbase crash)
for _ in $(seq 50); do [ "$(placed coinbase "$(vcid crash)")" = 1 ] && break; sleep 0.1; done
q "SELECT pg_terminate_backend($sender)" >/dev/null
omode coinbase ok
check "sender killed mid-request: the restarted sender finds the order by client id (open)" 'status_is $id open 30'
check "sender killed mid-request: the order was placed exactly once" '[ "$(placed coinbase "$(vcid crash)")" = 1 ]'
exit $fail
