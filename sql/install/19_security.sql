-- 19_security.sql: privileges and row-level security for every table of 10-18, and
-- pg_dump registration of user data.
--
-- Model (docs/schema.md has the full matrix):
--   * tradecore_admin     all privileges, the only role that can read credential secrets;
--   * tradecore_operator  reads everything but the secrets, writes the operational tables,
--                         moves money only through transfer() / allocate_funds();
--   * tradecore_viewer    SELECT on everything but the secrets;
--   * tradecore_agent     members are per-agent LOGIN roles; they read shared market and
--                         configuration tables and, through RLS, only their own rows of the
--                         agent- and wallet-owned tables.
-- Tables are owned by the superuser that ran CREATE EXTENSION, which bypasses RLS; FORCE
-- ROW LEVEL SECURITY keeps the policies in force should ownership ever pass to a plain
-- role.  The money functions are SECURITY DEFINER and do their own authorization check.

-- Functions: PostgreSQL grants EXECUTE to PUBLIC by default.  Take it back from the ones
-- that change state; expressions used in CHECK constraints, defaults and RLS policies
-- (is_finite, calling_role, current_agent_id, ...) stay executable by everyone, since
-- they run with the privileges of whoever writes or reads the table.
REVOKE EXECUTE ON FUNCTION
    tradecore._emit(text, jsonb, bigint, bigint),
    tradecore._emit_many(text[], jsonb[], bigint[], bigint[]),
    tradecore.emit(text, jsonb),
    tradecore.emit_many(text[], jsonb[]),
    tradecore.prune_events(interval),
    tradecore.create_candle_partition(timestamptz, timestamptz),
    tradecore.lock_wallets(bigint[]),
    tradecore.authorize_debit(bigint),
    tradecore.transfer(bigint, bigint, text, numeric, text),
    tradecore.allocate_funds(bigint, bigint[], text, numeric[], text),
    -- lookups for any role or agent id: used inside the SECURITY DEFINER functions only;
    -- callers get their own identity from current_agent_id() / current_wallet_ids()
    tradecore.agent_id_of(name),
    tradecore.wallet_ids_of_agent(bigint)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    tradecore.emit(text, jsonb),
    tradecore.emit_many(text[], jsonb[]),
    tradecore.transfer(bigint, bigint, text, numeric, text),
    tradecore.allocate_funds(bigint, bigint[], text, numeric[], text)
TO tradecore_admin, tradecore_operator, tradecore_agent;
GRANT EXECUTE ON FUNCTION
    tradecore.prune_events(interval),
    tradecore.create_candle_partition(timestamptz, timestamptz)
TO tradecore_admin, tradecore_operator;

-- Tables
GRANT ALL ON ALL TABLES IN SCHEMA tradecore TO tradecore_admin;
GRANT ALL ON ALL SEQUENCES IN SCHEMA tradecore TO tradecore_admin;

DO $grants$
DECLARE
    t text;
    -- money and history tables: read-only for the operator (money moves through functions)
    ledger text[] := ARRAY['wallet_transactions', 'ledger_entries', 'wallet_balances', 'fund_allocations',
                           'wallet_hierarchies', 'audit_log', 'events'];
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c
         WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind IN ('r', 'p', 'v')
           AND c.relname <> 'exchange_credentials'
           AND NOT c.relispartition
    LOOP
        EXECUTE format('GRANT SELECT ON tradecore.%I TO tradecore_operator, tradecore_viewer', t);
        IF NOT t = ANY (ledger) AND t <> 'exchange_credentials_public' THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON tradecore.%I TO tradecore_operator', t);
        END IF;
    END LOOP;
END
$grants$;

-- What every agent may read whole: market data, venues, reference and configuration.
GRANT SELECT ON
    tradecore.exchanges, tradecore.exchange_status, tradecore.instruments, tradecore.market_ticks,
    tradecore.order_book_snapshots, tradecore.candles, tradecore.arbitrage_opportunities,
    tradecore.assets, tradecore.settings, tradecore.strategy_parameters,
    tradecore.strategy_performance, tradecore.decision_contexts, tradecore.decision_consensus,
    tradecore.risk_limits, tradecore.circuit_breakers, tradecore.stress_scenarios, tradecore.llm_providers
TO tradecore_agent;

-- Row-level security.  Each row of the list: table, what an agent may do, the USING
-- expression (rows it sees) and the WITH CHECK expression (rows it may write; NULL = USING).
-- me = the calling agent, mine = the calling agent's wallets, each evaluated once per query.
DO $rls$
DECLARE
    me   CONSTANT text := '(SELECT tradecore.current_agent_id())';
    mine CONSTANT text := '(SELECT tradecore.current_wallet_ids())::bigint[]';
    r record;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('wallets',                    'SELECT',                         'agent_id = %1$s', NULL),
            ('wallet_balances',            'SELECT',                         'wallet_id = ANY (%2$s)', NULL),
            ('wallet_transactions',        'SELECT',                         'EXISTS (SELECT 1 FROM tradecore.ledger_entries l WHERE l.transaction_id = wallet_transactions.id AND l.wallet_id = ANY (%2$s))', NULL),
            ('ledger_entries',             'SELECT',                         'wallet_id = ANY (%2$s)', NULL),
            ('fund_allocations',           'SELECT',                         'child_wallet_id = ANY (%2$s) OR parent_wallet_id = ANY (%2$s)', NULL),
            ('wallet_hierarchies',         'SELECT',                         'descendant_id = ANY (%2$s)', NULL),
            ('wallet_performance_metrics', 'SELECT',                         'wallet_id = ANY (%2$s)', NULL),
            ('master_wallets',             NULL,                             'wallet_id = ANY (%2$s)', NULL),
            ('autonomous_agents',          'SELECT',                         'id = %1$s', NULL),
            ('agent_performance',          'SELECT',                         'agent_id = %1$s', NULL),
            ('agent_votes',                'SELECT, INSERT, UPDATE, DELETE', 'agent_id = %1$s', NULL),
            ('agent_communications',       'SELECT, INSERT',                 'from_agent_id = %1$s OR to_agent_id = %1$s OR to_agent_id IS NULL', 'from_agent_id = %1$s'),
            ('llm_conversations',          'SELECT, INSERT, UPDATE, DELETE', 'agent_id = %1$s', NULL),
            ('llm_messages',               'SELECT, INSERT',                 'agent_id = %1$s', NULL),
            ('llm_requests',               'SELECT, INSERT',                 'agent_id = %1$s', NULL),
            ('trading_strategies',         'SELECT',                         'agent_id = %1$s OR agent_id IS NULL', NULL),
            ('trading_signals',            'SELECT, INSERT',                 'agent_id = %1$s', NULL),
            ('orders',                     'SELECT, INSERT, UPDATE (status, reject_reason)', 'agent_id = %1$s', 'agent_id = %1$s AND wallet_id = ANY (%2$s)'),
            ('order_events',               'SELECT, INSERT',                 'agent_id = %1$s', NULL),
            ('fills',                      'SELECT',                         'agent_id = %1$s OR wallet_id = ANY (%2$s)', NULL),
            ('trading_positions',          'SELECT',                         'wallet_id = ANY (%2$s)', NULL),
            ('portfolio_allocations',      'SELECT',                         'wallet_id = ANY (%2$s)', NULL),
            ('risk_alerts',                'SELECT',                         'agent_id = %1$s OR wallet_id = ANY (%2$s)', NULL),
            ('risk_metrics',               'SELECT',                         'scope IN (''global'', ''instrument'') OR (scope = ''agent'' AND scope_id = %1$s) OR (scope = ''wallet'' AND scope_id = ANY (%2$s))', NULL),
            ('stress_test_results',        'SELECT',                         'agent_id = %1$s OR wallet_id = ANY (%2$s)', NULL),
            ('goals',                      'SELECT',                         'agent_id = %1$s OR wallet_id = ANY (%2$s)', NULL),
            ('goal_progress',              'SELECT',                         'EXISTS (SELECT 1 FROM tradecore.goals g WHERE g.id = goal_progress.goal_id)', NULL),
            ('events',                     'SELECT',                         'agent_id = %1$s OR wallet_id = ANY (%2$s) OR (agent_id IS NULL AND wallet_id IS NULL)', NULL),
            ('audit_log',                  NULL,                             'agent_id = %1$s OR wallet_id = ANY (%2$s)', NULL)
        ) AS v(tbl, agent_privs, using_expr, check_expr)
    LOOP
        EXECUTE format('ALTER TABLE tradecore.%I ENABLE ROW LEVEL SECURITY', r.tbl);
        EXECUTE format('ALTER TABLE tradecore.%I FORCE ROW LEVEL SECURITY', r.tbl);
        EXECUTE format('CREATE POLICY staff_all ON tradecore.%I TO tradecore_admin, tradecore_operator USING (true) WITH CHECK (true)', r.tbl);
        EXECUTE format('CREATE POLICY viewer_read ON tradecore.%I FOR SELECT TO tradecore_viewer USING (true)', r.tbl);
        EXECUTE format('CREATE POLICY agent_own ON tradecore.%I TO tradecore_agent USING (%s) WITH CHECK (%s)', r.tbl,
                       format(r.using_expr, me, mine), format(coalesce(r.check_expr, r.using_expr), me, mine));
        EXECUTE format('COMMENT ON POLICY staff_all ON tradecore.%I IS %L', r.tbl,
                       'Admins and operators see and write every row (table privileges still apply).');
        EXECUTE format('COMMENT ON POLICY viewer_read ON tradecore.%I IS %L', r.tbl, 'Viewers read every row.');
        EXECUTE format('COMMENT ON POLICY agent_own ON tradecore.%I IS %L', r.tbl,
                       'An agent role sees and writes only its own rows: ' || format(coalesce(r.check_expr, r.using_expr), 'me', 'mine'));
        IF r.agent_privs IS NOT NULL THEN
            EXECUTE format('GRANT %s ON tradecore.%I TO tradecore_agent', r.agent_privs, r.tbl);
        END IF;
    END LOOP;
END
$rls$;

-- Credentials: the table for admin only (granted above with ALL TABLES), the view without
-- secrets for operators and viewers (granted in the loop above).  Nothing for PUBLIC.
REVOKE ALL ON tradecore.exchange_credentials FROM PUBLIC;
REVOKE ALL ON tradecore.exchange_credentials_public FROM PUBLIC;

-- pg_dump: user rows of extension tables are dumped (seed rows excluded, since CREATE
-- EXTENSION recreates them), and so are the positions of their id sequences.
DO $dump$
DECLARE
    r record;
    s text;
BEGIN
    FOR r IN
        SELECT c.oid, c.relname FROM pg_class c
         WHERE c.relnamespace = 'tradecore'::regnamespace AND c.relkind = 'r'
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(r.oid,
            CASE r.relname
                WHEN 'exchanges' THEN 'WHERE code <> ''paper'''
                WHEN 'assets'    THEN 'WHERE code NOT IN (''USD'', ''EUR'', ''USDT'', ''USDC'', ''BTC'', ''ETH'', ''SOL'')'
                WHEN 'settings'  THEN 'WHERE key <> ''events.retention'''
                ELSE '' END);
        FOR s IN
            SELECT pg_get_serial_sequence(format('tradecore.%I', r.relname), a.attname)
              FROM pg_attribute a
             WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND pg_get_serial_sequence(format('tradecore.%I', r.relname), a.attname) IS NOT NULL
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(s::regclass, '');
        END LOOP;
    END LOOP;
END
$dump$;
