-- 05_jobs.sql: pg_cron jobs owned by tradecore.
--
-- tradecore does not require pg_cron to be installed; these functions need it only when
-- called.  Every job they create is named 'tradecore.<name>', and DROP EXTENSION tradecore
-- unschedules them all (event trigger below), so a dropped extension leaves no job behind
-- that would call functions which no longer exist.

CREATE FUNCTION tradecore.schedule_job(job_name text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF job_name IS NULL OR job_name !~ '^[a-z0-9_]+$' THEN
        RAISE EXCEPTION 'invalid job name "%"', job_name
            USING ERRCODE = '22023',
                  HINT = 'Use lower-case letters, digits and underscores; tradecore prefixes it with "tradecore.".';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = '55000',
                  HINT = 'Preload pg_cron, set cron.database_name to this database and run CREATE EXTENSION pg_cron.';
    END IF;
    -- cron.schedule with an existing name replaces that job's schedule and command.
    RETURN cron.schedule('tradecore.' || job_name, schedule, command);
END
$$;
COMMENT ON FUNCTION tradecore.schedule_job(text, text, text) IS
    'Schedules (or reschedules) the pg_cron job tradecore.<job_name>; removed again by unschedule_jobs() and by DROP EXTENSION tradecore.';

CREATE FUNCTION tradecore.unschedule_jobs() RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer := 0;
    j bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        RETURN 0;
    END IF;
    FOR j IN EXECUTE $q$SELECT jobid FROM cron.job WHERE jobname LIKE 'tradecore.%'$q$ LOOP
        PERFORM cron.unschedule(j);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION tradecore.unschedule_jobs() IS
    'Removes every pg_cron job named tradecore.*; returns how many.';

-- DROP EXTENSION gives an event trigger no object list before the drop, and after the drop
-- (sql_drop) this trigger is gone with the extension.  So at ddl_command_start it matches the
-- statement text for the word tradecore.  A false match only unschedules jobs inside a
-- transaction that also fails or drops tradecore, since cron.unschedule is transactional.
CREATE FUNCTION tradecore.on_drop_extension() RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF tg_tag = 'DROP EXTENSION' AND current_query() ~* '\mtradecore\M' THEN
        PERFORM tradecore.unschedule_jobs();
    END IF;
END
$$;
COMMENT ON FUNCTION tradecore.on_drop_extension() IS
    'Event trigger function: unschedules tradecore.* pg_cron jobs when tradecore is dropped.';

CREATE EVENT TRIGGER tradecore_drop_jobs ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION tradecore.on_drop_extension();
