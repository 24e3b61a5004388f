-- 10_roles.sql: the four group roles and the helpers that tell who is calling.
--
-- Roles are cluster-wide objects, so they cannot be members of the extension: they are
-- created here only when missing (a second database, or a DROP + CREATE EXTENSION, finds
-- them already there) and are never dropped by DROP EXTENSION.  Every privilege granted
-- to them below is on an extension object, so it disappears with that object.  README
-- "Cluster-wide objects" lists the DROP ROLE commands.
--
--   tradecore_admin     everything, including exchange credential secrets
--   tradecore_operator  runs the desk: reads and writes every table but the secrets,
--                       moves money only through tradecore.transfer/allocate_funds
--   tradecore_agent     group of the per-agent LOGIN roles (autonomous_agents.role_name);
--                       row-level security limits each one to its own rows
--   tradecore_viewer    the dashboard: reads every table but the secrets, writes nothing

DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tradecore_admin', 'tradecore_operator', 'tradecore_agent', 'tradecore_viewer']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXECUTE format('COMMENT ON ROLE %I IS %L', r,
                'tradecore group role created by CREATE EXTENSION tradecore; see README "Cluster-wide objects"');
        END IF;
    END LOOP;
END
$roles$;

GRANT USAGE ON SCHEMA tradecore TO tradecore_admin, tradecore_operator, tradecore_agent, tradecore_viewer;

-- Who is calling.  Inside a SECURITY DEFINER function current_user is the function's
-- owner, so the functions that move money or resolve the agent look at the role the
-- session acts as: the SET ROLE target, or the session user when no SET ROLE is in force.
-- PostgreSQL refuses SET ROLE inside a SECURITY DEFINER function and checks membership on
-- every SET ROLE, so this value cannot be forged from SQL.
-- calling_role and is_staff run for every order placed and every movement of money: C
-- (src/roles.c), without the GUC save/restore a SET clause costs per call.
CREATE FUNCTION tradecore.calling_role() RETURNS name
AS 'MODULE_PATHNAME', 'tc_calling_role'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.calling_role() IS
    'The role the session acts as (SET ROLE target, else session_user); unlike current_user it is not changed by SECURITY DEFINER.';

CREATE FUNCTION tradecore.is_staff(role_name name) RETURNS boolean
AS 'MODULE_PATHNAME', 'tc_is_staff'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.is_staff(name) IS
    'True for superusers and members of tradecore_admin or tradecore_operator: roles not limited to one agent''s rows.';
