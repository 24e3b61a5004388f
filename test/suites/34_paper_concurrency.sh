#!/usr/bin/env bash
# Three sessions place and cancel orders on one paper instrument at once, committing every
# few orders.  Matching is serialised by the book row lock; a session that waited for it
# must rebuild its cached book from what the others committed meanwhile, not from the
# snapshot its statement started with, and a cancel takes its locks in the order a match
# does (book, then order row), or the two deadlock.  Before: deadlocks and an order filled
# beyond its quantity (check violation) within seconds.  Afterwards the engine's book equals the open
# orders, no order is filled beyond its quantity, and both sides of every fill balance.
# Throwaway database, created and dropped; bounded: 3 x 1,200 orders.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_paper_concurrency
N=1200
export PGOPTIONS="-c client_min_messages=warning"
source "$TRADECORE_ROOT/test/lib/suite.sh"
q() { pg_as $DB "$@"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  db_drop $DB
  rm -f /tmp/tc-paper-conc.$$.*
}
trap cleanup EXIT

db_recreate $DB
q -c "CREATE EXTENSION tradecore" >/dev/null
q >/dev/null <<'SQL'
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'CON/USD', 'CON/USD', 'CON', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('conc 1', 'master'), ('conc 2', 'master'), ('conc 3', 'master');
SQL
for w in 1 2 3; do
  q -c "DO \$d\$
        DECLARE a bigint := (SELECT id FROM tradecore.wallets WHERE name = 'conc $w');
        BEGIN
            PERFORM setseed(0.$w);
            FOR i IN 1 .. $N LOOP
                PERFORM tradecore.place_order(a, 'CON/USD', CASE WHEN random() < 0.5 THEN 'buy' ELSE 'sell' END,
                                              (1 + floor(random() * 3))::numeric, (100 + floor(random() * 10) * 0.01)::numeric,
                                              client_order_id => 'w$w-' || i);
                IF i % 3 = 0 THEN COMMIT; END IF;
                IF i % 7 = 0 THEN PERFORM tradecore.cancel_order(a, 'w$w-' || (i - 3)); COMMIT; END IF;
            END LOOP;
        END \$d\$" >/tmp/tc-paper-conc.$$.$w 2>&1 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
pids=()
grep -h -A1 ERROR /tmp/tc-paper-conc.$$.* | cut -c1-300 | sed 's/^/# /' || true
check "three sessions placed and canceled their orders without an error" \
  "$rc $(cat /tmp/tc-paper-conc.$$.* | grep -c ERROR || true)" "0 0"
check "the engine's book equals the open orders" "$(q -c "
  WITH e AS (SELECT side, price, qty FROM tradecore.paper_book((SELECT id FROM tradecore.instruments WHERE symbol = 'CON/USD'), 1000)),
       t AS (SELECT CASE side WHEN 'buy' THEN 'bid' ELSE 'ask' END AS side, price, sum(qty - filled_qty) AS qty
               FROM tradecore.orders WHERE status IN ('open', 'partially_filled') GROUP BY 1, 2)
  SELECT (SELECT count(*) FROM (SELECT * FROM e EXCEPT SELECT * FROM t) x) + (SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM e) y)")" "0"
check "no order is filled beyond its fills, and the resting book is not crossed" "$(q -c "
  SELECT (SELECT count(*) FROM tradecore.orders o
           WHERE o.filled_qty <> coalesce((SELECT sum(f.qty) FROM tradecore.fills f WHERE f.order_id = o.id), 0))
         || ' ' || (SELECT count(*) FROM (SELECT max(price) FILTER (WHERE side = 'buy') AS b, min(price) FILTER (WHERE side = 'sell') AS s
                                            FROM tradecore.orders WHERE status IN ('open', 'partially_filled')) x WHERE b >= s)")" "0 0"
check "both sides of the fills balance, and so do the positions" "$(q -c "
  SELECT (SELECT sum(qty) FILTER (WHERE liquidity = 'taker') = sum(qty) FILTER (WHERE liquidity = 'maker') FROM tradecore.fills)
         || ' ' || (SELECT sum(qty) = 0 FROM tradecore.trading_positions)")" "true true"
echo "# $(q -c "SELECT count(*) || ' orders, ' || count(*) FILTER (WHERE status = 'filled') || ' filled, ' || count(*) FILTER (WHERE status = 'canceled') || ' canceled' FROM tradecore.orders")"
exit $fail
