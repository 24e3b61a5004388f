-- 20_indicators.sql: technical indicators in C over float8[] (src/indicators*.c).
--
-- Each returns an array of the input's length and lower bound.  Warm-up positions and
-- undefined values are NULL.  NULL, NaN and infinite input elements are gaps: the
-- indicator runs on each maximal run of finite elements separately.  numeric[] input is
-- accepted through the implicit numeric[] -> float8[] cast.  A non-positive period,
-- a multi-dimensional array or arrays of different lengths raise SQLSTATE 22023 / 2202E.
-- Conventions (TA-Lib's): docs/signals.md.

CREATE FUNCTION tradecore.sma(series float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_sma' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.sma(float8[], integer) IS
    'Simple moving average over period bars; the first period-1 positions are NULL.';

CREATE FUNCTION tradecore.ema(series float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_ema' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.ema(float8[], integer) IS
    'Exponential moving average, alpha = 2/(period+1), seeded with the SMA of the first period values (TA-Lib); first period-1 positions NULL.';

CREATE FUNCTION tradecore.wma(series float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_wma' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.wma(float8[], integer) IS
    'Linearly weighted moving average (weights 1..period, newest heaviest); first period-1 positions NULL.';

CREATE FUNCTION tradecore.rsi(series float8[], period integer DEFAULT 14) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_rsi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.rsi(float8[], integer) IS
    'Relative strength index 0..100 with Wilder smoothing; first period positions NULL; 50 on a flat market.';

CREATE FUNCTION tradecore.rolling_stddev(series float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_rolling_stddev' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.rolling_stddev(float8[], integer) IS
    'Rolling population standard deviation over period bars (TA-Lib STDDEV); first period-1 positions NULL.';

CREATE FUNCTION tradecore.zscore(series float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_zscore' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.zscore(float8[], integer) IS
    'Rolling z-score (x - mean) / population stddev over period bars; NULL in warm-up and where the window has no spread.';

CREATE FUNCTION tradecore.bollinger(series float8[], period integer DEFAULT 20, k float8 DEFAULT 2,
    OUT middle float8[], OUT upper float8[], OUT lower float8[],
    OUT percent_b float8[], OUT bandwidth float8[])
    AS 'MODULE_PATHNAME', 'tc_sql_bollinger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.bollinger(float8[], integer, float8) IS
    'Bollinger Bands: SMA middle, middle +/- k population stddevs, %b = (x-lower)/(upper-lower), bandwidth = (upper-lower)/middle.';

CREATE FUNCTION tradecore.macd(series float8[], fast integer DEFAULT 12, slow integer DEFAULT 26,
    signal_period integer DEFAULT 9,
    OUT macd float8[], OUT signal float8[], OUT histogram float8[])
    AS 'MODULE_PATHNAME', 'tc_sql_macd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.macd(float8[], integer, integer, integer) IS
    'MACD line EMA(fast)-EMA(slow) from position slow-1, its signal EMA and the histogram; fast must be < slow.';

CREATE FUNCTION tradecore.atr(high float8[], low float8[], close float8[], period integer DEFAULT 14)
    RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_atr' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.atr(float8[], float8[], float8[], integer) IS
    'Average true range with Wilder smoothing (TA-Lib); first period positions NULL; arrays must have equal lengths.';

CREATE FUNCTION tradecore.obv(close float8[], volume float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_obv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.obv(float8[], float8[]) IS
    'On-balance volume starting at volume[1] (TA-Lib); arrays must have equal lengths.';

CREATE FUNCTION tradecore.vwap(price float8[], volume float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_vwap' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.vwap(float8[], float8[]) IS
    'Cumulative volume-weighted average price from the first bar (pass typical price (h+l+c)/3 for the classic VWAP); NULL while volume is 0.';

CREATE FUNCTION tradecore.vwap(price float8[], volume float8[], period integer) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'tc_sql_vwap_rolling' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.vwap(float8[], float8[], integer) IS
    'Rolling volume-weighted average price over period bars; NULL in warm-up and where the window has no volume.';

CREATE FUNCTION tradecore.realized_volatility(series float8[], period integer) RETURNS float8
    AS 'MODULE_PATHNAME', 'tc_sql_realized_volatility' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.realized_volatility(float8[], integer) IS
    'Population stddev of the last period log returns of the newest finite run of prices, per bar (not annualised); NULL when too short or a price is not positive.';

-- Aggregate forms of the recursive indicators, for bars kept as rows:
--   SELECT ts, tradecore.ema_agg(close, 20) OVER (ORDER BY ts) FROM ...
-- gives the running EMA in O(n) with the same values as tradecore.ema over the array (use
-- the default frame; moving-window indicators need no aggregate, a ROWS frame does them).
CREATE FUNCTION tradecore.ema_agg_trans(internal, float8, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'tc_ema_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.ema_agg_trans(internal, float8, integer) IS
    'Transition function of tradecore.ema_agg.';
CREATE FUNCTION tradecore.ema_agg_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'tc_ema_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.ema_agg_final(internal) IS
    'Final function of tradecore.ema_agg (reads the state only, so it works as a window function).';
CREATE AGGREGATE tradecore.ema_agg(float8, integer) (
    SFUNC = tradecore.ema_agg_trans, STYPE = internal,
    FINALFUNC = tradecore.ema_agg_final, FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE tradecore.ema_agg(float8, integer) IS
    'Running EMA (seeded with the SMA of the first period values) as an aggregate / window function over ordered rows; NULL during warm-up; NULL, NaN and infinite values are skipped.';

CREATE FUNCTION tradecore.rsi_agg_trans(internal, float8, integer) RETURNS internal
    AS 'MODULE_PATHNAME', 'tc_rsi_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.rsi_agg_trans(internal, float8, integer) IS
    'Transition function of tradecore.rsi_agg.';
CREATE FUNCTION tradecore.rsi_agg_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'tc_rsi_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.rsi_agg_final(internal) IS
    'Final function of tradecore.rsi_agg (reads the state only, so it works as a window function).';
CREATE AGGREGATE tradecore.rsi_agg(float8, integer) (
    SFUNC = tradecore.rsi_agg_trans, STYPE = internal,
    FINALFUNC = tradecore.rsi_agg_final, FINALFUNC_MODIFY = READ_ONLY, PARALLEL = SAFE);
COMMENT ON AGGREGATE tradecore.rsi_agg(float8, integer) IS
    'Running Wilder RSI as an aggregate / window function over ordered rows; NULL during warm-up; NULL, NaN and infinite values are skipped.';
