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
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- |score| * budget / (sigma * price): the quantity whose one-bar standard deviation of
    -- P&L is |score| * budget, capped, rounded down to whole lots.
    SELECT CASE
             WHEN score IS NULL OR sigma IS NULL OR price IS NULL OR risk_budget IS NULL
                  OR NOT sigma > 0 OR NOT price > 0 OR NOT risk_budget >= 0 THEN NULL
             ELSE floor(least(abs(score) * risk_budget / (sigma * price), 1e15)::numeric
                        / coalesce(nullif(lot, 0), 1e-8))
                  * coalesce(nullif(lot, 0), 1e-8)
           END
$$;
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

CREATE FUNCTION tradecore.run_strategies(
    at timestamptz DEFAULT now(),
    OUT run_id bigint, OUT strategies integer, OUT evaluations integer, OUT signals integer,
    OUT decisions integer, OUT actionable integer, OUT vetoed integer, OUT errors integer)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
-- room to keep every candle window in memory (no spill to disk)
SET work_mem = '64MB'
AS $fn$
DECLARE
    s      record;
    t_run  timestamptz := clock_timestamp();
    msg    text;
    state  text;
    dummy  tradecore.strategy_signal;
BEGIN
    IF at IS NULL OR NOT isfinite(at) THEN
        RAISE EXCEPTION 'run_strategies needs a finite evaluation time, got %', at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    run_id := nextval('tradecore.strategy_run_id_seq');
    strategies := 0; evaluations := 0; signals := 0; decisions := 0;
    actionable := 0; vetoed := 0; errors := 0;

    -- Active strategies, strategy_parameters overriding params key by key.
    IF to_regclass('pg_temp.tc_run_strategies') IS NOT NULL THEN
        DROP TABLE tc_run_strategies;
    END IF;
    CREATE TEMP TABLE tc_run_strategies (
        id bigint, name text, kind text, agent_id bigint, wallet_id bigint, params jsonb,
        instrument_ids bigint[], iv interval, win integer, budget float8, ok boolean
    ) ON COMMIT DROP;
    INSERT INTO tc_run_strategies
    SELECT st.id, st.name, st.kind, st.agent_id, st.wallet_id,
           st.params || coalesce((SELECT jsonb_object_agg(p.name, p.value)
                                    FROM tradecore.strategy_parameters p
                                   WHERE p.strategy_id = st.id), '{}'),
           st.instrument_ids, NULL, NULL, NULL, false
      FROM tradecore.trading_strategies st
     WHERE st.active;
    GET DIAGNOSTICS strategies = ROW_COUNT;

    PERFORM tradecore.emit('run.started', jsonb_build_object(
        'run_id', run_id, 'at', at, 'strategies', strategies));

    -- Check every strategy's settings before the run: the shared window settings here, the
    -- kind's own parameters by a dry call on an empty window (the C functions check all
    -- parameters before they look at data).  A strategy that fails is reported with
    -- run.error and left out; the others still run.
    FOR s IN SELECT * FROM tc_run_strategies ORDER BY id LOOP
        BEGIN
            UPDATE tc_run_strategies r
               SET iv = coalesce(r.params ->> 'interval', '1 minute')::interval,
                   win = coalesce((r.params ->> 'window')::integer, 200),
                   budget = coalesce((r.params ->> 'risk_budget')::float8, 100)
             WHERE r.id = s.id
            RETURNING * INTO s;
            IF NOT s.iv > interval '0' OR NOT s.win BETWEEN 2 AND 100000
               OR NOT s.budget BETWEEN 0 AND 1e15
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
            UPDATE tc_run_strategies SET ok = true WHERE id = s.id;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
            errors := errors + 1;
            PERFORM tradecore.emit('run.error', jsonb_build_object(
                'run_id', run_id, 'strategy_id', s.id, 'strategy', s.name, 'sqlstate', state,
                'message', msg, 'agent_id', s.agent_id, 'wallet_id', s.wallet_id));
        END;
    END LOOP;

    -- The run proper is one statement, so that every intermediate result stays in memory:
    --   bars, win  one candle window per (instrument, interval) from candle_windows(): the
    --              closed bars of the last `window` bar slots (the largest window of the
    --              strategies using that interval; each strategy takes its own tail), read
    --              in one index scan and shared by every strategy, with what sizing needs
    --              (last close, per-bar volatility, lot size, risk cap, circuit breaker);
    --   ev         every evaluation: candle strategies per instrument, pairs per pair (two
    --              legs), arbitrage per instrument over the quotes of its symbol's venues;
    --   sig        the trading_signals rows;
    --   dec        one signal_decisions row per instrument: confidence-weighted vote,
    --              threshold 0.2, risk veto, volatility-targeted size capped by risk_limits;
    --   events     run.step per strategy, signal per actionable decision.
    BEGIN
        WITH cov AS MATERIALIZED (
            -- (strategy, instrument) pairs, unnesting each strategy's instrument_ids once
            SELECT DISTINCT r.id AS strategy_id, u.id AS instrument_id
              FROM tc_run_strategies r, unnest(r.instrument_ids) AS u(id)
             WHERE r.ok
        ), need AS (
            SELECT c.instrument_id, r.iv, max(r.win) AS win
              FROM cov c JOIN tc_run_strategies r ON r.id = c.strategy_id
             GROUP BY 1, 2
        ), need_iv AS (
            SELECT iv, max(win) AS win, array_agg(instrument_id) AS ids FROM need GROUP BY iv
        ), bars AS (
            SELECT w.* FROM need_iv g
             CROSS JOIN LATERAL tradecore.candle_windows(g.ids, g.iv, g.win, at) w
        ), win AS MATERIALIZED (
            SELECT n.instrument_id, n.iv, i.exchange_id, i.symbol, i.lot_size,
                   w.closes, w.volumes, w.tss, w.last_ts,
                   w.closes[cardinality(w.closes)] AS price,
                   tradecore.realized_volatility(w.closes, least(100, cardinality(w.closes) - 1)) AS sigma,
                   least((SELECT min(l.limit_value) FROM tradecore.risk_limits l
                           WHERE l.active AND l.kind = 'max_position_qty'
                             AND (l.scope = 'global' OR (l.scope = 'instrument' AND l.scope_id = i.id))),
                         (SELECT min(l.limit_value) FROM tradecore.risk_limits l
                           WHERE l.active AND l.kind = 'max_order_notional'
                             AND (l.scope = 'global' OR (l.scope = 'instrument' AND l.scope_id = i.id)))
                           / nullif(w.closes[cardinality(w.closes)], 0)::numeric) AS cap,
                   EXISTS (SELECT 1 FROM tradecore.circuit_breakers b
                            WHERE b.state = 'open'
                              AND (b.scope = 'global'
                                   OR (b.scope = 'instrument' AND b.scope_id = i.id)
                                   OR (b.scope = 'exchange' AND b.scope_id = i.exchange_id))) AS halted
              FROM need n
              JOIN tradecore.instruments i ON i.id = n.instrument_id AND i.active
              LEFT JOIN bars w ON w.instrument_id = n.instrument_id AND w.iv = n.iv
        ), cw AS (
            -- candle strategies: each strategy's own window is the tail of the shared one
            SELECT r.id AS strategy_id, r.kind, w.instrument_id, w.iv,
                   CASE WHEN cardinality(w.closes) > r.win THEN w.closes[cardinality(w.closes) - r.win + 1:]
                        ELSE coalesce(w.closes, '{}') END AS cl,
                   CASE WHEN cardinality(w.volumes) > r.win THEN w.volumes[cardinality(w.volumes) - r.win + 1:]
                        ELSE coalesce(w.volumes, '{}') END AS vo,
                   r.params, r.wallet_id, w.last_ts
              FROM cov c
              JOIN tc_run_strategies r ON r.id = c.strategy_id
              JOIN win w ON w.iv = r.iv AND w.instrument_id = c.instrument_id
             WHERE r.kind IN ('momentum', 'mean_reversion', 'market_making')
        ), pairs AS (
            -- instrument_ids taken two by two (a1, b1, a2, b2, ...); an odd last one is
            -- left out.  The two windows are aligned on ts so both legs see the same bars.
            SELECT r.id AS strategy_id, u.a_id, u.b_id, r.iv, r.win, r.params
              FROM tc_run_strategies r
              CROSS JOIN LATERAL (
                  SELECT x.id AS a_id, lead(x.id) OVER (ORDER BY x.ord) AS b_id, x.ord
                    FROM unnest(r.instrument_ids) WITH ORDINALITY AS x(id, ord)) u
             WHERE r.ok AND r.kind = 'pairs' AND u.ord % 2 = 1 AND u.b_id IS NOT NULL
        ), pair_ev AS (
            SELECT p.strategy_id, p.a_id, p.b_id, p.iv,
                   tradecore.pairs(coalesce(j.ca, '{}'), coalesce(j.cb, '{}'), p.params) AS g
              FROM pairs p
              JOIN win wa ON wa.instrument_id = p.a_id AND wa.iv = p.iv
              JOIN win wb ON wb.instrument_id = p.b_id AND wb.iv = p.iv
              CROSS JOIN LATERAL (
                  -- both legs usually have the very same bars; join on ts only when not
                  SELECT wa.closes[greatest(1, cardinality(wa.closes) - p.win + 1):] AS ca,
                         wb.closes[greatest(1, cardinality(wb.closes) - p.win + 1):] AS cb
                   WHERE wa.tss = wb.tss
                  UNION ALL
                  SELECT array_agg(q.ca ORDER BY q.ts), array_agg(q.cb ORDER BY q.ts)
                    FROM (SELECT x.ts, x.c AS ca, y.c AS cb
                            FROM unnest(wa.tss, wa.closes) AS x(ts, c)
                            JOIN unnest(wb.tss, wb.closes) AS y(ts, c) ON y.ts = x.ts
                           ORDER BY x.ts DESC
                           LIMIT p.win) q
                  HAVING wa.tss IS DISTINCT FROM wb.tss
              ) j
        ), venues AS (
            -- arbitrage: the newest quote (within max_quote_age_s, default 60) of every
            -- active instrument with the same symbol on an enabled venue
            SELECT r.id AS strategy_id, c.id AS self_id, r.iv, r.params, v.id AS venue_id,
                   row_number() OVER (PARTITION BY r.id, c.id ORDER BY v.id) AS vno,
                   t.bid, t.ask, e.taker_fee_bps, e.withdrawal_fee_bps
              FROM cov u
              JOIN tc_run_strategies r ON r.id = u.strategy_id
              JOIN tradecore.instruments c ON c.id = u.instrument_id AND c.active
              JOIN tradecore.instruments v ON v.symbol = c.symbol AND v.active
              JOIN tradecore.exchanges e ON e.id = v.exchange_id AND e.enabled
              LEFT JOIN LATERAL (
                  SELECT mt.bid, mt.ask FROM tradecore.market_ticks mt
                   WHERE mt.instrument_id = v.id AND mt.ts <= at
                     AND mt.ts > at - make_interval(secs => coalesce((r.params ->> 'max_quote_age_s')::float8, 60))
                   ORDER BY mt.ts DESC LIMIT 1) t ON true
             WHERE r.ok AND r.kind = 'arbitrage'
        ), arb_ev AS (
            SELECT strategy_id, self_id, iv,
                   tradecore.arbitrage(array_agg(bid::float8 ORDER BY vno), array_agg(ask::float8 ORDER BY vno),
                                       array_agg(taker_fee_bps::float8 ORDER BY vno),
                                       array_agg(withdrawal_fee_bps::float8 ORDER BY vno),
                                       max(vno) FILTER (WHERE venue_id = self_id)::integer,
                                       min(params::text)::jsonb) AS g,
                   array_agg(venue_id ORDER BY vno) AS venue_ids
              FROM venues
             GROUP BY strategy_id, self_id, iv
        ), ev AS (
            SELECT cw.strategy_id, cw.instrument_id, cw.iv, 1 AS weight,
                   CASE cw.kind
                       WHEN 'momentum' THEN tradecore.momentum(cw.cl, cw.vo, cw.params)
                       WHEN 'mean_reversion' THEN tradecore.mean_reversion(cw.cl, cw.params)
                       ELSE tradecore.market_making(cw.cl,
                                coalesce((SELECT p.qty::float8 FROM tradecore.trading_positions p
                                           WHERE p.wallet_id = cw.wallet_id AND p.instrument_id = cw.instrument_id), 0),
                                cw.params)
                   END AS g,
                   jsonb_build_object('bars', cardinality(cw.cl), 'last_bar', cw.last_ts) AS extra
              FROM cw
            UNION ALL
            SELECT strategy_id, a_id, iv, 1, g, jsonb_build_object('leg', 'a', 'other_instrument_id', b_id) FROM pair_ev
            UNION ALL
            SELECT strategy_id, b_id, iv, 0,
                   ROW(-(g).direction, (g).strength, (g).confidence, (g).reason)::tradecore.strategy_signal,
                   jsonb_build_object('leg', 'b', 'other_instrument_id', a_id) FROM pair_ev
            UNION ALL
            SELECT strategy_id, self_id, iv, 1, g, jsonb_build_object('venue_instrument_ids', venue_ids) FROM arb_ev
        ), sig AS (
            INSERT INTO tradecore.trading_signals
                   (ts, strategy_id, instrument_id, agent_id, direction, strength, confidence, size, reason, run_id)
            SELECT at, ev.strategy_id, ev.instrument_id, r.agent_id, (ev.g).direction, (ev.g).strength,
                   (ev.g).confidence,
                   CASE WHEN (ev.g).direction <> 0 THEN
                       least(tradecore.vol_target_size((ev.g).strength * (ev.g).confidence, r.budget,
                                                       w.sigma, w.price, w.cap, w.lot_size), w.cap)
                   END,
                   (ev.g).reason || ev.extra, run_strategies.run_id
              FROM ev
              JOIN tc_run_strategies r ON r.id = ev.strategy_id
              LEFT JOIN win w ON w.instrument_id = ev.instrument_id AND w.iv = ev.iv
            RETURNING strategy_id, instrument_id, direction, strength, confidence
        ), evals AS (
            -- a pair evaluation writes two signals; count it once
            SELECT strategy_id, sum(weight)::integer AS n FROM ev GROUP BY strategy_id
        ), votes AS (
            SELECT t.instrument_id,
                   coalesce(sum(t.direction * t.strength * t.confidence) / nullif(sum(t.confidence), 0), 0) AS score,
                   avg(r.budget) FILTER (WHERE t.direction <> 0) AS budget,
                   jsonb_agg(jsonb_build_object('strategy_id', t.strategy_id, 'direction', t.direction,
                                                'strength', t.strength, 'confidence', t.confidence)
                             ORDER BY t.strategy_id) AS votes
              FROM sig t
              JOIN tc_run_strategies r ON r.id = t.strategy_id
             GROUP BY t.instrument_id
        ), decided AS (
            SELECT DISTINCT ON (v.instrument_id) v.*, w.sigma, w.price, w.cap, w.lot_size,
                   CASE WHEN abs(v.score) >= 0.2 THEN sign(v.score)::smallint ELSE 0::smallint END AS proposed,
                   CASE WHEN coalesce(w.halted, false) THEN 'circuit_breaker'
                        WHEN w.cap IS NOT NULL AND w.cap <= 0 THEN 'position_limit_zero'
                        WHEN w.sigma IS NULL OR NOT w.sigma > 0 THEN 'no_volatility'
                   END AS risk_veto
              FROM votes v
              LEFT JOIN win w ON w.instrument_id = v.instrument_id
             ORDER BY v.instrument_id, w.sigma IS NULL, w.iv
        ), dec AS (
            INSERT INTO tradecore.signal_decisions (ts, run_id, instrument_id, direction, score, size, veto, reason)
            SELECT at, run_strategies.run_id, d.instrument_id,
                   CASE WHEN d.proposed <> 0 AND d.risk_veto IS NULL THEN d.proposed ELSE 0 END,
                   greatest(-1, least(1, d.score)),
                   CASE WHEN d.proposed <> 0 AND d.risk_veto IS NULL
                        THEN coalesce(least(tradecore.vol_target_size(d.score, d.budget, d.sigma, d.price,
                                                                      d.cap, d.lot_size), d.cap), 0)
                        ELSE 0 END,
                   CASE WHEN d.proposed <> 0 THEN d.risk_veto END,
                   jsonb_build_object('votes', d.votes, 'proposed_direction', d.proposed, 'threshold', 0.2,
                                      'sigma', d.sigma, 'price', d.price, 'cap', d.cap,
                                      'risk_budget', d.budget, 'lot_size', d.lot_size)
              FROM decided d
            RETURNING id, instrument_id, direction, score, size, veto
        ), step_events AS (
            SELECT tradecore.emit('run.step', jsonb_build_object(
                       'run_id', run_strategies.run_id, 'strategy_id', r.id, 'strategy', r.name, 'kind', r.kind,
                       'evaluations', coalesce(e.n, 0), 'signals', coalesce(c.n, 0),
                       'non_flat', coalesce(c.non_flat, 0), 'agent_id', r.agent_id, 'wallet_id', r.wallet_id)) AS id
              FROM tc_run_strategies r
              LEFT JOIN evals e ON e.strategy_id = r.id
              LEFT JOIN (SELECT strategy_id, count(*) AS n, count(*) FILTER (WHERE direction <> 0) AS non_flat
                           FROM sig GROUP BY strategy_id) c ON c.strategy_id = r.id
             WHERE r.ok
        ), signal_events AS (
            SELECT tradecore.emit('signal', jsonb_build_object(
                       'run_id', run_strategies.run_id, 'decision_id', d.id, 'instrument_id', d.instrument_id,
                       'direction', d.direction, 'score', d.score, 'size', d.size, 'ts', at)) AS id
              FROM dec d
             WHERE d.direction <> 0
        )
        SELECT (SELECT coalesce(sum(n), 0) FROM evals), (SELECT count(*) FROM sig),
               (SELECT count(*) FROM dec), (SELECT count(*) FROM signal_events),
               (SELECT count(*) FROM dec WHERE veto IS NOT NULL), (SELECT count(*) FROM step_events)
          INTO evaluations, signals, decisions, actionable, vetoed, state;
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
    DROP TABLE tc_run_strategies;
END
$fn$;
COMMENT ON FUNCTION tradecore.run_strategies(timestamptz) IS
    'Evaluates every active strategy on the instruments it names as of at (closed candles only), writes trading_signals, resolves each instrument by a confidence-weighted vote with a risk veto into signal_decisions sized by volatility targeting capped by risk_limits, and emits run.started, run.step, run.error, signal and run.finished.';

REVOKE EXECUTE ON FUNCTION tradecore.run_strategies(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.run_strategies(timestamptz) TO tradecore_admin, tradecore_operator;
