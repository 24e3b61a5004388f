-- The main job's set-up, run by scripts/run.sh in database "tradecore".
-- Later capabilities add their pg_cron schedules and paper-exchange seeding here.
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS tradecore;
SELECT 'tradecore ' || tradecore.version() AS installed;
SELECT worker, pid FROM tradecore.workers();

-- Exchanges (issue 6): a paper BTC/USD market driven by the seeded simulated market, so the
-- system trades with no network.  One minute of simulated quotes every minute.
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'BTC/USD', 'BTC/USD', 'BTC', 'USD', 0.01, 0.0001 FROM tradecore.exchanges WHERE code = 'paper'
ON CONFLICT DO NOTHING;
SELECT count(*) AS paper_market_steps
  FROM tradecore.paper_market_run('BTC/USD', steps => 30, s0 => 37000, quote_qty => 0.5);
SELECT tradecore.schedule_job('paper_market', '* * * * *',
    $$SELECT count(*) FROM tradecore.paper_market_run('BTC/USD', steps => 1, seed => extract(epoch FROM now())::bigint)$$);
