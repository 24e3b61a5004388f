-- 33_paper_exchange.sql: the paper exchange (C matching engine over the orders table) and
-- the order router with client order ids.

CREATE SEQUENCE tradecore.paper_book_version_seq;
COMMENT ON SEQUENCE tradecore.paper_book_version_seq IS
    'Versions of paper books: never reused, so a backend''s cached book is valid only if its version is the current one.';

CREATE TABLE tradecore.paper_books (
    instrument_id bigint PRIMARY KEY REFERENCES tradecore.instruments (id) ON DELETE CASCADE,
    version       bigint NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tradecore.paper_books IS
    'One row per paper instrument: locked while its book is matched (serialising matching across backends) and versioned so backends know when their cached book is stale. The book itself is the open paper orders.';
COMMENT ON COLUMN tradecore.paper_books.instrument_id IS 'Paper instrument.';
COMMENT ON COLUMN tradecore.paper_books.version IS 'Current book version (from paper_book_version_seq); 0 until the first match.';
COMMENT ON COLUMN tradecore.paper_books.updated_at IS 'When the book last changed.';
GRANT SELECT ON tradecore.paper_books TO tradecore_admin, tradecore_operator, tradecore_viewer;

CREATE FUNCTION tradecore.paper_match(order_id bigint,
    OUT kind text, OUT maker_order_id bigint, OUT price numeric, OUT qty numeric,
    OUT taker_fee numeric, OUT maker_fee numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_paper_match'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.paper_match(bigint) IS
    'Internal to place_order: matches a new paper order in C; one fill row per fill, then one outcome row.';
REVOKE ALL ON FUNCTION tradecore.paper_match(bigint) FROM PUBLIC;

CREATE FUNCTION tradecore.paper_unrest(order_id bigint) RETURNS numeric
AS 'MODULE_PATHNAME', 'tc_paper_unrest'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.paper_unrest(bigint) IS
    'Internal to cancel_order: takes a resting paper order off its book; the quantity that rested, or NULL.';
REVOKE ALL ON FUNCTION tradecore.paper_unrest(bigint) FROM PUBLIC;

CREATE FUNCTION tradecore.paper_book(instrument_id bigint, levels integer DEFAULT 20,
    OUT side text, OUT level integer, OUT price numeric, OUT qty numeric, OUT orders integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_paper_book_depth'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.paper_book(bigint, integer) IS
    'The paper book of an instrument as the matching engine holds it (rebuilt from the orders table when stale), best first.';
REVOKE ALL ON FUNCTION tradecore.paper_book(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.paper_book(bigint, integer) TO tradecore_admin, tradecore_operator;

-- Position bookkeeping for the fills of one order.  Entry i is one side of one fill, in fill
-- order (taker side, then maker side): average price on the growing side, realised P&L on
-- the reducing side (fees included), flipping through zero starts a fresh average.  Each
-- wallet's row is read (locked) once and its entries folded in order, which is the same
-- arithmetic as applying them one by one; then one UPDATE for the existing rows and one
-- INSERT for the new ones.
CREATE FUNCTION tradecore.paper_apply_positions(p_instrument bigint, p_wallets bigint[], p_agents bigint[],
                                                p_sides text[], p_qtys numeric[], p_prices numeric[], p_fees numeric[])
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ws     bigint[] := ARRAY(SELECT DISTINCT x FROM unnest(p_wallets) x ORDER BY x);
    e_w      bigint[];
    e_q      numeric[];
    e_a      numeric[];
    e_r      numeric[];
    u_w      bigint[] := '{}';
    u_q      numeric[] := '{}';
    u_a      numeric[] := '{}';
    u_r      numeric[] := '{}';
    n_w      bigint[] := '{}';
    n_g      bigint[] := '{}';
    n_q      numeric[] := '{}';
    n_a      numeric[] := '{}';
    n_r      numeric[] := '{}';
    w        bigint;
    j        int;
    v_exists boolean;
    v_seen   boolean;
    v_agent  bigint;
    q        numeric;
    a        numeric;
    r        numeric;
    v_d      numeric;
    v_new    numeric;
    v_closed numeric;
    v_pnl    numeric;
BEGIN
    SELECT array_agg(p.wallet_id ORDER BY p.wallet_id), array_agg(p.qty ORDER BY p.wallet_id),
           array_agg(p.avg_price ORDER BY p.wallet_id), array_agg(p.realized_pnl ORDER BY p.wallet_id)
      INTO e_w, e_q, e_a, e_r
      FROM (SELECT x.wallet_id, x.qty, x.avg_price, x.realized_pnl FROM tradecore.trading_positions x
             WHERE x.wallet_id = ANY (v_ws) AND x.instrument_id = p_instrument
             ORDER BY x.wallet_id FOR UPDATE) p;
    FOREACH w IN ARRAY v_ws LOOP
        j := array_position(e_w, w);
        v_exists := j IS NOT NULL;
        v_seen := v_exists;
        IF v_exists THEN
            q := e_q[j]; a := e_a[j]; r := e_r[j];
        END IF;
        FOR i IN 1 .. cardinality(p_wallets) LOOP
            CONTINUE WHEN p_wallets[i] <> w;
            v_d := CASE WHEN p_sides[i] = 'buy' THEN p_qtys[i] ELSE -p_qtys[i] END;
            v_pnl := -p_fees[i];
            IF NOT v_seen THEN
                q := v_d; a := p_prices[i]; r := -p_fees[i]; v_agent := p_agents[i];
                v_seen := true;
                CONTINUE;
            END IF;
            v_new := q + v_d;
            IF q = 0 OR sign(q) = sign(v_d) THEN
                a := (abs(q) * coalesce(a, 0) + p_qtys[i] * p_prices[i]) / abs(v_new);
            ELSE
                v_closed := least(abs(q), p_qtys[i]);
                v_pnl := v_pnl + v_closed * (p_prices[i] - a) * sign(q);
                a := CASE WHEN v_new = 0 THEN NULL WHEN sign(v_new) = sign(q) THEN a ELSE p_prices[i] END;
            END IF;
            q := v_new;
            r := r + v_pnl;
        END LOOP;
        IF v_exists THEN
            u_w := u_w || w; u_q := u_q || q; u_a := u_a || a; u_r := u_r || r;
        ELSE
            n_w := n_w || w; n_g := n_g || v_agent; n_q := n_q || q; n_a := n_a || a; n_r := n_r || r;
        END IF;
    END LOOP;
    IF cardinality(u_w) > 0 THEN
        UPDATE tradecore.trading_positions p
           SET qty = u.q, avg_price = u.a, realized_pnl = u.r, updated_at = now()
          FROM unnest(u_w, u_q, u_a, u_r) AS u(w, q, a, r)
         WHERE p.wallet_id = u.w AND p.instrument_id = p_instrument;
    END IF;
    IF cardinality(n_w) > 0 THEN
        INSERT INTO tradecore.trading_positions (wallet_id, instrument_id, agent_id, qty, avg_price, realized_pnl)
        SELECT u.w, p_instrument, u.g, u.q, u.a, u.r FROM unnest(n_w, n_g, n_q, n_a, n_r) AS u(w, g, q, a, r);
    END IF;
END
$$;
COMMENT ON FUNCTION tradecore.paper_apply_positions(bigint, bigint[], bigint[], text[], numeric[], numeric[], numeric[]) IS
    'Internal to place_order: updates trading_positions for the fills of one paper order (average price, realised P&L net of fees).';
REVOKE ALL ON FUNCTION tradecore.paper_apply_positions(bigint, bigint[], bigint[], text[], numeric[], numeric[], numeric[]) FROM PUBLIC;

CREATE FUNCTION tradecore.place_order(wallet_id bigint, symbol text, side text, qty numeric,
                                      price numeric DEFAULT NULL, type text DEFAULT NULL,
                                      time_in_force text DEFAULT 'gtc', client_order_id text DEFAULT NULL,
                                      exchange text DEFAULT 'paper', agent_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Its statements are fixed and their plans do not depend on the values (primary-key
-- lookups, arrays of this order's fills): plan them once per session, not per call.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ex     tradecore.exchanges;
    v_inst   tradecore.instruments;
    v_type   text := coalesce(place_order.type, CASE WHEN place_order.price IS NULL THEN 'market' ELSE 'limit' END);
    v_agent  bigint;
    v_id     bigint;
    v_old    tradecore.orders;
    v_makers bigint[];
    v_prices numeric[];
    v_qtys   numeric[];
    v_tfees  numeric[];
    v_mfees  numeric[];
    v_outcome text;
    v_filled numeric := 0;
    v_notional numeric := 0;
    v_status text;
    v_reason text;
    v_types  text[];
    v_payloads jsonb[];
    v_pw     bigint[];
    v_pa     bigint[];
    v_ps     text[];
    v_pq     numeric[];
    v_pp     numeric[];
    v_pf     numeric[];
BEGIN
    PERFORM tradecore.authorize_debit(place_order.wallet_id);
    SELECT * INTO v_ex FROM tradecore.exchanges e WHERE e.code = place_order.exchange AND e.enabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown or disabled exchange "%"', place_order.exchange USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_ex.kind <> 'paper' THEN   -- queued for the order sender (37_live_orders.sql)
        RETURN tradecore._live_place_order(place_order.wallet_id, v_ex.id, place_order.symbol, place_order.side,
            place_order.qty, place_order.price, v_type, place_order.time_in_force, place_order.client_order_id,
            place_order.agent_id);
    END IF;
    SELECT * INTO v_inst FROM tradecore.instruments i
     WHERE i.exchange_id = v_ex.id AND i.symbol = place_order.symbol AND i.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active instrument "%" on exchange "%"', place_order.symbol, place_order.exchange
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT tradecore.is_finite(place_order.qty) OR place_order.qty <= 0
       OR (place_order.price IS NOT NULL AND (NOT tradecore.is_finite(place_order.price) OR place_order.price <= 0)) THEN
        RAISE EXCEPTION 'quantity and price must be finite and positive' USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    SELECT w.agent_id INTO v_agent FROM tradecore.wallets w WHERE w.id = place_order.wallet_id;
    v_agent := coalesce(place_order.agent_id, v_agent);

    -- The client order id makes a retry idempotent: the second insert finds the first
    -- (waiting for its transaction if it is still running) and returns it unchanged.
    INSERT INTO tradecore.orders AS o (client_order_id, agent_id, wallet_id, instrument_id, exchange_id, side, type,
                                       time_in_force, price, qty, status)
    VALUES (coalesce(place_order.client_order_id, gen_random_uuid()::text), v_agent, place_order.wallet_id,
            v_inst.id, v_ex.id, place_order.side, v_type, place_order.time_in_force,
            CASE WHEN v_type = 'limit' THEN place_order.price END, place_order.qty, 'new')
    ON CONFLICT ON CONSTRAINT orders_wallet_id_client_order_id_key DO NOTHING
    RETURNING o.id INTO v_id;
    IF v_id IS NULL THEN
        SELECT * INTO v_old FROM tradecore.orders o
         WHERE o.wallet_id = place_order.wallet_id AND o.client_order_id = place_order.client_order_id;
        IF (v_old.instrument_id, v_old.side, v_old.type, v_old.time_in_force, v_old.qty)
             IS DISTINCT FROM (v_inst.id, place_order.side, v_type, place_order.time_in_force, place_order.qty)
           OR v_old.price IS DISTINCT FROM (CASE WHEN v_type = 'limit' THEN place_order.price END) THEN
            RAISE EXCEPTION 'client order id "%" was already used for a different order (id %)',
                  place_order.client_order_id, v_old.id USING ERRCODE = 'unique_violation';
        END IF;
        RETURN v_old.id;
    END IF;
    -- child rows carry the order's owner keys (v_agent and wallet_id were just written to
    -- it), so the copy_order_owner trigger has nothing to look up
    INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
    VALUES (v_id, v_agent, place_order.wallet_id, 'new', jsonb_build_object('client_order_id', place_order.client_order_id));

    -- match in C: one row per fill, then one outcome row
    SELECT coalesce(array_agg(m.maker_order_id ORDER BY m.n) FILTER (WHERE m.kind = 'fill'), '{}'),
           coalesce(array_agg(m.price ORDER BY m.n) FILTER (WHERE m.kind = 'fill'), '{}'),
           coalesce(array_agg(m.qty ORDER BY m.n) FILTER (WHERE m.kind = 'fill'), '{}'),
           coalesce(array_agg(m.taker_fee ORDER BY m.n) FILTER (WHERE m.kind = 'fill'), '{}'),
           coalesce(array_agg(m.maker_fee ORDER BY m.n) FILTER (WHERE m.kind = 'fill'), '{}'),
           min(m.kind) FILTER (WHERE m.kind <> 'fill')
      INTO v_makers, v_prices, v_qtys, v_tfees, v_mfees, v_outcome
      FROM tradecore.paper_match(v_id) WITH ORDINALITY AS m(kind, maker_order_id, price, qty, taker_fee, maker_fee, n);
    FOR i IN 1 .. cardinality(v_makers) LOOP
        v_filled := v_filled + v_qtys[i];
        v_notional := v_notional + v_prices[i] * v_qtys[i];
    END LOOP;
    v_status := CASE v_outcome
        WHEN 'resting' THEN 'open'
        WHEN 'partially_filled' THEN 'partially_filled'
        WHEN 'filled' THEN 'filled'
        WHEN 'canceled' THEN 'canceled'
        ELSE 'rejected' END;
    v_reason := CASE v_outcome
        WHEN 'rejected_post_only' THEN 'post-only order would have taken liquidity'
        WHEN 'rejected_fok' THEN 'fill-or-kill order could not be filled completely'
        WHEN 'rejected_duplicate' THEN 'order already on the book'
        WHEN 'rejected_invalid' THEN 'invalid price or quantity for the book'
        WHEN 'canceled' THEN CASE WHEN v_filled > 0 THEN 'unfilled remainder canceled' ELSE 'no liquidity' END
        END;

    -- Record everything in one statement: the makers' order states, a fills row and a
    -- 'fill' order event on each side of each fill (taker side first, fill by fill, as ids
    -- show), the taker's final state and order event.  It returns the outbox events in
    -- emit order (per fill: taker fill, maker fill, the maker's order.filled if it is
    -- complete) and the position entries (per fill: taker side, maker side).
    WITH f AS (
        SELECT * FROM unnest(v_makers, v_prices, v_qtys, v_tfees, v_mfees) WITH ORDINALITY
                      AS f(maker, price, qty, tfee, mfee, n)
    ), m AS (
        UPDATE tradecore.orders o
           SET filled_qty = o.filled_qty + f.qty,
               avg_fill_price = (coalesce(o.avg_fill_price, 0) * o.filled_qty + f.price * f.qty) / (o.filled_qty + f.qty),
               status = CASE WHEN o.filled_qty + f.qty = o.qty THEN 'filled' ELSE 'partially_filled' END
          FROM f
         WHERE o.id = f.maker
        RETURNING o.id, o.wallet_id, o.agent_id, o.side, o.client_order_id, o.status
    ), s AS (
        -- both sides of every fill; k orders them (1 taker, 2 maker)
        SELECT f.n, x.k, x.order_id, x.counter_id, x.wallet_id, x.agent_id, x.side, x.liq, x.fee,
               f.price, f.qty, f.maker, m.client_order_id AS maker_coid, m.status AS maker_status
          FROM f JOIN m ON m.id = f.maker
         CROSS JOIN LATERAL (VALUES (1, v_id, f.maker, place_order.wallet_id, v_agent, place_order.side, 'taker', f.tfee),
                                    (2, f.maker, v_id, m.wallet_id, m.agent_id, m.side, 'maker', f.mfee))
                    AS x(k, order_id, counter_id, wallet_id, agent_id, side, liq, fee)
    ), fi AS (
        INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, agent_id, price, qty, fee, fee_asset, liquidity, venue_fill_id)
        SELECT s.order_id, v_inst.id, s.wallet_id, s.agent_id, s.price, s.qty, s.fee, v_inst.quote_asset, s.liq,
               'paper-' || v_id || '-' || s.maker
          FROM s ORDER BY s.n, s.k
    ), t AS (
        UPDATE tradecore.orders o
           SET filled_qty = v_filled,
               avg_fill_price = CASE WHEN v_filled > 0 THEN v_notional / v_filled END,
               status = v_status, reject_reason = v_reason, venue_order_id = 'paper-' || v_id
         WHERE o.id = v_id
    ), oe AS (
        INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
        SELECT e.order_id, e.agent_id, e.wallet_id, e.kind, e.details
          FROM (SELECT s.n, s.k, s.order_id, s.agent_id, s.wallet_id, 'fill' AS kind,
                       jsonb_build_object('price', s.price::text, 'qty', s.qty::text, 'liquidity', s.liq,
                                          'counter_order_id', s.counter_id) AS details
                  FROM s
                UNION ALL
                SELECT NULL, NULL, v_id, v_agent, place_order.wallet_id, v_status,
                       jsonb_build_object('filled_qty', v_filled::text, 'reason', v_reason)) e
         ORDER BY e.n NULLS LAST, e.k
    )
    SELECT coalesce(array_agg(ev.type ORDER BY ev.n, ev.k), '{}'), coalesce(array_agg(ev.payload ORDER BY ev.n, ev.k), '{}'),
           (SELECT coalesce(array_agg(s.wallet_id ORDER BY s.n, s.k), '{}') FROM s),
           (SELECT coalesce(array_agg(s.agent_id ORDER BY s.n, s.k), '{}') FROM s),
           (SELECT coalesce(array_agg(s.side ORDER BY s.n, s.k), '{}') FROM s),
           (SELECT coalesce(array_agg(s.qty ORDER BY s.n, s.k), '{}') FROM s),
           (SELECT coalesce(array_agg(s.price ORDER BY s.n, s.k), '{}') FROM s),
           (SELECT coalesce(array_agg(s.fee ORDER BY s.n, s.k), '{}') FROM s)
      INTO v_types, v_payloads, v_pw, v_pa, v_ps, v_pq, v_pp, v_pf
      FROM (SELECT s.n, s.k, 'fill' AS type,
                   jsonb_build_object('order_id', s.order_id, 'wallet_id', s.wallet_id, 'agent_id', s.agent_id,
                                      'instrument_id', v_inst.id, 'side', s.side, 'price', s.price::text,
                                      'qty', s.qty::text, 'liquidity', s.liq) AS payload
              FROM s
            UNION ALL
            SELECT s.n, 3, 'order.filled',
                   jsonb_build_object('order_id', s.order_id, 'wallet_id', s.wallet_id, 'agent_id', s.agent_id,
                                      'client_order_id', s.maker_coid)
              FROM s WHERE s.k = 2 AND s.maker_status = 'filled') ev;

    IF cardinality(v_pw) > 0 THEN
        PERFORM tradecore.paper_apply_positions(v_inst.id, v_pw, v_pa, v_ps, v_pq, v_pp, v_pf);
    END IF;
    v_types := v_types || CASE v_status WHEN 'filled' THEN 'order.filled' WHEN 'canceled' THEN 'order.canceled'
                                        WHEN 'rejected' THEN 'order.canceled' ELSE 'order.new' END;
    v_payloads := v_payloads || jsonb_build_object('order_id', v_id, 'wallet_id', place_order.wallet_id, 'agent_id', v_agent,
                                                   'client_order_id', place_order.client_order_id, 'status', v_status,
                                                   'filled_qty', v_filled::text, 'symbol', place_order.symbol);
    -- Each event belongs to the wallet and agent of the order it describes, which for a maker's
    -- fill is not the caller: emit_many would file every event under a calling agent (showing
    -- it the makers' fills and hiding them from their owners under RLS).  The owner keys come
    -- from the payloads this function built, so the internal writer is used with them.
    PERFORM tradecore._emit_many(v_types, v_payloads,
        ARRAY(SELECT (u.p ->> 'agent_id')::bigint FROM unnest(v_payloads) WITH ORDINALITY AS u(p, n) ORDER BY u.n),
        ARRAY(SELECT (u.p ->> 'wallet_id')::bigint FROM unnest(v_payloads) WITH ORDINALITY AS u(p, n) ORDER BY u.n));
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint) IS
    'Order router: places an order (market when price is NULL) on the paper exchange, matches it in C and records fills, order states and positions. A repeated client_order_id returns the first order instead of placing another; reusing it for different parameters is an error.';
REVOKE ALL ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint)
    TO tradecore_admin, tradecore_operator, tradecore_agent;

CREATE FUNCTION tradecore.cancel_order(order_id bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_o    tradecore.orders;
    v_left numeric;
BEGIN
    SELECT * INTO v_o FROM tradecore.orders o WHERE o.id = cancel_order.order_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % does not exist', cancel_order.order_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM tradecore.authorize_debit(v_o.wallet_id);
    -- final states: a retried cancel changes nothing
    IF v_o.status IN ('filled', 'canceled', 'rejected') THEN
        RETURN v_o.status;
    END IF;
    IF (SELECT e.kind FROM tradecore.exchanges e WHERE e.id = v_o.exchange_id) <> 'paper' THEN
        RETURN tradecore._live_cancel_order(v_o.id);   -- 37_live_orders.sql
    END IF;
    v_left := tradecore.paper_unrest(v_o.id);
    UPDATE tradecore.orders o SET status = 'canceled', reject_reason = coalesce(o.reject_reason, 'canceled by request')
     WHERE o.id = v_o.id;
    INSERT INTO tradecore.order_events (order_id, kind, details)
    VALUES (v_o.id, 'canceled', jsonb_build_object('remaining_qty', coalesce(v_left, v_o.qty - v_o.filled_qty)::text));
    PERFORM tradecore.emit('order.canceled', jsonb_build_object('order_id', v_o.id, 'wallet_id', v_o.wallet_id,
                           'agent_id', v_o.agent_id, 'client_order_id', v_o.client_order_id));
    RETURN 'canceled';
END
$$;
COMMENT ON FUNCTION tradecore.cancel_order(bigint) IS
    'Cancels an open paper order (takes it off the book); canceling an order already filled, canceled or rejected returns its status and changes nothing.';
REVOKE ALL ON FUNCTION tradecore.cancel_order(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.cancel_order(bigint) TO tradecore_admin, tradecore_operator, tradecore_agent;

CREATE FUNCTION tradecore.cancel_order(wallet_id bigint, client_order_id text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_id bigint;
BEGIN
    SELECT o.id INTO v_id FROM tradecore.orders o
     WHERE o.wallet_id = cancel_order.wallet_id AND o.client_order_id = cancel_order.client_order_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no order with client order id "%" in wallet %', cancel_order.client_order_id, cancel_order.wallet_id
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN tradecore.cancel_order(v_id);
END
$$;
COMMENT ON FUNCTION tradecore.cancel_order(bigint, text) IS 'cancel_order by wallet and client order id.';
REVOKE ALL ON FUNCTION tradecore.cancel_order(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.cancel_order(bigint, text) TO tradecore_admin, tradecore_operator, tradecore_agent;
