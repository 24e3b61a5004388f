-- 22_run_strategies.sql: tradecore.run_strategies(at) evaluates every active strategy on the
-- instruments it names, writes one trading_signals row per (strategy, instrument), resolves
-- each instrument's signals into one sized decision (signal_decisions) and emits events.
-- The rules (vote, veto, sizing) are documented in docs/signals.md; the numbers below are
-- the same ones.

CREATE SEQUENCE tradecore.strategy_run_id_seq;
COMMENT ON SEQUENCE tradecore.strategy_run_id_seq IS
    'Run ids of tradecore.run_strategies (trading_signals.run_id, signal_decisions.run_id).';

CREATE TABLE tradecore.signal_decisions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts            timestamptz NOT NULL,
    run_id        bigint NOT NULL,
    instrument_id bigint NOT NULL REFERENCES tradecore.instruments (id) ON DELETE CASCADE,
    direction     smallint NOT NULL CHECK (direction IN (-1, 0, 1)),
    score         float8 NOT NULL CHECK (score BETWEEN -1 AND 1),
    size          numeric CHECK (tradecore.is_finite(size) AND size >= 0),
    veto          text,
    reason        jsonb NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE tradecore.signal_decisions IS
    'One resolved, risk-sized decision per instrument and run_strategies run (unbounded; time ts, owner key instrument_id).';
COMMENT ON COLUMN tradecore.signal_decisions.id IS 'Decision id.';
COMMENT ON COLUMN tradecore.signal_decisions.ts IS 'The run''s evaluation time (run_strategies(at)).';
COMMENT ON COLUMN tradecore.signal_decisions.run_id IS 'run_strategies run; its signals are trading_signals with the same run_id.';
COMMENT ON COLUMN tradecore.signal_decisions.instrument_id IS 'Instrument decided on.';
COMMENT ON COLUMN tradecore.signal_decisions.direction IS 'Resolved direction after the vote and the risk veto: -1 sell, 0 flat, 1 buy.';
COMMENT ON COLUMN tradecore.signal_decisions.score IS 'Confidence-weighted vote: sum(direction*strength*confidence)/sum(confidence), -1..1.';
COMMENT ON COLUMN tradecore.signal_decisions.size IS 'Volatility-targeted quantity capped by risk_limits and rounded down to the lot size; 0 when flat or vetoed.';
COMMENT ON COLUMN tradecore.signal_decisions.veto IS 'Why risk overrode the vote (circuit_breaker, position_limit_zero, no_volatility), NULL if not.';
COMMENT ON COLUMN tradecore.signal_decisions.reason IS 'Votes per strategy, volatility, price, caps: every number behind the decision.';
CREATE INDEX signal_decisions_instrument_ts_idx ON tradecore.signal_decisions (instrument_id, ts DESC);
CREATE INDEX signal_decisions_run_idx ON tradecore.signal_decisions (run_id);

-- Readable by every tradecore role (decisions hold no secrets and no per-agent data).
GRANT ALL ON tradecore.signal_decisions TO tradecore_admin;
GRANT SELECT ON tradecore.signal_decisions TO tradecore_operator, tradecore_viewer, tradecore_agent;
GRANT INSERT ON tradecore.signal_decisions TO tradecore_operator;
GRANT USAGE ON SEQUENCE tradecore.strategy_run_id_seq TO tradecore_admin, tradecore_operator;

CREATE FUNCTION tradecore.vol_target_size(score float8, risk_budget float8, sigma float8,
                                          price float8, cap numeric, lot numeric)
RETURNS numeric
-- floor(least(|score| * risk_budget / (sigma * price), 1e15)::numeric / lot) * lot, lot 1e-8
-- when NULL or 0: the quantity whose one-bar standard deviation of P&L is |score| * budget,
-- rounded down to whole lots (src/strategies_sql.c, PostgreSQL's own arithmetic)
AS 'MODULE_PATHNAME', 'tc_sql_vol_target_size'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.vol_target_size(float8, float8, float8, float8, numeric, numeric) IS
    'Volatility-targeted quantity |score|*risk_budget/(sigma*price) rounded down to the lot; run_strategies then applies the risk cap. NULL when sigma or price is unusable.';

CREATE FUNCTION tradecore.candle_windows(instrument_ids bigint[], bar_interval interval, bars integer,
                                         at timestamptz DEFAULT now())
RETURNS TABLE (instrument_id bigint, iv interval, closes float8[], volumes float8[],
               tss timestamptz[], last_ts timestamptz)
AS 'MODULE_PATHNAME', 'tc_sql_candle_windows'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION tradecore.candle_windows(bigint[], interval, integer, timestamptz) IS
    'Candle windows as float8 arrays, oldest first: per instrument, the closed bars of the given interval whose open time lies in the last `bars` bar slots before at (at - (bars+1)*interval < ts <= at - interval). An instrument without such bars has no row.';

CREATE FUNCTION tradecore.run_strategies_core(
    run_id bigint, at timestamptz, strategy_ids bigint[], names text[], kinds text[],
    agent_ids bigint[], wallet_ids bigint[], params jsonb[], intervals interval[], windows integer[],
    risk_budgets float8[], instrument_ids bigint[], instrument_ends integer[],
    OUT evaluations integer, OUT signals integer, OUT decisions integer, OUT actionable integer,
    OUT vetoed integer)
AS 'MODULE_PATHNAME', 'tc_sql_run_strategies_core'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tradecore.run_strategies_core(bigint, timestamptz, bigint[], text[], text[], bigint[], bigint[], jsonb[], interval[], integer[], float8[], bigint[], integer[]) IS
    'The body of run_strategies after its settings check (src/strategies_run.c): strategies as parallel arrays, each one''s instrument_ids concatenated into instrument_ids and ending at instrument_ends[i]. Reads the windows, evaluates, writes trading_signals and signal_decisions and emits run.step and signal events. Call run_strategies() instead.';
REVOKE EXECUTE ON FUNCTION tradecore.run_strategies_core(bigint, timestamptz, bigint[], text[], text[], bigint[], bigint[], jsonb[], interval[], integer[], float8[], bigint[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.run_strategies_core(bigint, timestamptz, bigint[], text[], text[], bigint[], bigint[], jsonb[], interval[], integer[], float8[], bigint[], integer[]) TO tradecore_admin, tradecore_operator;

CREATE FUNCTION tradecore.run_strategies(
    at timestamptz DEFAULT now(),
    OUT run_id bigint, OUT strategies integer, OUT evaluations integer, OUT signals integer,
    OUT decisions integer, OUT actionable integer, OUT vetoed integer, OUT errors integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s        record;
    t_run    timestamptz := clock_timestamp();
    msg      text;
    state    text;
    dummy    tradecore.strategy_signal;
    v_iv     interval;
    v_win    integer;
    v_budget float8;
    -- the strategies that pass the check, as parallel arrays for run_strategies_core
    a_ids    bigint[] := '{}';
    a_names  text[] := '{}';
    a_kinds  text[] := '{}';
    a_agents bigint[] := '{}';
    a_wallets bigint[] := '{}';
    a_params jsonb[] := '{}';
    a_ivs    interval[] := '{}';
    a_wins   integer[] := '{}';
    a_budgets float8[] := '{}';
    a_inst   bigint[] := '{}';
    a_ends   integer[] := '{}';
    a_errors jsonb[] := '{}';
BEGIN
    IF at IS NULL OR NOT isfinite(at) THEN
        RAISE EXCEPTION 'run_strategies needs a finite evaluation time, got %', at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    run_id := nextval('tradecore.strategy_run_id_seq');
    strategies := 0; evaluations := 0; signals := 0; decisions := 0;
    actionable := 0; vetoed := 0; errors := 0;

    -- Active strategies, strategy_parameters overriding params key by key.  Each one's
    -- settings are checked before the run: the shared window settings here, the kind's own
    -- parameters by a dry call on an empty window (the C functions check all parameters
    -- before they look at data).  A strategy that fails is reported with run.error and left
    -- out; the others still run.
    FOR s IN SELECT st.id, st.name, st.kind, st.agent_id, st.wallet_id, st.instrument_ids,
                    st.params || coalesce((SELECT jsonb_object_agg(p.name, p.value)
                                             FROM tradecore.strategy_parameters p
                                            WHERE p.strategy_id = st.id), '{}') AS params
               FROM tradecore.trading_strategies st
              WHERE st.active
              ORDER BY st.id LOOP
        strategies := strategies + 1;
        BEGIN
            v_iv := coalesce(s.params ->> 'interval', '1 minute')::interval;
            v_win := coalesce((s.params ->> 'window')::integer, 200);
            v_budget := coalesce((s.params ->> 'risk_budget')::float8, 100);
            IF NOT v_iv > interval '0' OR NOT v_win BETWEEN 2 AND 100000
               OR NOT v_budget BETWEEN 0 AND 1e15
               OR NOT coalesce((s.params ->> 'max_quote_age_s')::float8, 60) BETWEEN 0 AND 86400 THEN
                RAISE EXCEPTION 'strategy % has an invalid interval, window, risk_budget or max_quote_age_s', s.name
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'interval > 0, window 2..100000, risk_budget 0..1e15, max_quote_age_s 0..86400.';
            END IF;
            dummy := CASE s.kind
                WHEN 'momentum' THEN tradecore.momentum('{}', '{}', s.params)
                WHEN 'mean_reversion' THEN tradecore.mean_reversion('{}', s.params)
                WHEN 'arbitrage' THEN tradecore.arbitrage('{}', '{}', '{}', '{}', 0, s.params)
                WHEN 'pairs' THEN tradecore.pairs('{}', '{}', s.params)
                ELSE tradecore.market_making('{}', 0, s.params) END;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
            errors := errors + 1;
            a_errors := array_append(a_errors, jsonb_build_object(
                'run_id', run_id, 'strategy_id', s.id, 'strategy', s.name, 'sqlstate', state,
                'message', msg, 'agent_id', s.agent_id, 'wallet_id', s.wallet_id));
            CONTINUE;
        END;
        a_ids := array_append(a_ids, s.id);
        a_names := array_append(a_names, s.name);
        a_kinds := array_append(a_kinds, s.kind);
        a_agents := array_append(a_agents, s.agent_id);
        a_wallets := array_append(a_wallets, s.wallet_id);
        a_params := array_append(a_params, s.params);
        a_ivs := array_append(a_ivs, v_iv);
        a_wins := array_append(a_wins, v_win);
        a_budgets := array_append(a_budgets, v_budget);
        -- flattened, as unnest reads any array (a multi-dimensional one too)
        a_inst := array_cat(a_inst, ARRAY(SELECT unnest(s.instrument_ids)));
        a_ends := array_append(a_ends, coalesce(cardinality(a_inst), 0));
    END LOOP;

    PERFORM tradecore.emit('run.started', jsonb_build_object(
        'run_id', run_id, 'at', at, 'strategies', strategies));
    IF errors > 0 THEN
        PERFORM tradecore.emit_many(array_fill('run.error'::text, ARRAY[errors]), a_errors);
    END IF;

    -- The run proper (src/strategies_run.c, documented in docs/signals.md): windows read
    -- once per bar interval, every evaluation, trading_signals, one signal_decisions row
    -- per instrument (confidence-weighted vote, risk veto, volatility-targeted size capped
    -- by risk_limits), run.step per strategy and signal per actionable decision.
    BEGIN
        SELECT c.evaluations, c.signals, c.decisions, c.actionable, c.vetoed
          INTO evaluations, signals, decisions, actionable, vetoed
          FROM tradecore.run_strategies_core(run_id, at, a_ids, a_names, a_kinds, a_agents,
                                             a_wallets, a_params, a_ivs, a_wins, a_budgets,
                                             a_inst, a_ends) c;
    EXCEPTION WHEN OTHERS THEN
        -- nothing of the run is kept but the error event, so a scheduled run never dies silently
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
        errors := errors + 1;
        evaluations := 0; signals := 0; decisions := 0; actionable := 0; vetoed := 0;
        PERFORM tradecore.emit('run.error', jsonb_build_object(
            'run_id', run_id, 'sqlstate', state, 'message', msg));
    END;

    PERFORM tradecore.emit('run.finished', jsonb_build_object(
        'run_id', run_id, 'at', at, 'strategies', strategies, 'evaluations', evaluations,
        'signals', signals, 'decisions', decisions, 'actionable', actionable, 'vetoed', vetoed,
        'errors', errors,
        'ms', round((extract(epoch FROM clock_timestamp() - t_run) * 1000)::numeric, 3)));
END
$fn$;
COMMENT ON FUNCTION tradecore.run_strategies(timestamptz) IS
    'Evaluates every active strategy on the instruments it names as of at (closed candles only), writes trading_signals, resolves each instrument by a confidence-weighted vote with a risk veto into signal_decisions sized by volatility targeting capped by risk_limits, and emits run.started, run.step, run.error, signal and run.finished.';

REVOKE EXECUTE ON FUNCTION tradecore.run_strategies(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.run_strategies(timestamptz) TO tradecore_admin, tradecore_operator;
