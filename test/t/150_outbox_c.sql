-- The outbox writer in C (src/outbox.c): tradecore._emit_many and _emit.  Ids in array order,
-- the announcement locks of the outbox protocol (taken at a transaction's first emission
-- only, taken again after the subtransaction that held them rolled back), the argument
-- checks with their SQLSTATEs, and a caller's hostile search_path.  One NOTIFY per id is
-- observed across commits in test/suites/14_outbox_notify.sh (notifications are only
-- delivered at COMMIT, and this file never commits).
BEGIN;
SELECT plan(27);

-- the outbox locks this backend holds, as 'key:objid' in key order
CREATE FUNCTION pg_temp.outbox_locks() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(classid || ':' || objid, ' ' ORDER BY classid, objid), '')
      FROM pg_locks
     WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 2
       AND classid IN (1952671745, 1952671746) AND granted
$$;
CREATE FUNCTION pg_temp.ids(types text[]) RETURNS bigint[] LANGUAGE sql AS $$
    SELECT tradecore._emit_many(types, array_fill(NULL::jsonb, ARRAY[cardinality(types)]),
                                array_fill(NULL::bigint, ARRAY[cardinality(types)]),
                                array_fill(NULL::bigint, ARRAY[cardinality(types)]))
$$;

-- a first emission inside a subtransaction that rolls back, then the real first one
SELECT is(pg_temp.outbox_locks(), '', 'no outbox lock before the first emission');
SAVEPOINT sub;
SELECT (pg_temp.ids(ARRAY['outbox.sub']))[1] AS sub_id \gset
SELECT is(pg_temp.outbox_locks(), '1952671745:0 1952671746:' || :sub_id,
          'the first emission, in a subtransaction, takes (1952671745, 0) and (1952671746, its id)');
ROLLBACK TO SAVEPOINT sub;
SELECT is(pg_temp.outbox_locks(), '', 'rolling the subtransaction back releases both locks');

SELECT pg_temp.ids(ARRAY['outbox.a', 'outbox.b', 'outbox.c']) AS first_ids \gset
SELECT is(pg_temp.outbox_locks(), '1952671745:0 1952671746:' || (:'first_ids'::bigint[])[1],
          'the next emission is the first again: both locks, keyed by its first id');
SELECT is(:'first_ids'::bigint[],
          ARRAY[(:'first_ids'::bigint[])[1], (:'first_ids'::bigint[])[1] + 1, (:'first_ids'::bigint[])[1] + 2],
          'three events get consecutive ids when no one else emits');
SELECT ok((:'first_ids'::bigint[])[1] > :sub_id, 'ids go on after the rolled-back ones (sequences do not roll back)');
SELECT is((SELECT array_agg(type ORDER BY id) FROM tradecore.events WHERE id = ANY (:'first_ids'::bigint[])),
          ARRAY['outbox.a', 'outbox.b', 'outbox.c'], 'ids follow the array order');
SELECT is((SELECT count(*) FROM tradecore.events WHERE id = :sub_id), 0::bigint, 'the rolled-back event is gone');

SELECT pg_temp.ids(ARRAY['outbox.d']) AS second_ids \gset
SELECT is(pg_temp.outbox_locks(), '1952671745:0 1952671746:' || (:'first_ids'::bigint[])[1],
          'a second emission takes no new first-id lock');
SAVEPOINT later;
SELECT pg_temp.ids(ARRAY['outbox.e']) AS later_ids \gset
ROLLBACK TO SAVEPOINT later;
SELECT is(pg_temp.outbox_locks(), '1952671745:0 1952671746:' || (:'first_ids'::bigint[])[1],
          'a rolled-back later subtransaction leaves the transaction''s locks in place');
SELECT is(tradecore._emit('outbox.f', '{"x": 1}', 7, 8) - (:'second_ids'::bigint[])[1], 2::bigint,
          '_emit returns the next id');

-- what the rows hold
SELECT tradecore._emit_many(ARRAY['outbox.g', 'h'], ARRAY['{"k": "v"}'::jsonb, NULL],
                            ARRAY[11, NULL]::bigint[], ARRAY[NULL, 12]::bigint[]) AS row_ids \gset
SELECT is((SELECT array_agg(row(type, topic, agent_id, wallet_id, payload)::text ORDER BY id)
             FROM tradecore.events WHERE id = ANY (:'row_ids'::bigint[])),
          ARRAY['(outbox.g,outbox,11,,"{""k"": ""v""}")', '(h,h,,12,{})'],
          'type, generated topic, the given owner keys, and a NULL payload stored as {}');
SELECT is((SELECT row(type, topic, agent_id, wallet_id, payload)::text FROM tradecore.events WHERE type = 'outbox.f'),
          '(outbox.f,outbox,7,8,"{""x"": 1}")', '_emit stores what it was given');
SELECT tradecore._emit_many(ARRAY['outbox.i'], ARRAY[NULL]::jsonb[], ARRAY[NULL]::bigint[], ARRAY[13]) AS one_id \gset
SELECT is((SELECT row(type, topic, agent_id, wallet_id, payload)::text FROM tradecore.events WHERE id = (:'one_id'::bigint[])[1]),
          '(outbox.i,outbox,,13,{})', 'one event (a statement of its own): NULL payload stored as {}, owner keys as given');

-- argument checks, made before any id is allocated
SELECT last_value AS seq_before FROM tradecore.events_id_seq \gset
SELECT is(tradecore._emit_many(NULL, NULL, NULL, NULL), '{}'::bigint[], 'NULL arrays: no events, no ids');
SELECT is(tradecore._emit_many('{}', '{}', NULL, '{1}'), '{}'::bigint[], 'no types: no events, whatever the other arrays hold');
SELECT throws_ok($$SELECT tradecore._emit_many(ARRAY['a', NULL], ARRAY[NULL, NULL]::jsonb[], '{1,2}', '{1,2}')$$,
                 '22004', 'event type must not be null', 'a NULL type is refused');
SELECT throws_ok($$SELECT tradecore._emit(NULL, '{}', NULL, NULL)$$,
                 '22004', 'event type must not be null', '_emit refuses a NULL type');
SELECT throws_ok($$SELECT tradecore._emit_many(ARRAY['a', 'b'], ARRAY['{}']::jsonb[], '{1,2}', '{1,2}')$$,
                 '2202E', 'types, payloads, agent ids and wallet ids must have the same length', 'payloads too short');
SELECT throws_ok($$SELECT tradecore._emit_many(ARRAY['a'], ARRAY['{}']::jsonb[], NULL, '{1}')$$,
                 '2202E', NULL, 'agent ids missing');
SELECT throws_ok($$SELECT tradecore._emit_many(ARRAY['a'], ARRAY['{}']::jsonb[], '{1}', '{1,2}')$$,
                 '2202E', NULL, 'wallet ids too long');
SELECT is((SELECT last_value FROM tradecore.events_id_seq), :seq_before::bigint, 'refused calls allocated no id');
SELECT throws_ok($$SELECT tradecore._emit_many(ARRAY['Not A Type'], ARRAY['{}']::jsonb[], '{1}', '{1}')$$,
                 '23514', NULL, 'the events table''s CHECK on type still applies');

-- a hostile search_path: an unnest() and a jsonb type placed before pg_catalog.  The kept plan
-- is re-analysed under the caller's search_path, so every name in it must be qualified.
CREATE SCHEMA outbox_evil;
CREATE FUNCTION outbox_evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'outbox_evil.unnest was called'; END $$;
CREATE DOMAIN outbox_evil.jsonb AS text;
CREATE TEMP TABLE hostile (ids bigint[], err text);
SET LOCAL search_path = outbox_evil, pg_catalog;
DO $$
BEGIN
    INSERT INTO pg_temp.hostile (ids)
    SELECT tradecore._emit_many(ARRAY['outbox.hostile', 'outbox.hostile'], ARRAY['{"h": 1}'::pg_catalog.jsonb, NULL],
                                ARRAY[1, 2]::pg_catalog.int8[], ARRAY[3, 4]::pg_catalog.int8[])
           || tradecore._emit_many(ARRAY['outbox.hostile'], ARRAY[NULL]::pg_catalog.jsonb[],
                                   ARRAY[5]::pg_catalog.int8[], ARRAY[6]::pg_catalog.int8[])
           || tradecore._emit('outbox.hostile', '{"h": 2}', 7, 8);
EXCEPTION WHEN OTHERS THEN
    INSERT INTO pg_temp.hostile (err) VALUES (SQLERRM);
END
$$;
RESET search_path;
SELECT is((SELECT err FROM hostile), NULL, '_emit_many and _emit work under search_path = outbox_evil, pg_catalog');
SELECT is((SELECT array_agg(e.payload::text || e.agent_id || e.wallet_id ORDER BY e.id)
             FROM tradecore.events e, hostile h WHERE e.id = ANY (h.ids)),
          ARRAY['{"h": 1}13', '{}24', '{}56', '{"h": 2}78'], 'and writes the rows it was given (one event or several, and _emit)');

-- privileges: internal, and no longer SECURITY DEFINER, so nobody but the owner may call it
SELECT ok(NOT has_function_privilege('tradecore_operator', 'tradecore._emit_many(text[], jsonb[], bigint[], bigint[])', 'EXECUTE')
          AND NOT has_function_privilege('tradecore_agent', 'tradecore._emit_many(text[], jsonb[], bigint[], bigint[])', 'EXECUTE')
          AND NOT has_function_privilege('tradecore_agent', 'tradecore._emit(text, jsonb, bigint, bigint)', 'EXECUTE'),
          'operators and agents cannot call _emit_many or _emit');
SELECT ok(tradecore.emit('outbox.public', '{}') IS NOT NULL, 'emit() still works on top of it');

SELECT * FROM finish();
ROLLBACK;
