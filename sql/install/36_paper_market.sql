-- 36_paper_market.sql: the simulated market that drives the paper exchange.

CREATE FUNCTION tradecore.gbm_path(s0 float8, drift float8, volatility float8, steps integer,
                                   seed bigint, dt float8 DEFAULT 1.0 / 525600,
                                   OUT step integer, OUT price float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_gbm_path'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.gbm_path(float8, float8, float8, integer, bigint, float8) IS
    'Seeded geometric Brownian motion: steps + 1 prices from s0 with annualised drift and volatility, dt in years (default one minute). The same seed gives the same path.';

-- Writes one bar of the paper market into candles (an upsert: a later run adding steps to
-- the same bar widens it) and emits one 'candle' event for it.
CREATE FUNCTION tradecore.paper_market_flush_bar(p_inst tradecore.instruments, p_iv interval, p_ts timestamptz,
                                                 p_open numeric, p_high numeric, p_low numeric, p_close numeric,
                                                 p_volume numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c tradecore.candles;
BEGIN
    INSERT INTO tradecore.candles AS k (instrument_id, exchange_id, "interval", ts, open, high, low, close, volume)
    VALUES (p_inst.id, p_inst.exchange_id, p_iv, p_ts, p_open, p_high, p_low, p_close, p_volume)
    ON CONFLICT (instrument_id, "interval", ts) DO UPDATE
        SET high = greatest(k.high, EXCLUDED.high), low = least(k.low, EXCLUDED.low),
            close = EXCLUDED.close, volume = k.volume + EXCLUDED.volume
    RETURNING k.* INTO c;
    PERFORM tradecore.emit('candle', jsonb_build_object(
        'instrument_id', p_inst.id, 'symbol', p_inst.symbol, 'interval', p_iv, 'ts', c.ts,
        'open', c.open::text, 'high', c.high::text, 'low', c.low::text, 'close', c.close::text,
        'volume', c.volume::text));
END
$$;
COMMENT ON FUNCTION tradecore.paper_market_flush_bar(tradecore.instruments, interval, timestamptz, numeric, numeric, numeric, numeric, numeric) IS
    'Internal to paper_market_run: upserts one bar of the simulated market into candles and emits its candle event.';
REVOKE ALL ON FUNCTION tradecore.paper_market_flush_bar(tradecore.instruments, interval, timestamptz, numeric, numeric, numeric, numeric, numeric) FROM PUBLIC;

CREATE FUNCTION tradecore.paper_market_run(symbol text, steps integer DEFAULT 60,
    seed bigint DEFAULT NULL, volatility float8 DEFAULT 0.6, drift float8 DEFAULT 0,
    spread_bps numeric DEFAULT 10, quote_qty numeric DEFAULT 1, source text DEFAULT 'gbm',
    s0 numeric DEFAULT NULL, step_interval interval DEFAULT NULL, end_ts timestamptz DEFAULT NULL,
    OUT step integer, OUT mid numeric, OUT bid numeric, OUT ask numeric, OUT fills integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ex     tradecore.exchanges;
    v_inst   tradecore.instruments;
    v_mm     bigint;
    v_seed   bigint := coalesce(paper_market_run.seed, current_setting('tradecore.paper_seed')::bigint);
    v_s0     numeric;
    v_bid_id bigint;
    v_ask_id bigint;
    v_before bigint;
    v_iv     constant interval := interval '1 minute';   -- bar length of the candles written
    v_secs   float8 := extract(epoch FROM paper_market_run.step_interval);
    -- one step in years: the step interval when given, else one minute (gbm_path's default)
    v_dt     float8;
    v_end    timestamptz := coalesce(paper_market_run.end_ts, now());
    v_ts     timestamptz;
    v_prev   float8;
    v_vol    numeric;
    -- the bar being built: steps are in time order, so a bar is complete when the next
    -- step falls into another one
    b_ts     timestamptz;
    b_open   numeric; b_high numeric; b_low numeric; b_close numeric; b_vol numeric;
    p        record;
BEGIN
    IF NOT tradecore.is_staff(tradecore.calling_role()) THEN
        RAISE EXCEPTION 'only staff roles drive the simulated market' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO v_ex FROM tradecore.exchanges WHERE code = 'paper';
    SELECT * INTO v_inst FROM tradecore.instruments i WHERE i.exchange_id = v_ex.id AND i.symbol = paper_market_run.symbol;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no paper instrument "%"', paper_market_run.symbol USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF paper_market_run.source NOT IN ('gbm', 'candles') THEN
        RAISE EXCEPTION 'source must be gbm or candles' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF paper_market_run.step_interval IS NOT NULL AND NOT (v_secs > 0 AND v_secs <= 86400) THEN
        RAISE EXCEPTION 'step_interval must be positive and at most one day, got %', paper_market_run.step_interval
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT isfinite(v_end) THEN
        RAISE EXCEPTION 'end_ts must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_dt := coalesce(v_secs / (365.0 * 86400), 1.0 / 525600);
    -- the simulated liquidity provider: one wallet, its quotes replaced every step
    INSERT INTO tradecore.wallets (name, kind) VALUES ('paper market maker', 'external') ON CONFLICT (name) DO NOTHING;
    SELECT id INTO v_mm FROM tradecore.wallets WHERE name = 'paper market maker';
    v_s0 := coalesce(paper_market_run.s0,
                     (SELECT t.last FROM tradecore.market_ticks t WHERE t.instrument_id = v_inst.id ORDER BY t.ts DESC LIMIT 1),
                     100);
    FOR p IN
        SELECT g.step AS n, g.price::numeric AS px FROM tradecore.gbm_path(v_s0::float8, paper_market_run.drift,
                                   paper_market_run.volatility, paper_market_run.steps, v_seed, v_dt) g
         WHERE paper_market_run.source = 'gbm'
        UNION ALL
        SELECT (row_number() OVER (ORDER BY c.ts))::int - 1, c.close
          FROM (SELECT c.ts, c.close FROM tradecore.candles c
                 WHERE c.instrument_id = v_inst.id ORDER BY c.ts LIMIT paper_market_run.steps + 1) c
         WHERE paper_market_run.source = 'candles'
         ORDER BY 1
    LOOP
        PERFORM tradecore.cancel_order(o.id) FROM tradecore.orders o
          WHERE o.wallet_id = v_mm AND o.instrument_id = v_inst.id AND o.status IN ('open', 'partially_filled');
        step := p.n;
        mid := round(p.px / v_inst.tick_size) * v_inst.tick_size;
        bid := greatest(v_inst.tick_size, floor(mid * (1 - paper_market_run.spread_bps / 20000) / v_inst.tick_size) * v_inst.tick_size);
        ask := ceil(mid * (1 + paper_market_run.spread_bps / 20000) / v_inst.tick_size) * v_inst.tick_size;
        IF ask <= bid THEN ask := bid + v_inst.tick_size; END IF;
        -- fills are found by id (the primary key), not by counting the instrument's history
        SELECT coalesce(max(f.id), 0) INTO v_before FROM tradecore.fills f;
        v_bid_id := tradecore.place_order(v_mm, paper_market_run.symbol, 'buy', paper_market_run.quote_qty, bid);
        v_ask_id := tradecore.place_order(v_mm, paper_market_run.symbol, 'sell', paper_market_run.quote_qty, ask);
        -- Volume of the step: what the quotes traded (taker rows, so each trade counts once)
        -- plus the simulated market's other participants, who trade quote_qty times the
        -- step's shock in standard deviations |ln(S_t/S_t-1)| / (sigma sqrt(dt)): busy
        -- when the price moves, quiet when it does not.
        SELECT count(*)::integer, coalesce(sum(f.qty) FILTER (WHERE f.liquidity = 'taker'), 0)
          INTO fills, v_vol
          FROM tradecore.fills f WHERE f.id > v_before AND f.instrument_id = v_inst.id;
        IF v_prev IS NOT NULL AND paper_market_run.volatility > 0 THEN
            v_vol := v_vol + round((paper_market_run.quote_qty::float8 * abs(ln(p.px::float8 / v_prev))
                                    / (paper_market_run.volatility * sqrt(v_dt)))::numeric
                                   / v_inst.lot_size) * v_inst.lot_size;
        END IF;
        v_prev := p.px::float8;
        v_ts := CASE WHEN paper_market_run.step_interval IS NULL THEN clock_timestamp()
                     ELSE v_end - (paper_market_run.steps - p.n) * paper_market_run.step_interval END;
        INSERT INTO tradecore.market_ticks (instrument_id, exchange_id, ts, bid, ask, last, volume)
        VALUES (v_inst.id, v_ex.id, v_ts, bid, ask, mid, NULL);
        PERFORM tradecore.emit('tick', jsonb_build_object(
            'instrument_id', v_inst.id, 'symbol', v_inst.symbol, 'ts', v_ts,
            'bid', bid::text, 'ask', ask::text, 'last', mid::text));
        IF b_ts IS DISTINCT FROM date_bin(v_iv, v_ts, timestamptz '2000-01-01 00:00+00') THEN
            IF b_ts IS NOT NULL THEN
                PERFORM tradecore.paper_market_flush_bar(v_inst, v_iv, b_ts, b_open, b_high, b_low, b_close, b_vol);
            END IF;
            b_ts := date_bin(v_iv, v_ts, timestamptz '2000-01-01 00:00+00');
            b_open := mid; b_high := mid; b_low := mid; b_vol := 0;
        END IF;
        b_high := greatest(b_high, mid); b_low := least(b_low, mid); b_close := mid;
        b_vol := b_vol + v_vol;
        RETURN NEXT;
    END LOOP;
    IF b_ts IS NOT NULL THEN
        PERFORM tradecore.paper_market_flush_bar(v_inst, v_iv, b_ts, b_open, b_high, b_low, b_close, b_vol);
    END IF;
END
$$;
COMMENT ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric, interval, timestamptz) IS
    'Drives the paper market for steps steps: a seeded GBM path (or the instrument''s stored candles, source => candles) moves a market maker''s two-sided quotes (spread_bps wide, quote_qty each), which fill resting orders they cross; writes a tick per step (and a tick event) and upserts the 1-minute candles the steps fall in (one candle event per bar). With step_interval the steps are simulated time apart, ending at end_ts (default now()), and the path''s dt is the step interval; without it every step is stamped with the clock. The same seed gives the same prices and, for the same orders, the same fills.';
REVOKE ALL ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric, interval, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric, interval, timestamptz)
    TO tradecore_admin, tradecore_operator;
