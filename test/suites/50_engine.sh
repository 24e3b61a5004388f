#!/usr/bin/env bash
# The engine loop end to end, driven synchronously (no pg_cron): a seeded paper market with
# history, an agent trading three strategies from its own funded wallet, twenty engine
# ticks one simulated minute apart.  Checks candles and events, that every actionable
# decision became an order or a risk rejection, that every fill was posted to the ledger
# exactly once with balanced transactions, that a breach is refused with an alert and that
# retrying execute_decisions or settle_fills changes nothing.  Throwaway database.
set -euo pipefail
: "${PGHOST:?}" "${PGPORT:?}"
DB=tc_engine
export PGOPTIONS="-c client_min_messages=warning"
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGOPTIONS="$PGOPTIONS" psql -qAtX -v ON_ERROR_STOP=1 -d $DB "$@"; }
cleanup() {
  db_drop $DB
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/suite.sh"

db_recreate $DB
q -c "CREATE EXTENSION tradecore" >/dev/null

T0="2026-01-05 00:00:00+00"   # simulated time: fixed, so every run of the suite is the same
q >/dev/null <<SQL
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper';
UPDATE tradecore.exchanges SET taker_fee_bps = 10, maker_fee_bps = 2 WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('outside', 'external', true);
INSERT INTO tradecore.wallets (name, kind) VALUES ('desk', 'master');
INSERT INTO tradecore.autonomous_agents (name) VALUES ('agent one');
INSERT INTO tradecore.wallets (name, kind, parent_id, agent_id)
SELECT 'agent one wallet', 'agent', d.id, a.id FROM tradecore.wallets d, tradecore.autonomous_agents a
 WHERE d.name = 'desk' AND a.name = 'agent one';
UPDATE tradecore.autonomous_agents SET wallet_id = (SELECT id FROM tradecore.wallets WHERE name = 'agent one wallet');
SELECT tradecore.transfer((SELECT id FROM tradecore.wallets WHERE name = 'outside'),
                          (SELECT id FROM tradecore.wallets WHERE name = 'agent one wallet'), 'USD', 20000, 'funding');
INSERT INTO tradecore.trading_strategies (name, kind, params, instrument_ids, agent_id, wallet_id)
SELECT 't_' || k, k, '{"window": 120}', ARRAY[(SELECT id FROM tradecore.instruments WHERE symbol = 'BTC/USD')],
       a.id, a.wallet_id
  FROM unnest(ARRAY['momentum', 'mean_reversion', 'market_making']) k, tradecore.autonomous_agents a;
INSERT INTO tradecore.risk_limits (scope, scope_id, kind, limit_value)
SELECT 'instrument', id, 'max_order_notional', 3000 FROM tradecore.instruments WHERE symbol = 'BTC/USD';
INSERT INTO tradecore.risk_limits (scope, scope_id, kind, limit_value)
SELECT 'wallet', id, 'max_position_qty', 0.2 FROM tradecore.wallets WHERE name = 'agent one wallet';
-- 150 minutes of history, 4 steps a minute, ending at T0
SELECT count(*) FROM tradecore.paper_market_run('BTC/USD', steps => 600, seed => 7, s0 => 37000, volatility => 0.8,
                                                quote_qty => 0.5, step_interval => interval '15 seconds', end_ts => '$T0');
SQL

check "history: one 1-minute candle per simulated minute" \
  "$(q -c "SELECT count(*) FROM tradecore.candles WHERE \"interval\" = '1 minute'")" "151"
check "history: every candle is a proper OHLC bar with volume" \
  "$(q -c "SELECT bool_and(low <= least(open, close) AND high >= greatest(open, close) AND volume > 0) FROM tradecore.candles")" "t"
check "history: one candle event per bar, one tick event per step" \
  "$(q -c "SELECT count(*) FILTER (WHERE type = 'candle') || '/' || count(*) FILTER (WHERE type = 'tick') FROM tradecore.events")" "151/601"
check "history: tick events carry what the dashboard plots" \
  "$(q -c "SELECT bool_and(payload ? 'symbol' AND payload ? 'ts' AND (payload ->> 'last')::numeric > 0) FROM tradecore.events WHERE type = 'tick'")" "t"

start=$(date +%s%N)
ticks=$(q -c "SELECT string_agg(format('%s:%s:%s:%s:%s:%s', t.strategy_run_id, t.actionable, t.placed, t.rejected, t.settled, t.errors), ' ' ORDER BY k)
                FROM generate_series(1, 20) k,
                     LATERAL tradecore.engine_tick(timestamptz '$T0' + k * interval '1 minute', volatility => 0.8, quote_qty => 0.5) t")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# 20 engine ticks in ${ms} ms (run:actionable:placed:rejected:settled:errors): $ticks"

check "ticks: no step failed" "$(q -c "SELECT count(*) FROM tradecore.events WHERE type IN ('engine.error', 'run.error')")" "0"
check "ticks: the market wrote 20 new minutes of candles" \
  "$(q -c "SELECT count(*) FROM tradecore.candles WHERE ts > '$T0'")" "20"
check "ticks: each tick is one run with four steps" \
  "$(q -c "SELECT count(*) FILTER (WHERE type = 'run.started' AND payload ->> 'thread_id' = 'engine') || '/' ||
                 count(*) FILTER (WHERE type = 'run.step' AND payload ->> 'run_id' LIKE 'engine-%')
            FROM tradecore.events")" "20/80"
check "decisions: every actionable decision of the ticks has executions" \
  "$(q -c "SELECT count(*) FROM tradecore.signal_decisions d
            WHERE d.direction <> 0 AND d.size > 0
              AND NOT EXISTS (SELECT 1 FROM tradecore.engine_executions x WHERE x.decision_id = d.id)")" "0"
check "decisions: some became orders" \
  "$(q -c "SELECT count(*) > 0 FROM tradecore.engine_executions WHERE status = 'placed'")" "t"
check "decisions: every placed execution has its order, on the decision's side, with the engine's client id" \
  "$(q -c "SELECT count(*) FROM tradecore.engine_executions x
             JOIN tradecore.signal_decisions d ON d.id = x.decision_id
             LEFT JOIN tradecore.orders o ON o.id = x.order_id
            WHERE x.status = 'placed'
              AND (o.id IS NULL OR o.side <> CASE WHEN d.direction > 0 THEN 'buy' ELSE 'sell' END
                   OR o.client_order_id <> format('engine:%s:%s:%s', x.run_id, x.strategy_id, x.instrument_id)
                   OR o.time_in_force <> 'ioc')")" "0"
check "decisions: every rejection has its alert" \
  "$(q -c "SELECT count(*) FROM tradecore.engine_executions x
            WHERE x.status = 'rejected'
              AND NOT EXISTS (SELECT 1 FROM tradecore.risk_alerts a WHERE a.id = (x.details ->> 'alert_id')::bigint)")" "0"
check "risk: the wallet never held more than its position limit" \
  "$(q -c "SELECT coalesce(max(abs(qty)), 0) <= 0.2 FROM tradecore.trading_positions p
             JOIN tradecore.wallets w ON w.id = p.wallet_id WHERE w.name = 'agent one wallet'")" "t"

fills=$(q -c "SELECT count(*) FROM tradecore.fills f JOIN tradecore.wallets w ON w.id = f.wallet_id WHERE w.name = 'agent one wallet'")
echo "# agent fills: $fills"
check "settlement: the agent's fills exist" "$([ "$fills" -gt 0 ] && echo yes || echo "none")" "yes"
check "settlement: every agent fill settled exactly once" \
  "$(q -c "SELECT count(*) || '/' || count(DISTINCT s.fill_id) FROM tradecore.fill_settlements s
             JOIN tradecore.wallets w ON w.id = s.wallet_id WHERE w.name = 'agent one wallet' AND s.status = 'settled'")" "$fills/$fills"
check "settlement: no fill of the market maker is in the ledger" \
  "$(q -c "SELECT count(*) FROM tradecore.fill_settlements s JOIN tradecore.wallets w ON w.id = s.wallet_id WHERE w.kind = 'external'")" "0"
check "settlement: cash rounded to cents against the wallet (paid up, received down), fees up" \
  "$(q -c "SELECT count(*) FROM tradecore.fill_settlements s JOIN tradecore.fills f ON f.id = s.fill_id JOIN tradecore.orders o ON o.id = f.order_id
            WHERE s.quote_amount <> CASE o.side WHEN 'buy' THEN -ceil(f.qty * f.price * 100) / 100 ELSE floor(f.qty * f.price * 100) / 100 END
               OR s.fee_amount <> ceil(f.fee * 100) / 100
               OR s.base_amount <> CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END")" "0"
check "settlement: the fills paid a fee (the fee legs were exercised)" \
  "$(q -c "SELECT count(*) > 0 FROM tradecore.fill_settlements WHERE fee_amount > 0")" "t"
check "ledger: per-asset totals are zero" \
  "$(q -c "SELECT count(*) FROM (SELECT asset FROM tradecore.wallet_balances GROUP BY asset HAVING sum(amount) <> 0) x")" "0"
check "ledger: every transaction balances per asset" \
  "$(q -c "SELECT count(*) FROM (SELECT transaction_id, asset FROM tradecore.ledger_entries GROUP BY 1, 2 HAVING sum(amount) <> 0) x")" "0"
check "ledger: the agent's BTC equals its position" \
  "$(q -c "SELECT coalesce((SELECT amount FROM tradecore.wallet_balances b WHERE b.wallet_id = w.id AND asset = 'BTC'), 0)
                  = coalesce((SELECT qty FROM tradecore.trading_positions p WHERE p.wallet_id = w.id), 0)
             FROM tradecore.wallets w WHERE w.name = 'agent one wallet'")" "t"
check "ledger: the agent's USD is its funding plus what its settlements moved" \
  "$(q -c "SELECT b.amount = 20000 + (SELECT sum(quote_amount - fee_amount) FROM tradecore.fill_settlements s WHERE s.wallet_id = w.id)
             FROM tradecore.wallets w JOIN tradecore.wallet_balances b ON b.wallet_id = w.id AND b.asset = 'USD'
            WHERE w.name = 'agent one wallet'")" "t"
check "ledger: the fees went to the venue's fee wallet" \
  "$(q -c "SELECT (SELECT amount FROM tradecore.wallet_balances b JOIN tradecore.wallets w ON w.id = b.wallet_id
                    WHERE w.name = 'paper exchange fees' AND b.asset = 'USD')
                  = (SELECT sum(fee_amount) FROM tradecore.fill_settlements)")" "t"

before=$(q -c "SELECT (SELECT count(*) FROM tradecore.ledger_entries) || '/' || (SELECT count(*) FROM tradecore.orders) || '/' ||
                      (SELECT string_agg(wallet_id || asset || amount, ',' ORDER BY wallet_id, asset) FROM tradecore.wallet_balances)")
check "retry: settle_fills again settles nothing" "$(q -c "SELECT settled || '/' || failed FROM tradecore.settle_fills()")" "0/0"
check "retry: execute_decisions again for every run places nothing" \
  "$(q -c "SELECT sum(placed + rejected + skipped + failed) FROM (SELECT DISTINCT run_id FROM tradecore.signal_decisions) r,
                  LATERAL tradecore.execute_decisions(r.run_id) x")" "0"
check "retry: ledger, orders and balances unchanged" \
  "$(q -c "SELECT (SELECT count(*) FROM tradecore.ledger_entries) || '/' || (SELECT count(*) FROM tradecore.orders) || '/' ||
                  (SELECT string_agg(wallet_id || asset || amount, ',' ORDER BY wallet_id, asset) FROM tradecore.wallet_balances)")" "$before"

# A breach: a decision to buy far more than the wallet-level notional limit allows.
q >/dev/null <<SQL
INSERT INTO tradecore.risk_limits (scope, scope_id, kind, limit_value)
SELECT 'wallet', id, 'max_order_notional', 50 FROM tradecore.wallets WHERE name = 'agent one wallet';
CREATE TABLE public.breach AS SELECT nextval('tradecore.strategy_run_id_seq') AS run_id,
       timestamptz '$T0' + interval '1 hour' AS at,
       (SELECT id FROM tradecore.instruments WHERE symbol = 'BTC/USD') AS instrument_id,
       (SELECT id FROM tradecore.trading_strategies WHERE name = 't_momentum') AS strategy_id;
INSERT INTO tradecore.trading_signals (ts, strategy_id, instrument_id, direction, strength, confidence, size, run_id)
SELECT at, strategy_id, instrument_id, -1, 1, 1, 0.01, run_id FROM public.breach;
INSERT INTO tradecore.trading_signals (ts, strategy_id, instrument_id, direction, strength, confidence, size, run_id)
SELECT at, id, b.instrument_id, 1, 0.8, 1, 0.01, b.run_id FROM public.breach b, tradecore.trading_strategies WHERE name = 't_mean_reversion';
INSERT INTO tradecore.signal_decisions (ts, run_id, instrument_id, direction, score, size)
SELECT at, run_id, instrument_id, 1, 0.5, 0.01 FROM public.breach;
SQL
alerts_before=$(q -c "SELECT count(*) FROM tradecore.events WHERE type = 'alert'")
check "breach: the order is refused, not placed" \
  "$(q -c "SELECT placed || '/' || rejected FROM tradecore.execute_decisions((SELECT run_id FROM public.breach))")" "0/1"
check "breach: only the strategy that voted for the direction got a share" \
  "$(q -c "SELECT string_agg(s.name || ':' || x.status || ':' || x.reason, ',') FROM tradecore.engine_executions x
             JOIN tradecore.trading_strategies s ON s.id = x.strategy_id WHERE x.run_id = (SELECT run_id FROM public.breach)")" \
  "t_mean_reversion:rejected:max_order_notional"
check "breach: a risk_alerts row and an alert event" \
  "$(q -c "SELECT (SELECT count(*) FROM tradecore.risk_alerts WHERE kind = 'limit_breach' AND details ->> 'check' = 'max_order_notional'
                                                            AND details ->> 'limit' = '50') || '/' ||
                  ((SELECT count(*) FROM tradecore.events WHERE type = 'alert') - $alerts_before)")" "1/1"
check "breach: no order carries the refused client id" \
  "$(q -c "SELECT count(*) FROM tradecore.orders WHERE client_order_id LIKE 'engine:' || (SELECT run_id FROM public.breach) || ':%'")" "0"
check "breach: retrying it neither places nor alerts again" \
  "$(q -c "SELECT placed || '/' || rejected || '/' || already FROM tradecore.execute_decisions((SELECT run_id FROM public.breach))") $(q -c "SELECT count(*) - $alerts_before FROM tradecore.events WHERE type = 'alert'")" "0/0/1 1"

# An open circuit breaker on the wallet stops the engine's next order, with an alert.
q >/dev/null <<SQL
UPDATE tradecore.risk_limits SET active = false WHERE scope = 'wallet' AND kind = 'max_order_notional';
INSERT INTO tradecore.circuit_breakers (scope, scope_id, kind, threshold, state, reason, tripped_at)
SELECT 'wallet', id, 'manual', 0, 'open', 'operator halt', now() FROM tradecore.wallets WHERE name = 'agent one wallet';
UPDATE public.breach SET run_id = nextval('tradecore.strategy_run_id_seq');
UPDATE tradecore.trading_signals SET run_id = (SELECT run_id FROM public.breach) WHERE ts = (SELECT at FROM public.breach);
INSERT INTO tradecore.signal_decisions (ts, run_id, instrument_id, direction, score, size)
SELECT at, run_id, instrument_id, 1, 0.5, 0.01 FROM public.breach;
SQL
check "breaker: an open wallet breaker refuses the order" \
  "$(q -c "SELECT x.placed || '/' || x.rejected FROM tradecore.execute_decisions((SELECT run_id FROM public.breach)) x")" "0/1"
check "breaker: with a breaker_open alert" \
  "$(q -c "SELECT kind || ':' || (details ->> 'check') FROM tradecore.risk_alerts ORDER BY id DESC LIMIT 1")" "breaker_open:circuit_breaker"

# The position limit: with the wallet's limit at its current position, a buy is refused and
# a sell, which shrinks the position, goes through.
newrun() {
  q >/dev/null <<SQL
UPDATE public.breach SET run_id = nextval('tradecore.strategy_run_id_seq');
UPDATE tradecore.trading_signals SET run_id = (SELECT run_id FROM public.breach) WHERE ts = (SELECT at FROM public.breach);
INSERT INTO tradecore.signal_decisions (ts, run_id, instrument_id, direction, score, size)
SELECT at, run_id, instrument_id, $1, 0.5 * $1, 0.01 FROM public.breach;
SQL
}
q >/dev/null <<SQL
UPDATE tradecore.circuit_breakers SET state = 'closed', reset_at = now();
UPDATE tradecore.risk_limits l SET limit_value = p.qty
  FROM tradecore.trading_positions p JOIN tradecore.wallets w ON w.id = p.wallet_id
 WHERE w.name = 'agent one wallet' AND l.scope = 'wallet' AND l.scope_id = w.id AND l.kind = 'max_position_qty' AND l.active;
SQL
newrun 1
check "position limit: a buy beyond it is refused with an alert" \
  "$(q -c "SELECT x.placed || '/' || x.rejected FROM tradecore.execute_decisions((SELECT run_id FROM public.breach)) x")/$(q -c "SELECT kind || ':' || (details ->> 'check') FROM tradecore.risk_alerts ORDER BY id DESC LIMIT 1")" \
  "0/1/limit_breach:max_position_qty"
newrun -1
check "position limit: a sell that shrinks the position is placed and fills" \
  "$(q -c "SELECT x.placed || '/' || x.rejected FROM tradecore.execute_decisions((SELECT run_id FROM public.breach)) x")/$(q -c "SELECT o.status FROM tradecore.orders o WHERE o.client_order_id LIKE 'engine:' || (SELECT run_id FROM public.breach) || ':%'")" \
  "1/0/filled"
check "position limit: its fill settles, and the agent's BTC still equals its position" \
  "$(q -c "SELECT settled FROM tradecore.settle_fills()")/$(q -c "SELECT b.amount = p.qty FROM tradecore.wallets w JOIN tradecore.wallet_balances b ON b.wallet_id = w.id AND b.asset = 'BTC' JOIN tradecore.trading_positions p ON p.wallet_id = w.id WHERE w.name = 'agent one wallet'")" \
  "1/t"

# Rights: an agent role cannot drive the engine.
q -c "CREATE ROLE tc_engine_agent IN ROLE tradecore_agent" >/dev/null 2>&1 || true
check "rights: an agent role may not run engine_tick" \
  "$(q -c "SET ROLE tc_engine_agent; SELECT 1 FROM tradecore.engine_tick()" 2>&1 | grep -c 'permission denied' || true)" "1"
q -c "DROP ROLE IF EXISTS tc_engine_agent" >/dev/null 2>&1 || true

exit $fail
