-- pg_cron jobs created through tradecore are named tradecore.* and vanish with the extension.
BEGIN;
SELECT plan(6);

SELECT throws_ok($$SELECT tradecore.schedule_job('Bad Name', '* * * * *', 'SELECT 1')$$,
                 '22023', 'invalid job name "Bad Name"', 'job names are validated');
SELECT ok(tradecore.schedule_job('heartbeat', '* * * * *', 'SELECT tradecore.version()') > 0,
          'schedule_job returns the pg_cron job id');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tradecore.heartbeat'), 1,
          'the job is in cron.job under its prefixed name');
SELECT lives_ok($$SELECT tradecore.schedule_job('heartbeat', '*/5 * * * *', 'SELECT 2')$$,
                'scheduling the same name again replaces the job');
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname = 'tradecore.heartbeat'), 1,
          'still one job after rescheduling');

DROP EXTENSION tradecore CASCADE;
SELECT is((SELECT count(*)::int FROM cron.job WHERE jobname LIKE 'tradecore.%'), 0,
          'DROP EXTENSION tradecore unschedules its pg_cron jobs');

SELECT * FROM finish();
ROLLBACK;
