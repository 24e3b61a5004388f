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

CREATE FUNCTION tradecore._apply_fill_positions(instrument_id bigint, wallet_ids bigint[], agent_ids bigint[],
                                                sides text[], qtys numeric[], prices numeric[], fees numeric[])
RETURNS void
AS 'MODULE_PATHNAME', 'tc_apply_fill_positions'
LANGUAGE C VOLATILE STRICT
-- the positions are found by key: see place_order
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off;
COMMENT ON FUNCTION tradecore._apply_fill_positions(bigint, bigint[], bigint[], text[], numeric[], numeric[], numeric[]) IS
    'Internal: updates trading_positions for fills recorded outside place_order (a live venue''s), entry i being one side of one fill in fill order; the same C arithmetic as the paper path (average price, realised P&L net of fees).';
REVOKE ALL ON FUNCTION tradecore._apply_fill_positions(bigint, bigint[], bigint[], text[], numeric[], numeric[], numeric[]) FROM PUBLIC;

-- The router is C (src/place_order.c): authorisation (authorize_debit), the exchange, then
-- the paper path (insert, match and record) or the queue of a live venue
-- (_live_place_order, 37_live_orders.sql).
CREATE FUNCTION tradecore.place_order(wallet_id bigint, symbol text, side text, qty numeric,
                                      price numeric DEFAULT NULL, type text DEFAULT NULL,
                                      time_in_force text DEFAULT 'gtc', client_order_id text DEFAULT NULL,
                                      exchange text DEFAULT 'paper', agent_id bigint DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tc_place_order'
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- Every statement it runs, and every foreign-key check its writes run, finds rows by key
-- (or by row address) in tables that grow without bound.  Plans are made once and kept,
-- possibly while a table is still nearly empty and a sequential scan or a hash join over
-- all of it looks cheapest: rule those out, so that a key lookup stays a key lookup.
-- Ruling a plan node out adds a huge cost to it, which would make the plan look worth
-- compiling with JIT on every execution: jit is off as well.
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
SET jit = off;
COMMENT ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint) IS
    'Order router: places an order (market when price is NULL). On the paper exchange it is matched in C and its fills, order states and positions recorded at once; on a live venue it is validated and queued for the order sender (sent after commit, only while tradecore.live_trading is on). A repeated client_order_id returns the first order instead of placing another; reusing it for different parameters is an error.';
REVOKE ALL ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.place_order(bigint, text, text, numeric, numeric, text, text, text, text, bigint)
    TO tradecore_admin, tradecore_operator, tradecore_agent;

CREATE FUNCTION tradecore.cancel_order(order_id bigint) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- lookups by key only: see place_order
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_o    tradecore.orders;
    v_left numeric;
BEGIN
    SELECT * INTO v_o FROM tradecore.orders o WHERE o.id = cancel_order.order_id;
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
    -- Locks in the order every match takes them: the book (paper_unrest), then the order
    -- row; the other way round, a cancel and a match filling that order deadlock.  The
    -- order may have been filled while we waited for the book.
    v_left := tradecore.paper_unrest(v_o.id);
    SELECT * INTO v_o FROM tradecore.orders o WHERE o.id = cancel_order.order_id FOR UPDATE;
    IF v_o.status IN ('filled', 'canceled', 'rejected') THEN
        RETURN v_o.status;
    END IF;
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
    'Cancels an open order: a paper order is taken off its book (canceled); a live order that never reached its venue is canceled at once, otherwise one cancel is queued for the order sender (pending_cancel). Canceling an order already filled, canceled or rejected returns its status and changes nothing.';
REVOKE ALL ON FUNCTION tradecore.cancel_order(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.cancel_order(bigint) TO tradecore_admin, tradecore_operator, tradecore_agent;

CREATE FUNCTION tradecore._order_by_client_id(wallet_id bigint, client_order_id text) RETURNS bigint
AS 'MODULE_PATHNAME', 'tc_order_by_client_id'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore._order_by_client_id(bigint, text) IS
    'Internal to cancel_order: the order placed in a wallet under a client order id, read through the unique index on (wallet_id, client_order_id) (a planned query may take the index on (wallet_id, ts) on a table its statistics call empty and read every order of the wallet).';
REVOKE ALL ON FUNCTION tradecore._order_by_client_id(bigint, text) FROM PUBLIC;

CREATE FUNCTION tradecore.cancel_order(wallet_id bigint, client_order_id text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- lookups by key only: see place_order
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_id bigint;
BEGIN
    v_id := tradecore._order_by_client_id(cancel_order.wallet_id, cancel_order.client_order_id);
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
