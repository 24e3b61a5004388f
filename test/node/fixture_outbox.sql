-- Test set-up only (never installed): the events outbox exactly as docs/schema-contract.md
-- describes it, created when the schema branch's tradecore.events is not there yet,
-- plus the roles the bridge tests use.  Idempotent.
DO $$
BEGIN
    IF to_regclass('tradecore.events') IS NULL THEN
        CREATE SEQUENCE tradecore.events_id_seq;
        CREATE TABLE tradecore.events (
            id bigint PRIMARY KEY DEFAULT nextval('tradecore.events_id_seq'),
            ts timestamptz NOT NULL DEFAULT clock_timestamp(),
            type text NOT NULL,
            topic text NOT NULL GENERATED ALWAYS AS (split_part(type, '.', 1)) STORED,
            agent_id bigint,
            wallet_id bigint,
            payload jsonb NOT NULL DEFAULT '{}');
        ALTER SEQUENCE tradecore.events_id_seq OWNED BY tradecore.events.id;
        CREATE FUNCTION tradecore.emit(type text, payload jsonb) RETURNS bigint
        LANGUAGE plpgsql AS $f$
        DECLARE new_id bigint;
        BEGIN
            INSERT INTO tradecore.events (type, agent_id, wallet_id, payload)
            VALUES (type, (payload->>'agent_id')::bigint,
                    (payload->>'wallet_id')::bigint, payload)
            RETURNING id INTO new_id;
            PERFORM pg_notify('tradecore_events', new_id::text);
            RETURN new_id;
        END $f$;
        ALTER TABLE tradecore.events ENABLE ROW LEVEL SECURITY;
        -- the fixture's policy: agents see their own agent_id's events and every event without one
        CREATE POLICY events_visible ON tradecore.events FOR SELECT
            USING (agent_id IS NULL OR current_user NOT LIKE 'bridge_agent_%'
                   OR agent_id::text = substr(current_user, 14));
    END IF;
END $$;
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['tradecore_viewer', 'bridge_agent_1', 'bridge_agent_2', 'bridge_noread'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;
GRANT USAGE ON SCHEMA tradecore TO tradecore_viewer, bridge_agent_1, bridge_agent_2, bridge_noread;
GRANT SELECT ON tradecore.events TO tradecore_viewer, bridge_agent_1, bridge_agent_2;
-- with the schema's roles and agents: the two test roles are agents (member of tradecore_agent,
-- mapped through autonomous_agents.role_name), so its RLS policies apply to them
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tradecore_agent') THEN
        GRANT tradecore_agent TO bridge_agent_1, bridge_agent_2;
    END IF;
    IF to_regclass('tradecore.autonomous_agents') IS NOT NULL THEN
        INSERT INTO tradecore.autonomous_agents (name, role_name)
        VALUES ('bridge test agent 1', 'bridge_agent_1'), ('bridge test agent 2', 'bridge_agent_2')
        ON CONFLICT (name) DO NOTHING;
    END IF;
END $$;
