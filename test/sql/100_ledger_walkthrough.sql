-- A transfer walk-through with exact output: a desk funds its master wallet from the
-- outside world, allocates to a farm and two agents, the agents trade money between them,
-- and every step shows balances, legs, the audit trail and the outbox.
\set VERBOSITY terse
-- start from a fresh install so ids are predictable, and leave one behind for later tests
DROP EXTENSION IF EXISTS tradecore CASCADE;
CREATE EXTENSION tradecore;
SET search_path = tradecore, public;

INSERT INTO autonomous_agents (id, name) VALUES (1, 'alpha'), (2, 'beta');
INSERT INTO wallets (id, name, kind, allow_credit) VALUES (1, 'outside world', 'external', true);
INSERT INTO wallets (id, name, kind) VALUES (2, 'desk', 'master');
INSERT INTO wallets (id, name, kind, parent_id) VALUES (3, 'farm-1', 'farm', 2);
INSERT INTO wallets (id, name, kind, parent_id, agent_id) VALUES (4, 'alpha', 'agent', 3, 1), (5, 'beta', 'agent', 3, 2);

-- 1. money enters through the external wallet (which may go below zero)
SELECT transfer(1, 2, 'USD', 10000.00, 'wire in') AS tx_deposit;
SELECT transfer(1, 2, 'BTC', 2.5, 'coins in') AS tx_coins;

-- 2. the master allocates to the farm, the farm to its agents
SELECT allocate_funds(2, ARRAY[3], 'USD', ARRAY[6000]::numeric[], 'farm budget') AS tx_alloc_farm;
SELECT allocate_funds(3, ARRAY[4, 5], 'USD', ARRAY[2500, 1500.50]::numeric[], 'agent budgets') AS tx_alloc_agents;

-- 3. alpha pays beta
SELECT transfer(4, 5, 'USD', 99.99, 'alpha pays beta') AS tx_pay;

SELECT w.name, b.asset, b.amount FROM wallet_balances b JOIN wallets w ON w.id = b.wallet_id ORDER BY b.wallet_id, b.asset;

-- every wallet transaction and its legs
SELECT t.id, t.kind, t.memo, l.wallet_id, l.asset, l.amount
  FROM wallet_transactions t JOIN ledger_entries l ON l.transaction_id = t.id ORDER BY t.id, l.id;

-- refused movements leave no trace
SELECT transfer(4, 5, 'USD', 5000, 'too much');
SELECT transfer(4, 5, 'USD', 'NaN');
SELECT transfer(4, 5, 'USD', -1);
SELECT transfer(4, 4, 'USD', 1);
SELECT transfer(4, 42, 'USD', 1);
SELECT transfer(4, 5, 'DOGE', 1);
SELECT allocate_funds(3, ARRAY[2], 'USD', ARRAY[1]::numeric[]);
SELECT count(*) AS transactions FROM wallet_transactions;

-- the books balance: per asset the balances sum to zero, and each equals its legs
SELECT asset, sum(amount) AS total, count(*) AS wallets FROM wallet_balances GROUP BY asset ORDER BY asset;
SELECT b.wallet_id, b.asset, b.amount, (SELECT sum(l.amount) FROM ledger_entries l WHERE l.wallet_id = b.wallet_id AND l.asset = b.asset) AS legs
  FROM wallet_balances b ORDER BY 1, 2;

-- the audit trail of money movements
SELECT id, action, row_key, wallet_id, new_row -> 'memo' AS memo, jsonb_array_length(new_row -> 'legs') AS legs
  FROM audit_log WHERE table_name = 'wallet_transactions' ORDER BY id;

-- the outbox: one balance event per leg, owner keys filled in
SELECT id, type, topic, agent_id, wallet_id, payload ->> 'amount' AS amount, payload ->> 'balance' AS balance
  FROM events ORDER BY id;
SELECT id, type FROM events_after(10, 3);

-- a direct INSERT that does not balance is refused at COMMIT
BEGIN;
INSERT INTO wallet_transactions (id, kind, memo) OVERRIDING SYSTEM VALUE VALUES (100, 'adjustment', 'conjured');
INSERT INTO ledger_entries (transaction_id, wallet_id, asset, amount) VALUES (100, 4, 'USD', 1000000);
COMMIT;
SELECT count(*) AS conjured FROM wallet_transactions WHERE id = 100;
SELECT amount AS alpha_usd FROM wallet_balances WHERE wallet_id = 4 AND asset = 'USD';

RESET search_path;
DROP EXTENSION tradecore CASCADE;
CREATE EXTENSION tradecore;
