-- Live orders, the SQL side: place_order on a live venue validates and refuses while the
-- kill switch (tradecore.live_trading, off in the test cluster) is off; how venue answers
-- are read (parse_order_response on bodies in the venues' documented shapes); the request
-- state machine (_live_record) and fill recording (_live_apply) driven directly; local and
-- queued cancels; and who may see the queue and the secrets.
BEGIN;
SELECT plan(83);

INSERT INTO tradecore.exchanges (code, name, kind, enabled)
VALUES ('binance', 'Binance', 'live', true), ('coinbase', 'Coinbase Exchange', 'live', true), ('kraken', 'Kraken', 'live', true)
ON CONFLICT (code) DO UPDATE SET enabled = true;
INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size, active)
SELECT e.id, v.sym, v.s, 'BTC', split_part(v.sym, '/', 2), 0.01, 0.0001, true
  FROM (VALUES ('binance', 'BTCUSDT', 'BTC/USDT'), ('kraken', 'XBTUSD', 'BTC/USD'), ('coinbase', 'BTC-USD', 'BTC/USD')) v(c, s, sym)
  JOIN tradecore.exchanges e ON e.code = v.c
ON CONFLICT (exchange_id, venue_symbol) DO UPDATE SET active = true, tick_size = 0.01, lot_size = 0.0001;
INSERT INTO tradecore.wallets (name, kind) VALUES ('t307', 'master');
CREATE TEMP TABLE k AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't307') AS w,
       (SELECT id FROM tradecore.exchanges WHERE code = 'binance') AS bx,
       (SELECT i.id FROM tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id
         WHERE e.code = 'binance' AND i.venue_symbol = 'BTCUSDT') AS inst;

-- ---- place_order on a live venue ----
SELECT is(tradecore.live_trading_enabled(), false, 'the kill switch is off by default');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.5, 37000, exchange => 'binance')$$,
                 '55000', 'live trading is off: no order is sent to binance',
                 'with the switch off, place_order refuses a live order (55000)');
SELECT is((SELECT count(*) FROM tradecore.orders WHERE wallet_id = (SELECT w FROM k)), 0::bigint, '... and writes nothing');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.00005, 37000, exchange => 'binance')$$,
                 '22023', NULL, 'a quantity off the lot size is refused before anything is queued');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.5, 37000.005, exchange => 'binance')$$,
                 '22023', NULL, 'a price off the tick size is refused');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 'NaN', 37000, exchange => 'binance')$$,
                 '22003', NULL, 'a NaN quantity is refused');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.5, '-1', exchange => 'binance')$$,
                 '22003', NULL, 'a negative price is refused');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USD', 'buy', 0.5, 37000, time_in_force => 'fok', exchange => 'kraken')$$,
                 '22023', NULL, 'fill-or-kill on Kraken spot is refused (the venue has none)');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'ETH/USDT', 'buy', 0.5, 37000, exchange => 'binance')$$,
                 '22023', NULL, 'an unknown instrument is refused');

-- an order already recorded under a client order id is returned by a retry, switch or not
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 't307-a', w, inst, bx, 'buy', 'limit', 37000, 0.5, 'new' FROM k;
INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id, last_sent_at)
SELECT o.id, o.exchange_id, o.wallet_id, 'place', tradecore.venue_client_order_id(o.wallet_id, o.client_order_id), now()
  FROM tradecore.orders o WHERE o.client_order_id = 't307-a';
CREATE TEMP TABLE a AS SELECT o.id AS oid, r.id AS rid FROM tradecore.orders o
  JOIN tradecore.live_order_requests r ON r.order_id = o.id WHERE o.client_order_id = 't307-a';
SELECT is(tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.5, 37000, client_order_id => 't307-a', exchange => 'binance'),
          (SELECT oid FROM a), 'a retried place_order returns the first order, whatever the switch');
SELECT throws_ok($$SELECT tradecore.place_order((SELECT w FROM k), 'BTC/USDT', 'buy', 0.6, 37000, client_order_id => 't307-a', exchange => 'binance')$$,
                 '23505', NULL, 'reusing the client order id for a different order is refused');

-- ---- venue client ids ----
SELECT is(tradecore.venue_client_order_id(1, '6D1B345E-2821-40E2-AD83-4ECB18A06876'), '6d1b345e-2821-40e2-ad83-4ecb18a06876',
          'a UUID client order id is sent as it is (lower case)');
SELECT ok(tradecore.venue_client_order_id(1, 'strategy-7-0001') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
          AND tradecore.venue_client_order_id(1, 'strategy-7-0001') = tradecore.venue_client_order_id(1, 'strategy-7-0001')
          AND tradecore.venue_client_order_id(1, 'strategy-7-0001') <> tradecore.venue_client_order_id(2, 'strategy-7-0001'),
          'any other client order id becomes a UUID, the same every time, distinct per wallet');

-- ---- reading venue answers ----
SELECT results_eq($$SELECT outcome, venue_order_id, status, filled_qty, filled_quote FROM tradecore.parse_order_response('binance', 'place', 200,
    '{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000","cummulativeQuoteQty":"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL"}',
    '6gCrw2kRUAF9CvJDGP16IP')$$,
    $$VALUES ('ok', '28', 'filled', 10.00000000, 10.00000000)$$, 'binance: a RESULT answer (FILLED) with its order id and cumulative fills');
SELECT results_eq($$SELECT outcome, code FROM tradecore.parse_order_response('binance', 'lookup', 400, '{"code":-2013,"msg":"Order does not exist."}')$$,
    $$VALUES ('not_found', '-2013')$$, 'binance: -2013 means the venue does not know the order');
SELECT results_eq($$SELECT outcome, code, message FROM tradecore.parse_order_response('binance', 'place', 400, '{"code":-2010,"msg":"Account has insufficient balance for requested action."}')$$,
    $$VALUES ('rejected', '-2010', 'Account has insufficient balance for requested action.')$$, 'binance: a refusal keeps the venue''s code and message');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 503, '<html>Service Unavailable</html>')), 'unknown',
          'binance: a 5xx to a place is unknown (the venue documents its execution status as unknown)');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 408, '{"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}')), 'unknown',
          'binance: -1007 is unknown');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 400, '{"code":-2010,"msg":"Duplicate order sent."}')), 'unknown',
          'binance: a place refused as a duplicate of our client id means the order exists: look it up, never mark it rejected');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 429, '{"code":-1003,"msg":"Too many requests."}')), 'retry',
          'binance: 429 is a retry (not executed)');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 200, '{"symbol":"BTCUSDT","orderId":28,"clientOrderId":"someone-else","status":"NEW"}', 'mine')),
          'unknown', 'binance: an answer about another client order id is not taken for ours');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('binance', 'place', 200, '{"symbol":"BTCUSDT","orderId":2')), 'unknown',
          'a truncated 200 answer to a place is unknown: the order may exist');
SELECT results_eq($$SELECT outcome, venue_order_id, status, filled_qty, filled_quote FROM tradecore.parse_order_response('coinbase', 'lookup', 200,
    '{"id":"d0c5340b-6d6c-49d9-b567-48c4bfca13d2","price":"0.10000000","size":"0.01000000","product_id":"BTC-USD","side":"buy","type":"limit","time_in_force":"GTC","post_only":false,"created_at":"2016-12-08T20:02:28.53864Z","fill_fees":"0.0000000000000000","filled_size":"0.01000000","executed_value":"0.0010000000000000","status":"done","done_reason":"filled","settled":true}')$$,
    $$VALUES ('ok', 'd0c5340b-6d6c-49d9-b567-48c4bfca13d2', 'filled', 0.01000000, 0.0010000000000000)$$, 'coinbase: a done/filled order');
SELECT results_eq($$SELECT outcome, status FROM tradecore.parse_order_response('coinbase', 'place', 200,
    '{"id":"x1","product_id":"BTC-USD","side":"buy","type":"limit","filled_size":"0","executed_value":"0","status":"pending"}')$$,
    $$VALUES ('ok', 'open')$$, 'coinbase: a pending order is open');
SELECT results_eq($$SELECT outcome, code FROM tradecore.parse_order_response('coinbase', 'lookup', 404, '{"message":"NotFound"}')$$,
    $$VALUES ('not_found', '404')$$, 'coinbase: 404 to a lookup means not found');
SELECT results_eq($$SELECT outcome, code, message FROM tradecore.parse_order_response('coinbase', 'place', 400, '{"message":"Insufficient funds"}')$$,
    $$VALUES ('rejected', '400', 'Insufficient funds')$$, 'coinbase: a refusal carries the HTTP status as its code (Coinbase sends none)');
SELECT results_eq($$SELECT outcome, venue_order_id, status FROM tradecore.parse_order_response('coinbase', 'cancel', 200, '"d0c5340b-6d6c-49d9-b567-48c4bfca13d2"')$$,
    $$VALUES ('ok', 'd0c5340b-6d6c-49d9-b567-48c4bfca13d2', NULL::text)$$, 'coinbase: a cancel answer (the order id) says nothing of fills');
SELECT results_eq($$SELECT outcome, venue_order_id, status FROM tradecore.parse_order_response('kraken', 'place', 200,
    '{"error":[],"result":{"descr":{"order":"buy 1.25000000 XBTUSD @ limit 27500.0"},"txid":["OU22CG-KLAF2-FWUDD7"]}}')$$,
    $$VALUES ('ok', 'OU22CG-KLAF2-FWUDD7', 'open')$$, 'kraken: AddOrder returns the txid');
SELECT results_eq($$SELECT outcome, code, message FROM tradecore.parse_order_response('kraken', 'place', 200, '{"error":["EOrder:Insufficient funds"]}')$$,
    $$VALUES ('rejected', 'EOrder', 'Insufficient funds')$$, 'kraken: an error entry is a refusal with its code');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('kraken', 'place', 200, '{"error":["EService:Unavailable"]}')), 'retry',
          'kraken: EService:Unavailable is a retry');
SELECT results_eq($$SELECT outcome, venue_order_id, status, filled_qty FROM tradecore.parse_order_response('kraken', 'lookup', 200,
    '{"error":[],"result":{"open":{"OQCLML-BW3P3-BUCMWZ":{"cl_ord_id":"6d1b345e-2821-40e2-ad83-4ecb18a06876","status":"open","vol":"1.25","vol_exec":"0.37","cost":"10175.0","descr":{"pair":"XBTUSD"}}}}}',
    '6d1b345e-2821-40e2-ad83-4ecb18a06876')$$,
    $$VALUES ('ok', 'OQCLML-BW3P3-BUCMWZ', 'partially_filled', 0.37)$$, 'kraken: OpenOrders finds our cl_ord_id, partially filled');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('kraken', 'lookup', 200,
    '{"error":[],"result":{"open":{"OQCLML-BW3P3-BUCMWZ":{"cl_ord_id":"another","status":"open","vol_exec":"0","cost":"0"}}}}', 'mine')),
    'not_found', 'kraken: an entry for another cl_ord_id is not ours');
SELECT is((SELECT outcome FROM tradecore.parse_order_response('kraken', 'lookup', 200, '{"error":[],"result":{"closed":{},"count":0}}', 'mine')),
    'not_found', 'kraken: nothing among the closed orders is not found');

-- ---- the request state machine ----
SELECT is(tradecore._live_record((SELECT rid FROM a), false, 'unknown', NULL, NULL, NULL, NULL, NULL, NULL, 'timed out', 'timeout'),
          'pending', 'a place attempt with an unknown outcome stays pending ...');
SELECT ok((SELECT lookup AND next_attempt_at > now() + interval '25 seconds' FROM tradecore.live_order_requests WHERE id = (SELECT rid FROM a)),
          '... marked for a lookup, not before the lookup delay (30 s) after the send');
SELECT is(tradecore._live_record((SELECT rid FROM a), true, 'not_found', 400, NULL, NULL, NULL, NULL, '-2013', 'Order does not exist.', 'venue'),
          'pending', 'a lookup that finds nothing ...');
SELECT ok((SELECT NOT lookup AND next_attempt_at <= now() FROM tradecore.live_order_requests WHERE id = (SELECT rid FROM a))
          AND EXISTS (SELECT 1 FROM tradecore.order_events WHERE order_id = (SELECT oid FROM a) AND kind = 'lookup_not_found'),
          '... makes the order due to be sent again, with an order event');
SELECT is(tradecore._live_record((SELECT rid FROM a), false, 'ok', 200, '28', 'open', 0, 0, NULL, NULL, NULL),
          'done', 'an acknowledged place finishes the request');
SELECT results_eq($$SELECT status, venue_order_id FROM tradecore.orders WHERE id = (SELECT oid FROM a)$$,
                  $$VALUES ('open', '28')$$, 'the order is open with the venue''s order id');
SELECT is(tradecore._live_apply((SELECT oid FROM a), 'partially_filled', NULL, 0.2, 7398.00, NULL), 'partially_filled',
          'a cumulative fill of 0.2 ...');
SELECT is(tradecore._live_apply((SELECT oid FROM a), 'partially_filled', NULL, 0.2, 7398.00, NULL), 'partially_filled',
          '... reported twice ...');
SELECT is(tradecore._live_apply((SELECT oid FROM a), 'filled', NULL, 0.5, 18498.00, NULL), 'filled', '... then 0.5 in all');
SELECT results_eq($$SELECT price, qty, venue_fill_id FROM tradecore.fills WHERE order_id = (SELECT oid FROM a) ORDER BY id$$,
                  $$VALUES (36990.000000000000::numeric, 0.2, 'cum:0.2'), (37000.000000000000, 0.3, 'cum:0.5')$$,
                  'one fill per increase, each priced from its share of the cumulative quote amount');
SELECT results_eq($$SELECT p.qty, o.filled_qty, o.avg_fill_price FROM tradecore.trading_positions p, tradecore.orders o
                     WHERE o.id = (SELECT oid FROM a) AND p.wallet_id = o.wallet_id AND p.instrument_id = o.instrument_id$$,
                  $$VALUES (0.5, 0.5, 36996.000000000000)$$, 'position and the order''s average fill price follow');
SELECT is(tradecore._live_apply((SELECT oid FROM a), 'open', NULL, 0.5, 18498.00, NULL), 'filled', 'a final state is never left');
SELECT results_eq($$SELECT sum(fee), count(fee_asset) FROM tradecore.fills WHERE order_id = (SELECT oid FROM a)$$,
                  $$VALUES (0::numeric, 0::bigint)$$, 'without a fee from the venue (Binance) fills carry fee 0 and no fee asset');

-- ---- fees: the venue's cumulative fee, one increase per fill ----
SELECT results_eq($$SELECT filled_qty, filled_quote, filled_fee FROM tradecore.parse_order_response('coinbase', 'lookup', 200,
    '{"id":"d0c5340b-6d6c-49d9-b567-48c4bfca13d2","price":"37000.00","size":"0.50000000","product_id":"BTC-USD","side":"buy","type":"limit","fill_fees":"7.3980000000000000","filled_size":"0.20000000","executed_value":"7398.0000000000000000","status":"open","settled":false}')$$,
    $$VALUES (0.2, 7398.00, 7.398)$$, 'coinbase: fill_fees is the cumulative fee');
SELECT results_eq($$SELECT status, filled_qty, filled_fee FROM tradecore.parse_order_response('kraken', 'lookup', 200,
    '{"error":[],"result":{"closed":{"OQCLML-BW3P3-BUCMWZ":{"cl_ord_id":"mine","status":"closed","vol":"0.5","vol_exec":"0.50000000","cost":"18498.00000","fee":"18.49800","descr":{"pair":"XBTUSD"}}},"count":1}}', 'mine')$$,
    $$VALUES ('filled', 0.5, 18.498)$$, 'kraken: fee is the cumulative fee');
SELECT is((SELECT filled_fee FROM tradecore.parse_order_response('binance', 'lookup', 200,
    '{"symbol":"BTCUSDT","orderId":28,"clientOrderId":"mine","executedQty":"0.20000000","cummulativeQuoteQty":"7398.00000000","status":"PARTIALLY_FILLED"}', 'mine')),
    NULL::numeric, 'binance: an order answer carries no commission, the fee stays unknown');
SELECT ok((SELECT outcome <> 'ok' AND message ~ 'fill_fees' FROM tradecore.parse_order_response('coinbase', 'lookup', 200,
    '{"id":"x","fill_fees":"-0.5","filled_size":"0.2","executed_value":"7398","status":"open"}')),
    'coinbase: a negative fill_fees is a venue data error, not a fee');
SELECT ok((SELECT outcome <> 'ok' AND message ~ 'fee' FROM tradecore.parse_order_response('kraken', 'lookup', 200,
    '{"error":[],"result":{"open":{"O1":{"cl_ord_id":"mine","status":"open","vol_exec":"0.2","cost":"7398","fee":"NaN"}}}}', 'mine')),
    'kraken: a NaN fee is a venue data error');

INSERT INTO tradecore.wallets (name, kind) VALUES ('t307-f1', 'master'), ('t307-f2', 'master');
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 't307-' || v.c, w.id, i.id, i.exchange_id, 'buy', 'limit', 37000, 0.5, 'open'
  FROM (VALUES ('cb', 'coinbase', 't307-f1'), ('kr', 'kraken', 't307-f1'), ('rec', 'coinbase', 't307-f2')) v(c, venue, wallet)
  JOIN tradecore.exchanges e ON e.code = v.venue
  JOIN tradecore.instruments i ON i.exchange_id = e.id AND i.symbol = 'BTC/USD'
  JOIN tradecore.wallets w ON w.name = v.wallet;
CREATE TEMP TABLE f AS SELECT client_order_id AS c, id AS oid, wallet_id AS w, instrument_id AS inst
  FROM tradecore.orders WHERE client_order_id IN ('t307-cb', 't307-kr', 't307-rec');
CREATE TEMP TABLE err0 AS SELECT coalesce(max(id), 0) AS id FROM tradecore.exchange_errors;

SELECT is(tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-cb'), 'partially_filled', NULL, 0.2, 7398.00, NULL, '{}', 7.398),
          'partially_filled', 'coinbase: 0.2 filled with 7.398 of fees so far ...');
SELECT is(tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-cb'), 'partially_filled', NULL, 0.2, 7398.00, NULL, '{}', 7.398),
          'partially_filled', '... reported twice ...');
SELECT is(tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-cb'), 'filled', NULL, 0.5, 18498.00, NULL, '{}', 18.498),
          'filled', '... then 0.5 with 18.498 in all');
SELECT results_eq($$SELECT qty, fee, fee_asset FROM tradecore.fills WHERE order_id = (SELECT oid FROM f WHERE c = 't307-cb') ORDER BY id$$,
                  $$VALUES (0.2, 7.398, 'USD'), (0.3, 11.100, 'USD')$$,
                  'each fill carries the increase of the cumulative fee, in the quote asset; they sum to the venue''s 18.498');
SELECT results_eq($$SELECT p.qty, p.realized_pnl FROM tradecore.trading_positions p JOIN f ON f.w = p.wallet_id AND f.inst = p.instrument_id
                     WHERE f.c = 't307-cb'$$,
                  $$VALUES (0.5, -18.498)$$, 'the position''s realised P&L is net of the fees, as on the paper exchange');
SELECT ok((SELECT details->>'fee' = '11.100' AND details->>'cumulative_fee' = '18.498' FROM tradecore.order_events
            WHERE order_id = (SELECT oid FROM f WHERE c = 't307-cb') AND kind = 'fill' ORDER BY id DESC LIMIT 1),
          'the fill''s order event says its fee and the cumulative fee');

SELECT is(tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-kr'), 'partially_filled', NULL, 0.2, 7398.00, NULL, '{}', 7.398),
          'partially_filled', 'kraken: 0.2 filled with 7.398 of fees ...');
SELECT is(tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-kr'), 'filled', NULL, 0.5, 18498.00, NULL, '{}', 5),
          'filled', '... then 0.5 filled but the cumulative fee went down to 5 ...');
SELECT results_eq($$SELECT qty, fee FROM tradecore.fills WHERE order_id = (SELECT oid FROM f WHERE c = 't307-kr') ORDER BY id$$,
                  $$VALUES (0.2, 7.398), (0.3, 0::numeric)$$, '... the second fill is recorded with fee 0, never a negative fee ...');
SELECT results_eq($$SELECT e.kind, e.details->>'cumulative_fee', e.details->>'recorded_fees' FROM tradecore.exchange_errors e
                     WHERE e.id > (SELECT id FROM err0) AND e.details->>'order_id' = (SELECT oid FROM f WHERE c = 't307-kr')::text$$,
                  $$VALUES ('data', '5', '7.398')$$, '... and the decrease is one exchange_errors row (kind data)');
SELECT results_eq($$SELECT p.realized_pnl FROM tradecore.trading_positions p JOIN f ON f.w = p.wallet_id AND f.inst = p.instrument_id
                     WHERE f.c = 't307-kr'$$,
                  $$VALUES (-7.398)$$, '... and the realised P&L holds only the fees recorded');

INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id)
SELECT o.id, o.exchange_id, o.wallet_id, 'sync', tradecore.venue_client_order_id(o.wallet_id, o.client_order_id)
  FROM tradecore.orders o WHERE o.client_order_id = 't307-rec';
SELECT is(tradecore._live_record((SELECT id FROM tradecore.live_order_requests WHERE order_id = (SELECT oid FROM f WHERE c = 't307-rec')),
                                 true, 'ok', 200, 'cb-9', 'filled', 0.5, 18500, NULL, NULL, NULL, 0, 18.5),
          'done', 'the sender''s record passes the cumulative fee on ...');
SELECT results_eq($$SELECT fee, fee_asset FROM tradecore.fills WHERE order_id = (SELECT oid FROM f WHERE c = 't307-rec')$$,
                  $$VALUES (18.5, 'USD')$$, '... to the fill');
SELECT throws_ok($$SELECT tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-rec'), NULL, NULL, 0.5, 18500, NULL, '{}', 'NaN')$$,
                 '22003', NULL, 'a NaN cumulative fee is refused');
SELECT throws_ok($$SELECT tradecore._live_apply((SELECT oid FROM f WHERE c = 't307-rec'), NULL, NULL, 0.5, 18500, NULL, '{}', -1)$$,
                 '22003', NULL, 'a negative cumulative fee is refused');

-- a refusal, and a request that never reaches the venue
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT c, w, inst, bx, 'sell', 'limit', 38000, 0.1, 'new' FROM k, (VALUES ('t307-b'), ('t307-c'), ('t307-d')) v(c);
INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id, attempts, lookup)
SELECT o.id, o.exchange_id, o.wallet_id, 'place', tradecore.venue_client_order_id(o.wallet_id, o.client_order_id),
       CASE o.client_order_id WHEN 't307-c' THEN 8 WHEN 't307-d' THEN 500 ELSE 1 END, o.client_order_id = 't307-d'
  FROM tradecore.orders o WHERE o.client_order_id IN ('t307-b', 't307-c', 't307-d');
CREATE TEMP TABLE b AS SELECT o.client_order_id AS c, o.id AS oid, r.id AS rid FROM tradecore.orders o
  JOIN tradecore.live_order_requests r ON r.order_id = o.id WHERE o.client_order_id IN ('t307-b', 't307-c', 't307-d');
SELECT is(tradecore._live_record((SELECT rid FROM b WHERE c = 't307-b'), false, 'rejected', 400, NULL, NULL, NULL, NULL,
                                 '-2010', 'Account has insufficient balance for requested action.', 'rejected'),
          'done', 'a refused place is done ...');
SELECT results_eq($$SELECT status, reject_reason FROM tradecore.orders WHERE client_order_id = 't307-b'$$,
                  $$VALUES ('rejected', 'binance rejected the order: -2010: Account has insufficient balance for requested action.')$$,
                  '... and the order rejected with the venue''s code and message');
SELECT ok(EXISTS (SELECT 1 FROM tradecore.exchange_errors WHERE kind = 'rejected' AND details->>'code' = '-2010'
                     AND (details->>'order_id')::bigint = (SELECT oid FROM b WHERE c = 't307-b')),
          'the refusal is an exchange_errors row with the code');
SELECT is(tradecore._live_record((SELECT rid FROM b WHERE c = 't307-c'), false, 'retry', 429, NULL, NULL, NULL, NULL, '-1003', 'Too many requests.', 'rate_limit'),
          'failed', 'a place refused before execution tradecore.order_max_attempts times is given up ...');
SELECT matches((SELECT status || ': ' || reject_reason FROM tradecore.orders WHERE client_order_id = 't307-c'),
               '^rejected: not sent to binance after 8 attempts', '... and its order rejected as not sent');
SELECT is(tradecore._live_record((SELECT rid FROM b WHERE c = 't307-d'), true, 'retry', 503, NULL, NULL, NULL, NULL, NULL, 'unavailable', 'http'),
          'pending', 'a lookup is never given up: the order''s fate must be known');

-- ---- cancels (the switch is off: the queued cancel warns that it waits) ----
SET LOCAL client_min_messages = error;
SELECT is(tradecore.cancel_order((SELECT oid FROM b WHERE c = 't307-d')), 'pending_cancel',
          'canceling an order whose place may have reached the venue queues a cancel');
SELECT is((SELECT count(*) FROM tradecore.live_order_requests WHERE order_id = (SELECT oid FROM b WHERE c = 't307-d') AND action = 'cancel'
            AND state = 'pending'), 1::bigint, 'one pending cancel request');
UPDATE tradecore.live_order_requests SET lookup = false WHERE id = (SELECT rid FROM b WHERE c = 't307-d');
DELETE FROM tradecore.live_order_requests WHERE order_id = (SELECT oid FROM b WHERE c = 't307-d') AND action = 'cancel';
SELECT is(tradecore.cancel_order((SELECT oid FROM b WHERE c = 't307-d')), 'canceled',
          'an order that never reached its venue is canceled at once, without a request');
SELECT is((SELECT state FROM tradecore.live_order_requests WHERE id = (SELECT rid FROM b WHERE c = 't307-d')), 'canceled',
          '... and its place request will never be sent');

-- ---- privileges ----
SELECT ok(NOT has_table_privilege('tradecore_agent', 'tradecore.live_order_requests', 'SELECT')
          AND NOT has_table_privilege('tradecore_viewer', 'tradecore.live_order_requests', 'SELECT')
          AND has_table_privilege('tradecore_operator', 'tradecore.live_order_requests', 'SELECT')
          AND NOT has_table_privilege('tradecore_operator', 'tradecore.live_order_requests', 'INSERT'),
          'the queue is readable by staff only: not agents, not viewers; operators read but do not write');
SELECT ok(NOT has_table_privilege('tradecore_agent', 'tradecore.exchange_credentials', 'SELECT')
          AND NOT has_function_privilege('tradecore_agent', 'tradecore.credentials(text, text)', 'EXECUTE'),
          'agents can read neither the credentials table nor credentials()');
SELECT ok(NOT bool_or(has_function_privilege(r, f, 'EXECUTE')),
          'no tradecore role may call the sender''s internals (claim returns decrypted secrets)')
  FROM unnest(ARRAY['tradecore_agent', 'tradecore_viewer', 'tradecore_operator', 'tradecore_admin']) r,
       unnest(ARRAY['tradecore._live_claim(integer, integer[])',
                    'tradecore._live_record(bigint, boolean, text, integer, text, text, numeric, numeric, text, text, text, integer, numeric)',
                    'tradecore._live_apply(bigint, text, text, numeric, numeric, text, jsonb, numeric)',
                    'tradecore._live_place_order(bigint, integer, text, text, numeric, numeric, text, text, text, bigint)',
                    'tradecore._live_cancel_order(bigint)', 'tradecore._live_wake(integer)',
                    'tradecore._live_next_due_ms(integer[])', 'tradecore._live_enqueue_syncs()']) f;

SET LOCAL ROLE tradecore_agent;
SELECT throws_ok('SELECT count(*) FROM tradecore.live_order_requests', '42501', NULL, 'an agent reading the queue: permission denied');
SELECT throws_ok('SELECT count(*) FROM tradecore.exchange_credentials', '42501', NULL, 'an agent reading the credentials: permission denied');
RESET ROLE;
SET LOCAL ROLE tradecore_operator;
SELECT ok((SELECT count(*) > 0 FROM tradecore.live_order_requests), 'an operator reads the queue (row-level security lets staff see every row)');
RESET ROLE;

-- a venue that reports no quote amount: each increase is priced at the limit, and the
-- order's average is folded fill by fill, rounded like the paper path's (unrounded, its
-- scale grew with every fill)
INSERT INTO tradecore.orders (client_order_id, wallet_id, instrument_id, exchange_id, side, type, price, qty, status)
SELECT 't307-noquote', w.id, i.id, i.exchange_id, 'buy', 'limit', 37000.01, 0.5, 'open'
  FROM tradecore.exchanges e JOIN tradecore.instruments i ON i.exchange_id = e.id AND i.symbol = 'BTC/USD'
  JOIN tradecore.wallets w ON w.name = 't307-f2'
 WHERE e.code = 'coinbase';
DO $$
BEGIN
    FOR k IN 1..30 LOOP
        PERFORM tradecore._live_apply((SELECT id FROM tradecore.orders WHERE client_order_id = 't307-noquote'),
                                      'partially_filled', NULL, k * 0.013, 0, NULL);
    END LOOP;
END
$$;
SELECT ok((SELECT scale(avg_fill_price) <= 16 AND abs(avg_fill_price - 37000.01) < 1e-10
             FROM tradecore.orders WHERE client_order_id = 't307-noquote'),
          'an average folded over 30 fills without quote amounts keeps at most 16 decimals');

SELECT * FROM finish();
ROLLBACK;
