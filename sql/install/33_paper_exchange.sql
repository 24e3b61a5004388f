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

-- Position bookkeeping for one fill: average price on the growing side, realised P&L on
-- the reducing side (fees included), flipping through zero starts a fresh average.
CREATE FUNCTION tradecore.paper_apply_position(p_wallet bigint, p_instrument bigint, p_agent bigint,
                                               p_side text, p_qty numeric, p_price numeric, p_fee numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pos  tradecore.trading_positions;
    v_d    numeric := CASE WHEN p_side = 'buy' THEN p_qty ELSE -p_qty END;
    v_new  numeric;
    v_closed numeric;
    v_pnl  numeric := -p_fee;
    v_avg  numeric;
BEGIN
    SELECT * INTO v_pos FROM tradecore.trading_positions
     WHERE wallet_id = p_wallet AND instrument_id = p_instrument FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO tradecore.trading_positions (wallet_id, instrument_id, agent_id, qty, avg_price, realized_pnl)
        VALUES (p_wallet, p_instrument, p_agent, v_d, p_price, -p_fee);
        RETURN;
    END IF;
    v_new := v_pos.qty + v_d;
    IF v_pos.qty = 0 OR sign(v_pos.qty) = sign(v_d) THEN
        v_avg := (abs(v_pos.qty) * coalesce(v_pos.avg_price, 0) + p_qty * p_price) / abs(v_new);
    ELSE
        v_closed := least(abs(v_pos.qty), p_qty);
        v_pnl := v_pnl + v_closed * (p_price - v_pos.avg_price) * sign(v_pos.qty);
        v_avg := CASE WHEN v_new = 0 THEN NULL WHEN sign(v_new) = sign(v_pos.qty) THEN v_pos.avg_price ELSE p_price END;
    END IF;
    UPDATE tradecore.trading_positions
       SET qty = v_new, avg_price = v_avg, realized_pnl = realized_pnl + v_pnl, updated_at = now()
     WHERE wallet_id = p_wallet AND instrument_id = p_instrument;
END
$$;
COMMENT ON FUNCTION tradecore.paper_apply_position(bigint, bigint, bigint, text, numeric, numeric, numeric) IS
    'Internal: updates trading_positions for one paper fill (average price, realised P&L net of the fee).';
REVOKE ALL ON FUNCTION tradecore.paper_apply_position(bigint, bigint, bigint, text, numeric, numeric, numeric) FROM PUBLIC;

-- Records one fill on both orders: fills rows (taker and maker), the maker's order state,
-- positions, order events and outbox events.
CREATE FUNCTION tradecore.paper_record_fill(p_taker bigint, p_maker bigint, p_price numeric, p_qty numeric,
                                            p_taker_fee numeric, p_maker_fee numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    v_quote text;
BEGIN
    FOR o IN SELECT x.*, CASE WHEN x.id = p_taker THEN 'taker' ELSE 'maker' END AS liq
               FROM tradecore.orders x WHERE x.id IN (p_taker, p_maker) ORDER BY x.id = p_maker
    LOOP
        SELECT quote_asset INTO v_quote FROM tradecore.instruments WHERE id = o.instrument_id;
        INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, agent_id, price, qty, fee, fee_asset, liquidity, venue_fill_id)
        VALUES (o.id, o.instrument_id, o.wallet_id, o.agent_id, p_price, p_qty,
                CASE WHEN o.liq = 'taker' THEN p_taker_fee ELSE p_maker_fee END, v_quote, o.liq,
                'paper-' || p_taker || '-' || p_maker);
        PERFORM tradecore.paper_apply_position(o.wallet_id, o.instrument_id, o.agent_id, o.side, p_qty, p_price,
                CASE WHEN o.liq = 'taker' THEN p_taker_fee ELSE p_maker_fee END);
        INSERT INTO tradecore.order_events (order_id, kind, details)
        VALUES (o.id, 'fill', jsonb_build_object('price', p_price::text, 'qty', p_qty::text, 'liquidity', o.liq,
                                                 'counter_order_id', CASE WHEN o.liq = 'taker' THEN p_maker ELSE p_taker END));
        PERFORM tradecore.emit('fill', jsonb_build_object('order_id', o.id, 'wallet_id', o.wallet_id, 'agent_id', o.agent_id,
                'instrument_id', o.instrument_id, 'side', o.side, 'price', p_price::text, 'qty', p_qty::text, 'liquidity', o.liq));
        IF o.liq = 'maker' THEN
            UPDATE tradecore.orders
               SET filled_qty = filled_qty + p_qty,
                   avg_fill_price = (coalesce(avg_fill_price, 0) * filled_qty + p_price * p_qty) / (filled_qty + p_qty),
                   status = CASE WHEN filled_qty + p_qty = qty THEN 'filled' ELSE 'partially_filled' END
             WHERE id = p_maker;
            IF o.filled_qty + p_qty = o.qty THEN
                PERFORM tradecore.emit('order.filled', jsonb_build_object('order_id', o.id, 'wallet_id', o.wallet_id,
                        'agent_id', o.agent_id, 'client_order_id', o.client_order_id));
            END IF;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tradecore.paper_record_fill(bigint, bigint, numeric, numeric, numeric, numeric) IS
    'Internal to place_order: records a paper fill on the taker and the maker order.';
REVOKE ALL ON FUNCTION tradecore.paper_record_fill(bigint, bigint, numeric, numeric, numeric, numeric) FROM PUBLIC;

CREATE FUNCTION tradecore.place_order(wallet_id bigint, symbol text, side text, qty numeric,
                                      price numeric DEFAULT NULL, type text DEFAULT NULL,
                                      time_in_force text DEFAULT 'gtc', client_order_id text DEFAULT NULL,
                                      exchange text DEFAULT 'paper', agent_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ex     tradecore.exchanges;
    v_inst   tradecore.instruments;
    v_type   text := coalesce(place_order.type, CASE WHEN place_order.price IS NULL THEN 'market' ELSE 'limit' END);
    v_agent  bigint;
    v_id     bigint;
    v_old    tradecore.orders;
    r        record;
    v_filled numeric := 0;
    v_notional numeric := 0;
    v_status text;
    v_reason text;
BEGIN
    PERFORM tradecore.authorize_debit(place_order.wallet_id);
    SELECT * INTO v_ex FROM tradecore.exchanges e WHERE e.code = place_order.exchange AND e.enabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown or disabled exchange "%"', place_order.exchange USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_ex.kind <> 'paper' THEN
        RAISE EXCEPTION 'place_order routes to the paper exchange only'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Live venues are polled and their requests can be signed (tradecore.sign_request), but this release sends no live orders.';
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
    INSERT INTO tradecore.order_events (order_id, kind, details)
    VALUES (v_id, 'new', jsonb_build_object('client_order_id', place_order.client_order_id));

    FOR r IN SELECT * FROM tradecore.paper_match(v_id) LOOP
        IF r.kind = 'fill' THEN
            PERFORM tradecore.paper_record_fill(v_id, r.maker_order_id, r.price, r.qty, r.taker_fee, r.maker_fee);
            v_filled := v_filled + r.qty;
            v_notional := v_notional + r.price * r.qty;
        ELSE
            v_status := CASE r.kind
                WHEN 'resting' THEN 'open'
                WHEN 'partially_filled' THEN 'partially_filled'
                WHEN 'filled' THEN 'filled'
                WHEN 'canceled' THEN 'canceled'
                ELSE 'rejected' END;
            v_reason := CASE r.kind
                WHEN 'rejected_post_only' THEN 'post-only order would have taken liquidity'
                WHEN 'rejected_fok' THEN 'fill-or-kill order could not be filled completely'
                WHEN 'rejected_duplicate' THEN 'order already on the book'
                WHEN 'rejected_invalid' THEN 'invalid price or quantity for the book'
                WHEN 'canceled' THEN CASE WHEN v_filled > 0 THEN 'unfilled remainder canceled' ELSE 'no liquidity' END
                END;
        END IF;
    END LOOP;
    UPDATE tradecore.orders o
       SET filled_qty = v_filled,
           avg_fill_price = CASE WHEN v_filled > 0 THEN v_notional / v_filled END,
           status = v_status, reject_reason = v_reason, venue_order_id = 'paper-' || v_id
     WHERE o.id = v_id;
    INSERT INTO tradecore.order_events (order_id, kind, details)
    VALUES (v_id, v_status, jsonb_build_object('filled_qty', v_filled::text, 'reason', v_reason));
    PERFORM tradecore.emit(CASE v_status WHEN 'filled' THEN 'order.filled' WHEN 'canceled' THEN 'order.canceled'
                                         WHEN 'rejected' THEN 'order.canceled' ELSE 'order.new' END,
                           jsonb_build_object('order_id', v_id, 'wallet_id', place_order.wallet_id, 'agent_id', v_agent,
                                              'client_order_id', place_order.client_order_id, 'status', v_status,
                                              'filled_qty', v_filled::text, 'symbol', place_order.symbol));
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
