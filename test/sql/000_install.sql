-- Install, version and configuration defaults (exact output).
CREATE EXTENSION tradecore;
SELECT extname, extversion, (SELECT count(*) FROM pg_depend d WHERE d.refobjid = e.oid AND d.classid = 'pg_namespace'::regclass AND d.objid = 'tradecore'::regnamespace) AS schema_is_member
  FROM pg_extension e WHERE extname = 'tradecore';
SELECT tradecore.version() = extversion AS library_matches_catalog
  FROM pg_extension e WHERE extname = 'tradecore';
SELECT tradecore.is_preloaded();
-- GUC defaults as documented in the README
SELECT name, boot_val AS default_value, unit, context
  FROM pg_settings
 WHERE name LIKE 'tradecore.%'
 ORDER BY name;
-- unknown tradecore.* names are refused (prefix reserved)
SET tradecore.no_such_setting = 1;
