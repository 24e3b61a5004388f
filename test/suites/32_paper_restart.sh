#!/usr/bin/env bash
# The paper exchange's state survives a server restart: resting orders placed before a
# restart are matched after it (books rebuilt from the orders table), and a client order
# id retried after the restart still returns the first order.  Own cluster, own port.
set -euo pipefail
ROOT=${TRADECORE_ROOT:?}
name=test-paper-restart
trap 'bash "$ROOT/scripts/cluster.sh" stop $name >/dev/null 2>&1 || true' EXIT
TRADECORE_BRIDGE_PORT=55312 TRADECORE_EXTRA_CONF="tradecore.bridge_enabled = off" \
  bash "$ROOT/scripts/cluster.sh" start $name 55311 >/dev/null
eval "$(bash "$ROOT/scripts/cluster.sh" env $name)"
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -v ON_ERROR_STOP=1 -d tradecore -c "$1"; }
q "CREATE EXTENSION tradecore" 2>/dev/null
q "INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
   SELECT id, 'RST/USD', 'RST/USD', 'RST', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper'" >/dev/null
q "INSERT INTO tradecore.wallets (name, kind) VALUES ('restart maker', 'master'), ('restart taker', 'master')" >/dev/null
M=$(q "SELECT id FROM tradecore.wallets WHERE name = 'restart maker'")
T=$(q "SELECT id FROM tradecore.wallets WHERE name = 'restart taker'")
s1=$(q "SELECT tradecore.place_order($M, 'RST/USD', 'sell', 1, 50.00, client_order_id => 'r-1')")
s2=$(q "SELECT tradecore.place_order($M, 'RST/USD', 'sell', 2, 50.00, client_order_id => 'r-2')")
q "SELECT tradecore.place_order($T, 'RST/USD', 'buy', 0.5, 49.00)" >/dev/null
before=$(q "SELECT string_agg(side || ' ' || price || ' ' || qty, ', ') FROM tradecore.paper_book((SELECT id FROM tradecore.instruments WHERE symbol = 'RST/USD'))")

runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$PGDATA" -m fast -w restart >/dev/null
after=$(q "SELECT string_agg(side || ' ' || price || ' ' || qty, ', ') FROM tradecore.paper_book((SELECT id FROM tradecore.instruments WHERE symbol = 'RST/USD'))")
echo "# book before: $before; after restart: $after"
check "after a restart the book is rebuilt from the orders table, identical" '[ -n "$before" ] && [ "$before" = "$after" ]'
b=$(q "SELECT tradecore.place_order($T, 'RST/USD', 'buy', 1.5, 50.00, client_order_id => 't-after')")
fills=$(q "SELECT string_agg(m.client_order_id || ':' || f.qty, ',' ORDER BY f.id) FROM tradecore.fills f JOIN tradecore.orders m ON m.id = f.order_id WHERE f.order_id IN ($s1, $s2)")
check "an order after the restart matches the resting orders in time priority" '[ "$fills" = "r-1:1.000,r-2:0.500" ]'
again=$(q "SELECT tradecore.place_order($M, 'RST/USD', 'sell', 1, 50.00, client_order_id => 'r-1')")
check "a client order id retried after the restart returns the first order" '[ "$again" = "$s1" ]'
check "the retry placed nothing" '[ "$(q "SELECT count(*) FROM tradecore.orders WHERE wallet_id = $M")" = 2 ]'
exit $fail
