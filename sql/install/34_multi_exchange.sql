-- 34_multi_exchange.sql: one view of several venues: best price, aggregated book,
-- arbitrage net of fees, unified balances.  Live venues are read from the poller's latest
-- order book snapshots (fresh within max_age), the paper exchange from its open orders.

-- Best level per venue and side for one symbol: (exchange_id, code, side, price, qty, ts).
CREATE FUNCTION tradecore.venue_quotes(symbol text, max_age interval DEFAULT interval '1 minute',
    OUT exchange_id integer, OUT exchange text, OUT side text, OUT price numeric, OUT qty numeric, OUT ts timestamptz)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT e.id, e.code, s.side, (s.lvl->>0)::numeric, (s.lvl->>1)::numeric, b.ts
      FROM tradecore.instruments i
      JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.enabled AND e.kind = 'live'
      CROSS JOIN LATERAL (SELECT ob.bids, ob.asks, ob.ts FROM tradecore.order_book_snapshots ob
                           WHERE ob.instrument_id = i.id ORDER BY ob.ts DESC LIMIT 1) b
      CROSS JOIN LATERAL (VALUES ('bid', b.bids->0), ('ask', b.asks->0)) s(side, lvl)
     WHERE i.symbol = venue_quotes.symbol AND i.active AND s.lvl IS NOT NULL
       AND b.ts >= now() - venue_quotes.max_age
    UNION ALL
    SELECT e.id, e.code, CASE o.side WHEN 'buy' THEN 'bid' ELSE 'ask' END, o.price, sum(o.qty - o.filled_qty), now()
      FROM tradecore.instruments i
      JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.enabled AND e.kind = 'paper'
      JOIN tradecore.orders o ON o.instrument_id = i.id AND o.status IN ('open', 'partially_filled') AND o.type = 'limit'
     WHERE i.symbol = venue_quotes.symbol AND i.active
       AND o.price = (SELECT CASE o.side WHEN 'buy' THEN max(x.price) ELSE min(x.price) END
                        FROM tradecore.orders x
                       WHERE x.instrument_id = i.id AND x.side = o.side AND x.type = 'limit'
                         AND x.status IN ('open', 'partially_filled'))
     GROUP BY e.id, e.code, o.side, o.price
$$;
COMMENT ON FUNCTION tradecore.venue_quotes(text, interval) IS
    'Best bid and ask of every enabled venue for a symbol: live venues from their latest book snapshot (if younger than max_age), the paper exchange from its open orders.';

CREATE FUNCTION tradecore.get_best_price(symbol text, side text, max_age interval DEFAULT interval '1 minute',
    OUT exchange text, OUT price numeric, OUT qty numeric, OUT ts timestamptz)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF get_best_price.side NOT IN ('buy', 'sell') THEN
        RAISE EXCEPTION 'side must be buy or sell' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- buying takes the lowest ask, selling the highest bid
    SELECT q.exchange, q.price, q.qty, q.ts INTO exchange, price, qty, ts
      FROM tradecore.venue_quotes(get_best_price.symbol, get_best_price.max_age) q
     WHERE q.side = CASE get_best_price.side WHEN 'buy' THEN 'ask' ELSE 'bid' END
     ORDER BY CASE WHEN get_best_price.side = 'buy' THEN q.price END ASC,
              CASE WHEN get_best_price.side = 'sell' THEN q.price END DESC, q.exchange
     LIMIT 1;
END
$$;
COMMENT ON FUNCTION tradecore.get_best_price(text, text, interval) IS
    'The best venue to buy (lowest ask) or sell (highest bid) a symbol now; NULLs when no venue quotes it.';

CREATE FUNCTION tradecore.aggregated_book(symbol text, depth integer DEFAULT 10, max_age interval DEFAULT interval '1 minute',
    OUT side text, OUT price numeric, OUT qty numeric, OUT venues text[])
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH levels AS (
        SELECT e.code, s.side, (l.lvl->>0)::numeric AS price, (l.lvl->>1)::numeric AS qty
          FROM tradecore.instruments i
          JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.enabled AND e.kind = 'live'
          CROSS JOIN LATERAL (SELECT ob.bids, ob.asks FROM tradecore.order_book_snapshots ob
                               WHERE ob.instrument_id = i.id AND ob.ts >= now() - aggregated_book.max_age
                               ORDER BY ob.ts DESC LIMIT 1) b
          CROSS JOIN LATERAL (VALUES ('bid', b.bids), ('ask', b.asks)) s(side, lvls)
          CROSS JOIN LATERAL jsonb_array_elements(s.lvls) WITH ORDINALITY l(lvl, n)
         WHERE i.symbol = aggregated_book.symbol AND i.active AND l.n <= aggregated_book.depth
        UNION ALL
        SELECT e.code, CASE o.side WHEN 'buy' THEN 'bid' ELSE 'ask' END, o.price, o.qty - o.filled_qty
          FROM tradecore.instruments i
          JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.enabled AND e.kind = 'paper'
          JOIN tradecore.orders o ON o.instrument_id = i.id AND o.status IN ('open', 'partially_filled') AND o.type = 'limit'
         WHERE i.symbol = aggregated_book.symbol AND i.active
    ), agg AS (
        SELECT l.side, l.price, sum(l.qty) AS qty, array_agg(DISTINCT l.code ORDER BY l.code) AS venues,
               row_number() OVER (PARTITION BY l.side ORDER BY CASE WHEN l.side = 'bid' THEN -l.price ELSE l.price END) AS n
          FROM levels l GROUP BY l.side, l.price
    )
    SELECT a.side, a.price, a.qty, a.venues FROM agg a
     WHERE a.n <= aggregated_book.depth
     ORDER BY a.side DESC, CASE WHEN a.side = 'bid' THEN -a.price ELSE a.price END
$$;
COMMENT ON FUNCTION tradecore.aggregated_book(text, integer, interval) IS
    'One order book for a symbol across venues: quantities at equal prices summed, with the venues quoting them; bids then asks, best first.';

CREATE FUNCTION tradecore.detect_arbitrage(symbol text, min_edge_bps float8 DEFAULT 0,
    max_age interval DEFAULT interval '1 minute', record boolean DEFAULT false,
    OUT buy_exchange text, OUT sell_exchange text, OUT buy_price numeric, OUT sell_price numeric,
    OUT qty numeric, OUT gross_edge_bps float8, OUT net_edge_bps float8)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    -- Buy at venue a's ask paying its taker fee, move the asset (a's withdrawal fee), sell at
    -- venue b's bid paying b's taker fee.  The edge is what is left per unit spent.
    FOR r IN
        SELECT a.exchange_id AS buy_id, a.exchange AS buy_code, b.exchange_id AS sell_id, b.exchange AS sell_code,
               a.price AS ask, b.price AS bid, least(a.qty, b.qty) AS q,
               ea.taker_fee_bps AS fa, ea.withdrawal_fee_bps AS wa, eb.taker_fee_bps AS fb
          FROM tradecore.venue_quotes(detect_arbitrage.symbol, detect_arbitrage.max_age) a
          JOIN tradecore.venue_quotes(detect_arbitrage.symbol, detect_arbitrage.max_age) b
            ON a.side = 'ask' AND b.side = 'bid' AND a.exchange_id <> b.exchange_id
          JOIN tradecore.exchanges ea ON ea.id = a.exchange_id
          JOIN tradecore.exchanges eb ON eb.id = b.exchange_id
    LOOP
        buy_exchange := r.buy_code;
        sell_exchange := r.sell_code;
        buy_price := r.ask;
        sell_price := r.bid;
        qty := r.q;
        gross_edge_bps := ((r.bid - r.ask) / r.ask * 10000)::float8;
        net_edge_bps := ((r.bid * (1 - r.fb / 10000 - r.wa / 10000) - r.ask * (1 + r.fa / 10000))
                         / (r.ask * (1 + r.fa / 10000)) * 10000)::float8;
        CONTINUE WHEN net_edge_bps <= detect_arbitrage.min_edge_bps;
        IF detect_arbitrage.record AND r.q > 0 THEN
            INSERT INTO tradecore.arbitrage_opportunities (symbol, buy_exchange_id, sell_exchange_id, buy_price,
                                                           sell_price, qty, net_edge_bps, details)
            VALUES (detect_arbitrage.symbol, r.buy_id, r.sell_id, r.ask, r.bid, r.q, net_edge_bps,
                    jsonb_build_object('gross_edge_bps', gross_edge_bps, 'buy_taker_fee_bps', r.fa,
                                       'sell_taker_fee_bps', r.fb, 'withdrawal_fee_bps', r.wa));
            PERFORM tradecore.emit('arbitrage', jsonb_build_object('symbol', detect_arbitrage.symbol,
                    'buy', r.buy_code, 'sell', r.sell_code, 'net_edge_bps', net_edge_bps));
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tradecore.detect_arbitrage(text, float8, interval, boolean) IS
    'Buy-here-sell-there opportunities for a symbol whose edge net of both taker fees and the buy venue''s withdrawal fee exceeds min_edge_bps; with record => true they are stored in arbitrage_opportunities and emitted.';
REVOKE ALL ON FUNCTION tradecore.detect_arbitrage(text, float8, interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.detect_arbitrage(text, float8, interval, boolean)
    TO tradecore_admin, tradecore_operator, tradecore_agent;

CREATE FUNCTION tradecore.unified_balances(wallet_ids bigint[] DEFAULT NULL,
    OUT asset text, OUT amount numeric, OUT position_qty numeric, OUT wallets integer)
RETURNS SETOF record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- the caller's own view: RLS on wallet_balances and trading_positions applies
    WITH b AS (
        SELECT wb.asset, sum(wb.amount) AS amount, count(DISTINCT wb.wallet_id)::int AS wallets
          FROM tradecore.wallet_balances wb
         WHERE unified_balances.wallet_ids IS NULL OR wb.wallet_id = ANY (unified_balances.wallet_ids)
         GROUP BY wb.asset
    ), p AS (
        SELECT i.base_asset AS asset, sum(tp.qty) AS qty
          FROM tradecore.trading_positions tp JOIN tradecore.instruments i ON i.id = tp.instrument_id
         WHERE unified_balances.wallet_ids IS NULL OR tp.wallet_id = ANY (unified_balances.wallet_ids)
         GROUP BY i.base_asset
    )
    SELECT coalesce(b.asset, p.asset), coalesce(b.amount, 0), coalesce(p.qty, 0), coalesce(b.wallets, 0)
      FROM b FULL JOIN p ON p.asset = b.asset
     ORDER BY 1
$$;
COMMENT ON FUNCTION tradecore.unified_balances(bigint[]) IS
    'Per asset, over the given wallets (all visible ones when NULL): ledger balance, net position from trading across every venue, and the number of wallets holding it.';
