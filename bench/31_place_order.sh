#!/usr/bin/env bash
# End to end through SQL: tradecore.place_order() on the paper exchange (router, client
# order id, C matching, fills on both sides, order states, positions, order events and
# outbox events) against the baseline of plain single-row INSERTs of the same orders
# into tradecore.orders, each in a PL/pgSQL loop of n iterations in one transaction.
# Two figures:
#   - the first session after a database-wide VACUUM ANALYZE, which is what bench 22 (and
#     any maintenance run) leaves behind: with an empty orders table, the statistics then
#     say "empty" and every plan made in that session is made for an empty table (the
#     slowdown of issue 6 after bench 22: about 500 orders/s before the fix, 2,300 in the
#     next session);
#   - the next session, plans made for a table that holds orders;
#   - one transaction per order (a COMMIT after each, as a client placing orders one by one
#     sees it, with the server's default synchronous_commit), against the same INSERTs
#     each committed: the per-transaction work (book row lock and version, advisory lock
#     and NOTIFY of the outbox, commit) that the figures above spread over n orders.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${BENCH_PLACE_ORDER_N:-5000}

bq >/dev/null <<'SQL'
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BEN/USD', 'BEN/USD', 'BEN', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;
INSERT INTO tradecore.wallets (name, kind) VALUES ('bench a', 'master'), ('bench b', 'master') ON CONFLICT DO NOTHING;
SQL

loop_ms() {
  bq -c "DO \$b\$ DECLARE t0 timestamptz; a bigint := (SELECT id FROM tradecore.wallets WHERE name = 'bench a');
         b bigint := (SELECT id FROM tradecore.wallets WHERE name = 'bench b');
         inst bigint := (SELECT id FROM tradecore.instruments WHERE symbol = 'BEN/USD');
         ex int := (SELECT id FROM tradecore.exchanges WHERE code = 'paper');
         BEGIN t0 := clock_timestamp(); $1; RAISE NOTICE 'ms=%', extract(epoch FROM clock_timestamp() - t0) * 1000; END \$b\$" 2>&1 \
    | sed -n 's/.*ms=\([0-9.]*\).*/\1/p'
}
# alternate resting sells and crossing buys around 100: half the orders trade
# $1: what ends each iteration ("" or "COMMIT;")
place() { loop_ms "FOR i IN 1..$n LOOP IF i % 2 = 1 THEN PERFORM tradecore.place_order(a, 'BEN/USD', 'sell', 1, 100 + (i % 7) * 0.01, client_order_id => 'bo-' || i || '-' || t0); ELSE PERFORM tradecore.place_order(b, 'BEN/USD', 'buy', 1, 100.10, client_order_id => 'bo-' || i || '-' || t0); END IF; ${1:-} END LOOP"; }
insert() { loop_ms "FOR i IN 1..$n LOOP INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status) VALUES ('bi-' || i || '-' || t0, CASE WHEN i % 2 = 1 THEN a ELSE b END, inst, ex, CASE WHEN i % 2 = 1 THEN 'sell' ELSE 'buy' END, 'limit', 100, 1, 'canceled'); ${1:-} END LOOP"; }

before=$(bq -c "SELECT count(*) FROM tradecore.orders")
bq -c "VACUUM ANALYZE" >/dev/null
p1=$(place); q1=$(insert)
p2=$(place); q2=$(insert)
p3=$(place "COMMIT;"); q3=$(insert "COMMIT;")
[ -n "$p1" ] && [ -n "$q1" ] && [ -n "$p2" ] && [ -n "$q2" ] && [ -n "$p3" ] && [ -n "$q3" ] || { echo "bench: place_order loop failed" >&2; exit 1; }
bq -c "SELECT 'detail: ' || count(*) FILTER (WHERE status = 'filled') || ' filled, ' || count(*) FILTER (WHERE status = 'open') || ' open orders from place_order; ' || (SELECT count(*) FROM tradecore.fills f JOIN tradecore.orders o ON o.id = f.order_id WHERE o.client_order_id LIKE 'bo-%') || ' fills; $before orders in the table at VACUUM ANALYZE' FROM tradecore.orders WHERE client_order_id LIKE 'bo-%'"
report "place_order, 1st session after VACUUM" orders "$n" "$p1" "plain INSERT into tradecore.orders" "$q1"
report "place_order, next session" orders "$n" "$p2" "plain INSERT into tradecore.orders" "$q2"
report "place_order, one transaction per order" orders "$n" "$p3" "plain INSERT, one transaction each" "$q3"
