-- 21_strategies.sql: the five strategies as pure functions over candle windows
-- (src/strategies*.c).  Each returns a tradecore.strategy_signal; formulas, parameters
-- and defaults are in docs/signals.md.  Windows are oldest first; only the newest run of
-- bars without NULL/NaN/Infinity is used.  Parameters come as a jsonb object; unknown
-- keys are ignored, out-of-range values raise SQLSTATE 22023.

CREATE TYPE tradecore.strategy_signal AS (
    direction  smallint,   -- -1 sell/short, 0 flat, 1 buy/long
    strength   float8,     -- 0..1
    confidence float8,     -- 0..1
    reason     jsonb       -- {"strategy": ..., "status": ..., the numbers that decided}
);
COMMENT ON TYPE tradecore.strategy_signal IS
    'One strategy evaluation: direction -1/0/1, strength and confidence in 0..1, and a reason object.';

CREATE FUNCTION tradecore.momentum(close float8[], volume float8[], params jsonb DEFAULT '{}')
    RETURNS tradecore.strategy_signal
    AS 'MODULE_PATHNAME', 'tc_sql_momentum' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.momentum(float8[], float8[], jsonb) IS
    'Momentum: EMA(fast) vs EMA(slow) trend agreeing with the rate of change, confirmed by recent volume above its longer average. Params: fast 10, slow 30, roc_period 10, volume_period 10, volume_ratio 1.0.';

CREATE FUNCTION tradecore.mean_reversion(close float8[], params jsonb DEFAULT '{}')
    RETURNS tradecore.strategy_signal
    AS 'MODULE_PATHNAME', 'tc_sql_mean_reversion' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.mean_reversion(float8[], jsonb) IS
    'Mean reversion: buy below the lower Bollinger band with RSI oversold, sell above the upper band with RSI overbought. Params: period 20, k 2, rsi_period 14, oversold 30, overbought 70.';

CREATE FUNCTION tradecore.arbitrage(bids float8[], asks float8[], fee_bps float8[],
    transfer_bps float8[], venue integer, params jsonb DEFAULT '{}')
    RETURNS tradecore.strategy_signal
    AS 'MODULE_PATHNAME', 'tc_sql_arbitrage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.arbitrage(float8[], float8[], float8[], float8[], integer, jsonb) IS
    'Cross-exchange arbitrage over one element per venue: best (buy on i, sell on j) edge net of taker fees and the buy venue''s transfer cost, in bps; the signal is +1 for the buy venue, -1 for the sell venue (1-based venue), 0 otherwise. Params: min_edge_bps 5.';

CREATE FUNCTION tradecore.pairs(a float8[], b float8[], params jsonb DEFAULT '{}')
    RETURNS tradecore.strategy_signal
    AS 'MODULE_PATHNAME', 'tc_sql_pairs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.pairs(float8[], float8[], jsonb) IS
    'Pairs trading, signal for leg a: OLS hedge ratio of log(a) on log(b), spread z-score entry/exit, gated by an augmented Dickey-Fuller test on the spread. Params: lookback (all), entry_z 2, exit_z 0.5, adf_lags 1, adf_critical -2.86, log_prices 1.';

CREATE FUNCTION tradecore.market_making(mid float8[], inventory float8 DEFAULT 0, params jsonb DEFAULT '{}')
    RETURNS tradecore.strategy_signal
    AS 'MODULE_PATHNAME', 'tc_sql_market_making' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.market_making(float8[], float8, jsonb) IS
    'Market making: bid/ask around mid with half-spread max(base/2, vol_multiplier x sigma of log returns), skewed against inventory; direction leans to reduce inventory. Params: vol_period 30, base_spread_bps 10, vol_multiplier 2, max_inventory 1, skew 1, min_lean 0.1.';
