-- Exchange credential secrets: only tradecore_admin can read them, through any table,
-- view or function; the public view and the audit log never carry them.
BEGIN;
SELECT plan(26);

CREATE ROLE tc_t_sec_admin IN ROLE tradecore_admin;
CREATE ROLE tc_t_sec_operator IN ROLE tradecore_operator;
CREATE ROLE tc_t_sec_viewer IN ROLE tradecore_viewer;
CREATE ROLE tc_t_sec_agent IN ROLE tradecore_agent;
INSERT INTO tradecore.autonomous_agents (name, role_name) VALUES ('sec-agent', 'tc_t_sec_agent');

INSERT INTO tradecore.exchange_credentials (exchange_id, label, api_key_hint, secret_ciphertext, secret_nonce, secret_tag)
VALUES (1, 'sec-test', '...wxyz', '\xdeadbeefcafe'::bytea, '\x000102030405060708090a0b'::bytea, '\x00112233445566778899aabbccddeeff'::bytea);

-- the table: a privilege error for everyone but the admin
SELECT throws_ok(format('SET LOCAL ROLE %I; SELECT secret_ciphertext FROM tradecore.exchange_credentials', r), '42501', NULL,
                 r || ' cannot read secret_ciphertext')
  FROM unnest(ARRAY['tc_t_sec_operator', 'tc_t_sec_viewer', 'tc_t_sec_agent']) AS r;
RESET ROLE;
SELECT throws_ok(format('SET LOCAL ROLE %I; SELECT count(*) FROM tradecore.exchange_credentials', r), '42501', NULL,
                 r || ' cannot even count credential rows')
  FROM unnest(ARRAY['tc_t_sec_operator', 'tc_t_sec_viewer', 'tc_t_sec_agent']) AS r;
RESET ROLE;
SELECT ok(NOT has_column_privilege(r, 'tradecore.exchange_credentials', c, 'SELECT'), r || ' has no SELECT on ' || c)
  FROM unnest(ARRAY['tradecore_operator', 'tradecore_viewer', 'tradecore_agent', 'public']) AS r,
       unnest(ARRAY['secret_ciphertext', 'secret_nonce', 'secret_tag']) AS c
 WHERE r <> 'public' OR c = 'secret_ciphertext';

SET ROLE tc_t_sec_admin;
SELECT is((SELECT secret_ciphertext FROM tradecore.exchange_credentials WHERE label = 'sec-test'), '\xdeadbeefcafe'::bytea,
          'tradecore_admin reads the ciphertext');
RESET ROLE;

-- the view: readable by operator and viewer, without any secret column
SELECT columns_are('tradecore', 'exchange_credentials_public',
                   ARRAY['id', 'exchange_id', 'label', 'api_key_hint', 'key_version', 'active', 'created_at', 'updated_at'],
                   'exchange_credentials_public has no secret column');
SET ROLE tc_t_sec_operator;
SELECT is((SELECT api_key_hint FROM tradecore.exchange_credentials_public WHERE label = 'sec-test'), '...wxyz',
          'the operator reads the non-secret view');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE tc_t_sec_agent; SELECT * FROM tradecore.exchange_credentials_public$$, '42501', NULL,
                 'agents do not see credentials at all');
RESET ROLE;

-- nothing else exposes them: no other table or view has a secret column, no function
-- that reads the credentials table is executable by a non-admin role
SELECT is((SELECT array_agg(c.relname || '.' || a.attname) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE c.relnamespace = 'tradecore'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
              AND (a.attname LIKE 'secret%' OR col_description(c.oid, a.attnum) LIKE 'SECRET%')
              AND c.relname <> 'exchange_credentials'),
          NULL, 'secret columns exist only in exchange_credentials');
SELECT is((SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p, unnest(ARRAY['tradecore_operator', 'tradecore_viewer', 'tradecore_agent']) r
            WHERE p.pronamespace = 'tradecore'::regnamespace AND p.prosrc LIKE '%exchange_credentials%'
              AND p.prokind = 'f' AND p.prorettype <> 'trigger'::regtype
              AND has_function_privilege(r, p.oid, 'EXECUTE')),
          NULL, 'no function reading exchange_credentials is executable by operator, viewer or agent');
SELECT is((SELECT count(*) FROM tradecore.audit_log WHERE table_name = 'exchange_credentials'
            AND new_row ->> 'label' = 'sec-test'), 1::bigint, 'storing a credential is audited');
SELECT is((SELECT count(*) FROM tradecore.audit_log WHERE table_name = 'exchange_credentials'
            AND (new_row ?| ARRAY['secret_ciphertext', 'secret_nonce', 'secret_tag']
                 OR old_row ?| ARRAY['secret_ciphertext', 'secret_nonce', 'secret_tag'])), 0::bigint,
          'the audit log never holds a secret');
UPDATE tradecore.exchange_credentials SET secret_ciphertext = '\x01'::bytea, key_version = 2 WHERE label = 'sec-test';
SELECT is((SELECT new_row ->> 'key_version' FROM tradecore.audit_log WHERE table_name = 'exchange_credentials'
            ORDER BY id DESC LIMIT 1), '2', 'a rotation is audited (without the secret)');
SELECT throws_ok($$INSERT INTO tradecore.exchange_credentials (exchange_id, secret_ciphertext, secret_nonce, secret_tag)
                   VALUES (1, '\x00', '\x00', '\x00112233445566778899aabbccddeeff')$$, '23514', NULL,
                 'a GCM nonce must be 12 bytes');

SELECT * FROM finish();
ROLLBACK;
