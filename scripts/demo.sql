-- The main job's set-up, run by scripts/run.sh in database "tradecore".
-- Later capabilities add their pg_cron schedules and paper-exchange seeding here.
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS tradecore;
SELECT 'tradecore ' || tradecore.version() AS installed;
SELECT worker, pid FROM tradecore.workers();

-- Signals: the five strategies over every active instrument present now (run this file again
-- after adding instruments), evaluated every minute by pg_cron; see docs/signals.md.
INSERT INTO tradecore.trading_strategies (name, kind, params, instrument_ids)
SELECT 'demo_' || k, k, '{"window": 200}',
       coalesce((SELECT array_agg(id ORDER BY id) FROM tradecore.instruments WHERE active), '{}')
  FROM unnest(ARRAY['momentum', 'mean_reversion', 'arbitrage', 'pairs', 'market_making']) AS k
ON CONFLICT (name) DO UPDATE SET instrument_ids = EXCLUDED.instrument_ids;
SELECT tradecore.schedule_job('run_strategies', '* * * * *', 'SELECT tradecore.run_strategies()');
