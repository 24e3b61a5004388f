-- 00_core.sql: the extension's core functions and the preload notice.
-- Every later domain file (10_venues.sql, 20_market.sql, ...) builds on this one.

CREATE SCHEMA tradecore;
COMMENT ON SCHEMA tradecore IS 'tradecore: autonomous trading engine (tables, functions, roles)';
-- Unqualified objects in the rest of the script land in tradecore, never in pg_catalog.
-- PostgreSQL restores search_path when the script ends.
SET search_path = tradecore, pg_catalog;

CREATE FUNCTION tradecore.version() RETURNS text
    AS 'MODULE_PATHNAME', 'tradecore_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.version() IS
    'Version of the tradecore shared library (compare with pg_extension.extversion after an upgrade).';

CREATE FUNCTION tradecore.is_preloaded() RETURNS boolean
    AS 'MODULE_PATHNAME', 'tradecore_is_preloaded'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.is_preloaded() IS
    'True when tradecore is in shared_preload_libraries, i.e. its background workers are registered.';

CREATE FUNCTION tradecore.workers(
    OUT worker text, OUT pid integer, OUT state text, OUT backend_start timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.backend_type, a.pid, coalesce(a.state, 'running'), a.backend_start
      FROM pg_stat_activity a
     WHERE a.backend_type LIKE 'tradecore %'
     ORDER BY a.backend_type
$$;
COMMENT ON FUNCTION tradecore.workers() IS
    'The tradecore background workers currently running, from pg_stat_activity.';

DO $notice$
BEGIN
    IF NOT tradecore.is_preloaded() THEN
        -- WARNING, not NOTICE: PostgreSQL raises client_min_messages to WARNING while it
        -- runs an extension script, so a NOTICE here would never reach the user.
        RAISE WARNING 'tradecore is not in shared_preload_libraries: its SQL functions work, but the poller, LLM and bridge workers are not running'
            USING HINT = 'Add tradecore to shared_preload_libraries (ALTER SYSTEM SET shared_preload_libraries = ''pg_cron,tradecore''), set tradecore.database_name to this database, and restart the server.';
    END IF;
END
$notice$;
