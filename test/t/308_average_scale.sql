-- Average prices keep a bounded scale.  A position's average price and a maker's average
-- fill price are folded fill by fill: (old average * old qty + price * qty) / new qty.
-- numeric division keeps at least the dividend's scale, and the dividend carries the old
-- average's scale plus the quantity's, so unrounded the scale grew by three digits with
-- every fill until numeric's 1,000-digit display cap: after a few hundred fills every
-- position row held a 1,000-digit average, every fill multiplied and divided 1,000-digit
-- numbers, and the dashboard showed them.  Both are rounded to 16 decimals, and stay
-- within 1e-12 of the exact volume-weighted average.
BEGIN;
SELECT plan(6);

INSERT INTO tradecore.instruments (exchange_id, symbol, venue_symbol, base_asset, quote_asset, tick_size, lot_size)
SELECT id, 'AVG/USD', 'AVG/USD', 'AVG', 'USD', 0.01, 0.001 FROM tradecore.exchanges WHERE code = 'paper';
INSERT INTO tradecore.wallets (name, kind) VALUES ('t308 a', 'master'), ('t308 b', 'master'), ('t308 c', 'master');
CREATE TEMP TABLE w308 AS
SELECT (SELECT id FROM tradecore.wallets WHERE name = 't308 a') AS a,
       (SELECT id FROM tradecore.wallets WHERE name = 't308 b') AS b,
       (SELECT id FROM tradecore.wallets WHERE name = 't308 c') AS c;

-- 150 round trips: a rests a sell at a price that makes the averages repeating decimals,
-- b buys it; b's long position grows fill by fill, a's short one too
DO $$
DECLARE w w308;
BEGIN
    SELECT * INTO w FROM w308;
    FOR i IN 1..150 LOOP
        PERFORM tradecore.place_order(w.a, 'AVG/USD', 'sell', 0.003 + (i % 7) * 0.001, 100 + (i % 13) * 0.07);
        PERFORM tradecore.place_order(w.b, 'AVG/USD', 'buy', 0.003 + (i % 7) * 0.001, 101);
    END LOOP;
    -- one big resting sell of c, hit by 60 small buys at its one price, then partly filled
    PERFORM tradecore.place_order(w.c, 'AVG/USD', 'sell', 100, 100.33, client_order_id => 't308 big');
    FOR i IN 1..60 LOOP
        PERFORM tradecore.place_order(w.b, 'AVG/USD', 'buy', 0.001 * (1 + i % 5), 100.33);
    END LOOP;
    -- 40 trades back: b rests sells, a buys them, and both realise P&L on every fill
    FOR i IN 1..40 LOOP
        PERFORM tradecore.place_order(w.b, 'AVG/USD', 'sell', 0.002, 99 + (i % 11) * 0.13);
        PERFORM tradecore.place_order(w.a, 'AVG/USD', 'buy', 0.002, 99 + (i % 11) * 0.13);
    END LOOP;
END
$$;

SELECT cmp_ok((SELECT max(scale(p.avg_price)) FROM tradecore.trading_positions p, w308 w
                WHERE p.wallet_id IN (w.a, w.b)), '<=', 16,
              'a position''s average price keeps at most 16 decimals after 250 fills');
SELECT cmp_ok((SELECT max(scale(p.realized_pnl)) FROM tradecore.trading_positions p, w308 w
                WHERE p.wallet_id IN (w.a, w.b)), '<=', 21,
              'and so does the realised P&L computed from it (16 + price and quantity decimals)');
-- a's short only grew until the trades back, and reducing keeps the average: it is the
-- volume-weighted average of a's sells
SELECT ok((SELECT abs(p.avg_price - v.vwap) < 1e-12
             FROM tradecore.trading_positions p
             JOIN (SELECT f.wallet_id, sum(f.price * f.qty) / sum(f.qty) AS vwap
                     FROM tradecore.fills f JOIN tradecore.orders o ON o.id = f.order_id
                    WHERE o.side = 'sell' GROUP BY f.wallet_id) v ON v.wallet_id = p.wallet_id,
                  w308 w
            WHERE p.wallet_id = w.a AND p.instrument_id = (SELECT id FROM tradecore.instruments WHERE symbol = 'AVG/USD')),
          'the average stays within 1e-12 of the exact volume-weighted average');
SELECT cmp_ok((SELECT scale(o.avg_fill_price) FROM tradecore.orders o, w308 w
                WHERE o.wallet_id = w.c AND o.client_order_id = 't308 big'), '<=', 16,
              'a maker''s average fill price keeps at most 16 decimals after 60 partial fills');
SELECT is((SELECT o.avg_fill_price FROM tradecore.orders o, w308 w
            WHERE o.wallet_id = w.c AND o.client_order_id = 't308 big'), 100.33::numeric,
          'and is exactly its price when every fill was at that price');
SELECT is((SELECT o.status || ' ' || o.filled_qty FROM tradecore.orders o, w308 w
            WHERE o.wallet_id = w.c AND o.client_order_id = 't308 big'), 'partially_filled 0.180',
          'the big order was partly filled by the 60 small buys');

SELECT * FROM finish();
ROLLBACK;
