-- 11_system.sql: settings, the audit log, the events outbox (emit, events_after, prune),
-- and small helpers every domain uses.

-- numeric accepts NaN and +-Infinity; money and quantities must be finite.  In C
-- (src/is_finite.c): CHECK constraints on every money column call it on every write, and
-- as a SQL function it was never inlined (STRICT with an AND in its body).
CREATE FUNCTION tradecore.is_finite(numeric) RETURNS boolean
AS 'MODULE_PATHNAME', 'tc_is_finite'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.is_finite(numeric) IS
    'True when the numeric is neither NaN nor +-Infinity (NULL for NULL); used by CHECK constraints on money and quantities.';

CREATE FUNCTION tradecore.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION tradecore.touch_updated_at() IS
    'BEFORE UPDATE trigger: sets updated_at to the transaction time.';

------------------------------------------------------------------------------------------
-- settings
------------------------------------------------------------------------------------------
CREATE TABLE tradecore.settings (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value       jsonb NOT NULL,
    description text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  name NOT NULL DEFAULT tradecore.calling_role()
);
COMMENT ON TABLE tradecore.settings IS
    'Run-time settings of the platform that belong in the database (GUCs hold the server-level ones); changes are audited.';
COMMENT ON COLUMN tradecore.settings.key IS 'Dotted lower-case name, e.g. events.retention.';
COMMENT ON COLUMN tradecore.settings.value IS 'The value as JSON (string, number, object).';
COMMENT ON COLUMN tradecore.settings.description IS 'What the setting controls, for people.';
COMMENT ON COLUMN tradecore.settings.updated_at IS 'When the value last changed.';
COMMENT ON COLUMN tradecore.settings.updated_by IS 'Role that last changed the value.';
CREATE TRIGGER settings_touch BEFORE UPDATE ON tradecore.settings
    FOR EACH ROW EXECUTE FUNCTION tradecore.touch_updated_at();

INSERT INTO tradecore.settings (key, value, description) VALUES
    ('events.retention', '"7 days"', 'How long tradecore.prune_events keeps outbox rows when called without an argument.');

------------------------------------------------------------------------------------------
-- audit_log: append-only record of every money movement and every change to limits,
-- credentials, wallets' credit flags and settings.  Written by triggers only.
------------------------------------------------------------------------------------------
CREATE TABLE tradecore.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       name NOT NULL DEFAULT tradecore.calling_role(),
    xact_id     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    action      text NOT NULL,
    table_name  text NOT NULL,
    row_key     text,
    agent_id    bigint,
    wallet_id   bigint,
    old_row     jsonb,
    new_row     jsonb
);
COMMENT ON TABLE tradecore.audit_log IS
    'Append-only audit trail: one row per money movement (wallet transaction) and per change to risk limits, circuit breakers, credentials (secrets redacted), wallets and settings.';
COMMENT ON COLUMN tradecore.audit_log.id IS 'Monotonic audit row id.';
COMMENT ON COLUMN tradecore.audit_log.ts IS 'Wall-clock time the row was written.';
COMMENT ON COLUMN tradecore.audit_log.actor IS 'Role the session acted as (tradecore.calling_role()), not the SECURITY DEFINER owner.';
COMMENT ON COLUMN tradecore.audit_log.xact_id IS 'Transaction id, to group rows written by one transaction.';
COMMENT ON COLUMN tradecore.audit_log.action IS 'INSERT, UPDATE, DELETE, or the money movement kind (transfer, allocation, ...).';
COMMENT ON COLUMN tradecore.audit_log.table_name IS 'Table whose row changed.';
COMMENT ON COLUMN tradecore.audit_log.row_key IS 'Primary key of the changed row, as text.';
COMMENT ON COLUMN tradecore.audit_log.agent_id IS 'Owner key: the agent concerned, when known.';
COMMENT ON COLUMN tradecore.audit_log.wallet_id IS 'Owner key: the wallet concerned, when known.';
COMMENT ON COLUMN tradecore.audit_log.old_row IS 'Row before the change (secret columns removed).';
COMMENT ON COLUMN tradecore.audit_log.new_row IS 'Row after the change (secret columns removed); for money movements, the legs.';
CREATE INDEX audit_log_ts_idx ON tradecore.audit_log USING brin (ts);
CREATE INDEX audit_log_table_row_idx ON tradecore.audit_log (table_name, row_key);

CREATE FUNCTION tradecore.forbid_change() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, lower(TG_OP)
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = CASE WHEN TG_TABLE_NAME IN ('ledger_entries', 'wallet_transactions')
                          THEN 'Correct a posting with a reversing transaction (tradecore.transfer back).'
                          ELSE 'Audit rows are never changed.' END;
END
$$;
COMMENT ON FUNCTION tradecore.forbid_change() IS
    'Trigger refusing UPDATE, DELETE and TRUNCATE on append-only tables (audit_log, ledger).';
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON tradecore.audit_log
    FOR EACH ROW EXECUTE FUNCTION tradecore.forbid_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON tradecore.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION tradecore.forbid_change();

-- Generic row audit.  TG_ARGV[0] names the owner columns as 'agent_col:wallet_col' (either
-- may be empty); TG_ARGV[1..] name columns that must never reach the audit log (secrets).
CREATE FUNCTION tradecore.audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o jsonb;
    n jsonb;
    cols text[];
    agent_col text;
    wallet_col text;
    src jsonb;
    i int;
BEGIN
    IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
    FOR i IN 1 .. TG_NARGS - 1 LOOP
        o := o - TG_ARGV[i];
        n := n - TG_ARGV[i];
    END LOOP;
    cols := string_to_array(coalesce(TG_ARGV[0], ':'), ':');
    agent_col := nullif(cols[1], '');
    wallet_col := nullif(cols[2], '');
    src := coalesce(n, o);
    INSERT INTO tradecore.audit_log (action, table_name, row_key, agent_id, wallet_id, old_row, new_row)
    VALUES (TG_OP, TG_TABLE_NAME, src ->> 'id',
            CASE WHEN agent_col IS NOT NULL THEN (src ->> agent_col)::bigint END,
            CASE WHEN wallet_col IS NOT NULL THEN (src ->> wallet_col)::bigint END,
            o, n);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tradecore.audit_row() IS
    'AFTER row trigger writing audit_log; argument 1 is ''agent_column:wallet_column'', further arguments name secret columns to leave out.';

CREATE TRIGGER settings_audit AFTER INSERT OR UPDATE OR DELETE ON tradecore.settings
    FOR EACH ROW EXECUTE FUNCTION tradecore.audit_row(':');

------------------------------------------------------------------------------------------
-- events: the outbox.  A row first, a NOTIFY carrying its id second.
------------------------------------------------------------------------------------------
CREATE SEQUENCE tradecore.events_id_seq AS bigint;
COMMENT ON SEQUENCE tradecore.events_id_seq IS
    'Ids of tradecore.events: monotonic in allocation order (CACHE 1, so ids from all backends interleave in time).';

-- The rule on an event's type is a C function for the reason the rules of orders are
-- (16_trading.sql): a CHECK expression is re-read and re-planned by every statement that
-- writes the table, and every order writes events.
CREATE FUNCTION tradecore.check_event_type(type text) RETURNS boolean
AS 'MODULE_PATHNAME', 'tc_check_event_type'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.check_event_type(text) IS
    'The rule on events.type (constraint events_type_valid): dotted lower-case words, ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$, at most 64 characters. True, or 23514 saying what is wrong.';

CREATE TABLE tradecore.events (
    id          bigint PRIMARY KEY DEFAULT nextval('tradecore.events_id_seq'),
    ts          timestamptz NOT NULL DEFAULT clock_timestamp(),
    type        text NOT NULL CONSTRAINT events_type_valid CHECK (tradecore.check_event_type(type)),
    topic       text NOT NULL GENERATED ALWAYS AS (split_part(type, '.', 1)) STORED,
    agent_id    bigint,
    wallet_id   bigint,
    payload     jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE tradecore.events_id_seq OWNED BY tradecore.events.id;
COMMENT ON TABLE tradecore.events IS
    'Event outbox: every state change worth telling a client about. Written by tradecore.emit(), read after an id with tradecore.events_after(), pruned by tradecore.prune_events().';
COMMENT ON COLUMN tradecore.events.id IS 'Monotonic id from events_id_seq; a client resumes after the last id it saw (use events_after, see docs/schema.md).';
COMMENT ON COLUMN tradecore.events.ts IS 'Wall-clock time the event was written.';
COMMENT ON COLUMN tradecore.events.type IS 'Dotted event type, e.g. order.filled, signal, balance.';
COMMENT ON COLUMN tradecore.events.topic IS 'First dotted part of type (order.filled -> order), generated.';
COMMENT ON COLUMN tradecore.events.agent_id IS 'Owner key: agent the event concerns (from payload.agent_id), NULL for broadcast events.';
COMMENT ON COLUMN tradecore.events.wallet_id IS 'Owner key: wallet the event concerns (from payload.wallet_id), NULL when none.';
COMMENT ON COLUMN tradecore.events.payload IS 'Event body as JSON; NOTIFY carries only the id, so size is not limited by the 8000-byte NOTIFY cap.';
CREATE INDEX events_ts_idx ON tradecore.events USING brin (ts);
CREATE INDEX events_agent_id_idx ON tradecore.events (agent_id, id) WHERE agent_id IS NOT NULL;
CREATE INDEX events_topic_id_idx ON tradecore.events (topic, id);

-- Outbox visibility.  Ids are allocated at INSERT but become visible at COMMIT, so a reader
-- that returns "everything after id N" can skip an id that commits later than a higher one.
-- Every emitting transaction therefore announces itself with two transaction-scoped
-- advisory locks (released exactly when the transaction ends, also on subtransaction
-- abort together with its rows): (1952671745, 0) taken before its first id is allocated,
-- and (1952671746, first_id mod 2^31) right after.  events_safe_horizon() reads pg_locks
-- and returns the highest id below which no transaction is still in flight.
-- _emit_many writes several events under one announcement (a transaction-wide one: the
-- locks are taken at its first event only), ids in array order, one NOTIFY per id in id
-- order; _emit is its one-event form, so the protocol lives in one place: src/outbox.c.
-- "First event of the transaction" is whether the backend already holds (1952671745, 0),
-- which is exact under subtransactions (a rolled-back one releases its locks).
-- Plain functions, not SECURITY DEFINER: they are granted to no role, so every caller
-- (tradecore's own functions, running as the extension owner) already holds every
-- privilege they use, and they pay no search_path save/restore per call; their INSERT
-- names everything schema-qualified, so the caller's search_path does not matter.
CREATE FUNCTION tradecore._emit_many(p_types text[], p_payloads jsonb[], p_agent_ids bigint[], p_wallet_ids bigint[])
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'tc_emit_many'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tradecore._emit_many(text[], jsonb[], bigint[], bigint[]) IS
    'Internal: writes outbox rows (ids in array order, payload NULL -> {}) with explicit owner keys and notifies tradecore_events once per id; not granted to any role.';

CREATE FUNCTION tradecore._emit(p_type text, p_payload jsonb, p_agent_id bigint, p_wallet_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tc_emit'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tradecore._emit(text, jsonb, bigint, bigint) IS
    'Internal: writes an outbox row with explicit owner keys and notifies tradecore_events; not granted to any role, used by other tradecore functions.';

CREATE FUNCTION tradecore.emit_many(types text[], payloads jsonb[]) RETURNS bigint[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_role name := tradecore.calling_role();
    v_staff boolean := tradecore.is_staff(v_role);
    v_agent bigint;
    v_mine bigint[];
    v_agents bigint[];
    v_wallets bigint[];
BEGIN
    -- an agent speaks only for itself
    IF NOT v_staff THEN
        v_agent := tradecore.agent_id_of(v_role);
        IF v_agent IS NULL THEN
            RAISE EXCEPTION 'role % is not mapped to an agent and may not emit events', v_role
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Set autonomous_agents.role_name for this role, or emit as tradecore_operator.';
        END IF;
        v_mine := tradecore.wallet_ids_of_agent(v_agent);
    END IF;
    SELECT array_agg(CASE WHEN v_staff THEN k.agent ELSE v_agent END ORDER BY k.n),
           array_agg(CASE WHEN NOT v_staff AND k.wallet IS NOT NULL AND NOT k.wallet = ANY (v_mine) THEN NULL
                          ELSE k.wallet END ORDER BY k.n)
      INTO v_agents, v_wallets
      FROM (SELECT u.n,
                   CASE WHEN jsonb_typeof(u.p) = 'object' AND u.p ->> 'agent_id' ~ '^[0-9]{1,18}$'
                        THEN (u.p ->> 'agent_id')::bigint END AS agent,
                   CASE WHEN jsonb_typeof(u.p) = 'object' AND u.p ->> 'wallet_id' ~ '^[0-9]{1,18}$'
                        THEN (u.p ->> 'wallet_id')::bigint END AS wallet
              FROM unnest(payloads) WITH ORDINALITY AS u(p, n)) k;
    RETURN tradecore._emit_many(types, payloads, v_agents, v_wallets);
END
$$;
COMMENT ON FUNCTION tradecore.emit_many(text[], jsonb[]) IS
    'emit for several events at once (types[i] with payloads[i], ids in array order, one NOTIFY per id): one call, one role check and one INSERT instead of one each per event.';

CREATE FUNCTION tradecore.emit(type text, payload jsonb) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ BEGIN RETURN (tradecore.emit_many(ARRAY[emit.type], ARRAY[emit.payload]))[1]; END $$;
COMMENT ON FUNCTION tradecore.emit(text, jsonb) IS
    'Writes an events row (id from a sequence, topic from the type''s first dotted part, agent_id/wallet_id from the payload) and calls pg_notify(''tradecore_events'', id::text) in the same transaction; returns the id. An agent role emits only as itself.';

-- (events_safe_horizon and events_after are PL/pgSQL, not SQL, functions: a SQL function's
-- body is parsed and planned on every call, a PL/pgSQL one's plans are cached per session.)
CREATE FUNCTION tradecore.events_safe_horizon() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_last bigint;
    v_pending bigint;
    v_min bigint;
    v_try int := 0;
    -- advisory locks are per database; only this database's emitters matter
    v_db oid := (SELECT oid FROM pg_database WHERE datname = current_database());
BEGIN
    -- read the sequence first: every transaction holding an id <= v_last announced itself before
    -- that id was allocated, so it is visible in pg_locks below unless it has already ended.
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO v_last FROM tradecore.events_id_seq;
    LOOP
        SELECT count(*) FILTER (WHERE f.pid IS NULL),
               min(v_last - (((v_last - f.objid::bigint) % 2147483648) + 2147483648) % 2147483648)
          INTO v_pending, v_min
          FROM pg_locks a
          LEFT JOIN pg_locks f
                 ON f.pid = a.pid AND f.locktype = 'advisory' AND f.classid = 1952671746 AND f.objsubid = 2
                AND f.database = v_db
         WHERE a.locktype = 'advisory' AND a.classid = 1952671745 AND a.objid = 0 AND a.objsubid = 2
           AND a.database = v_db AND a.granted AND a.pid <> pg_backend_pid();
        -- an announced transaction between its two lock calls: wait a moment for its id
        EXIT WHEN v_pending = 0 OR v_try >= 50;
        v_try := v_try + 1;
        PERFORM pg_sleep(0.001);
    END LOOP;
    IF v_pending > 0 THEN
        RETURN NULL;
    END IF;
    RETURN least(v_last, v_min - 1);
END
$$;
COMMENT ON FUNCTION tradecore.events_safe_horizon() IS
    'Highest event id such that every id at or below it is settled (committed or rolled back); NULL if unknown for a moment. Read-committed readers may return everything up to it without ever skipping a later-committing lower id.';

CREATE FUNCTION tradecore.events_after(after_id bigint, max_rows integer DEFAULT 1000)
RETURNS SETOF tradecore.events
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_horizon bigint := tradecore.events_safe_horizon();
BEGIN
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be a positive integer' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_horizon IS NULL THEN
        RETURN;
    END IF;
    -- a new statement, so a new snapshot (READ COMMITTED) that sees every settled id
    RETURN QUERY
        SELECT e.* FROM tradecore.events e
         WHERE e.id > coalesce(after_id, 0) AND e.id <= v_horizon
         ORDER BY e.id
         LIMIT max_rows;
END
$$;
COMMENT ON FUNCTION tradecore.events_after(bigint, integer) IS
    'Events with id > after_id in id order, stopping below any id whose transaction is still open, so a client that resumes after the last id it received never misses one. Call it in READ COMMITTED. Subject to the caller''s row-level security.';

CREATE FUNCTION tradecore.prune_events(older_than interval DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep interval := coalesce(older_than,
        (SELECT (value #>> '{}')::interval FROM tradecore.settings WHERE key = 'events.retention'),
        interval '7 days');
    v_count bigint;
BEGIN
    IF v_keep <= interval '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval, got %', v_keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    DELETE FROM tradecore.events WHERE ts < now() - v_keep;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;
COMMENT ON FUNCTION tradecore.prune_events(interval) IS
    'Deletes outbox rows older than the interval (default: setting events.retention); returns how many. Schedule it with pg_cron.';
