-- 50_engine.sql: the engine loop that turns decisions into money movements.
--
--   paper market (ticks, candles)  ->  run_strategies (signals, decisions)
--     ->  execute_decisions: sizing, pre-trade risk check, paper orders (idempotent ids)
--     ->  settle_fills: every new paper fill of a trading wallet posted to the ledger once
--
-- engine_tick() runs the four steps in order and reports them as one run on the events
-- outbox; docs/engine.md describes the rules.

CREATE SEQUENCE tradecore.engine_tick_seq;
COMMENT ON SEQUENCE tradecore.engine_tick_seq IS 'Ids of tradecore.engine_tick() runs (run_id "engine-N" of their events).';

CREATE TABLE tradecore.engine_executions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts              timestamptz NOT NULL DEFAULT now(),
    run_id          bigint NOT NULL,
    decision_id     bigint NOT NULL REFERENCES tradecore.signal_decisions (id) ON DELETE CASCADE,
    strategy_id     bigint NOT NULL REFERENCES tradecore.trading_strategies (id) ON DELETE CASCADE,
    instrument_id   bigint NOT NULL REFERENCES tradecore.instruments (id) ON DELETE CASCADE,
    agent_id        bigint REFERENCES tradecore.autonomous_agents (id) ON DELETE SET NULL,
    wallet_id       bigint REFERENCES tradecore.wallets (id) ON DELETE SET NULL,
    side            text NOT NULL CHECK (side IN ('buy', 'sell')),
    target_qty      numeric NOT NULL CHECK (tradecore.is_finite(target_qty) AND target_qty >= 0),
    qty             numeric CHECK (tradecore.is_finite(qty) AND qty >= 0),
    price           numeric CHECK (tradecore.is_finite(price) AND price > 0),
    client_order_id text NOT NULL,
    order_id        bigint REFERENCES tradecore.orders (id) ON DELETE RESTRICT,
    status          text NOT NULL CHECK (status IN ('pending', 'placed', 'rejected', 'skipped', 'failed')),
    reason          text,
    details         jsonb NOT NULL DEFAULT '{}',
    UNIQUE (run_id, strategy_id, instrument_id)
);
COMMENT ON TABLE tradecore.engine_executions IS
    'What execute_decisions did with each (run, strategy, instrument) share of an actionable decision: placed an order, rejected it by risk check, skipped it or failed. The unique key makes a retried execution place nothing new (time ts, owner key wallet_id).';
COMMENT ON COLUMN tradecore.engine_executions.id IS 'Execution id.';
COMMENT ON COLUMN tradecore.engine_executions.ts IS 'When it was executed.';
COMMENT ON COLUMN tradecore.engine_executions.run_id IS 'run_strategies run of the decision.';
COMMENT ON COLUMN tradecore.engine_executions.decision_id IS 'signal_decisions row executed.';
COMMENT ON COLUMN tradecore.engine_executions.strategy_id IS 'Strategy whose share of the decision this is (it voted for the decision''s direction).';
COMMENT ON COLUMN tradecore.engine_executions.instrument_id IS 'Instrument traded.';
COMMENT ON COLUMN tradecore.engine_executions.agent_id IS 'Owner key: agent of the strategy or of its wallet.';
COMMENT ON COLUMN tradecore.engine_executions.wallet_id IS 'Owner key: the strategy''s wallet, which trades.';
COMMENT ON COLUMN tradecore.engine_executions.side IS 'buy or sell.';
COMMENT ON COLUMN tradecore.engine_executions.target_qty IS 'The strategy''s share of the decision size, in lots.';
COMMENT ON COLUMN tradecore.engine_executions.qty IS 'Quantity sent (or refused), after clipping to the wallet''s funds or inventory.';
COMMENT ON COLUMN tradecore.engine_executions.price IS 'Limit price of the immediate-or-cancel order: the best opposite quote moved by the slippage allowance.';
COMMENT ON COLUMN tradecore.engine_executions.client_order_id IS 'engine:<run>:<strategy>:<instrument>, the order''s idempotency key.';
COMMENT ON COLUMN tradecore.engine_executions.order_id IS 'Order placed, if any.';
COMMENT ON COLUMN tradecore.engine_executions.status IS 'placed, rejected (risk check), skipped (nothing to trade), failed (the venue refused); pending only inside the executing transaction.';
COMMENT ON COLUMN tradecore.engine_executions.reason IS 'Why rejected, skipped or failed, or a note such as clipped_to_funds.';
COMMENT ON COLUMN tradecore.engine_executions.details IS 'Risk verdict, order outcome and the figures behind them.';
CREATE INDEX engine_executions_wallet_ts_idx ON tradecore.engine_executions (wallet_id, ts DESC);
CREATE INDEX engine_executions_decision_idx ON tradecore.engine_executions (decision_id);

CREATE TABLE tradecore.fill_settlements (
    fill_id        bigint PRIMARY KEY REFERENCES tradecore.fills (id) ON DELETE RESTRICT,
    ts             timestamptz NOT NULL DEFAULT now(),
    wallet_id      bigint REFERENCES tradecore.wallets (id) ON DELETE RESTRICT,
    agent_id       bigint REFERENCES tradecore.autonomous_agents (id) ON DELETE SET NULL,
    status         text NOT NULL CHECK (status IN ('settled', 'failed')),
    transaction_id bigint REFERENCES tradecore.wallet_transactions (id) ON DELETE RESTRICT,
    quote_amount   numeric CHECK (tradecore.is_finite(quote_amount)),
    base_amount    numeric CHECK (tradecore.is_finite(base_amount)),
    fee_amount     numeric CHECK (tradecore.is_finite(fee_amount)),
    message        text,
    CHECK ((status = 'settled') = (transaction_id IS NOT NULL))
);
COMMENT ON TABLE tradecore.fill_settlements IS
    'One row per paper fill of a trading wallet posted to the ledger by settle_fills (or that failed to post); the primary key makes settling idempotent (time ts, owner key wallet_id).';
COMMENT ON COLUMN tradecore.fill_settlements.fill_id IS 'Fill settled.';
COMMENT ON COLUMN tradecore.fill_settlements.ts IS 'When it was settled.';
COMMENT ON COLUMN tradecore.fill_settlements.wallet_id IS 'Owner key: the trading wallet.';
COMMENT ON COLUMN tradecore.fill_settlements.agent_id IS 'Owner key: the agent of the fill.';
COMMENT ON COLUMN tradecore.fill_settlements.status IS 'settled, or failed (message says why; delete the row to retry).';
COMMENT ON COLUMN tradecore.fill_settlements.transaction_id IS 'The trade''s wallet transaction (kind trade) when settled.';
COMMENT ON COLUMN tradecore.fill_settlements.quote_amount IS 'Quote asset moved, signed for the trading wallet (negative: paid), rounded to the asset''s decimals against the wallet.';
COMMENT ON COLUMN tradecore.fill_settlements.base_amount IS 'Base asset moved, signed for the trading wallet.';
COMMENT ON COLUMN tradecore.fill_settlements.fee_amount IS 'Fee paid (negative: rebate received), rounded against the wallet.';
COMMENT ON COLUMN tradecore.fill_settlements.message IS 'Error message of a failed settlement.';
CREATE INDEX fill_settlements_wallet_ts_idx ON tradecore.fill_settlements (wallet_id, ts DESC);
CREATE INDEX fill_settlements_transaction_idx ON tradecore.fill_settlements (transaction_id);

-- Where settle_fills starts reading fills.  Without it each call anti-joined the whole fill
-- history against fill_settlements: 167 ms a call with 300,000 settled fills and nothing to
-- do, every minute, growing without end.  A fill id below settled_below is settled, failed
-- or not a trading wallet's paper fill.  Fill ids are handed out before their transaction
-- commits, so the cursor may only pass an id once no transaction that could still commit a
-- fill with that id is open: each call records the fill sequence's position and the time
-- (seen_fill_id, seen_at), and the next call may advance up to seen_fill_id only when every
-- transaction that was open at seen_at has ended (pg_stat_activity) and no prepared
-- transaction exists.  When that cannot be shown, the cursor stays where it is, which is
-- always safe.
CREATE TABLE tradecore.settlement_cursor (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    settled_below bigint NOT NULL DEFAULT 1 CHECK (settled_below >= 1),
    seen_fill_id  bigint,
    seen_at       timestamptz,
    CHECK ((seen_fill_id IS NULL) = (seen_at IS NULL))
);
COMMENT ON TABLE tradecore.settlement_cursor IS
    'One row: where settle_fills starts reading fills, so that a call costs the fills since the last one, not the whole history. Deleting the row (or a restore, which leaves it at its default) makes the next call read every fill again.';
COMMENT ON COLUMN tradecore.settlement_cursor.singleton IS 'Always true: the table has one row.';
COMMENT ON COLUMN tradecore.settlement_cursor.settled_below IS 'Every fill with a smaller id is settled, failed, or not a trading wallet''s paper fill.';
COMMENT ON COLUMN tradecore.settlement_cursor.seen_fill_id IS 'The fill sequence''s last value when the last call ended.';
COMMENT ON COLUMN tradecore.settlement_cursor.seen_at IS 'When it was read: once every transaction open then has ended, every fill up to seen_fill_id is visible.';
INSERT INTO tradecore.settlement_cursor DEFAULT VALUES;
REVOKE ALL ON tradecore.settlement_cursor FROM PUBLIC;
GRANT SELECT ON tradecore.settlement_cursor TO tradecore_admin, tradecore_operator;

-- Deleting a failed settlement (to have it retried, as documented) moves the cursor back to it.
CREATE FUNCTION tradecore.settlement_cursor_rewind() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE tradecore.settlement_cursor
       SET settled_below = (SELECT min(o.fill_id) FROM old_rows o)
     WHERE settled_below > (SELECT min(o.fill_id) FROM old_rows o);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tradecore.settlement_cursor_rewind() IS
    'Trigger: a deleted fill settlement moves settle_fills'' cursor back so the fill is read again.';
REVOKE ALL ON FUNCTION tradecore.settlement_cursor_rewind() FROM PUBLIC;
CREATE TRIGGER fill_settlements_rewind AFTER DELETE ON tradecore.fill_settlements
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tradecore.settlement_cursor_rewind();

-- Privileges and row-level security, as 19_security.sql does for the data model: staff
-- read everything, viewers read, an agent reads the rows of its own wallets.  Rows are
-- written only by the SECURITY DEFINER functions below.
GRANT ALL ON tradecore.engine_executions, tradecore.fill_settlements TO tradecore_admin;
GRANT SELECT ON tradecore.engine_executions, tradecore.fill_settlements
    TO tradecore_operator, tradecore_viewer, tradecore_agent;
DO $rls$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['engine_executions', 'fill_settlements'] LOOP
        EXECUTE format('ALTER TABLE tradecore.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE tradecore.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY staff_all ON tradecore.%I TO tradecore_admin, tradecore_operator USING (true) WITH CHECK (true)', t);
        EXECUTE format('CREATE POLICY viewer_read ON tradecore.%I FOR SELECT TO tradecore_viewer USING (true)', t);
        EXECUTE format('CREATE POLICY agent_own ON tradecore.%I FOR SELECT TO tradecore_agent USING (wallet_id = ANY ((SELECT tradecore.current_wallet_ids())::bigint[]))', t);
        EXECUTE format('COMMENT ON POLICY staff_all ON tradecore.%I IS %L', t, 'Admins and operators see every row (table privileges still apply).');
        EXECUTE format('COMMENT ON POLICY viewer_read ON tradecore.%I IS %L', t, 'Viewers read every row.');
        EXECUTE format('COMMENT ON POLICY agent_own ON tradecore.%I IS %L', t, 'An agent role reads the rows of its own wallets.');
    END LOOP;
END
$rls$;
SELECT pg_catalog.pg_extension_config_dump('tradecore.engine_executions', '');
SELECT pg_catalog.pg_extension_config_dump('tradecore.fill_settlements', '');
SELECT pg_catalog.pg_extension_config_dump(pg_get_serial_sequence('tradecore.engine_executions', 'id')::regclass, '');
SELECT pg_catalog.pg_extension_config_dump('tradecore.engine_tick_seq', '');

------------------------------------------------------------------------------------------
-- Pre-trade risk check
------------------------------------------------------------------------------------------
CREATE FUNCTION tradecore.pre_trade_check(wallet_id bigint, agent_id bigint, instrument_id bigint,
                                          side text, qty numeric, price numeric)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_inst tradecore.instruments;
    v_pos  numeric;
    v_after numeric;
    v_open bigint;
    r record;
BEGIN
    IF side NOT IN ('buy', 'sell') OR qty IS NULL OR price IS NULL
       OR NOT tradecore.is_finite(qty) OR NOT tradecore.is_finite(price) OR qty <= 0 OR price <= 0 THEN
        RAISE EXCEPTION 'pre_trade_check needs side buy or sell and a finite positive quantity and price'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO v_inst FROM tradecore.instruments i WHERE i.id = pre_trade_check.instrument_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'instrument % does not exist', instrument_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- 1. circuit breakers: an open breaker on any scope the order belongs to halts it
    SELECT b.id, b.scope, b.scope_id, b.kind, b.reason INTO r FROM tradecore.circuit_breakers b
     WHERE b.state = 'open'
       AND (b.scope = 'global'
            OR (b.scope = 'agent' AND b.scope_id = pre_trade_check.agent_id)
            OR (b.scope = 'wallet' AND b.scope_id = pre_trade_check.wallet_id)
            OR (b.scope = 'instrument' AND b.scope_id = v_inst.id)
            OR (b.scope = 'exchange' AND b.scope_id = v_inst.exchange_id))
     ORDER BY b.id LIMIT 1;
    IF FOUND THEN
        RETURN jsonb_build_object('check', 'circuit_breaker', 'breaker_id', r.id, 'scope', r.scope,
                                  'scope_id', r.scope_id, 'breaker_kind', r.kind, 'breaker_reason', r.reason);
    END IF;
    v_pos := coalesce((SELECT p.qty FROM tradecore.trading_positions p
                        WHERE p.wallet_id = pre_trade_check.wallet_id AND p.instrument_id = v_inst.id), 0);
    v_after := v_pos + CASE WHEN side = 'buy' THEN qty ELSE -qty END;
    SELECT count(*) INTO v_open FROM tradecore.orders o
     WHERE o.wallet_id = pre_trade_check.wallet_id AND o.status IN ('new', 'open', 'partially_filled');
    -- 2. limits of every scope the order belongs to; the tightest breach is reported
    FOR r IN
        SELECT l.id, l.scope, l.scope_id, l.kind, l.limit_value FROM tradecore.risk_limits l
         WHERE l.active
           AND l.kind IN ('max_order_notional', 'max_position_qty', 'max_open_orders')
           AND (l.scope = 'global'
                OR (l.scope = 'agent' AND l.scope_id = pre_trade_check.agent_id)
                OR (l.scope = 'wallet' AND l.scope_id = pre_trade_check.wallet_id)
                OR (l.scope = 'instrument' AND l.scope_id = v_inst.id))
         ORDER BY l.kind, l.limit_value, l.id
    LOOP
        IF r.kind = 'max_order_notional' AND qty * price > r.limit_value THEN
            RETURN jsonb_build_object('check', r.kind, 'limit_id', r.id, 'scope', r.scope, 'scope_id', r.scope_id,
                                      'limit', r.limit_value::text, 'value', (qty * price)::text);
        END IF;
        -- a trade that shrinks the position is always allowed: it is how a breach is cured
        IF r.kind = 'max_position_qty' AND abs(v_after) > r.limit_value AND abs(v_after) > abs(v_pos) THEN
            RETURN jsonb_build_object('check', r.kind, 'limit_id', r.id, 'scope', r.scope, 'scope_id', r.scope_id,
                                      'limit', r.limit_value::text, 'value', v_after::text, 'position', v_pos::text);
        END IF;
        IF r.kind = 'max_open_orders' AND v_open + 1 > r.limit_value THEN
            RETURN jsonb_build_object('check', r.kind, 'limit_id', r.id, 'scope', r.scope, 'scope_id', r.scope_id,
                                      'limit', r.limit_value::text, 'value', (v_open + 1)::text);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tradecore.pre_trade_check(bigint, bigint, bigint, text, numeric, numeric) IS
    'Pre-trade risk check of an order: NULL when it passes, else the first breach as jsonb (check = circuit_breaker, max_order_notional, max_position_qty or max_open_orders, with the limit and the value). Breakers and limits of global, agent, wallet and instrument scope apply (breakers also of the exchange); a trade that shrinks the position passes the position limit.';
REVOKE ALL ON FUNCTION tradecore.pre_trade_check(bigint, bigint, bigint, text, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.pre_trade_check(bigint, bigint, bigint, text, numeric, numeric)
    TO tradecore_admin, tradecore_operator;

-- What a wallet can spend of an asset now: its ledger balance, plus the effect of its fills
-- not yet settled (fills happen at once, settlement is a later step), minus what its
-- resting orders have promised.
CREATE FUNCTION tradecore.engine_available(wallet_id bigint, asset text) RETURNS numeric
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((SELECT b.amount FROM tradecore.wallet_balances b
                      WHERE b.wallet_id = $1 AND b.asset = $2), 0)
         + coalesce((SELECT sum(CASE WHEN i.base_asset = $2 THEN CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END ELSE 0 END
                              + CASE WHEN i.quote_asset = $2 THEN CASE o.side WHEN 'buy' THEN -f.qty * f.price ELSE f.qty * f.price END ELSE 0 END
                              - CASE WHEN coalesce(f.fee_asset, i.quote_asset) = $2 THEN f.fee ELSE 0 END)
                       FROM tradecore.fills f
                       JOIN tradecore.orders o ON o.id = f.order_id
                       JOIN tradecore.instruments i ON i.id = f.instrument_id
                      WHERE f.wallet_id = $1
                        AND NOT EXISTS (SELECT 1 FROM tradecore.fill_settlements s WHERE s.fill_id = f.id)), 0)
         - coalesce((SELECT sum(CASE WHEN o.side = 'buy' AND i.quote_asset = $2 THEN (o.qty - o.filled_qty) * o.price
                                     WHEN o.side = 'sell' AND i.base_asset = $2 THEN o.qty - o.filled_qty
                                     ELSE 0 END)
                       FROM tradecore.orders o JOIN tradecore.instruments i ON i.id = o.instrument_id
                      WHERE o.wallet_id = $1 AND o.status IN ('new', 'open', 'partially_filled')
                        AND o.price IS NOT NULL), 0)
$$;
COMMENT ON FUNCTION tradecore.engine_available(bigint, text) IS
    'Amount of an asset a wallet can commit to a new order: ledger balance, plus its fills not yet settled, minus what its resting limit orders reserve.';
REVOKE ALL ON FUNCTION tradecore.engine_available(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.engine_available(bigint, text) TO tradecore_admin, tradecore_operator;

------------------------------------------------------------------------------------------
-- Executor
------------------------------------------------------------------------------------------
CREATE FUNCTION tradecore.engine_reject(p_exec bigint, p_verdict jsonb, p_agent bigint, p_wallet bigint,
                                        p_inst tradecore.instruments, p_side text, p_qty numeric, p_price numeric)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_alert bigint;
    v_msg   text;
    v_kind  text := CASE WHEN p_verdict ->> 'check' = 'circuit_breaker' THEN 'breaker_open' ELSE 'limit_breach' END;
BEGIN
    v_msg := format('%s %s %s at %s refused: %s', p_side, p_qty, p_inst.symbol, p_price,
                    CASE WHEN v_kind = 'breaker_open'
                         THEN format('circuit breaker %s (%s) is open', p_verdict ->> 'breaker_id', p_verdict ->> 'scope')
                         ELSE format('%s %s > limit %s (%s scope)', p_verdict ->> 'check', p_verdict ->> 'value',
                                     p_verdict ->> 'limit', p_verdict ->> 'scope') END);
    INSERT INTO tradecore.risk_alerts (severity, kind, message, details, agent_id, wallet_id)
    VALUES ('warning', v_kind, v_msg,
            p_verdict || jsonb_build_object('execution_id', p_exec, 'instrument_id', p_inst.id, 'side', p_side,
                                            'qty', p_qty::text, 'price', p_price::text),
            p_agent, p_wallet)
    RETURNING id INTO v_alert;
    PERFORM tradecore._emit('alert', jsonb_build_object(
        'alert_id', v_alert, 'severity', 'warning', 'kind', v_kind, 'message', v_msg,
        'agent_id', p_agent, 'wallet_id', p_wallet, 'instrument_id', p_inst.id, 'symbol', p_inst.symbol,
        'check', p_verdict ->> 'check'), p_agent, p_wallet);
    RETURN v_alert;
END
$$;
COMMENT ON FUNCTION tradecore.engine_reject(bigint, jsonb, bigint, bigint, tradecore.instruments, text, numeric, numeric) IS
    'Internal to execute_decisions: records a refused order as a risk_alerts row and emits its alert event; returns the alert id.';
REVOKE ALL ON FUNCTION tradecore.engine_reject(bigint, jsonb, bigint, bigint, tradecore.instruments, text, numeric, numeric) FROM PUBLIC;

CREATE FUNCTION tradecore.execute_decisions(run_id bigint DEFAULT NULL, slippage_bps numeric DEFAULT 25,
    OUT executed_run_id bigint, OUT decisions integer, OUT placed integer, OUT rejected integer,
    OUT skipped integer, OUT failed integer, OUT already integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d       record;
    s       record;
    v_inst  tradecore.instruments;
    v_ex    tradecore.exchanges;
    v_side  text;
    v_coid  text;
    v_exec  bigint;
    v_best  numeric;
    v_price numeric;
    v_qty   numeric;
    v_avail numeric;
    v_cap   numeric;
    v_note  text;
    v_verdict jsonb;
    v_order bigint;
    v_o     tradecore.orders;
    v_status text;
    msg     text;
    state   text;
BEGIN
    IF NOT tradecore.is_staff(tradecore.calling_role()) THEN
        RAISE EXCEPTION 'only staff roles execute decisions' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF slippage_bps IS NULL OR NOT tradecore.is_finite(slippage_bps) OR slippage_bps < 0 OR slippage_bps > 1000 THEN
        RAISE EXCEPTION 'slippage_bps must be between 0 and 1000, got %', slippage_bps USING ERRCODE = 'invalid_parameter_value';
    END IF;
    executed_run_id := coalesce(execute_decisions.run_id, (SELECT max(x.run_id) FROM tradecore.signal_decisions x));
    decisions := 0; placed := 0; rejected := 0; skipped := 0; failed := 0; already := 0;
    IF executed_run_id IS NULL THEN
        RETURN;
    END IF;
    FOR d IN
        SELECT x.* FROM tradecore.signal_decisions x
         WHERE x.run_id = executed_run_id AND x.direction <> 0 AND x.size > 0
         ORDER BY x.id
    LOOP
        decisions := decisions + 1;
        SELECT * INTO v_inst FROM tradecore.instruments i WHERE i.id = d.instrument_id;
        SELECT * INTO v_ex FROM tradecore.exchanges e WHERE e.id = v_inst.exchange_id;
        v_side := CASE WHEN d.direction > 0 THEN 'buy' ELSE 'sell' END;
        -- The decision's size is shared among the strategies that voted for its direction,
        -- in proportion to strength * confidence (the weight of their vote), each trading
        -- from its own wallet.  Shares are rounded down to whole lots.
        FOR s IN
            SELECT t.strategy_id, st.wallet_id, coalesce(st.agent_id, w.agent_id) AS agent_id, a.status AS agent_status,
                   floor(d.size * (t.strength * t.confidence) / sum(t.strength * t.confidence) OVER ()
                         / v_inst.lot_size) * v_inst.lot_size AS share
              FROM tradecore.trading_signals t
              JOIN tradecore.trading_strategies st ON st.id = t.strategy_id
              JOIN tradecore.wallets w ON w.id = st.wallet_id
              LEFT JOIN tradecore.autonomous_agents a ON a.id = coalesce(st.agent_id, w.agent_id)
             WHERE t.instrument_id = d.instrument_id AND t.ts = d.ts AND t.run_id = executed_run_id
               AND t.direction = d.direction AND t.strength * t.confidence > 0
             ORDER BY t.strategy_id
        LOOP
            v_coid := format('engine:%s:%s:%s', executed_run_id, s.strategy_id, d.instrument_id);
            -- claim the (run, strategy, instrument) slot first: a concurrent or retried
            -- execution waits here for this one and then finds the slot taken
            INSERT INTO tradecore.engine_executions (run_id, decision_id, strategy_id, instrument_id, agent_id, wallet_id,
                                                     side, target_qty, client_order_id, status)
            VALUES (executed_run_id, d.id, s.strategy_id, d.instrument_id, s.agent_id, s.wallet_id,
                    v_side, s.share, v_coid, 'pending')
            ON CONFLICT ON CONSTRAINT engine_executions_run_id_strategy_id_instrument_id_key DO NOTHING
            RETURNING id INTO v_exec;
            IF v_exec IS NULL THEN
                already := already + 1;
                CONTINUE;
            END IF;
            v_note := NULL; v_qty := s.share; v_price := NULL; v_best := NULL; v_avail := NULL;
            IF s.agent_status IS NOT NULL AND s.agent_status <> 'active' THEN
                v_note := 'agent_' || s.agent_status;
            ELSIF s.share <= 0 THEN
                v_note := 'share_below_lot';
            ELSE
                -- marketable limit: the best opposite quote moved by the slippage allowance,
                -- immediate-or-cancel, so nothing of the engine's rests on the book
                SELECT b.price INTO v_best FROM tradecore.paper_book(v_inst.id, 1) b
                 WHERE b.side = CASE WHEN v_side = 'buy' THEN 'ask' ELSE 'bid' END;
                IF v_best IS NULL THEN
                    v_note := 'no_liquidity';
                ELSE
                    v_price := CASE WHEN v_side = 'buy'
                                    THEN ceil(v_best * (1 + slippage_bps / 10000) / v_inst.tick_size) * v_inst.tick_size
                                    ELSE greatest(v_inst.tick_size,
                                                  floor(v_best * (1 - slippage_bps / 10000) / v_inst.tick_size) * v_inst.tick_size) END;
                    -- a spot wallet spends what it holds: buys up to its quote asset (fee
                    -- included), sells up to its base asset (no short selling)
                    IF v_side = 'buy' THEN
                        v_avail := tradecore.engine_available(s.wallet_id, v_inst.quote_asset);
                        v_qty := least(v_qty, floor(greatest(v_avail, 0) / (v_price * (1 + greatest(v_ex.taker_fee_bps, 0) / 10000))
                                                    / v_inst.lot_size) * v_inst.lot_size);
                    ELSE
                        v_avail := tradecore.engine_available(s.wallet_id, v_inst.base_asset);
                        v_qty := least(v_qty, floor(greatest(v_avail, 0) / v_inst.lot_size) * v_inst.lot_size);
                    END IF;
                    IF v_qty <= 0 THEN
                        v_note := CASE WHEN v_side = 'buy' THEN 'insufficient_funds' ELSE 'no_inventory' END;
                    END IF;
                    -- run_strategies sized the decision under the global and instrument
                    -- notional caps at the last close; the order goes out at v_price, so the
                    -- same caps are applied again at that price (the limits of narrower
                    -- scopes are the risk check's, below)
                    v_cap := (SELECT min(l.limit_value) FROM tradecore.risk_limits l
                               WHERE l.active AND l.kind = 'max_order_notional'
                                 AND (l.scope = 'global' OR (l.scope = 'instrument' AND l.scope_id = v_inst.id)));
                    IF v_note IS NULL AND v_cap IS NOT NULL AND v_qty * v_price > v_cap THEN
                        v_qty := floor(greatest(v_cap, 0) / v_price / v_inst.lot_size) * v_inst.lot_size;
                        IF v_qty <= 0 THEN
                            v_note := 'below_lot_at_notional_cap';
                        END IF;
                    END IF;
                END IF;
            END IF;
            IF v_note IS NOT NULL THEN
                UPDATE tradecore.engine_executions
                   SET status = 'skipped', reason = v_note, qty = 0, price = v_price,
                       details = jsonb_build_object('available', v_avail::text, 'best', v_best::text)
                 WHERE id = v_exec;
                skipped := skipped + 1;
                CONTINUE;
            END IF;
            IF v_qty < s.share THEN
                v_note := CASE WHEN v_cap IS NOT NULL AND v_qty = floor(greatest(v_cap, 0) / v_price / v_inst.lot_size) * v_inst.lot_size
                               THEN 'clipped_to_notional_cap'
                               WHEN v_side = 'buy' THEN 'clipped_to_funds' ELSE 'clipped_to_inventory' END;
            END IF;
            v_verdict := tradecore.pre_trade_check(s.wallet_id, s.agent_id, v_inst.id, v_side, v_qty, v_price);
            IF v_verdict IS NOT NULL THEN
                UPDATE tradecore.engine_executions
                   SET status = 'rejected', reason = v_verdict ->> 'check', qty = v_qty, price = v_price,
                       details = v_verdict || jsonb_build_object(
                           'alert_id', tradecore.engine_reject(v_exec, v_verdict, s.agent_id, s.wallet_id, v_inst,
                                                               v_side, v_qty, v_price))
                 WHERE id = v_exec;
                rejected := rejected + 1;
                CONTINUE;
            END IF;
            BEGIN
                v_order := tradecore.place_order(s.wallet_id, v_inst.symbol, v_side, v_qty, v_price, 'limit', 'ioc',
                                                 v_coid, v_ex.code, s.agent_id);
                SELECT * INTO v_o FROM tradecore.orders o WHERE o.id = v_order;
                UPDATE tradecore.engine_executions
                   SET status = 'placed', reason = v_note, qty = v_qty, price = v_price, order_id = v_order,
                       details = jsonb_build_object('order_status', v_o.status, 'filled_qty', v_o.filled_qty::text,
                                                    'avg_fill_price', v_o.avg_fill_price::text, 'best', v_best::text,
                                                    'available', v_avail::text)
                 WHERE id = v_exec;
                placed := placed + 1;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
                UPDATE tradecore.engine_executions
                   SET status = 'failed', reason = msg, qty = v_qty, price = v_price,
                       details = jsonb_build_object('sqlstate', state)
                 WHERE id = v_exec;
                PERFORM tradecore._emit('engine.error', jsonb_build_object(
                    'execution_id', v_exec, 'run_id', executed_run_id, 'strategy_id', s.strategy_id,
                    'instrument_id', v_inst.id, 'sqlstate', state, 'message', msg,
                    'agent_id', s.agent_id, 'wallet_id', s.wallet_id), s.agent_id, s.wallet_id);
                failed := failed + 1;
            END;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION tradecore.execute_decisions(bigint, numeric) IS
    'Turns the actionable decisions of a run_strategies run (default the latest) into paper orders: each decision''s size is shared among the strategies that voted for it, clipped to the wallet''s funds (buys) or holdings (sells), checked by pre_trade_check (a breach is refused with a risk_alerts row and an alert event) and sent as an immediate-or-cancel limit order at the best opposite quote moved by slippage_bps, with client order id engine:<run>:<strategy>:<instrument>. engine_executions records every outcome; running it again for the same run places nothing new.';
REVOKE ALL ON FUNCTION tradecore.execute_decisions(bigint, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.execute_decisions(bigint, numeric) TO tradecore_admin, tradecore_operator;

------------------------------------------------------------------------------------------
-- Settlement
------------------------------------------------------------------------------------------
-- Rounds an amount to the asset's decimals, up (toward the wallet paying more) or down.
CREATE FUNCTION tradecore.round_asset(amount numeric, asset text, up boolean) RETURNS numeric
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT trim_scale(CASE WHEN up THEN ceil(amount * 10::numeric ^ a.decimals)
                           ELSE floor(amount * 10::numeric ^ a.decimals) END / 10::numeric ^ a.decimals)
      FROM tradecore.assets a WHERE a.code = asset
$$;
COMMENT ON FUNCTION tradecore.round_asset(numeric, text, boolean) IS
    'amount rounded to the asset''s decimals, up when up else down; NULL for an unknown asset.';

-- The fills settle_fills posts, in one place: the loop reads them and the cursor may not pass
-- one, so the two must never disagree on what is eligible.  A plain SQL function (no SET
-- clause, STABLE), so the planner inlines it and both keep their index range scan on fills.
CREATE FUNCTION tradecore._fills_to_settle(from_id bigint, to_id bigint)
RETURNS TABLE (id bigint, wallet_id bigint, agent_id bigint, qty numeric, price numeric, fee numeric,
               side text, base_asset text, quote_asset text, fee_asset text)
LANGUAGE sql STABLE
AS $$
    SELECT x.id, x.wallet_id, x.agent_id, x.qty, x.price, x.fee, o.side,
           i.base_asset, i.quote_asset, coalesce(x.fee_asset, i.quote_asset)
      FROM tradecore.fills x
      JOIN tradecore.wallets w ON w.id = x.wallet_id
      JOIN tradecore.orders o ON o.id = x.order_id
      JOIN tradecore.instruments i ON i.id = x.instrument_id
      JOIN tradecore.exchanges e ON e.id = i.exchange_id AND e.kind = 'paper'
     WHERE x.id >= from_id AND x.id <= to_id
       AND w.kind IN ('master', 'farm', 'agent')
       AND NOT EXISTS (SELECT 1 FROM tradecore.fill_settlements s WHERE s.fill_id = x.id)
$$;
COMMENT ON FUNCTION tradecore._fills_to_settle(bigint, bigint) IS
    'Internal to settle_fills: the paper fills of trading wallets (master, farm, agent) with from_id <= id <= to_id that have no settlement yet.';
REVOKE ALL ON FUNCTION tradecore._fills_to_settle(bigint, bigint) FROM PUBLIC;

CREATE FUNCTION tradecore.settle_fills(max_fills integer DEFAULT 10000,
    OUT settled integer, OUT failed integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    f      record;
    v_x    bigint;
    v_fee_w bigint;
    v_tx   bigint;
    v_q    numeric;
    v_b    numeric;
    v_fee  numeric;
    v_fee_asset text;
    msg    text;
    cur    tradecore.settlement_cursor;
    v_safe bigint;
    v_min  bigint;
BEGIN
    IF NOT tradecore.is_staff(tradecore.calling_role()) THEN
        RAISE EXCEPTION 'only staff roles settle fills' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF max_fills IS NULL OR max_fills < 1 THEN
        RAISE EXCEPTION 'max_fills must be positive, got %', max_fills USING ERRCODE = 'invalid_parameter_value';
    END IF;
    settled := 0; failed := 0;
    -- the counterparties of every paper trade: the venue (it pays out one asset and takes
    -- the other) and its fee account; both may go below zero
    INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('paper exchange', 'external', true)
    ON CONFLICT (name) DO NOTHING;
    INSERT INTO tradecore.wallets (name, kind, allow_credit) VALUES ('paper exchange fees', 'fees', true)
    ON CONFLICT (name) DO NOTHING;
    SELECT id INTO v_x FROM tradecore.wallets WHERE name = 'paper exchange';
    SELECT id INTO v_fee_w FROM tradecore.wallets WHERE name = 'paper exchange fees';
    -- the cursor (see settlement_cursor); its row lock also queues concurrent calls
    INSERT INTO tradecore.settlement_cursor DEFAULT VALUES ON CONFLICT DO NOTHING;
    SELECT * INTO cur FROM tradecore.settlement_cursor FOR UPDATE;
    -- Fills of trading wallets (master, farm, agent) on the paper venue not settled yet, in
    -- fill order, so balances evolve as the trades did.  The simulated market maker's
    -- fills are the venue's own side and are not in the ledger.
    FOR f IN
        SELECT * FROM tradecore._fills_to_settle(cur.settled_below, 9223372036854775807) u ORDER BY u.id LIMIT max_fills
    LOOP
        -- the claim: a concurrent settle_fills waits on this key and then skips the fill
        INSERT INTO tradecore.fill_settlements (fill_id, wallet_id, agent_id, status, transaction_id, message)
        VALUES (f.id, f.wallet_id, f.agent_id, 'failed', NULL, 'settling')
        ON CONFLICT (fill_id) DO NOTHING;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        BEGIN
            -- signed for the trading wallet; money it pays is rounded up, money it gets down
            v_b := CASE WHEN f.side = 'buy' THEN f.qty ELSE -f.qty END;
            v_q := CASE WHEN f.side = 'buy' THEN -tradecore.round_asset(f.qty * f.price, f.quote_asset, true)
                        ELSE tradecore.round_asset(f.qty * f.price, f.quote_asset, false) END;
            v_fee := CASE WHEN f.fee >= 0 THEN tradecore.round_asset(f.fee, f.fee_asset, true)
                          ELSE -tradecore.round_asset(-f.fee, f.fee_asset, false) END;
            IF v_q IS NULL OR v_fee IS NULL OR tradecore.round_asset(abs(v_b), f.base_asset, false) IS DISTINCT FROM abs(v_b) THEN
                RAISE EXCEPTION 'fill % cannot be posted: an asset of % / % is unknown or the quantity % has more decimals than % allows',
                    f.id, f.base_asset, f.quote_asset, f.qty, f.base_asset USING ERRCODE = 'invalid_parameter_value';
            END IF;
            PERFORM tradecore.lock_wallets(ARRAY[f.wallet_id, v_x, v_fee_w]);
            INSERT INTO tradecore.wallet_transactions (kind, memo)
            VALUES ('trade', format('paper fill %s: %s %s %s at %s', f.id, f.side, f.qty, f.base_asset, f.price))
            RETURNING id INTO v_tx;
            -- one balanced transaction: base and quote legs against the venue, fee to its
            -- fee account; the ledger's own triggers check the sums and the balances
            INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount)
            SELECT v_tx, l.w, l.a, l.amt
              FROM (VALUES (1, f.wallet_id, f.base_asset, v_b), (2, v_x, f.base_asset, -v_b),
                           (3, v_x, f.quote_asset, -v_q), (4, f.wallet_id, f.quote_asset, v_q),
                           (5, f.wallet_id, f.fee_asset, -v_fee), (6, v_fee_w, f.fee_asset, v_fee)) AS l(n, w, a, amt)
             WHERE l.amt <> 0
             -- credits first, so a wallet never dips below zero between two legs of one trade
             ORDER BY l.amt > 0 DESC, l.n;
            UPDATE tradecore.fill_settlements
               SET status = 'settled', transaction_id = v_tx, quote_amount = v_q, base_amount = v_b,
                   fee_amount = v_fee, message = NULL
             WHERE fill_id = f.id;
            settled := settled + 1;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            UPDATE tradecore.fill_settlements SET status = 'failed', message = msg WHERE fill_id = f.id;
            INSERT INTO tradecore.risk_alerts (severity, kind, message, details, agent_id, wallet_id)
            VALUES ('critical', 'settlement_failed', format('fill %s was not posted to the ledger: %s', f.id, msg),
                    jsonb_build_object('fill_id', f.id), f.agent_id, f.wallet_id);
            PERFORM tradecore._emit('alert', jsonb_build_object(
                'severity', 'critical', 'kind', 'settlement_failed', 'fill_id', f.id, 'message', msg,
                'agent_id', f.agent_id, 'wallet_id', f.wallet_id), f.agent_id, f.wallet_id);
            failed := failed + 1;
        END;
    END LOOP;

    -- Advance the cursor up to what the last call saw, if every transaction open then has
    -- ended (own session aside: what it wrote is visible to it).
    --  * Only under READ COMMITTED: the check below and the query after it must see every
    --    transaction that ended before them; an older transaction snapshot would not.
    --  * pg_stat_clear_snapshot(): pg_stat_activity is otherwise read once per transaction.
    --  * pg_stat_activity shows every session's transaction start to this function's owner
    --    (a superuser); were that not so, a hidden start reads as NULL with a NULL state,
    --    and such a session also holds the cursor back.
    PERFORM pg_catalog.pg_stat_clear_snapshot();
    IF cur.seen_at IS NOT NULL
       AND current_setting('transaction_isolation') = 'read committed'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_xacts)
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                        WHERE a.pid <> pg_backend_pid() AND a.backend_type <> 'autovacuum worker'
                          AND a.datid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
                          AND (a.xact_start <= cur.seen_at
                               OR (a.xact_start IS NULL AND a.state IS DISTINCT FROM 'idle'))) THEN
        v_safe := cur.seen_fill_id;
        -- the first fill up to there still to settle (or retry) holds the cursor back
        SELECT min(u.id) INTO v_min FROM tradecore._fills_to_settle(cur.settled_below, v_safe) u;
        cur.settled_below := greatest(cur.settled_below, coalesce(v_min, v_safe + 1));
    END IF;
    -- the sequence first, then the time: a fill id handed out by then belongs to a
    -- transaction that started before seen_at
    SELECT CASE WHEN q.is_called THEN q.last_value ELSE q.last_value - 1 END INTO cur.seen_fill_id
      FROM tradecore.fills_id_seq q;
    cur.seen_at := clock_timestamp();
    UPDATE tradecore.settlement_cursor
       SET settled_below = cur.settled_below, seen_fill_id = cur.seen_fill_id, seen_at = cur.seen_at;
END
$$;
COMMENT ON FUNCTION tradecore.settle_fills(integer) IS
    'Posts every paper fill of a trading wallet (master, farm, agent) not yet settled to the ledger, in fill order, at most max_fills per call: one wallet transaction of kind trade per fill (base and quote legs against the external wallet "paper exchange", the fee to "paper exchange fees"; amounts the wallet pays rounded up to the asset''s decimals, amounts it receives down). fill_settlements keys each fill once, so a second call posts nothing; a fill that cannot be posted is recorded as failed with a critical alert.';
REVOKE ALL ON FUNCTION tradecore.settle_fills(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.settle_fills(integer) TO tradecore_admin, tradecore_operator;

------------------------------------------------------------------------------------------
-- The loop
------------------------------------------------------------------------------------------
CREATE FUNCTION tradecore.engine_tick(at timestamptz DEFAULT now(), market_steps integer DEFAULT 6,
    step_interval interval DEFAULT interval '10 seconds', volatility float8 DEFAULT 0.6,
    quote_qty numeric DEFAULT 1, spread_bps numeric DEFAULT 10, slippage_bps numeric DEFAULT 25,
    OUT tick_id bigint, OUT instruments integer, OUT strategy_run_id bigint, OUT actionable integer,
    OUT placed integer, OUT rejected integer, OUT skipped integer, OUT settled integer, OUT errors integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_run   text;
    t0      timestamptz := clock_timestamp();
    t       timestamptz;
    i       record;
    rs      record;
    ex      record;
    st      record;
    msg     text;
    state   text;
BEGIN
    IF NOT tradecore.is_staff(tradecore.calling_role()) THEN
        RAISE EXCEPTION 'only staff roles run the engine' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF at IS NULL OR NOT isfinite(at) OR market_steps IS NULL OR market_steps < 0 THEN
        RAISE EXCEPTION 'engine_tick needs a finite time and market_steps >= 0' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    tick_id := nextval('tradecore.engine_tick_seq');
    v_run := 'engine-' || tick_id;
    instruments := 0; actionable := 0; placed := 0; rejected := 0; skipped := 0; settled := 0; errors := 0;
    PERFORM tradecore.emit('run.started', jsonb_build_object('run_id', v_run, 'thread_id', 'engine', 'at', at));

    -- 1. the simulated market moves every active paper instrument up to `at`; the seed is
    --    derived from the time and the instrument, so a replay of the same tick is the same
    t := clock_timestamp();
    IF market_steps > 0 THEN
        FOR i IN
            SELECT n.id, n.symbol FROM tradecore.instruments n JOIN tradecore.exchanges e ON e.id = n.exchange_id
             WHERE e.kind = 'paper' AND e.enabled AND n.active ORDER BY n.id
        LOOP
            BEGIN
                PERFORM count(*) FROM tradecore.paper_market_run(i.symbol, market_steps,
                    seed => (extract(epoch FROM at)::bigint * 1000003 + i.id),
                    volatility => engine_tick.volatility, spread_bps => engine_tick.spread_bps,
                    quote_qty => engine_tick.quote_qty, step_interval => engine_tick.step_interval,
                    end_ts => at);
                instruments := instruments + 1;
            EXCEPTION WHEN OTHERS THEN
                GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
                errors := errors + 1;
                PERFORM tradecore.emit('engine.error', jsonb_build_object('run_id', v_run, 'step', 'paper_market',
                                       'symbol', i.symbol, 'sqlstate', state, 'message', msg));
            END;
        END LOOP;
    END IF;
    PERFORM tradecore.emit('run.step', jsonb_build_object('run_id', v_run, 'step', 'paper_market',
        'instruments', instruments, 'steps', market_steps,
        'ms', round((extract(epoch FROM clock_timestamp() - t) * 1000)::numeric, 3)));

    -- 2. strategies (run_strategies reports its own run and keeps its errors to itself)
    t := clock_timestamp();
    SELECT * INTO rs FROM tradecore.run_strategies(at);
    strategy_run_id := rs.run_id;
    actionable := rs.actionable;
    errors := errors + rs.errors;
    PERFORM tradecore.emit('run.step', jsonb_build_object('run_id', v_run, 'step', 'run_strategies',
        'strategy_run_id', rs.run_id, 'signals', rs.signals, 'decisions', rs.decisions, 'actionable', rs.actionable,
        'ms', round((extract(epoch FROM clock_timestamp() - t) * 1000)::numeric, 3)));

    -- 3. execution of that run's decisions
    t := clock_timestamp();
    BEGIN
        SELECT * INTO ex FROM tradecore.execute_decisions(rs.run_id, engine_tick.slippage_bps);
        placed := ex.placed; rejected := ex.rejected; skipped := ex.skipped; errors := errors + ex.failed;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
        errors := errors + 1;
        PERFORM tradecore.emit('engine.error', jsonb_build_object('run_id', v_run, 'step', 'execute_decisions',
                               'sqlstate', state, 'message', msg));
    END;
    PERFORM tradecore.emit('run.step', jsonb_build_object('run_id', v_run, 'step', 'execute_decisions',
        'placed', placed, 'rejected', rejected, 'skipped', skipped,
        'ms', round((extract(epoch FROM clock_timestamp() - t) * 1000)::numeric, 3)));

    -- 4. settlement of every new fill (the engine's and any other order's)
    t := clock_timestamp();
    BEGIN
        SELECT * INTO st FROM tradecore.settle_fills();
        settled := st.settled; errors := errors + st.failed;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, state = RETURNED_SQLSTATE;
        errors := errors + 1;
        PERFORM tradecore.emit('engine.error', jsonb_build_object('run_id', v_run, 'step', 'settle_fills',
                               'sqlstate', state, 'message', msg));
    END;
    PERFORM tradecore.emit('run.step', jsonb_build_object('run_id', v_run, 'step', 'settle_fills',
        'settled', settled, 'ms', round((extract(epoch FROM clock_timestamp() - t) * 1000)::numeric, 3)));

    PERFORM tradecore.emit('run.finished', jsonb_build_object('run_id', v_run, 'thread_id', 'engine', 'at', at,
        'instruments', instruments, 'strategy_run_id', strategy_run_id, 'actionable', actionable,
        'placed', placed, 'rejected', rejected, 'skipped', skipped, 'settled', settled, 'errors', errors,
        'ms', round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 3)));
END
$$;
COMMENT ON FUNCTION tradecore.engine_tick(timestamptz, integer, interval, float8, numeric, numeric, numeric) IS
    'One pass of the engine as of at: the paper market moves every active paper instrument market_steps steps (step_interval apart, ending at at), run_strategies(at) decides, execute_decisions places the run''s orders, settle_fills posts new fills to the ledger. Reported as run engine-N (run.started, one run.step per step, run.finished; engine.error for a failed step, which does not stop the others). Schedule it every minute with pg_cron.';
REVOKE ALL ON FUNCTION tradecore.engine_tick(timestamptz, integer, interval, float8, numeric, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.engine_tick(timestamptz, integer, interval, float8, numeric, numeric, numeric)
    TO tradecore_admin, tradecore_operator;
