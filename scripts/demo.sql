-- The main job's set-up, run by scripts/run.sh in database "tradecore".
-- Later capabilities add their pg_cron schedules and paper-exchange seeding here.
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS tradecore;
SELECT 'tradecore ' || tradecore.version() AS installed;
SELECT worker, pid FROM tradecore.workers();

-- schema (issue 4): a demo desk for the dashboard's balances: the outside world (money
-- enters from it), a master wallet and one farm, funded once.  Idempotent, keyed by name.
INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('outside world', 'external', true)
    ON CONFLICT (name) DO NOTHING;
INSERT INTO tradecore.wallets (name, kind) VALUES ('desk', 'master') ON CONFLICT (name) DO NOTHING;
INSERT INTO tradecore.wallets (name, kind, parent_id)
SELECT 'farm-1', 'farm', id FROM tradecore.wallets WHERE name = 'desk' ON CONFLICT (name) DO NOTHING;
SELECT tradecore.transfer(w.id, d.id, 'USD', 100000, 'demo funding') AS demo_funding_tx
  FROM tradecore.wallets w, tradecore.wallets d
 WHERE w.name = 'outside world' AND d.name = 'desk'
   AND NOT EXISTS (SELECT 1 FROM tradecore.wallet_transactions WHERE memo = 'demo funding');
SELECT tradecore.allocate_funds(d.id, ARRAY[f.id], 'USD', ARRAY[50000]::numeric[], 'demo farm budget') AS demo_allocation_tx
  FROM tradecore.wallets d, tradecore.wallets f
 WHERE d.name = 'desk' AND f.name = 'farm-1'
   AND NOT EXISTS (SELECT 1 FROM tradecore.wallet_transactions WHERE memo = 'demo farm budget');

-- Exchanges (issue 6): a paper BTC/USD market driven by the seeded simulated market, so the
-- system trades with no network.  Its history is seeded below (Engine); the market moves
-- every minute as the first step of the engine job, continuing from the last quote.
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;

-- Signals: the five strategies over every active instrument present now (run this file again
-- after adding instruments); see docs/signals.md.
INSERT INTO tradecore.trading_strategies (name, kind, params, instrument_ids)
SELECT 'demo_' || k, k, '{"window": 200}',
       coalesce((SELECT array_agg(id ORDER BY id) FROM tradecore.instruments WHERE active), '{}')
  FROM unnest(ARRAY['momentum', 'mean_reversion', 'arbitrage', 'pairs', 'market_making']) AS k
ON CONFLICT (name) DO UPDATE SET instrument_ids = EXCLUDED.instrument_ids;
-- (evaluated every minute as the second step of the engine job, see below)
-- Dashboard (bridge): a viewer token, valid 8 hours; open
--   http://127.0.0.1:<tradecore.bridge_port>/#token=<this token>
-- The dashboard's files are served from tradecore.bridge_web_dir (see docs/bridge.md:
-- npm ci && npm run build, then ALTER SYSTEM SET tradecore.bridge_web_dir).
SELECT tradecore.issue_dashboard_token('tradecore_viewer', '8 hours') AS dashboard_token;

-- Engine (docs/engine.md): a demo agent trading the demo strategies from its own wallet,
-- risk limits, enough market history for the strategies' warm-up, and one pg_cron job
-- running the loop every minute: paper market -> run_strategies -> execute_decisions ->
-- settle_fills.  Idempotent: keyed by names and memos, history seeded only once.
DO $role$
BEGIN
    -- the agent's LOGIN role, a member of tradecore_agent (autonomous_agents.role_name)
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tradecore_demo_agent') THEN
        CREATE ROLE tradecore_demo_agent LOGIN IN ROLE tradecore_agent;
    END IF;
END
$role$;
INSERT INTO tradecore.autonomous_agents (name, role_name, style, config)
VALUES ('demo agent', 'tradecore_demo_agent', 'balanced', '{"note": "trades the demo strategies on the paper exchange"}')
ON CONFLICT (name) DO NOTHING;
INSERT INTO tradecore.wallets (name, kind, parent_id, agent_id)
SELECT 'demo agent wallet', 'agent', f.id, a.id
  FROM tradecore.wallets f, tradecore.autonomous_agents a
 WHERE f.name = 'farm-1' AND a.name = 'demo agent'
ON CONFLICT (name) DO NOTHING;
UPDATE tradecore.autonomous_agents a SET wallet_id = w.id
  FROM tradecore.wallets w
 WHERE a.name = 'demo agent' AND w.name = 'demo agent wallet' AND a.wallet_id IS DISTINCT FROM w.id;
SELECT tradecore.allocate_funds(f.id, ARRAY[w.id], 'USD', ARRAY[20000]::numeric[], 'demo agent budget') AS demo_agent_funding_tx
  FROM tradecore.wallets f, tradecore.wallets w
 WHERE f.name = 'farm-1' AND w.name = 'demo agent wallet'
   AND NOT EXISTS (SELECT 1 FROM tradecore.wallet_transactions WHERE memo = 'demo agent budget');
UPDATE tradecore.trading_strategies s SET agent_id = a.id, wallet_id = a.wallet_id
  FROM tradecore.autonomous_agents a
 WHERE a.name = 'demo agent' AND s.name LIKE 'demo\_%'
   AND (s.agent_id, s.wallet_id) IS DISTINCT FROM (a.id, a.wallet_id);
-- Limits: orders of at most 4000 USD on BTC/USD (run_strategies sizes decisions under it),
-- a position of at most 0.3 BTC in the agent's wallet (the executor refuses more, with an
-- alert), and at most 20 open orders per wallet.
INSERT INTO tradecore.risk_limits (scope, scope_id, kind, limit_value)
SELECT v.scope, v.scope_id, v.kind, v.limit_value
  FROM (SELECT 'instrument' AS scope, i.id AS scope_id, 'max_order_notional' AS kind, 4000::numeric AS limit_value
          FROM tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id
         WHERE e.code = 'paper' AND i.symbol = 'BTC/USD'
        UNION ALL
        SELECT 'wallet', w.id, 'max_position_qty', 0.3 FROM tradecore.wallets w WHERE w.name = 'demo agent wallet'
        UNION ALL
        SELECT 'global', NULL, 'max_open_orders', 20) v
 WHERE NOT EXISTS (SELECT 1 FROM tradecore.risk_limits l
                    WHERE l.active AND l.scope = v.scope AND l.scope_id IS NOT DISTINCT FROM v.scope_id AND l.kind = v.kind);
-- History: 300 simulated minutes (4 steps a minute) ending a minute ago, so the strategies' windows
-- are warm at the first tick.  It is the market's only seed: a separate earlier run would leave
-- its last quote (stamped now) as the one the live market continues from, and the price line
-- would jump where the history ends.
SELECT count(*) AS engine_history_steps
  FROM tradecore.paper_market_run('BTC/USD', steps => 1200, s0 => 37000, seed => 2026, volatility => 0.6, quote_qty => 0.5,
                                  step_interval => interval '15 seconds', end_ts => now() - interval '1 minute')
 WHERE (SELECT count(*) FROM tradecore.candles c JOIN tradecore.instruments i ON i.id = c.instrument_id
         WHERE i.symbol = 'BTC/USD' AND c."interval" = interval '1 minute') < 200;
-- the jobs of earlier releases, which the engine job replaces
SELECT cron.unschedule(jobname) FROM cron.job WHERE jobname IN ('tradecore.paper_market', 'tradecore.run_strategies');
-- one tick now (the last minute of the market), so there is something to see before the first scheduled run
SELECT * FROM tradecore.engine_tick(now(), quote_qty => 0.5);
SELECT tradecore.schedule_job('engine', '* * * * *',
    $$SELECT * FROM tradecore.engine_tick(now(), market_steps => 6, step_interval => interval '10 seconds', quote_qty => 0.5)$$);
