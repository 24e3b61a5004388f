#!/usr/bin/env bash
# settle_fills' cursor against a fill that commits late: session A takes a fill id and keeps
# its transaction open while session B's later fill commits and settle_fills runs twice.
# The cursor must stay at or below A's fill until A has ended, and A's fill must be settled
# once it commits: a fill is never skipped.  Throwaway database.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_settle
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d $DB "$@"; }
apid=""
cleanup() {
  [ -n "$apid" ] && kill "$apid" 2>/dev/null || true
  db_drop $DB
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/suite.sh"

db_recreate $DB
q -c "CREATE EXTENSION tradecore" >/dev/null
q >/dev/null <<'SQL'
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('trader', 'master', true);
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 'o', w.id, i.id, i.exchange_id, 'buy', 'limit', 100, 10, 'open' FROM tradecore.wallets w, tradecore.instruments i;
-- a fill settled before, so the cursor has somewhere to start from
INSERT INTO tradecore.fills (order_id, instrument_id, price, qty, fee, fee_asset, liquidity)
SELECT id, instrument_id, 100, 0.1, 0, 'USD', 'taker' FROM tradecore.orders;
SELECT tradecore.settle_fills();
SQL
fill_sql="INSERT INTO tradecore.fills (order_id, instrument_id, price, qty, fee, fee_asset, liquidity)
          SELECT id, instrument_id, 100, 0.1, 0, 'USD', 'taker' FROM tradecore.orders RETURNING id"

# session A: a fill id taken, its transaction open for up to 20 s (ended early below)
fifo=$(mktemp -u); mkfifo "$fifo"
runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d $DB \
  <"$fifo" >"$fifo.out" 2>&1 &
apid=$!
exec 7>"$fifo"
echo "BEGIN; $fill_sql;" >&7
for _ in $(seq 1 100); do [ -s "$fifo.out" ] && break; sleep 0.1; done
a_id=$(head -1 "$fifo.out")
[ -n "$a_id" ] || { echo "not ok - session A took a fill id"; exit 1; }
echo "ok - session A holds fill $a_id uncommitted"

b_id=$(q -c "$fill_sql")
check "session B's fill comes after A's" "$([ "$b_id" -gt "$a_id" ] && echo yes)" "yes"
check "settle_fills settles B's fill (A's is not visible yet)" "$(q -c "SELECT settled FROM tradecore.settle_fills()")" "1"
sleep 0.2
check "a second call settles nothing" "$(q -c "SELECT settled FROM tradecore.settle_fills()")" "0"
check "the cursor has not passed A's open fill" "$(q -c "SELECT settled_below <= $a_id FROM tradecore.settlement_cursor")" "t"

echo "COMMIT;" >&7; exec 7>&-; wait "$apid" || true; apid=""
rm -f "$fifo" "$fifo.out"
check "once A commits, its fill is settled" "$(q -c "SELECT settled FROM tradecore.settle_fills()")" "1"
check "every fill settled exactly once" \
  "$(q -c "SELECT count(*) = (SELECT count(*) FROM tradecore.fills) AND count(DISTINCT fill_id) = count(*) FROM tradecore.fill_settlements WHERE status = 'settled'")" "t"
sleep 0.2
q -c "SELECT tradecore.settle_fills()" >/dev/null
check "then the cursor passes every fill" "$(q -c "SELECT settled_below > (SELECT max(id) FROM tradecore.fills) FROM tradecore.settlement_cursor")" "t"
exit $fail
