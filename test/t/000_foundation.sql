-- Foundation behaviour: version, GUCs, workers, preload, clean drop.
BEGIN;
SELECT plan(13);

SELECT has_extension('tradecore', 'tradecore is installed');
SELECT has_schema('tradecore');
SELECT is(tradecore.version(),
          (SELECT extversion FROM pg_extension WHERE extname = 'tradecore'),
          'library version equals the catalog version');
SELECT ok(tradecore.is_preloaded(), 'test cluster preloads tradecore');

SELECT is(current_setting('tradecore.bridge_listen_address'), '127.0.0.1',
          'bridge listens on loopback by default');
SELECT is(current_setting('tradecore.bridge_port'), '54341', 'test cluster moves the bridge off the default port 8787');
SELECT is(current_setting('tradecore.database_name'), 'tradecore',
          'test cluster runs workers in the tradecore database');
SELECT throws_ok($$SET tradecore.no_such_setting = 1$$, '42602', NULL,
                 'tradecore.* prefix is reserved: unknown names are refused');

-- workers are registered and running when preloaded
SELECT ok(EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'tradecore poller'),
          'poller worker is running');
SELECT ok(EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'tradecore llm'),
          'llm worker is running');
SELECT ok(EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'tradecore bridge'),
          'bridge worker is running');
SELECT cmp_ok((SELECT count(*) FROM tradecore.workers()), '>=', 3::bigint,
              'tradecore.workers() lists the workers');

-- a clean drop leaves no object in the schema (rolled back at the end)
DROP EXTENSION tradecore CASCADE;
SELECT hasnt_schema('tradecore', 'DROP EXTENSION removes the schema and everything in it');

SELECT * FROM finish();
ROLLBACK;
