-- run_strategies on a small market made in the test: signals, decisions, vote, veto, caps, events.
BEGIN;
SELECT plan(36);
SET LOCAL search_path = tradecore, public;
-- only this test's strategies run (anything already configured is switched off until ROLLBACK)
UPDATE trading_strategies SET active = false;

-- two venues quoting TCXA/USD and TCXB/USD; venue tstb quotes 1% higher (an arbitrage)
INSERT INTO exchanges (code, name, kind, taker_fee_bps, withdrawal_fee_bps) VALUES ('tstb', 'Test B', 'paper', 10, 5);
INSERT INTO instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, lot_size)
SELECT e.id, s || '/USD', s || 'USD', s, 'USD', 0.001
  FROM exchanges e, unnest(ARRAY['TCXA', 'TCXB']) s WHERE e.code IN ('paper', 'tstb');
CREATE TEMP TABLE ids AS
SELECT i.id, i.symbol, e.code AS venue, row_number() OVER (ORDER BY i.id) AS k
  FROM instruments i JOIN exchanges e ON e.id = i.exchange_id
 WHERE e.code IN ('paper', 'tstb') AND i.symbol IN ('TCXA/USD', 'TCXB/USD');
-- 300 one-minute bars ending 05:00; one more bar at 05:00 that is still open at 05:00:30
INSERT INTO candles (instrument_id, exchange_id, "interval", ts, open, high, low, close, volume)
SELECT i.id, i.exchange_id, '1 minute', '2026-01-01 00:00'::timestamptz + m * interval '1 minute',
       round(p::numeric, 6), round(p::numeric * 1.001, 6), round(p::numeric * 0.999, 6), round(p::numeric, 6), 100 + m
  FROM instruments i JOIN ids USING (id), generate_series(0, 300) m,
       LATERAL (SELECT (100 + 10 * ids.k) * exp(0.001 * m * (ids.k % 3 - 1) + 0.01 * sin(m * 0.3 + ids.k))
                       * CASE WHEN m = 300 THEN 10 ELSE 1 END AS p) q;
INSERT INTO market_ticks (instrument_id, exchange_id, ts, bid, ask, last)
SELECT i.id, i.exchange_id, '2026-01-01 05:00:10', b, b * 1.0005, b
  FROM instruments i JOIN ids USING (id),
       LATERAL (SELECT (100 + 10 * ids.k) * CASE ids.venue WHEN 'tstb' THEN 1.01 ELSE 1 END AS b) q;
INSERT INTO trading_strategies (name, kind, params, instrument_ids)
SELECT 'test_' || k, k, '{"window": 250}', (SELECT array_agg(id ORDER BY symbol, venue) FROM ids)
  FROM unnest(ARRAY['momentum', 'mean_reversion', 'arbitrage', 'pairs', 'market_making']) k;
INSERT INTO trading_strategies (name, kind, active, instrument_ids)
VALUES ('test_inactive', 'momentum', false, (SELECT array_agg(id) FROM ids));

CREATE TEMP TABLE r1 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT strategies FROM r1), 5, 'the five active strategies ran (the inactive one did not)');
SELECT is((SELECT signals FROM r1), 20, 'one signal per strategy and instrument (5 x 4)');
SELECT is((SELECT evaluations FROM r1), 18, 'evaluations count a pair once: 4 + 4 + 4 + 2 + 4');
SELECT is((SELECT errors FROM r1), 0, 'no errors');
SELECT is((SELECT count(*) FROM trading_signals WHERE run_id = (SELECT run_id FROM r1)), 20::bigint,
          'trading_signals holds the run''s 20 signals');
SELECT is((SELECT count(DISTINCT (strategy_id, instrument_id)) FROM trading_signals WHERE run_id = (SELECT run_id FROM r1)),
          20::bigint, 'no duplicate (strategy, instrument)');
SELECT is((SELECT max((reason->>'last_bar')::timestamptz) FROM trading_signals
            WHERE run_id = (SELECT run_id FROM r1) AND reason ? 'last_bar'),
          '2026-01-01 04:59:00+00'::timestamptz, 'only closed bars are used: the bar opened at 05:00 is not');
SELECT is((SELECT max((reason->>'bars')::int) FROM trading_signals
            WHERE run_id = (SELECT run_id FROM r1) AND reason ? 'last_bar'), 250, 'the window is 250 bars');
SELECT is((SELECT count(*) FROM trading_signals t JOIN ids ON ids.id = t.instrument_id
            WHERE run_id = (SELECT run_id FROM r1) AND t.reason->>'strategy' = 'arbitrage'
              AND t.direction = CASE ids.venue WHEN 'paper' THEN 1 ELSE -1 END), 4::bigint,
          'arbitrage buys on the cheap venue and sells on the dear one');
SELECT is((SELECT array_agg(direction ORDER BY reason->>'leg') FROM trading_signals
            WHERE run_id = (SELECT run_id FROM r1) AND reason->>'strategy' = 'pairs' AND reason->>'other_instrument_id' IS NOT NULL
            GROUP BY least(instrument_id, (reason->>'other_instrument_id')::bigint) LIMIT 1)
          IN (ARRAY[0, 0]::smallint[], ARRAY[1, -1]::smallint[], ARRAY[-1, 1]::smallint[]), true,
          'the two legs of a pair get opposite directions');

-- decisions: one per instrument, the documented vote
SELECT is((SELECT decisions FROM r1), 4, 'one decision per instrument');
SELECT is((SELECT count(*) FROM signal_decisions d
             JOIN (SELECT instrument_id,
                          coalesce(sum(direction * strength * confidence) / nullif(sum(confidence), 0), 0) AS score
                     FROM trading_signals WHERE run_id = (SELECT run_id FROM r1) GROUP BY 1) v USING (instrument_id)
            WHERE d.run_id = (SELECT run_id FROM r1) AND abs(d.score - v.score) < 1e-12
              AND d.direction = CASE WHEN abs(v.score) >= 0.2 THEN sign(v.score) ELSE 0 END), 4::bigint,
          'decision = sign of the confidence-weighted vote when |score| >= 0.2');
SELECT cmp_ok((SELECT actionable FROM r1), '>', 0, 'some decisions are actionable');
SELECT is((SELECT count(*) FROM signal_decisions WHERE run_id = (SELECT run_id FROM r1) AND direction <> 0
              AND size > 0 AND size = floor(size / 0.001) * 0.001), (SELECT actionable FROM r1)::bigint,
          'actionable decisions have a positive size in whole lots');
SELECT is((SELECT count(*) FROM signal_decisions d
            WHERE run_id = (SELECT run_id FROM r1) AND direction <> 0
              AND abs(d.size - abs(d.score) * 100 / ((d.reason->>'sigma')::float8 * (d.reason->>'price')::float8)::numeric) > 0.001),
          0::bigint, 'size = |score| x risk_budget (100) / (sigma x price), rounded down to the lot');

-- events
SELECT is((SELECT array_agg(type ORDER BY id) FILTER (WHERE type LIKE 'run.%') FROM events
            WHERE (payload->>'run_id')::bigint = (SELECT run_id FROM r1)),
          ARRAY['run.started', 'run.step', 'run.step', 'run.step', 'run.step', 'run.step', 'run.finished'],
          'run.started, one run.step per strategy, run.finished');
SELECT is((SELECT count(*) FROM events WHERE type = 'signal' AND (payload->>'run_id')::bigint = (SELECT run_id FROM r1)),
          (SELECT actionable FROM r1)::bigint, 'one signal event per actionable decision');

-- risk caps and veto
INSERT INTO risk_limits (scope, kind, limit_value) VALUES ('global', 'max_position_qty', 0.5);
CREATE TEMP TABLE r2 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT count(*) FROM signal_decisions WHERE run_id = (SELECT run_id FROM r2) AND size > 0.5), 0::bigint,
          'max_position_qty caps every size');
SELECT is((SELECT count(*) FROM trading_signals WHERE run_id = (SELECT run_id FROM r2) AND size > 0.5), 0::bigint,
          'and every signal''s size');
UPDATE risk_limits SET limit_value = 0 WHERE kind = 'max_position_qty';
CREATE TEMP TABLE r3 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT count(*) FROM signal_decisions WHERE run_id = (SELECT run_id FROM r3) AND direction <> 0), 0::bigint,
          'a position limit of 0 vetoes every trade');
DELETE FROM risk_limits WHERE kind = 'max_position_qty';
INSERT INTO circuit_breakers (scope, kind, threshold, state) VALUES ('global', 'daily_loss', 1, 'open');
CREATE TEMP TABLE r4 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT array_agg(DISTINCT veto) FROM signal_decisions WHERE run_id = (SELECT run_id FROM r4) AND veto IS NOT NULL),
          ARRAY['circuit_breaker'], 'an open global circuit breaker vetoes with reason circuit_breaker');
SELECT is((SELECT vetoed FROM r4), (SELECT actionable FROM r1), 'every trade the first run wanted is vetoed');
DELETE FROM circuit_breakers;

-- a strategy with bad parameters is reported and left out; the others still run
UPDATE trading_strategies SET params = '{"fast": 50, "slow": 10}' WHERE name = 'test_momentum';
CREATE TEMP TABLE r5 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT (errors, signals) FROM r5), (1, 16), 'bad parameters: one run.error, the other four strategies run');
SELECT is((SELECT payload->>'sqlstate' FROM events WHERE type = 'run.error' AND (payload->>'run_id')::bigint = (SELECT run_id FROM r5)),
          '22023', 'run.error carries the SQLSTATE');

-- run_strategies_core refuses arrays that do not line up (it is meant to be called by run_strategies)
SELECT throws_ok($$SELECT * FROM run_strategies_core(0, '2026-01-01', '{1,2}', '{a}', '{momentum,pairs}', '{NULL,NULL}',
                   '{NULL,NULL}', '{"{}","{}"}', '{1 minute,1 minute}', '{10,10}', '{1,1}', '{}', '{0,0}')$$,
                 '2202E', NULL, 'run_strategies_core: one element per strategy in every array');
SELECT throws_ok($$SELECT * FROM run_strategies_core(0, '2026-01-01', '{1}', '{a}', '{momentum}', '{NULL}',
                   '{NULL}', '{"{}"}', '{1 minute}', '{10}', '{1}', '{5}', '{2}')$$,
                 '2202E', NULL, 'run_strategies_core: instrument_ends within instrument_ids');

-- privileges: the operator runs strategies, the viewer only reads the results
UPDATE trading_strategies SET params = '{"window": 250}' WHERE name = 'test_momentum';
SELECT ok(NOT has_function_privilege('tradecore_viewer', 'tradecore.run_strategies(timestamptz)', 'EXECUTE')
          AND NOT has_function_privilege('tradecore_agent', 'tradecore.run_strategies(timestamptz)', 'EXECUTE'),
          'viewers and agents cannot run strategies');
SET LOCAL ROLE tradecore_operator;
CREATE TEMP TABLE r_op AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
RESET ROLE;
SELECT is((SELECT (errors, signals) FROM r_op), (0, 20), 'tradecore_operator runs strategies');
SELECT ok(has_table_privilege('tradecore_viewer', 'tradecore.signal_decisions', 'SELECT'), 'the viewer reads decisions');

-- an instrument whose window holds a single bar has no volatility: its signal is written and
-- the run goes on (sizing used to ask realized_volatility for a period of 0 and fail the run)
INSERT INTO instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, lot_size)
SELECT id, 'TCXC/USD', 'TCXCUSD', 'TCXC', 'USD', 0.001 FROM exchanges WHERE code = 'paper';
INSERT INTO candles (instrument_id, exchange_id, "interval", ts, open, high, low, close, volume)
SELECT id, exchange_id, '1 minute', '2026-01-01 04:59', 100, 100, 100, 100, 10 FROM instruments WHERE symbol = 'TCXC/USD';
UPDATE trading_strategies SET instrument_ids = instrument_ids || (SELECT id FROM instruments WHERE symbol = 'TCXC/USD')
 WHERE name = 'test_mean_reversion';
CREATE TEMP TABLE r6 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT (errors, signals, decisions) FROM r6), (0, 21, 5), 'a single-bar window: no error, its signal and decision are written');
SELECT is((SELECT (d.direction, t.reason->>'status', (t.reason->>'bars')::int)
             FROM signal_decisions d JOIN trading_signals t USING (run_id, instrument_id)
            WHERE d.run_id = (SELECT run_id FROM r6) AND d.instrument_id = (SELECT id FROM instruments WHERE symbol = 'TCXC/USD')),
          (0::smallint, 'insufficient_data'::text, 1), 'it is flat: insufficient data, one bar');

-- a disabled venue quotes nothing: arbitrage on its own instruments is flat, the run goes on
-- (the instrument's own venue used to be missing from the quotes, the strategy got a NULL
-- venue and the run failed on a NULL direction)
UPDATE exchanges SET enabled = false WHERE code = 'tstb';
CREATE TEMP TABLE r7 AS SELECT * FROM run_strategies('2026-01-01 05:00:30');
SELECT is((SELECT (r7.errors, count(*) FILTER (WHERE t.direction <> 0))
             FROM r7 JOIN trading_signals t ON t.run_id = r7.run_id AND t.reason->>'strategy' = 'arbitrage'
            GROUP BY r7.errors),
          (0, 0::bigint), 'a disabled venue: no error, no arbitrage trade');
UPDATE exchanges SET enabled = true WHERE code = 'tstb';

-- candle_windows decodes numeric closes exactly as PostgreSQL's numeric -> float8 cast
CREATE TEMP TABLE tricky AS
SELECT row_number() OVER () AS k, v
  FROM unnest(ARRAY[12345.678901, 0.000123456789, 98765432.1, 1e-20, 123456789012.34567, 99999999.99999999,
                    0.1, 1.5, 3e15, 7, 100.000001, 0.00000001, 1234.5678, 9007199254740993, 1e22, 1e30]::numeric[]) AS v;
INSERT INTO candles (instrument_id, exchange_id, "interval", ts, open, high, low, close, volume)
SELECT (SELECT min(id) FROM ids), (SELECT exchange_id FROM instruments WHERE id = (SELECT min(id) FROM ids)),
       '1 hour', '2026-02-01'::timestamptz + k * interval '1 hour', v, v, v, v, v FROM tricky;
SELECT is((SELECT closes FROM candle_windows(ARRAY[(SELECT min(id) FROM ids)], '1 hour', 100, '2026-02-02')),
          (SELECT array_agg(v::float8 ORDER BY k) FROM tricky), 'candle closes equal the numeric -> float8 cast, bit for bit');
SELECT is((SELECT count(*) FROM candle_windows(ARRAY[(SELECT min(id) FROM ids)], '1 hour', 3, '2026-02-01 05:00')), 1::bigint,
          'candle_windows: one row per instrument with bars');
SELECT is((SELECT closes FROM candle_windows(ARRAY[-9223372036854775808, (SELECT min(id) FROM ids), 9223372036854775807],
                                             '1 hour', 100, '2026-02-02')),
          (SELECT array_agg(v::float8 ORDER BY k) FROM tricky), 'candle_windows: ids at both ends of bigint (their span overflows int64)');
-- bars at times not aligned to the interval: more bars than bar slots, all of them, in time order
INSERT INTO candles (instrument_id, exchange_id, "interval", ts, open, high, low, close, volume)
SELECT i.id, i.exchange_id, '1 day', '2026-03-01'::timestamptz + m * interval '7 hours 13 minutes', 500, 1000, 1, 1000 - m, m
  FROM instruments i JOIN ids USING (id), generate_series(0, 40) m;
SELECT is((SELECT array_agg(closes ORDER BY instrument_id) FROM candle_windows((SELECT array_agg(id) FROM ids), '1 day', 3, '2026-03-09')),
          (SELECT array_agg(c ORDER BY id) FROM (
              SELECT c.instrument_id AS id, array_agg(c.close::float8 ORDER BY c.ts) AS c FROM candles c JOIN ids ON ids.id = c.instrument_id
               WHERE c."interval" = '1 day' AND c.ts > '2026-03-05' AND c.ts <= '2026-03-08' GROUP BY 1) q),
          'candle_windows: bars off the interval grid (more than one per slot) all come, oldest first');

SELECT * FROM finish();
ROLLBACK;
