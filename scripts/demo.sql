-- The main job's set-up, run by scripts/run.sh in database "tradecore".
-- Later capabilities add their pg_cron schedules and paper-exchange seeding here.
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS tradecore;
SELECT 'tradecore ' || tradecore.version() AS installed;
SELECT worker, pid FROM tradecore.workers();

-- Dashboard (bridge): a viewer token, valid 8 hours; open
--   http://127.0.0.1:<tradecore.bridge_port>/#token=<this token>
-- The dashboard's files are served from tradecore.bridge_web_dir (see docs/bridge.md:
-- npm ci && npm run build, then ALTER SYSTEM SET tradecore.bridge_web_dir).
SELECT tradecore.issue_dashboard_token('tradecore_viewer', '8 hours') AS dashboard_token;
