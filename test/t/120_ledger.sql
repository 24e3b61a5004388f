-- The ledger: every bad input refused with its documented SQLSTATE and message, the
-- double-entry invariants enforced for direct INSERTs too, append-only history, audit
-- rows for money movements and limit changes; also emit(), prune_events() and candle
-- partitions.
BEGIN;
SELECT plan(62);

INSERT INTO tradecore.wallets (id, name, kind, allow_credit) VALUES (8100, 'l-world', 'external', true);
INSERT INTO tradecore.wallets (id, name, kind) VALUES (8101, 'l-master', 'master');
INSERT INTO tradecore.wallets (id, name, kind, parent_id) VALUES (8102, 'l-farm', 'farm', 8101);
INSERT INTO tradecore.wallets (id, name, kind, parent_id) VALUES (8103, 'l-a1', 'agent', 8102), (8104, 'l-a2', 'agent', 8102);
INSERT INTO tradecore.wallets (id, name, kind, active) VALUES (8105, 'l-closed', 'agent', false);

SELECT lives_ok($$SELECT tradecore.transfer(8100, 8101, 'USD', 1000.00, 'deposit')$$, 'deposit from the external wallet');
SELECT is((SELECT amount FROM tradecore.wallet_balances WHERE wallet_id = 8101 AND asset = 'USD'), 1000::numeric, 'master holds 1000 USD');
SELECT is((SELECT amount FROM tradecore.wallet_balances WHERE wallet_id = 8100 AND asset = 'USD'), -1000::numeric,
          'the external wallet (allow_credit) went to -1000');

-- bad transfer inputs
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', NULL)$$, '22004', 'amount must not be null', 'NULL amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 'NaN')$$, '22023', 'amount must be a finite number, got NaN', 'NaN amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 'Infinity')$$, '22023', 'amount must be a finite number, got Infinity', '+Infinity amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', '-Infinity')$$, '22023', 'amount must be a finite number, got -Infinity', '-Infinity amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 0)$$, '22023', 'amount must be positive, got 0', 'zero amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', -5)$$, '22023', 'amount must be positive, got -5', 'negative amount');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 0.001)$$, '22023',
                 'amount 0.001 has more than 2 decimal places, the precision of USD', 'more decimals than the asset has');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, NULL, 1)$$, '22004', 'asset must not be null', 'NULL asset');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'XYZ', 1)$$, '23503', 'asset "XYZ" does not exist', 'unknown asset');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'usd', 1)$$, '23503', 'asset "usd" does not exist', 'asset codes are exact');
SELECT throws_ok($$SELECT tradecore.transfer(NULL, 8102, 'USD', 1)$$, '22004', 'from_wallet and to_wallet must not be null', 'NULL wallet');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8101, 'USD', 1)$$, '22023', 'from_wallet and to_wallet must differ, got 8101 twice', 'same wallet');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8999, 'USD', 1)$$, '23503', 'wallet 8999 does not exist', 'unknown to_wallet');
SELECT throws_ok($$SELECT tradecore.transfer(8998, 8101, 'USD', 1)$$, '23503', 'wallet 8998 does not exist', 'unknown from_wallet');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8105, 'USD', 1)$$, '55000', 'wallet 8105 is inactive', 'inactive wallet');
SELECT throws_ok($$SELECT tradecore.transfer(8103, 8104, 'USD', 1)$$, '23514', 'insufficient funds: wallet 8103 would hold -1 USD',
                 'a balance cannot go negative');
SELECT throws_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 1000.01)$$, '23514', 'insufficient funds: wallet 8101 would hold -0.01 USD',
                 'not even by a cent');
SELECT lives_ok($$SELECT tradecore.transfer(8101, 8102, 'USD', 1000)$$, 'the whole balance can be moved');
SELECT lives_ok($$SELECT tradecore.transfer(8102, 8101, 'USD', 600)$$, 'and part of it back');

-- allocate_funds
SELECT lives_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8103, 8104], 'USD', ARRAY[100, 50.5]::numeric[], 'alloc')$$,
                'allocation to two children');
SELECT is((SELECT array_agg(amount ORDER BY wallet_id) FROM tradecore.wallet_balances WHERE wallet_id IN (8102, 8103, 8104) AND asset = 'USD'),
          ARRAY[249.5, 100, 50.5]::numeric[], 'the farm paid 150.5, the children got 100 and 50.5');
SELECT is((SELECT count(*) FROM tradecore.fund_allocations f JOIN tradecore.wallet_transactions t ON t.id = f.transaction_id
            WHERE t.memo = 'alloc'), 2::bigint, 'one fund_allocations row per child');
SELECT throws_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8101], 'USD', ARRAY[1]::numeric[])$$, '22023',
                 'wallet 8101 is not a child of wallet 8102', 'allocation only to children');
SELECT throws_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8103, 8104], 'USD', ARRAY[1]::numeric[])$$, '22023',
                 'child_wallets and amounts must be non-empty and of equal length, got 2 and 1', 'lengths must match');
SELECT throws_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8103, 8103], 'USD', ARRAY[1, 1]::numeric[])$$, '22023',
                 'child_wallets must be distinct and not null', 'children must be distinct');
SELECT throws_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8103], 'USD', ARRAY['NaN']::numeric[])$$, '22023',
                 'amount must be a finite number, got NaN', 'NaN allocation');
SELECT throws_ok($$SELECT tradecore.allocate_funds(8102, ARRAY[8103, 8104], 'USD', ARRAY[200, 100]::numeric[])$$, '23514',
                 'insufficient funds: wallet 8102 would hold -50.5 USD', 'allocation cannot overdraw the parent');

-- direct INSERTs into the ledger obey the same rules (checked at commit; made immediate here)
SET CONSTRAINTS tradecore.ledger_balanced IMMEDIATE;
INSERT INTO tradecore.wallet_transactions (id, kind, memo) OVERRIDING SYSTEM VALUE VALUES (8801, 'adjustment', 'direct');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (8801, 8103, 'USD', 5)$$,
                 '23514', 'unbalanced wallet transaction 8801: USD legs sum to 5, not 0', 'a one-sided leg creates money: refused');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount)
                   VALUES (8801, 8103, 'USD', -5), (8801, 8104, 'BTC', 5)$$,
                 '23514', NULL, 'legs must balance per asset, not in total');
SELECT lives_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount)
                  VALUES (8801, 8103, 'USD', -5), (8801, 8104, 'USD', 5)$$, 'balanced direct legs are accepted');
SELECT is((SELECT array_agg(amount ORDER BY wallet_id) FROM tradecore.wallet_balances WHERE wallet_id IN (8103, 8104) AND asset = 'USD'),
          ARRAY[95, 55.5]::numeric[], 'and the trigger kept the balances right');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (8801, 8103, 'USD', 'NaN')$$,
                 '23514', NULL, 'a NaN leg is refused by the table');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (8801, 8103, 'USD', 0)$$,
                 '23514', NULL, 'a zero leg is refused by the table');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (8801, 8999, 'USD', 1)$$,
                 '23503', NULL, 'a leg on an unknown wallet is refused');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (8801, 8103, 'XYZ', 1)$$,
                 '23503', NULL, 'a leg in an unknown asset is refused');
SELECT throws_ok($$INSERT INTO tradecore.ledger_entries (transaction_id, wallet_id, asset, amount)
                   VALUES (8801, 8103, 'USD', -500), (8801, 8104, 'USD', 500)$$,
                 '23514', 'insufficient funds: wallet 8103 would hold -405 USD', 'direct legs cannot overdraw either');
SET CONSTRAINTS tradecore.ledger_transaction_has_legs IMMEDIATE;
SELECT throws_ok($$INSERT INTO tradecore.wallet_transactions (kind) VALUES ('adjustment')$$,
                 '23514', NULL, 'a wallet transaction without legs is refused');
SET CONSTRAINTS ALL DEFERRED;

-- history is append-only and balances are derived
SELECT throws_ok($$UPDATE tradecore.ledger_entries SET amount = amount * 2$$, '55000', 'ledger_entries is append-only: update is not allowed', 'legs cannot be updated');
SELECT throws_ok($$DELETE FROM tradecore.ledger_entries$$, '55000', 'ledger_entries is append-only: delete is not allowed', 'legs cannot be deleted');
SELECT throws_ok($$TRUNCATE tradecore.ledger_entries CASCADE$$, '55000', NULL, 'the ledger cannot be truncated');
SELECT throws_ok($$UPDATE tradecore.wallet_transactions SET memo = 'x'$$, '55000', NULL, 'transactions cannot be updated');
SELECT throws_ok($$UPDATE tradecore.wallet_balances SET amount = 1e9$$, '55000',
                 'wallet_balances is maintained by the ledger: update is not allowed', 'balances cannot be written directly');
SELECT throws_ok($$INSERT INTO tradecore.wallet_balances (wallet_id, asset, amount) VALUES (8105, 'BTC', 1)$$, '55000', NULL,
                 'balances cannot be invented');
SELECT throws_ok($$DELETE FROM tradecore.audit_log$$, '55000', NULL, 'audit rows cannot be deleted');

-- invariants over everything above
SELECT is((SELECT count(*) FROM (SELECT b.wallet_id, b.asset FROM tradecore.wallet_balances b
             LEFT JOIN (SELECT wallet_id, asset, sum(amount) s FROM tradecore.ledger_entries GROUP BY 1, 2) l USING (wallet_id, asset)
            WHERE b.amount IS DISTINCT FROM l.s) x), 0::bigint, 'every balance equals the sum of its legs');
SELECT is((SELECT sum(amount) FROM tradecore.wallet_balances WHERE wallet_id BETWEEN 8100 AND 8105 AND asset = 'USD'), 0::numeric,
          'money is neither created nor lost: USD balances sum to zero');

-- wallet tree
SELECT throws_ok($$INSERT INTO tradecore.wallets (name, kind, parent_id) VALUES ('l-bad', 'farm', 8102)$$, '23514',
                 'a farm wallet cannot be a child of a farm wallet', 'a farm hangs under a master only');
SELECT throws_ok($$UPDATE tradecore.wallets SET parent_id = 8101 WHERE id = 8103$$, '0A000',
                 'wallet 8103 cannot be moved to another parent', 'wallets are not re-parented');
SELECT is((SELECT array_agg(ancestor_id || ':' || depth ORDER BY depth) FROM tradecore.wallet_hierarchies WHERE descendant_id = 8103),
          ARRAY['8103:0', '8102:1', '8101:2'], 'closure table lists every ancestor of an agent wallet');

-- audit: money movements and limit changes
SELECT is((SELECT new_row -> 'legs' FROM tradecore.audit_log WHERE table_name = 'wallet_transactions'
            AND new_row ->> 'memo' = 'deposit' ORDER BY id DESC LIMIT 1),
          '[{"asset": "USD", "amount": -1000.00, "wallet_id": 8100}, {"asset": "USD", "amount": 1000.00, "wallet_id": 8101}]'::jsonb,
          'a transfer writes an audit row with its legs');
INSERT INTO tradecore.risk_limits (id, scope, scope_id, kind, limit_value) VALUES (8901, 'wallet', 8103, 'max_order_notional', 100);
UPDATE tradecore.risk_limits SET limit_value = 50 WHERE id = 8901;
DELETE FROM tradecore.risk_limits WHERE id = 8901;
SELECT is((SELECT array_agg(action || ' ' || coalesce(old_row ->> 'limit_value', '-') || '->' || coalesce(new_row ->> 'limit_value', '-') ORDER BY id)
             FROM tradecore.audit_log WHERE table_name = 'risk_limits' AND row_key = '8901'),
          ARRAY['INSERT -->100', 'UPDATE 100->50', 'DELETE 50->-'], 'every change to a risk limit is audited');

-- events
SELECT tradecore.emit('order.filled', '{"order_id": 1, "wallet_id": 8103}') AS e1 \gset
SELECT tradecore.emit('tick', '{}') AS e2 \gset
SELECT ok(:e2 > :e1, 'event ids are monotonic');
SELECT is((SELECT topic || ' ' || coalesce(wallet_id::text, '-') FROM tradecore.events WHERE id = :e1), 'order 8103',
          'topic from the type''s first part, wallet_id from the payload');
SELECT throws_ok($$SELECT tradecore.emit('Bad Type', '{}')$$, '23514', NULL, 'malformed event types are refused');
SELECT is((SELECT array_agg(id ORDER BY id) FROM tradecore.events_after(:e1 - 1) WHERE id IN (:e1, :e2)), ARRAY[:e1, :e2]::bigint[],
          'events_after returns the transaction''s own events in id order');
INSERT INTO tradecore.events (type, ts) VALUES ('old.one', now() - interval '30 days');
SELECT cmp_ok(tradecore.prune_events(interval '7 days'), '>=', 1::bigint, 'prune_events deletes old events');
SELECT throws_ok($$SELECT tradecore.prune_events(interval '-1 day')$$, '22023', NULL, 'retention must be positive');

-- candle partitions
INSERT INTO tradecore.instruments (id, exchange_id, symbol, venue_symbol, base_asset, quote_asset) VALUES (8201, 1, 'LDG/USD', 'LDGUSD', 'LDG', 'USD');
INSERT INTO tradecore.candles (instrument_id, exchange_id, "interval", ts, open, high, low, close)
VALUES (8201, 1, '1 minute', '2031-05-04 10:00+00', 1, 2, 0.5, 1.5);
SELECT is(tradecore.create_candle_partition('2031-05-01+00', '2031-06-01+00')::text, 'tradecore.candles_p203105010000_203106010000',
          'create_candle_partition names the partition by its range');
SELECT is((SELECT tableoid::regclass::text FROM tradecore.candles WHERE instrument_id = 8201), 'tradecore.candles_p203105010000_203106010000',
          'rows in the range moved out of the default partition');

SELECT * FROM finish();
ROLLBACK;
