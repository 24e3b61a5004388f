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
-- system trades with no network.  One minute of simulated quotes every minute.
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;
SELECT count(*) AS paper_market_steps
  FROM tradecore.paper_market_run('BTC/USD', steps => 30, s0 => 37000, quote_qty => 0.5);
SELECT tradecore.schedule_job('paper_market', '* * * * *',
    $$SELECT count(*) FROM tradecore.paper_market_run('BTC/USD', steps => 1, seed => extract(epoch FROM now())::bigint)$$);

-- Signals: the five strategies over every active instrument present now (run this file again
-- after adding instruments), evaluated every minute by pg_cron; see docs/signals.md.
INSERT INTO tradecore.trading_strategies (name, kind, params, instrument_ids)
SELECT 'demo_' || k, k, '{"window": 200}',
       coalesce((SELECT array_agg(id ORDER BY id) FROM tradecore.instruments WHERE active), '{}')
  FROM unnest(ARRAY['momentum', 'mean_reversion', 'arbitrage', 'pairs', 'market_making']) AS k
ON CONFLICT (name) DO UPDATE SET instrument_ids = EXCLUDED.instrument_ids;
SELECT tradecore.schedule_job('run_strategies', '* * * * *', 'SELECT tradecore.run_strategies()');
-- Dashboard (bridge): a viewer token, valid 8 hours; open
--   http://127.0.0.1:<tradecore.bridge_port>/#token=<this token>
-- The dashboard's files are served from tradecore.bridge_web_dir (see docs/bridge.md:
-- npm ci && npm run build, then ALTER SYSTEM SET tradecore.bridge_web_dir).
SELECT tradecore.issue_dashboard_token('tradecore_viewer', '8 hours') AS dashboard_token;
