-- Who is calling (src/roles.c): calling_role() is the SET ROLE target, else the session
-- user, and SECURITY DEFINER does not change it; is_staff() is superuser or member of
-- tradecore_admin / tradecore_operator; authorize_debit() lets staff and a wallet's own
-- agent through and refuses everyone else with 42501.
BEGIN;
SELECT plan(15);

CREATE ROLE tc_t105_agent IN ROLE tradecore_agent;
CREATE ROLE tc_t105_other IN ROLE tradecore_agent;
CREATE ROLE tc_t105_op IN ROLE tradecore_operator;
CREATE ROLE tc_t105_nobody;
INSERT INTO tradecore.autonomous_agents (name, role_name) VALUES ('t105 agent', 'tc_t105_agent');
INSERT INTO tradecore.wallets (name, kind, agent_id)
SELECT 't105 mine', 'agent', id FROM tradecore.autonomous_agents WHERE name = 't105 agent';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t105 other', 'master');
CREATE TEMP TABLE w105 AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't105 mine') AS mine,
       (SELECT id FROM tradecore.wallets WHERE name = 't105 other') AS other;
GRANT SELECT ON w105 TO PUBLIC;
-- a SECURITY DEFINER function owned by the superuser running this test
CREATE FUNCTION pg_temp.who_inside_definer() RETURNS name LANGUAGE sql SECURITY DEFINER
AS $$ SELECT tradecore.calling_role() $$;
GRANT EXECUTE ON FUNCTION pg_temp.who_inside_definer() TO PUBLIC;
-- authorize_debit is granted to no role: tradecore's SECURITY DEFINER functions call it
CREATE FUNCTION pg_temp.debit_check(w bigint) RETURNS void LANGUAGE sql SECURITY DEFINER
AS $$ SELECT tradecore.authorize_debit(w) $$;
GRANT EXECUTE ON FUNCTION pg_temp.debit_check(bigint) TO PUBLIC;

SELECT is(tradecore.calling_role(), session_user, 'no SET ROLE: the session user');
SET ROLE tc_t105_agent;
SELECT is(tradecore.calling_role(), 'tc_t105_agent'::name, 'SET ROLE: its target');
SELECT is(pg_temp.who_inside_definer(), 'tc_t105_agent'::name, 'unchanged inside a SECURITY DEFINER function');
RESET ROLE;

SELECT ok(tradecore.is_staff(session_user), 'a superuser is staff');
SELECT ok(tradecore.is_staff('tc_t105_op'), 'a member of tradecore_operator is staff');
SELECT ok(NOT tradecore.is_staff('tc_t105_agent'), 'an agent is not');
SELECT ok(NOT tradecore.is_staff('tc_t105_nobody'), 'nor a role in no tradecore group');
SELECT throws_ok($$SELECT tradecore.is_staff('tc_t105_no_such_role')$$, '42704', NULL, 'an unknown role is an error');
SELECT is(tradecore.is_staff(NULL), NULL, 'NULL for NULL');

SET ROLE tc_t105_agent;
SELECT lives_ok($$SELECT pg_temp.debit_check((SELECT mine FROM w105))$$, 'an agent may debit its own wallet');
SELECT throws_ok($$SELECT pg_temp.debit_check((SELECT other FROM w105))$$, '42501', NULL,
                 'but not another wallet');
SELECT throws_ok($$SELECT pg_temp.debit_check(NULL)$$, '42501',
                 'role tc_t105_agent may not move funds out of wallet <NULL>', 'nor a NULL wallet');
RESET ROLE;
SET ROLE tc_t105_other;
SELECT throws_ok($$SELECT pg_temp.debit_check((SELECT mine FROM w105))$$, '42501', NULL,
                 'an agent role not mapped to the wallet''s agent may not');
RESET ROLE;
SET ROLE tc_t105_op;
SELECT lives_ok($$SELECT pg_temp.debit_check((SELECT other FROM w105))$$, 'an operator may debit any wallet');
RESET ROLE;
SELECT lives_ok($$SELECT pg_temp.debit_check(NULL)$$, 'staff are not asked about the wallet at all');

SELECT * FROM finish();
ROLLBACK;
