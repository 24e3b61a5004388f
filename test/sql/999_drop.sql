-- DROP EXTENSION ... CASCADE leaves nothing of tradecore in the database.
DROP EXTENSION tradecore CASCADE;
SELECT count(*) AS schemas   FROM pg_namespace WHERE nspname = 'tradecore';
SELECT count(*) AS functions FROM pg_proc WHERE proname IN ('version', 'is_preloaded', 'workers')
   AND pronamespace::regnamespace::text = 'tradecore';
SELECT count(*) AS relations FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'tradecore';
SELECT count(*) AS types     FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'tradecore';
SELECT count(*) AS policies  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'tradecore';
-- objects outside the schema that reference tradecore by name (event triggers, casts)
SELECT count(*) AS event_triggers FROM pg_event_trigger WHERE evtname LIKE 'tradecore%';
-- reinstall works after a drop
CREATE EXTENSION tradecore;
SELECT tradecore.version() IS NOT NULL AS reinstalled;
DROP EXTENSION tradecore;
