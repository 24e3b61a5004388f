#!/usr/bin/env bash
# settle_fills with nothing to settle (the every-minute case between trades) over a long
# fill history, against the same call over an empty history, measured in the same run.
# With its cursor a call costs the fills since the last call; without it (the cursor row
# deleted, which is also what the first call after a restore does) it reads the whole history.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${BENCH_SETTLE_HISTORY:-300000}

bq >/dev/null <<'SQL'
SET client_min_messages = warning;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;
INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('bench settle', 'master', true) ON CONFLICT DO NOTHING;
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 'bench-settle', w.id, i.id, i.exchange_id, 'buy', 'limit', 100, 1e9, 'open'
  FROM tradecore.wallets w, tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.code = 'paper'
 WHERE w.name = 'bench settle' AND i.symbol = 'BTC/USD'
ON CONFLICT DO NOTHING;
SELECT tradecore.settle_fills();
SQL
# two calls move the cursor past whatever earlier benches left
bq -c "SELECT tradecore.settle_fills()" >/dev/null; sleep 0.1; bq -c "SELECT tradecore.settle_fills()" >/dev/null
base=$(sql_ms "SELECT * FROM tradecore.settle_fills()" 5)

# the history: N fills of a trading wallet, already settled (their settlement rows are
# written directly, as the bench only needs them to exist)
bq >/dev/null <<SQL
SET client_min_messages = warning;
INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, price, qty, fee, fee_asset, liquidity)
SELECT o.id, o.instrument_id, o.wallet_id, 100, 1, 0, 'USD', 'taker'
  FROM tradecore.orders o, generate_series(1, $N) WHERE o.client_order_id = 'bench-settle';
INSERT INTO tradecore.fill_settlements (fill_id, wallet_id, status, message)
SELECT f.id, f.wallet_id, 'failed', 'bench history'
  FROM tradecore.fills f WHERE NOT EXISTS (SELECT 1 FROM tradecore.fill_settlements s WHERE s.fill_id = f.id);
ANALYZE tradecore.fills; ANALYZE tradecore.fill_settlements;
SQL
bq -c "SELECT tradecore.settle_fills()" >/dev/null; sleep 0.1; bq -c "SELECT tradecore.settle_fills()" >/dev/null
with=$(sql_ms "SELECT * FROM tradecore.settle_fills()" 5)
bq -c "DELETE FROM tradecore.settlement_cursor" >/dev/null
t0=$(date +%s%N); bq -c "SELECT tradecore.settle_fills()" >/dev/null; t1=$(date +%s%N)
full=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e6 }')
report "settle_fills, nothing to do, $N fills history" calls 1 "$with" "same, empty history" "$base"
report "  without its cursor (full read, psql round trip)" calls 1 "$full" "same, empty history" "$base"
