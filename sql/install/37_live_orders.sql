-- 37_live_orders.sql: orders on live venues (Binance spot, Coinbase Exchange, Kraken spot).
--
-- place_order on a live venue does no HTTP: in the caller's transaction it validates the
-- order, inserts it (status 'new'), its order event, its outbox event and a 'place' row in
-- live_order_requests; all commit together, and the commit wakes the order sender worker
-- (bgworkers/order_sender.c), which sends the request with no transaction open and records
-- the outcome through _live_record.  The request carries a client order id the venue keeps
-- unique among open orders; after any answer that leaves it unknown whether the venue
-- executed a request (timeout, connection lost after sending, 5xx), the sender looks the
-- order up by that id before sending anything again, so an order is never placed twice.
-- tradecore.live_trading (a SIGHUP GUC, off by default) is the kill switch: while it is off
-- place_order refuses live orders and the sender sends nothing.  docs/exchanges.md has the
-- full state machine.

CREATE TABLE tradecore.live_order_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES tradecore.orders (id) ON DELETE RESTRICT,
    exchange_id     integer NOT NULL REFERENCES tradecore.exchanges (id) ON DELETE RESTRICT,
    wallet_id       bigint NOT NULL,
    action          text NOT NULL CHECK (action IN ('place', 'cancel', 'sync')),
    venue_client_id text NOT NULL CHECK (venue_client_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'canceled')),
    lookup          boolean NOT NULL DEFAULT false,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_sent_at    timestamptz,
    last_error      text,
    ts              timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tradecore.live_order_requests IS
    'Queue of requests to live venues (place, cancel, status sync), written in the transaction of place_order / cancel_order and worked off by the order sender worker; never readable by agents (time ts, owner key wallet_id).';
COMMENT ON COLUMN tradecore.live_order_requests.id IS 'Request id.';
COMMENT ON COLUMN tradecore.live_order_requests.order_id IS 'Order the request is about.';
COMMENT ON COLUMN tradecore.live_order_requests.exchange_id IS 'Live venue it goes to.';
COMMENT ON COLUMN tradecore.live_order_requests.wallet_id IS 'Owner key: the order''s wallet.';
COMMENT ON COLUMN tradecore.live_order_requests.action IS 'place, cancel, or sync (look the open order up for fills and its final state).';
COMMENT ON COLUMN tradecore.live_order_requests.venue_client_id IS 'Client order id sent to the venue (Binance newClientOrderId, Coinbase client_oid, Kraken cl_ord_id): a UUID derived from the order''s client_order_id, the same on every attempt.';
COMMENT ON COLUMN tradecore.live_order_requests.state IS 'pending (to be sent, or being retried), done, failed (given up; last_error says why) or canceled (a place canceled before it was sent).';
COMMENT ON COLUMN tradecore.live_order_requests.lookup IS 'The next attempt first looks the order up by venue_client_id: the outcome of an earlier attempt is unknown (it may have been executed).';
COMMENT ON COLUMN tradecore.live_order_requests.attempts IS 'Attempts so far, lookups included.';
COMMENT ON COLUMN tradecore.live_order_requests.next_attempt_at IS 'Not attempted before this time (backoff with jitter, Retry-After, the lookup delay, or the lease of an attempt in flight).';
COMMENT ON COLUMN tradecore.live_order_requests.last_sent_at IS 'When the order was last sent to the venue (a place or cancel attempt, not a lookup).';
COMMENT ON COLUMN tradecore.live_order_requests.last_error IS 'Why the last attempt failed; never holds a secret.';
COMMENT ON COLUMN tradecore.live_order_requests.ts IS 'When the request was queued.';
COMMENT ON COLUMN tradecore.live_order_requests.updated_at IS 'When it last changed.';
-- one pending request per order and action: a retried cancel queues nothing new
CREATE UNIQUE INDEX live_order_requests_pending_idx ON tradecore.live_order_requests (order_id, action)
    WHERE state = 'pending';
CREATE INDEX live_order_requests_due_idx ON tradecore.live_order_requests (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX live_order_requests_order_idx ON tradecore.live_order_requests (order_id);
CREATE TRIGGER live_order_requests_touch BEFORE UPDATE ON tradecore.live_order_requests
    FOR EACH ROW EXECUTE FUNCTION tradecore.touch_updated_at();
-- Staff only: the queue says which orders of which wallets are about to reach which venue.
REVOKE ALL ON tradecore.live_order_requests FROM PUBLIC;
GRANT ALL ON tradecore.live_order_requests TO tradecore_admin;
GRANT SELECT ON tradecore.live_order_requests TO tradecore_operator;
-- Row-level security like every table with an owner key: staff see every row; no policy
-- (so no row) for anyone else.  The sender and the SECURITY DEFINER callers run as the
-- superuser that owns the extension, which RLS does not restrict.
ALTER TABLE tradecore.live_order_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE tradecore.live_order_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_all ON tradecore.live_order_requests TO tradecore_admin, tradecore_operator
    USING (true) WITH CHECK (true);

CREATE FUNCTION tradecore.venue_client_order_id(wallet_id bigint, client_order_id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    -- Coinbase requires a UUID and Binance allows 36 characters: a UUID fits all three venues.
    -- The default client order id already is one; any other is hashed with its wallet (the
    -- unique key of orders), so the same order always gets the same venue id.
    SELECT CASE WHEN lower($2) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN lower($2)
                ELSE md5('tradecore:' || $1 || ':' || $2)::uuid::text END
$$;
COMMENT ON FUNCTION tradecore.venue_client_order_id(bigint, text) IS
    'The client order id sent to live venues for an order: its client_order_id when that is a UUID, else a UUID hashed from wallet and client_order_id.';

CREATE FUNCTION tradecore.parse_order_response(venue text, action text, http_status integer, body text,
                                               client_id text DEFAULT NULL,
    OUT outcome text, OUT venue_order_id text, OUT status text, OUT filled_qty numeric,
    OUT filled_quote numeric, OUT code text, OUT message text, OUT filled_fee numeric)
RETURNS record
AS 'MODULE_PATHNAME', 'tc_parse_order_response'
LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION tradecore.parse_order_response(text, text, integer, text, text) IS
    'How the order sender reads a live venue''s answer to a place, cancel or lookup request: outcome ok, not_found, rejected, retry (refused before execution) or unknown (may have been executed: look up before resending), the venue order id, our status, cumulative filled quantity and quote amount, the venue''s error code and message, and the cumulative fee in the quote asset (Coinbase fill_fees, Kraken fee; NULL for Binance, whose order answers carry none).';

CREATE FUNCTION tradecore._live_wake(pid integer) RETURNS void
AS 'MODULE_PATHNAME', 'tc_live_wake'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION tradecore._live_wake(integer) IS
    'Internal: sets the latch of the order sender worker (pid) when the current transaction commits, so a queued request is sent at once.';
REVOKE ALL ON FUNCTION tradecore._live_wake(integer) FROM PUBLIC;

CREATE FUNCTION tradecore._live_wake_sender() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- no sender running (not preloaded, or between restarts): it polls when it starts
    PERFORM tradecore._live_wake(a.pid) FROM pg_stat_activity a
      WHERE a.backend_type = 'tradecore order sender' AND a.datname = current_database();
END
$$;
COMMENT ON FUNCTION tradecore._live_wake_sender() IS 'Internal: wakes the order sender of this database at commit.';
REVOKE ALL ON FUNCTION tradecore._live_wake_sender() FROM PUBLIC;

-- current_setting() shows a parameter with its unit ('800ms'); pg_settings has the bare number
CREATE FUNCTION tradecore._setting_int(p_name text) RETURNS integer
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT s.setting::integer FROM pg_settings s WHERE s.name = p_name $$;
COMMENT ON FUNCTION tradecore._setting_int(text) IS 'Internal: an integer parameter in its base unit (milliseconds for the tradecore.*_ms parameters).';

CREATE FUNCTION tradecore.live_trading_enabled() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT coalesce(current_setting('tradecore.live_trading', true)::boolean, false) $$;
COMMENT ON FUNCTION tradecore.live_trading_enabled() IS 'The kill switch tradecore.live_trading as this session sees it.';

-- Applies what a venue said about an order: cumulative fills become fill rows (one per
-- increase of the cumulative quantity, keyed 'cum:<qty>' so a repeated answer records
-- nothing), positions follow, and the status moves forward (a final state is never left).
-- The venue reports fees the same way, as the order's cumulative fee in the quote asset
-- (p_filled_fee, NULL when unknown): each new fill carries the increase since the fees of
-- the fills already recorded, so realised P&L is net of fees as on the paper exchange.
CREATE FUNCTION tradecore._live_apply(p_order bigint, p_status text, p_venue_order_id text,
                                      p_filled_qty numeric, p_filled_quote numeric, p_reason text,
                                      p_details jsonb DEFAULT '{}', p_filled_fee numeric DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o         tradecore.orders;
    v_sym     text;
    v_status  text;
    v_filled  numeric;
    v_avg     numeric;
    v_delta   numeric;
    v_dquote  numeric;
    v_price   numeric;
    v_fill    bigint;
    v_fee     numeric := 0;
    v_fee_ast text;
    v_feesum  numeric;
    v_types   text[] := '{}';
    v_pays    jsonb[] := '{}';
BEGIN
    SELECT * INTO o FROM tradecore.orders WHERE id = p_order FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % does not exist', p_order USING ERRCODE = 'no_data_found';
    END IF;
    SELECT i.symbol, i.quote_asset INTO v_sym, v_fee_ast FROM tradecore.instruments i WHERE i.id = o.instrument_id;
    IF p_status IS NOT NULL AND p_status NOT IN ('open', 'partially_filled', 'filled', 'canceled', 'rejected') THEN
        RAISE EXCEPTION 'unknown order status "%"', p_status USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT tradecore.is_finite(p_filled_qty) OR p_filled_qty < 0
       OR NOT tradecore.is_finite(p_filled_quote) OR p_filled_quote < 0
       OR NOT tradecore.is_finite(p_filled_fee) OR p_filled_fee < 0 THEN
        RAISE EXCEPTION 'filled quantity, amount and fee must be finite and not negative' USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    IF p_filled_qty > o.qty THEN
        RAISE EXCEPTION 'venue reports % filled of order % for %', p_filled_qty, o.id, o.qty
            USING ERRCODE = 'data_exception';
    END IF;

    v_filled := o.filled_qty;
    v_avg := o.avg_fill_price;
    IF p_filled_qty > o.filled_qty THEN
        v_delta := p_filled_qty - o.filled_qty;
        v_dquote := p_filled_quote - coalesce(o.avg_fill_price * o.filled_qty, 0);
        -- the price of this increase: its share of the cumulative quote amount when the venue
        -- reports one, else the limit price
        v_price := CASE WHEN v_dquote > 0 THEN round(v_dquote / v_delta, 12)
                        WHEN p_filled_quote > 0 THEN round(p_filled_quote / p_filled_qty, 12)
                        ELSE o.price END;
        IF v_price IS NULL OR v_price <= 0 THEN
            RAISE EXCEPTION 'venue reports a fill of order % without a price', o.id USING ERRCODE = 'data_exception';
        END IF;
        IF p_filled_fee IS NOT NULL THEN
            -- the fees recorded so far are the sum over the order's fills (the order row is
            -- locked, so no other fill of it is being recorded)
            SELECT coalesce(sum(f.fee), 0) INTO v_feesum FROM tradecore.fills f WHERE f.order_id = o.id;
            v_fee := greatest(p_filled_fee - v_feesum, 0);
        ELSE
            v_fee_ast := NULL;   -- unknown fee: 0, as before, with no asset claimed
        END IF;
        INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, agent_id, price, qty, fee, fee_asset, venue_fill_id)
        VALUES (o.id, o.instrument_id, o.wallet_id, o.agent_id, v_price, v_delta, v_fee, v_fee_ast, 'cum:' || p_filled_qty)
        ON CONFLICT (order_id, venue_fill_id) DO NOTHING
        RETURNING id INTO v_fill;
        IF v_fill IS NOT NULL AND p_filled_fee < v_feesum THEN
            -- a cumulative fee never goes down: the venue's data is wrong; the fill keeps fee 0
            INSERT INTO tradecore.exchange_errors (exchange_id, kind, message, details)
            VALUES (o.exchange_id, 'data',
                    format('cumulative fee of order %s went down from %s to %s: fill %s recorded with fee 0',
                           o.id, v_feesum, p_filled_fee, v_fill),
                    jsonb_build_object('order_id', o.id, 'fill_id', v_fill, 'recorded_fees', v_feesum::text,
                                       'cumulative_fee', p_filled_fee::text, 'cumulative_qty', p_filled_qty::text));
        END IF;
        IF v_fill IS NOT NULL THEN
            INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
            VALUES (o.id, o.agent_id, o.wallet_id, 'fill',
                    jsonb_strip_nulls(jsonb_build_object('fill_id', v_fill, 'qty', v_delta::text, 'price', v_price::text,
                                       'cumulative_qty', p_filled_qty::text, 'fee', v_fee::text, 'fee_asset', v_fee_ast,
                                       'cumulative_fee', p_filled_fee::text)));
            PERFORM tradecore._apply_fill_positions(o.instrument_id, ARRAY[o.wallet_id], ARRAY[o.agent_id],
                                                     ARRAY[o.side], ARRAY[v_delta], ARRAY[v_price], ARRAY[v_fee]);
            v_types := v_types || 'fill'::text;
            v_pays := v_pays || jsonb_build_object('fill_id', v_fill, 'order_id', o.id, 'wallet_id', o.wallet_id,
                                                   'agent_id', o.agent_id, 'symbol', v_sym, 'side', o.side,
                                                   'qty', v_delta::text, 'price', v_price::text,
                                                   'fee', v_fee::text);
            v_filled := p_filled_qty;
            v_avg := CASE WHEN p_filled_quote > 0 THEN round(p_filled_quote / p_filled_qty, 12)
                          -- folded like the paper path's averages (TC_AVG_PRICE_SCALE, src/numeric_ops.h):
                          -- unrounded, the scale would grow with every fill
                          ELSE round((coalesce(o.avg_fill_price, 0) * o.filled_qty + v_price * v_delta) / p_filled_qty, 16) END;
        END IF;
    END IF;

    v_status := CASE
        WHEN o.status IN ('filled', 'canceled', 'rejected') THEN o.status
        WHEN v_filled = o.qty THEN 'filled'
        WHEN p_status IS NULL THEN CASE WHEN v_filled > 0 THEN 'partially_filled' ELSE o.status END
        WHEN p_status IN ('open', 'partially_filled', 'filled') THEN CASE WHEN v_filled > 0 THEN 'partially_filled' ELSE 'open' END
        ELSE p_status END;

    UPDATE tradecore.orders
       SET status = v_status, filled_qty = v_filled, avg_fill_price = v_avg,
           venue_order_id = coalesce(venue_order_id, p_venue_order_id),
           reject_reason = CASE WHEN v_status IN ('canceled', 'rejected') AND v_status <> o.status
                                THEN coalesce(p_reason, reject_reason) ELSE reject_reason END
     WHERE id = o.id;
    IF v_status <> o.status OR (o.venue_order_id IS NULL AND p_venue_order_id IS NOT NULL) THEN
        INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
        VALUES (o.id, o.agent_id, o.wallet_id,
                CASE v_status WHEN 'open' THEN 'acknowledged' WHEN 'partially_filled' THEN 'partially_filled'
                              ELSE v_status END,
                p_details || jsonb_strip_nulls(jsonb_build_object('venue_order_id', coalesce(o.venue_order_id, p_venue_order_id),
                                                                  'reason', p_reason)));
        v_types := v_types || CASE v_status WHEN 'filled' THEN 'order.filled'
                                            WHEN 'canceled' THEN 'order.canceled'
                                            WHEN 'rejected' THEN 'order.canceled'
                                            ELSE 'order.new' END;
        v_pays := v_pays || jsonb_strip_nulls(jsonb_build_object(
                      'order_id', o.id, 'wallet_id', o.wallet_id, 'agent_id', o.agent_id,
                      'client_order_id', o.client_order_id, 'status', v_status, 'filled_qty', v_filled::text,
                      'symbol', v_sym, 'venue_order_id', coalesce(o.venue_order_id, p_venue_order_id),
                      'reason', CASE WHEN v_status IN ('canceled', 'rejected') THEN p_reason END));
    END IF;
    IF v_status IN ('filled', 'canceled', 'rejected') THEN
        -- nothing is left to cancel or to sync
        UPDATE tradecore.live_order_requests x SET state = 'done', last_error = 'the order is ' || v_status
         WHERE x.order_id = o.id AND x.state = 'pending' AND x.action IN ('cancel', 'sync');
    END IF;
    IF cardinality(v_types) > 0 THEN
        PERFORM tradecore._emit_many(v_types, v_pays,
            array_fill(o.agent_id, ARRAY[cardinality(v_types)]), array_fill(o.wallet_id, ARRAY[cardinality(v_types)]));
    END IF;
    RETURN v_status;
END
$$;
COMMENT ON FUNCTION tradecore._live_apply(bigint, text, text, numeric, numeric, text, jsonb, numeric) IS
    'Internal: records what a live venue reported about an order: fills as increases of the cumulative filled quantity (idempotent) with fees as increases of the cumulative fee (a decrease is an exchange_errors row and fee 0), positions net of fees, status (never leaving a final state), venue order id, order events and outbox events.';
REVOKE ALL ON FUNCTION tradecore._live_apply(bigint, text, text, numeric, numeric, text, jsonb, numeric) FROM PUBLIC;

-- The live-venue branch of place_order (33_paper_exchange.sql); authorize_debit has run.
CREATE FUNCTION tradecore._live_place_order(p_wallet bigint, p_exchange integer, p_symbol text, p_side text,
                                            p_qty numeric, p_price numeric, p_type text, p_tif text,
                                            p_client_order_id text, p_agent bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ex     tradecore.exchanges;
    v_inst   tradecore.instruments;
    v_coid   text := coalesce(p_client_order_id, gen_random_uuid()::text);
    v_agent  bigint;
    v_id     bigint;
    v_old    tradecore.orders;
    v_vcid   text;
BEGIN
    SELECT * INTO v_ex FROM tradecore.exchanges e WHERE e.id = p_exchange;
    IF v_ex.code NOT IN ('binance', 'coinbase', 'kraken') THEN
        RAISE EXCEPTION 'live orders go to binance, coinbase or kraken, not "%"', v_ex.code
            USING ERRCODE = 'feature_not_supported';
    END IF;
    SELECT * INTO v_inst FROM tradecore.instruments i
     WHERE i.exchange_id = v_ex.id AND i.symbol = p_symbol AND i.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active instrument "%" on exchange "%"', p_symbol, v_ex.code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_side IS NULL OR p_side NOT IN ('buy', 'sell') THEN
        RAISE EXCEPTION 'side must be buy or sell' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_type NOT IN ('limit', 'market') OR p_tif IS NULL OR p_tif NOT IN ('gtc', 'ioc', 'fok', 'post_only') THEN
        RAISE EXCEPTION 'type must be limit or market and time_in_force gtc, ioc, fok or post_only'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT tradecore.is_finite(p_qty) OR p_qty <= 0 OR p_price IS NOT NULL AND (NOT tradecore.is_finite(p_price) OR p_price <= 0) THEN
        RAISE EXCEPTION 'quantity and price must be finite and positive' USING ERRCODE = 'numeric_value_out_of_range';
    END IF;
    IF p_type = 'limit' AND p_price IS NULL OR p_type = 'market' AND p_price IS NOT NULL THEN
        RAISE EXCEPTION 'a limit order needs a price and a market order takes none' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_type = 'market' AND p_tif = 'post_only' OR v_ex.code = 'kraken' AND p_tif = 'fok' THEN
        RAISE EXCEPTION '% is not available for a % order on %', p_tif, p_type, v_ex.code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the venue would refuse quantities and prices off its grid; say so before anything is queued
    IF p_qty % v_inst.lot_size <> 0 THEN
        RAISE EXCEPTION 'quantity % is not a multiple of the lot size % of % on %', p_qty, v_inst.lot_size, p_symbol, v_ex.code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_price % v_inst.tick_size <> 0 THEN
        RAISE EXCEPTION 'price % is not a multiple of the tick size % of % on %', p_price, v_inst.tick_size, p_symbol, v_ex.code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- a retry with the same client order id returns the first order, switch on or off
    SELECT * INTO v_old FROM tradecore.orders o WHERE o.wallet_id = p_wallet AND o.client_order_id = v_coid;
    IF NOT FOUND THEN
        IF NOT tradecore.live_trading_enabled() THEN
            RAISE EXCEPTION 'live trading is off: no order is sent to %', v_ex.code
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'tradecore.live_trading is the kill switch; an administrator turns it on with ALTER SYSTEM SET tradecore.live_trading = on and SELECT pg_reload_conf().';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM tradecore.exchange_credentials c
                        WHERE c.exchange_id = v_ex.id AND c.label = 'default' AND c.active) THEN
            RAISE EXCEPTION 'no active credentials for exchange "%"', v_ex.code
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'An administrator stores them with tradecore.store_credentials().';
        END IF;
        SELECT w.agent_id INTO v_agent FROM tradecore.wallets w WHERE w.id = p_wallet;
        v_agent := coalesce(p_agent, v_agent);
        INSERT INTO tradecore.orders AS o (client_order_id, agent_id, wallet_id, instrument_id, exchange_id, side, type,
                                           time_in_force, price, qty, status)
        VALUES (v_coid, v_agent, p_wallet, v_inst.id, v_ex.id, p_side, p_type, p_tif, p_price, p_qty, 'new')
        ON CONFLICT ON CONSTRAINT orders_wallet_id_client_order_id_key DO NOTHING
        RETURNING o.id INTO v_id;
        IF v_id IS NULL THEN   -- a concurrent call with this client order id committed first
            SELECT * INTO v_old FROM tradecore.orders o WHERE o.wallet_id = p_wallet AND o.client_order_id = v_coid;
        END IF;
    END IF;
    IF v_id IS NULL THEN
        IF (v_old.instrument_id, v_old.side, v_old.type, v_old.time_in_force, v_old.qty)
             IS DISTINCT FROM (v_inst.id, p_side, p_type, p_tif, p_qty)
           OR v_old.price IS DISTINCT FROM p_price THEN
            RAISE EXCEPTION 'client order id "%" was already used for a different order (id %)', v_coid, v_old.id
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN v_old.id;
    END IF;

    v_vcid := tradecore.venue_client_order_id(p_wallet, v_coid);
    INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
    VALUES (v_id, v_agent, p_wallet, 'new',
            jsonb_build_object('client_order_id', v_coid, 'venue_client_id', v_vcid, 'exchange', v_ex.code, 'queued', true));
    INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id)
    VALUES (v_id, v_ex.id, p_wallet, 'place', v_vcid);
    PERFORM tradecore._emit_many(ARRAY['order.new'],
        ARRAY[jsonb_build_object('order_id', v_id, 'wallet_id', p_wallet, 'agent_id', v_agent, 'client_order_id', v_coid,
                                 'status', 'new', 'filled_qty', '0', 'symbol', p_symbol, 'exchange', v_ex.code)],
        ARRAY[v_agent], ARRAY[p_wallet]);
    PERFORM tradecore._live_wake_sender();
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION tradecore._live_place_order(bigint, integer, text, text, numeric, numeric, text, text, text, bigint) IS
    'Internal to place_order: validates a live-venue order, inserts it with status new, its order and outbox events and a place request for the order sender, all in the caller''s transaction; refuses while tradecore.live_trading is off.';
REVOKE ALL ON FUNCTION tradecore._live_place_order(bigint, integer, text, text, numeric, numeric, text, text, text, bigint) FROM PUBLIC;

-- The live-venue branch of cancel_order (33_paper_exchange.sql): the order is locked and
-- not final, and the caller may trade its wallet.
CREATE FUNCTION tradecore._live_cancel_order(p_order bigint) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o tradecore.orders;
    r tradecore.live_order_requests;
BEGIN
    SELECT * INTO o FROM tradecore.orders WHERE id = p_order FOR UPDATE;
    -- the caller read the status before this lock: the status sync may have ended it since
    IF o.status IN ('filled', 'canceled', 'rejected') THEN
        RETURN o.status;
    END IF;
    -- A place request that has not reached the venue (no attempt whose outcome is unknown)
    -- is canceled here; the sender claims requests with FOR UPDATE SKIP LOCKED and sets
    -- lookup before it sends, so holding this row lock decides the race either way.
    SELECT * INTO r FROM tradecore.live_order_requests x
     WHERE x.order_id = p_order AND x.action = 'place' AND x.state = 'pending' FOR UPDATE;
    IF FOUND AND NOT r.lookup THEN
        UPDATE tradecore.live_order_requests SET state = 'canceled', last_error = 'canceled before it was sent'
         WHERE id = r.id;
        PERFORM tradecore._live_apply(p_order, 'canceled', NULL, NULL, NULL, 'canceled before it was sent to the venue');
        RETURN 'canceled';
    END IF;
    IF NOT tradecore.live_trading_enabled() THEN
        RAISE WARNING 'live trading is off: the cancel of order % is queued and waits until tradecore.live_trading is on', p_order;
    END IF;
    INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id)
    VALUES (p_order, o.exchange_id, o.wallet_id, 'cancel', tradecore.venue_client_order_id(o.wallet_id, o.client_order_id))
    ON CONFLICT (order_id, action) WHERE state = 'pending' DO NOTHING;
    IF FOUND THEN
        INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
        VALUES (o.id, o.agent_id, o.wallet_id, 'cancel_requested', '{}');
        PERFORM tradecore._live_wake_sender();
    END IF;
    RETURN 'pending_cancel';
END
$$;
COMMENT ON FUNCTION tradecore._live_cancel_order(bigint) IS
    'Internal to cancel_order: cancels a live order that never reached its venue at once (canceled), else queues one cancel request for the order sender (pending_cancel).';
REVOKE ALL ON FUNCTION tradecore._live_cancel_order(bigint) FROM PUBLIC;

-- ---- the order sender's side (bgworkers/order_sender.c); superuser only ----

-- Status syncs: one pending 'sync' request per open live order, re-armed after each lookup.
CREATE FUNCTION tradecore._live_enqueue_syncs() RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO tradecore.live_order_requests (order_id, exchange_id, wallet_id, action, venue_client_id, next_attempt_at)
    SELECT o.id, o.exchange_id, o.wallet_id, 'sync', tradecore.venue_client_order_id(o.wallet_id, o.client_order_id),
           now() + make_interval(secs => tradecore._setting_int('tradecore.order_sync_interval_ms') / 1000.0)
      FROM tradecore.orders o
      JOIN tradecore.exchanges e ON e.id = o.exchange_id AND e.kind = 'live'
     WHERE o.status IN ('new', 'open', 'partially_filled')
       AND NOT EXISTS (SELECT 1 FROM tradecore.live_order_requests x WHERE x.order_id = o.id AND x.state = 'pending')
       AND EXISTS (SELECT 1 FROM tradecore.live_order_requests x WHERE x.order_id = o.id AND x.action = 'place' AND x.state = 'done')
    ON CONFLICT (order_id, action) WHERE state = 'pending' DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION tradecore._live_enqueue_syncs() IS
    'Internal to the order sender: queues a status sync for every open live order that has been placed and has no pending request.';
REVOKE ALL ON FUNCTION tradecore._live_enqueue_syncs() FROM PUBLIC;

-- Takes the next due request (FOR UPDATE SKIP LOCKED), leases it and returns what the
-- sender needs to send it, decrypted credentials included.  A cancel waits while the
-- order's place request is pending: it must not overtake the order it cancels.  Venues in
-- p_paused are skipped: the sender paces each venue to exchanges.rate_limit_per_sec.
CREATE FUNCTION tradecore._live_claim(p_lease_ms integer, p_paused integer[],
    OUT request_id bigint, OUT order_id bigint, OUT action text, OUT was_lookup boolean, OUT attempts integer,
    OUT venue_client_id text, OUT exchange_id integer, OUT venue text, OUT base_url text, OUT venue_symbol text,
    OUT side text, OUT type text, OUT time_in_force text, OUT price text, OUT qty text,
    OUT credentials text, OUT credentials_error text, OUT rate_limit_per_sec integer)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r tradecore.live_order_requests;
    o tradecore.orders;
    e tradecore.exchanges;
BEGIN
    SELECT x.* INTO r FROM tradecore.live_order_requests x
     WHERE x.state = 'pending' AND x.next_attempt_at <= now()
       -- a disabled venue is a kill switch of its own: its requests wait
       AND EXISTS (SELECT 1 FROM tradecore.exchanges v WHERE v.id = x.exchange_id AND v.enabled)
       AND NOT (x.exchange_id = ANY (coalesce(p_paused, '{}')))
       AND (x.action = 'place' OR NOT EXISTS (
               SELECT 1 FROM tradecore.live_order_requests p
                WHERE p.order_id = x.order_id AND p.action = 'place' AND p.state = 'pending'))
     ORDER BY x.action = 'sync', x.next_attempt_at, x.id
     LIMIT 1
     FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO o FROM tradecore.orders WHERE id = r.order_id;
    SELECT * INTO e FROM tradecore.exchanges WHERE id = r.exchange_id;
    request_id := r.id;
    order_id := r.order_id;
    action := r.action;
    was_lookup := r.lookup OR r.action = 'sync';
    attempts := r.attempts + 1;
    -- From here until _live_record, a place attempt that sends has an unknown outcome: if the
    -- sender dies, the request is picked up again after the lease and looked up first.
    UPDATE tradecore.live_order_requests x
       SET attempts = x.attempts + 1,
           lookup = x.lookup OR x.action = 'place',
           last_sent_at = CASE WHEN NOT was_lookup THEN now() ELSE x.last_sent_at END,
           next_attempt_at = now() + make_interval(secs => p_lease_ms / 1000.0)
     WHERE x.id = r.id;
    venue_client_id := r.venue_client_id;
    exchange_id := e.id;
    venue := e.code;
    base_url := nullif(e.base_url, '');
    rate_limit_per_sec := e.rate_limit_per_sec;
    SELECT i.venue_symbol INTO venue_symbol FROM tradecore.instruments i WHERE i.id = o.instrument_id;
    side := o.side;
    type := o.type;
    time_in_force := o.time_in_force;
    price := o.price::text;
    qty := o.qty::text;
    BEGIN
        credentials := tradecore.credentials(e.code, 'default')::text;
    EXCEPTION WHEN OTHERS THEN
        credentials_error := SQLERRM;
    END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION tradecore._live_claim(integer, integer[]) IS
    'Internal to the order sender (superuser only): leases the next due live order request of a venue not paused and returns it with the order, the venue, its rate limit and its decrypted credentials.';
REVOKE ALL ON FUNCTION tradecore._live_claim(integer, integer[]) FROM PUBLIC;

-- When the sender should look again: the earliest next_attempt_at among the requests
-- _live_claim could take (same conditions, time aside), in milliseconds from now; NULL
-- when there is none.  A cancel behind a pending place, or a request of a disabled or
-- paused venue, must not make the sender spin.
CREATE FUNCTION tradecore._live_next_due_ms(p_paused integer[]) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ceil(greatest(extract(epoch FROM min(x.next_attempt_at) - clock_timestamp()) * 1000, 0))::bigint
      FROM tradecore.live_order_requests x
     WHERE x.state = 'pending'
       AND EXISTS (SELECT 1 FROM tradecore.exchanges v WHERE v.id = x.exchange_id AND v.enabled)
       AND NOT (x.exchange_id = ANY (coalesce(p_paused, '{}')))
       AND (x.action = 'place' OR NOT EXISTS (
               SELECT 1 FROM tradecore.live_order_requests p
                WHERE p.order_id = x.order_id AND p.action = 'place' AND p.state = 'pending'))
$$;
COMMENT ON FUNCTION tradecore._live_next_due_ms(integer[]) IS
    'Internal to the order sender: milliseconds until the next request it could claim is due (NULL: none).';
REVOKE ALL ON FUNCTION tradecore._live_next_due_ms(integer[]) FROM PUBLIC;

-- The state machine: what one attempt's outcome does to the request and the order.
CREATE FUNCTION tradecore._live_record(p_request bigint, p_was_lookup boolean, p_outcome text,
                                       p_http_status integer, p_venue_order_id text, p_status text,
                                       p_filled_qty numeric, p_filled_quote numeric, p_code text,
                                       p_message text, p_error_kind text, p_retry_after_ms integer DEFAULT 0,
                                       p_filled_fee numeric DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r        tradecore.live_order_requests;
    v_venue  text;
    v_max    integer;
    v_cap    integer;
    v_delay  integer;
    v_sync   integer;
    v_wait   double precision;
    v_msg    text := left(coalesce(CASE WHEN p_code IS NOT NULL THEN p_code || ': ' END, '') || coalesce(p_message, p_outcome), 500);
    v_lookup boolean;
    v_status text;
BEGIN
    SELECT * INTO r FROM tradecore.live_order_requests WHERE id = p_request FOR UPDATE;
    IF NOT FOUND OR r.state <> 'pending' THEN
        RETURN coalesce(r.state, 'missing');
    END IF;
    -- one scan of pg_settings (each costs most of a millisecond)
    SELECT max(s.setting::integer) FILTER (WHERE s.name = 'tradecore.order_max_attempts'),
           max(s.setting::integer) FILTER (WHERE s.name = 'tradecore.order_max_backoff_ms'),
           max(s.setting::integer) FILTER (WHERE s.name = 'tradecore.order_lookup_delay_ms'),
           max(s.setting::integer) FILTER (WHERE s.name = 'tradecore.order_sync_interval_ms')
      INTO v_max, v_cap, v_delay, v_sync
      FROM pg_settings s WHERE s.name LIKE 'tradecore.order\_%';
    SELECT e.code INTO v_venue FROM tradecore.exchanges e WHERE e.id = r.exchange_id;
    -- exponential backoff with jitter in [0.5, 1), at least Retry-After
    v_wait := greatest(least(v_cap::double precision, 500.0 * 2 ^ least(greatest(r.attempts - 1, 0), 20))
                       * (0.5 + random() / 2), coalesce(p_retry_after_ms, 0));

    IF p_outcome NOT IN ('ok') AND NOT (p_outcome = 'not_found' AND (r.action <> 'sync')) THEN
        -- every failed attempt is one exchange_errors row; messages never hold a secret
        INSERT INTO tradecore.exchange_errors (exchange_id, kind, http_status, message, details)
        VALUES (r.exchange_id, coalesce(p_error_kind, p_outcome), p_http_status, v_msg,
                jsonb_strip_nulls(jsonb_build_object('order_id', r.order_id, 'request_id', r.id, 'action', r.action,
                                                     'lookup', p_was_lookup, 'attempt', r.attempts, 'code', p_code,
                                                     'venue_client_id', r.venue_client_id, 'outcome', p_outcome)));
    END IF;

    IF r.action = 'sync' AND coalesce(v_sync, 0) = 0 AND p_outcome <> 'ok' THEN
        -- the sync was turned off while this one was pending: no retry
        UPDATE tradecore.live_order_requests SET state = 'done', last_error = v_msg WHERE id = r.id;
        RETURN 'done';
    END IF;

    IF p_outcome = 'ok' THEN
        IF r.action = 'cancel' AND NOT p_was_lookup AND p_status IS NULL THEN
            -- the venue confirmed the cancel without the order's fills: look it up
            UPDATE tradecore.live_order_requests SET lookup = true, next_attempt_at = now(), last_error = NULL WHERE id = r.id;
            RETURN 'pending';
        END IF;
        v_status := tradecore._live_apply(r.order_id, p_status, p_venue_order_id, p_filled_qty, p_filled_quote,
                                          CASE WHEN p_status IN ('canceled', 'rejected')
                                               THEN coalesce(p_message, v_venue || ' ' || p_status) END,
                                          jsonb_build_object('exchange', v_venue), p_filled_fee);
        IF v_status IN ('open', 'partially_filled', 'new') AND r.action = 'cancel' THEN
            -- still open after our cancel was confirmed or got lost: send the cancel again
            UPDATE tradecore.live_order_requests SET lookup = false, next_attempt_at = now() + make_interval(secs => v_wait / 1000)
             WHERE id = r.id;
            RETURN 'pending';
        ELSIF v_status IN ('open', 'partially_filled') AND r.action = 'sync' AND v_sync > 0 THEN
            UPDATE tradecore.live_order_requests SET attempts = 0, last_error = NULL,
                   next_attempt_at = now() + make_interval(secs => v_sync / 1000.0) WHERE id = r.id;
            RETURN 'pending';
        END IF;
        UPDATE tradecore.live_order_requests SET state = 'done', lookup = false, last_error = NULL WHERE id = r.id;
        RETURN 'done';
    END IF;

    IF p_outcome = 'not_found' AND r.action = 'place' AND p_was_lookup THEN
        -- the venue has no order with our client id: the lost attempt was not executed, and
        -- the lookup delay makes sure no late copy of it can still arrive; send it again
        INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
        SELECT o.id, o.agent_id, o.wallet_id, 'lookup_not_found', jsonb_build_object('exchange', v_venue, 'attempt', r.attempts)
          FROM tradecore.orders o WHERE o.id = r.order_id;
        UPDATE tradecore.live_order_requests SET lookup = false, next_attempt_at = now(), last_error = v_msg WHERE id = r.id;
        RETURN 'pending';
    ELSIF p_outcome = 'not_found' AND r.action = 'cancel' AND NOT p_was_lookup THEN
        UPDATE tradecore.live_order_requests SET lookup = true, next_attempt_at = now(), last_error = v_msg WHERE id = r.id;
        RETURN 'pending';
    ELSIF p_outcome = 'not_found' AND r.action = 'cancel' THEN
        PERFORM tradecore._live_apply(r.order_id, 'canceled', NULL, NULL, NULL, v_venue || ' does not know the order');
        UPDATE tradecore.live_order_requests SET state = 'done', lookup = false, last_error = v_msg WHERE id = r.id;
        RETURN 'done';
    ELSIF p_outcome = 'not_found' AND r.action = 'sync' AND v_venue = 'coinbase' THEN
        -- Coinbase forgets an order canceled without any fill (its documented 404)
        PERFORM tradecore._live_apply(r.order_id, 'canceled', NULL, NULL, NULL, 'coinbase no longer knows the order: canceled without fills');
        UPDATE tradecore.live_order_requests SET state = 'done', last_error = v_msg WHERE id = r.id;
        RETURN 'done';
    END IF;

    IF p_outcome = 'rejected' AND NOT p_was_lookup THEN
        IF r.action = 'place' THEN
            PERFORM tradecore._live_apply(r.order_id, 'rejected', NULL, NULL, NULL,
                                          format('%s rejected the order: %s', v_venue, v_msg),
                                          jsonb_strip_nulls(jsonb_build_object('exchange', v_venue, 'code', p_code)));
        ELSE
            INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
            SELECT o.id, o.agent_id, o.wallet_id, 'cancel_rejected',
                   jsonb_strip_nulls(jsonb_build_object('exchange', v_venue, 'code', p_code, 'message', p_message))
              FROM tradecore.orders o WHERE o.id = r.order_id;
        END IF;
        UPDATE tradecore.live_order_requests SET state = CASE WHEN r.action = 'place' THEN 'done' ELSE 'failed' END,
               lookup = false, last_error = v_msg WHERE id = r.id;
        RETURN 'done';
    END IF;

    -- retry, unknown, or a refused lookup: try again later.  A place whose outcome is unknown
    -- is looked up first, not before the lookup delay; lookups are never given up (the
    -- order's fate must be known), attempts that never reached the venue are.
    v_lookup := CASE WHEN r.action = 'place' AND NOT p_was_lookup THEN p_outcome = 'unknown'
                     ELSE r.lookup END;
    IF NOT v_lookup AND r.action <> 'sync' AND r.attempts >= v_max THEN
        IF r.action = 'place' THEN
            PERFORM tradecore._live_apply(r.order_id, 'rejected', NULL, NULL, NULL,
                                          format('not sent to %s after %s attempts: %s', v_venue, r.attempts, v_msg));
        ELSE
            INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)
            SELECT o.id, o.agent_id, o.wallet_id, 'cancel_failed', jsonb_build_object('attempts', r.attempts, 'error', v_msg)
              FROM tradecore.orders o WHERE o.id = r.order_id;
        END IF;
        UPDATE tradecore.live_order_requests SET state = 'failed', lookup = false, last_error = v_msg WHERE id = r.id;
        RETURN 'failed';
    END IF;
    IF r.action = 'place' AND v_lookup THEN
        v_wait := greatest(v_wait, extract(epoch FROM (coalesce(r.last_sent_at, now()) - now())) * 1000 + v_delay);
    END IF;
    UPDATE tradecore.live_order_requests
       SET lookup = v_lookup, last_error = v_msg, next_attempt_at = now() + make_interval(secs => v_wait / 1000)
     WHERE id = r.id;
    RETURN 'pending';
END
$$;
COMMENT ON FUNCTION tradecore._live_record(bigint, boolean, text, integer, text, text, numeric, numeric, text, text, text, integer, numeric) IS
    'Internal to the order sender: applies the outcome of one attempt (ok, not_found, rejected, retry, unknown) to the request and its order: records failures in exchange_errors, backs off with jitter, switches to a lookup by client id after an unknown outcome, and gives up only on requests that never reached the venue.';
REVOKE ALL ON FUNCTION tradecore._live_record(bigint, boolean, text, integer, text, text, numeric, numeric, text, text, text, integer, numeric) FROM PUBLIC;
