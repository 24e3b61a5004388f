-- Literal values and edge cases of the indicators (exact output).
SET extra_float_digits = 0;   -- 15 significant digits: stable across platforms
SELECT tradecore.sma('{1,2,3,4,5,6,7,8,9,10}', 3) AS sma3;
-- EMA seeded with the SMA of the first 3 values (2), then alpha = 0.5
SELECT tradecore.ema('{1,2,3,4,5,6,7,8,9,10}', 3) AS ema3;
-- WMA weights 1,2,3: (1*1+2*2+3*3)/6 = 2.333...
SELECT tradecore.wma('{1,2,3,4,5}', 3) AS wma3;
-- Wilder's RSI: only gains -> 100, only losses -> 0, flat -> 50
SELECT tradecore.rsi('{1,2,3,4,5}', 2) AS rsi_up, tradecore.rsi('{5,4,3,2,1}', 2) AS rsi_down,
       tradecore.rsi('{3,3,3,3}', 2) AS rsi_flat;
-- (rounded to 10 decimals: the last of 15 digits may differ by one ulp between compilers)
SELECT array_agg(round(v::numeric, 10) ORDER BY i) AS rsi14
  FROM unnest(tradecore.rsi('{44.34,44.09,44.15,43.61,44.33,44.83,45.10,45.42,45.84,46.08,45.89,46.03,45.61,46.28,46.28,46.00,46.03,46.41,46.22,45.64}'))
       WITH ORDINALITY AS u(v, i);
SELECT tradecore.rolling_stddev('{2,4,4,4,5,5,7,9}', 8) AS stddev8,
       tradecore.zscore('{1,1,1,2}', 3) AS zscore3;
SELECT * FROM tradecore.bollinger('{1,2,3,4,5}', 3, 2);
SELECT * FROM tradecore.macd('{1,2,3,4,5,6,7,8}', 2, 3, 2);
SELECT tradecore.atr('{10,11,12,11}', '{8,9,10,9}', '{9,10,11,10}', 2) AS atr2;
SELECT tradecore.obv('{10,11,11,10,12}', '{100,200,300,400,500}') AS obv;
SELECT tradecore.vwap('{10,20,30}', '{0,1,3}') AS vwap_cum, tradecore.vwap('{10,20,30,40}', '{1,1,0,0}', 2) AS vwap2;
-- shapes: empty, shorter than the period, period 1, lower bound kept, numeric[] and int[] accepted
SELECT tradecore.sma('{}', 3) AS empty, tradecore.sma('{1,2}', 3) AS too_short,
       tradecore.sma('{1,2}', 1) AS period1, tradecore.sma('[0:3]={1,2,3,4}', 2) AS lbound0;
SELECT tradecore.sma(ARRAY[1.5, 2.5, 3.5]::numeric[], 2) AS from_numeric, tradecore.sma(ARRAY[1, 2, 3], 2) AS from_int;
-- gaps: NULL, NaN and infinities split the series; recursive indicators warm up again
SELECT tradecore.sma('{1,2,NULL,4,5,6}', 2) AS sma_gap, tradecore.ema('{1,2,3,NaN,5,6,7}', 2) AS ema_gap,
       tradecore.rsi('{1,2,Infinity,4,5,6}', 1) AS rsi_gap;
SELECT tradecore.sma('{NULL,NULL}', 1) AS all_null, tradecore.obv('{1,2,3}', '{1,NULL,1}') AS obv_gap;
-- NULL arguments give NULL (the functions are STRICT)
SELECT tradecore.sma(NULL, 3) IS NULL AS null_series, tradecore.sma('{1,2}', NULL) IS NULL AS null_period;
-- aggregate forms: running values over ordered rows, the same as the array functions
SELECT i, x, tradecore.ema_agg(x, 3) OVER (ORDER BY i) AS ema3, tradecore.rsi_agg(x, 2) OVER (ORDER BY i) AS rsi2
  FROM unnest('{1,2,3,NULL,2,1,5}'::float8[]) WITH ORDINALITY AS u(x, i) ORDER BY i;
SELECT tradecore.ema_agg(x, 3) AS last_ema FROM unnest('{1,2,3,4,5}'::float8[]) x;
-- bad input raises a clear error with a SQLSTATE
\set VERBOSITY terse
SELECT tradecore.sma('{1,2,3}', 0);
SELECT tradecore.ema('{1,2,3}', -5);
SELECT tradecore.sma('{{1,2},{3,4}}', 1);
SELECT tradecore.atr('{1,2}', '{1}', '{1,2}', 1);
SELECT tradecore.macd('{1,2,3}', 26, 12, 9);
SELECT tradecore.bollinger('{1,2,3}', 2, 'NaN');
\set VERBOSITY default
