-- The row rules of orders, fills, trading_positions and events (src/row_checks.c): one CHECK per
-- table calling one C function, which must refuse exactly what the per-column CHECKs it
-- replaced refused, with check_violation (23514) and a message naming the rule, and let
-- NULLs through as a CHECK does (NOT NULL is separate).
BEGIN;
SELECT plan(39);

INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'RCK/USD', 'RCK/USD', 'RCK', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t160', 'master');
CREATE TEMP TABLE k160 AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't160') AS w, i.id AS i, i.exchange_id AS x
  FROM tradecore.instruments i WHERE i.symbol = 'RCK/USD';

-- o160(side, type, tif, price, qty, filled, avg, status): one orders row, RETURNING its id
CREATE FUNCTION pg_temp.o160(p_side text, p_type text, p_tif text, p_price numeric, p_qty numeric,
                             p_filled numeric, p_avg numeric, p_status text) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO tradecore.orders (wallet_id, instrument_id, exchange_id, side, type, time_in_force, price, qty,
                                  filled_qty, avg_fill_price, status)
    SELECT k.w, k.i, k.x, p_side, p_type, p_tif, p_price, p_qty, p_filled, p_avg, p_status FROM k160 k
    RETURNING id
$$;

SELECT lives_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 2, 1, 10, 'partially_filled')$$, 'a valid limit order');
SELECT lives_ok($$SELECT pg_temp.o160('sell', 'market', 'ioc', NULL, 2, 0, NULL, 'new')$$,
                'a market order without a price, no average fill price yet (NULLs pass)');
SELECT lives_ok($$SELECT pg_temp.o160('sell', 'limit', 'post_only', 0.01, 1, 1, 0.01, 'filled')$$,
                'filled_qty may equal qty');
SELECT throws_ok($$SELECT pg_temp.o160('hold', 'limit', 'gtc', 10, 1, 0, NULL, 'new')$$, '23514',
                 'orders.side must be one of buy, sell, not "hold"', 'side');
SELECT throws_ok($$SELECT pg_temp.o160('Buy', 'limit', 'gtc', 10, 1, 0, NULL, 'new')$$, '23514', NULL,
                 'side is case-sensitive, as = on text is');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'stop', 'gtc', 10, 1, 0, NULL, 'new')$$, '23514',
                 'orders.type must be one of limit, market, not "stop"', 'type');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'day', 10, 1, 0, NULL, 'new')$$, '23514',
                 'orders.time_in_force must be one of gtc, ioc, fok, post_only, not "day"', 'time_in_force');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 0, 1, 0, NULL, 'new')$$, '23514',
                 'orders.price must be positive, not 0', 'price zero');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 'NaN', 1, 0, NULL, 'new')$$, '23514',
                 'orders.price must be a finite number, not NaN', 'price NaN');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 'Infinity', 1, 0, NULL, 'new')$$, '23514',
                 'orders.price must be a finite number, not Infinity', 'price infinite');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, -1, 0, NULL, 'new')$$, '23514',
                 'orders.qty must be positive, not -1', 'qty negative');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, '-Infinity', 0, NULL, 'new')$$, '23514',
                 'orders.qty must be a finite number, not -Infinity', 'qty infinite');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 1, -0.5, NULL, 'new')$$, '23514',
                 'orders.filled_qty must be zero or positive, not -0.5', 'filled_qty negative');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 1, 0, 0, 'new')$$, '23514',
                 'orders.avg_fill_price must be positive, not 0', 'avg_fill_price zero');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 1, 0, NULL, 'done')$$, '23514',
                 'orders.status must be one of new, open, partially_filled, filled, canceled, rejected, not "done"',
                 'status');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 1, 1.5, 10, 'filled')$$, '23514',
                 'orders.filled_qty 1.5 exceeds orders.qty 1', 'filled_qty above qty');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', NULL, 1, 0, NULL, 'new')$$, '23514',
                 'a limit order must have a price', 'a limit order without a price');
SELECT throws_ok($$SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, NULL, 0, NULL, 'new')$$, '23502', NULL,
                 'a NULL qty is refused by NOT NULL, not by the row rules');
SELECT throws_ok($$UPDATE tradecore.orders SET filled_qty = qty + 1 WHERE instrument_id = (SELECT i FROM k160)$$,
                 '23514', NULL, 'an UPDATE is checked too');

-- fills
CREATE TEMP TABLE f160 AS SELECT pg_temp.o160('buy', 'limit', 'gtc', 10, 5, 0, NULL, 'open') AS id;
CREATE FUNCTION pg_temp.fill160(p_price numeric, p_qty numeric, p_fee numeric, p_liq text) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, price, qty, fee, liquidity, venue_fill_id)
    SELECT f.id, k.i, k.w, p_price, p_qty, p_fee, p_liq, gen_random_uuid()::text FROM f160 f, k160 k
$$;
SELECT lives_ok($$SELECT pg_temp.fill160(10, 1, -0.01, 'maker')$$, 'a valid fill (a rebate is a negative fee)');
SELECT lives_ok($$SELECT pg_temp.fill160(10, 1, 0, NULL)$$, 'liquidity may be unknown');
SELECT throws_ok($$SELECT pg_temp.fill160(-10, 1, 0, 'taker')$$, '23514', 'fills.price must be positive, not -10', 'fill price');
SELECT throws_ok($$SELECT pg_temp.fill160(10, 0, 0, 'taker')$$, '23514', 'fills.qty must be positive, not 0', 'fill qty');
SELECT throws_ok($$SELECT pg_temp.fill160(10, 1, 'NaN', 'taker')$$, '23514', 'fills.fee must be a finite number, not NaN', 'fill fee');
SELECT throws_ok($$SELECT pg_temp.fill160(10, 1, 0, 'both')$$, '23514',
                 'fills.liquidity must be one of maker, taker, not "both"', 'fill liquidity');

-- positions
CREATE FUNCTION pg_temp.pos160(p_qty numeric, p_avg numeric, p_pnl numeric) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO tradecore.trading_positions (wallet_id, instrument_id, qty, avg_price, realized_pnl)
    SELECT k.w, k.i, p_qty, p_avg, p_pnl FROM k160 k
    ON CONFLICT (wallet_id, instrument_id) DO UPDATE SET qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price,
                                                        realized_pnl = EXCLUDED.realized_pnl
$$;
SELECT lives_ok($$SELECT pg_temp.pos160(-3, 10, -5)$$, 'a short position with a realised loss');
SELECT lives_ok($$SELECT pg_temp.pos160(0, NULL, 0)$$, 'a flat position has no average price');
SELECT throws_ok($$SELECT pg_temp.pos160('Infinity', 10, 0)$$, '23514',
                 'trading_positions.qty must be a finite number, not Infinity', 'position qty');
SELECT throws_ok($$SELECT pg_temp.pos160(1, -1, 0)$$, '23514',
                 'trading_positions.avg_price must be zero or positive, not -1', 'position average price');
SELECT throws_ok($$SELECT pg_temp.pos160(1, 10, 'NaN')$$, '23514',
                 'trading_positions.realized_pnl must be a finite number, not NaN', 'position realised P&L');

-- events: the type
SELECT lives_ok($$SELECT tradecore.emit('order.partially_filled_2', '{}')$$, 'a dotted lower-case type');
SELECT throws_ok($$SELECT tradecore.emit('Order.Filled', '{}')$$, '23514',
                 'event type "Order.Filled" is not dotted lower-case words', 'upper case');
SELECT throws_ok($$SELECT tradecore.emit('order..filled', '{}')$$, '23514', NULL, 'an empty part');
SELECT throws_ok($$SELECT tradecore.emit('order.1st', '{}')$$, '23514', NULL, 'a part starting with a digit');
SELECT throws_ok($$SELECT tradecore.emit('order.filled ', '{}')$$, '23514', NULL, 'a trailing space');
SELECT throws_ok($$SELECT tradecore.emit(repeat('a', 65), '{}')$$, '23514',
                 'event type must be at most 64 characters long', '65 characters');
SELECT lives_ok($$SELECT tradecore.emit(repeat('a', 64), '{}')$$, '64 characters');

-- one CHECK per table: a per-column CHECK added back would be re-planned on every write
SELECT is((SELECT array_agg(conrelid::regclass::text || ':' || conname ORDER BY conname) FROM pg_constraint
            WHERE contype = 'c' AND conrelid IN ('tradecore.orders'::regclass, 'tradecore.fills'::regclass,
                                                 'tradecore.trading_positions'::regclass, 'tradecore.events'::regclass)),
          ARRAY['tradecore.events:events_type_valid', 'tradecore.fills:fills_valid', 'tradecore.orders:orders_valid',
                'tradecore.trading_positions:trading_positions_valid'],
          'orders, fills, trading_positions and events have one CHECK each, the C row rules');
SELECT is((SELECT count(*) FROM pg_proc WHERE proname IN ('check_order_row', 'check_fill_row', 'check_position_row',
                                                          'check_event_type')
              AND pronamespace = 'tradecore'::regnamespace AND provolatile = 'i'),
          4::bigint, 'the row rules are IMMUTABLE, as a CHECK requires');

SELECT * FROM finish();
ROLLBACK;
