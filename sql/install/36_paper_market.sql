-- 36_paper_market.sql: the simulated market that drives the paper exchange.

CREATE FUNCTION tradecore.gbm_path(s0 float8, drift float8, volatility float8, steps integer,
                                   seed bigint, dt float8 DEFAULT 1.0 / 525600,
                                   OUT step integer, OUT price float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_gbm_path'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.gbm_path(float8, float8, float8, integer, bigint, float8) IS
    'Seeded geometric Brownian motion: steps + 1 prices from s0 with annualised drift and volatility, dt in years (default one minute). The same seed gives the same path.';

CREATE FUNCTION tradecore.paper_market_run(symbol text, steps integer DEFAULT 60,
    seed bigint DEFAULT NULL, volatility float8 DEFAULT 0.6, drift float8 DEFAULT 0,
    spread_bps numeric DEFAULT 10, quote_qty numeric DEFAULT 1, source text DEFAULT 'gbm',
    s0 numeric DEFAULT NULL,
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
    -- the simulated liquidity provider: one wallet, its quotes replaced every step
    INSERT INTO tradecore.wallets (name, kind) VALUES ('paper market maker', 'external') ON CONFLICT (name) DO NOTHING;
    SELECT id INTO v_mm FROM tradecore.wallets WHERE name = 'paper market maker';
    v_s0 := coalesce(paper_market_run.s0,
                     (SELECT t.last FROM tradecore.market_ticks t WHERE t.instrument_id = v_inst.id ORDER BY t.ts DESC LIMIT 1),
                     100);
    FOR p IN
        SELECT g.step AS n, g.price::numeric AS px FROM tradecore.gbm_path(v_s0::float8, paper_market_run.drift,
                                   paper_market_run.volatility, paper_market_run.steps, v_seed) g
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
        SELECT count(*) INTO v_before FROM tradecore.fills f WHERE f.instrument_id = v_inst.id;
        v_bid_id := tradecore.place_order(v_mm, paper_market_run.symbol, 'buy', paper_market_run.quote_qty, bid);
        v_ask_id := tradecore.place_order(v_mm, paper_market_run.symbol, 'sell', paper_market_run.quote_qty, ask);
        SELECT count(*) - v_before INTO fills FROM tradecore.fills f WHERE f.instrument_id = v_inst.id;
        INSERT INTO tradecore.market_ticks (instrument_id, exchange_id, ts, bid, ask, last, volume)
        VALUES (v_inst.id, v_ex.id, clock_timestamp(), bid, ask, mid, NULL);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric) IS
    'Drives the paper market for steps steps: a seeded GBM path (or the instrument''s stored candles, source => candles) moves a market maker''s two-sided quotes (spread_bps wide, quote_qty each), which fill resting orders they cross, and writes a tick per step. The same seed gives the same prices and, for the same orders, the same fills.';
REVOKE ALL ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.paper_market_run(text, integer, bigint, float8, float8, numeric, numeric, text, numeric)
    TO tradecore_admin, tradecore_operator;
