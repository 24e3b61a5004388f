-- The five strategies on small deterministic windows (exact output).
SET extra_float_digits = 0;
CREATE TEMP TABLE w AS
SELECT array_agg(100 * exp(0.01 * i + 0.002 * sin(i)) ORDER BY i) AS up,
       array_agg(100 * exp(-0.01 * i + 0.002 * sin(i)) ORDER BY i) AS down,
       array_agg(100 + sin(i) ORDER BY i) AS wavy,
       array_agg(1000 + 10 * i ORDER BY i)::float8[] AS rising_vol,
       array_agg(2000 - 10 * i ORDER BY i)::float8[] AS falling_vol
  FROM generate_series(1, 100) i;

-- momentum: uptrend with rising volume is a buy, without volume it is unconfirmed
SELECT direction, round(strength::numeric, 6) AS strength, round(confidence::numeric, 6) AS confidence,
       reason->>'status' AS status FROM w, tradecore.momentum(up, rising_vol);
SELECT direction, reason->>'status' AS status FROM w, tradecore.momentum(up, falling_vol);
SELECT direction, reason->>'status' AS status FROM w, tradecore.momentum(down, rising_vol);
SELECT direction, reason->>'status' AS status, reason->>'needed' AS needed
  FROM w, tradecore.momentum(up[1:20], rising_vol[1:20]);

-- mean reversion: a drop below the lower band with RSI oversold is a buy
SELECT direction, round(strength::numeric, 6) AS strength, round(confidence::numeric, 6) AS confidence,
       reason->>'status' AS status, round((reason->>'rsi')::numeric, 4) AS rsi
  FROM w, tradecore.mean_reversion(wavy[1:60] || ARRAY[97, 96, 95, 94]::float8[]);
SELECT direction, reason->>'status' AS status
  FROM w, tradecore.mean_reversion(wavy[1:60] || ARRAY[103, 104, 105, 106]::float8[]);
SELECT direction, reason->>'status' AS status FROM w, tradecore.mean_reversion(wavy);

-- arbitrage: venue 3 has the cheapest ask, venue 2 the best bid
SELECT v AS venue, s.direction, round(s.strength::numeric, 6) AS strength, s.confidence,
       s.reason->>'status' AS status, round((s.reason->>'net_edge_bps')::numeric, 4) AS edge_bps
  FROM generate_series(1, 3) v,
       tradecore.arbitrage('{100,101,99.5}', '{100.1,101.2,99.6}', '{10,10,10}', '{5,5,5}', v) s;
-- fees eat the edge; a NULL quote leaves its venue out
SELECT direction, reason->>'status' AS status, reason->>'venues_quoting' AS venues
  FROM tradecore.arbitrage('{100,101,99.5}', '{100.1,101.2,99.6}', '{80,80,80}', '{5,5,5}', 3);
SELECT direction, reason->>'status' AS status, reason->>'venues_quoting' AS venues
  FROM tradecore.arbitrage('{100,NULL}', '{100.1,101}', '{1,1}', '{0,0}', 1);

-- pairs: a cointegrated pair whose spread is rich (sell a), and a random-walk pair
CREATE TEMP TABLE p AS
SELECT array_agg(exp(0.5 * ln(s) + 0.004 * sin(i * 1.7) + CASE WHEN i = 200 THEN 0.02 ELSE 0 END) ORDER BY i) AS a,
       array_agg(s ORDER BY i) AS b,
       array_agg(rw ORDER BY i) AS walk
  FROM (SELECT i, 20 + 0.05 * i + sin(i / 5.0) AS s,
               100 + sum(sin(i * i * 12.9898)) OVER (ORDER BY i) AS rw
          FROM generate_series(1, 200) i) q;
SELECT direction, round(strength::numeric, 6) AS strength, round(confidence::numeric, 6) AS confidence,
       reason->>'status' AS status, round((reason->>'hedge_ratio')::numeric, 6) AS hedge_ratio,
       round((reason->>'spread_z')::numeric, 4) AS z, round((reason->>'adf_t')::numeric, 4) AS adf_t
  FROM p, tradecore.pairs(a, b);
SELECT direction, reason->>'status' AS status, round((reason->>'adf_t')::numeric, 4) AS adf_t
  FROM p, tradecore.pairs(walk, b);

-- market making: flat inventory quotes symmetrically, long inventory leans to sell
SELECT direction, strength, round(confidence::numeric, 6) AS confidence, reason->>'status' AS status,
       round((reason->>'bid')::numeric, 6) AS bid, round((reason->>'ask')::numeric, 6) AS ask
  FROM w, tradecore.market_making(wavy, 0);
SELECT direction, strength, reason->>'status' AS status,
       round((reason->>'reservation')::numeric, 6) AS reservation
  FROM w, tradecore.market_making(wavy, 0.8, '{"max_inventory": 1}');
SELECT direction, strength, reason->>'status' AS status
  FROM w, tradecore.market_making(wavy, -3, '{"max_inventory": 2}');

-- windows with gaps use their newest complete run
SELECT reason->>'status' AS status, reason->>'bars_used' AS bars_used
  FROM w, tradecore.mean_reversion(wavy[1:50] || '{NULL}'::float8[] || wavy[51:100]);
-- bad parameters and mismatched windows
\set VERBOSITY terse
SELECT tradecore.momentum('{1,2}', '{1,2}', '{"fast": 30, "slow": 10}');
SELECT tradecore.mean_reversion('{1,2}', '{"k": "wide"}');
SELECT tradecore.pairs('{1,2}', '{1,2,3}');
SELECT tradecore.market_making('{1,2}', 'Infinity');
\set VERBOSITY default
