#!/usr/bin/env bash
# Money movements per second through tradecore.transfer() (wallet locks in id order, checks,
# two ledger legs, balance upserts, deferred balance check, audit row, two outbox events
# with NOTIFY) against the bare cost of writing the same two legs with plain INSERTs into
# an unconstrained table, one call per movement, in the same session.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${TRADECORE_BENCH_TRANSFERS:-5000}
bq >/dev/null <<'SQL'
INSERT INTO tradecore.wallets (id, name, kind, allow_credit) VALUES (7000, 'bench-world', 'external', true)
    ON CONFLICT (id) DO NOTHING;
INSERT INTO tradecore.wallets (id, name, kind) VALUES (7001, 'bench-a', 'agent'), (7002, 'bench-b', 'agent')
    ON CONFLICT (id) DO NOTHING;
SELECT tradecore.transfer(7000, 7001, 'USD', 100000000, 'bench seed');
CREATE TABLE IF NOT EXISTS public.bench_plain_legs (tx bigint, wallet_id bigint, asset text, amount numeric);
CREATE OR REPLACE FUNCTION public.bench_plain_move(tx bigint, a bigint, b bigint, amount numeric) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.bench_plain_legs VALUES (tx, a, 'USD', -amount), (tx, b, 'USD', amount);
    RETURN tx;
END $$;
SQL
t=$(sql_ms "SELECT tradecore.transfer(7001, 7002, 'USD', 0.01) FROM generate_series(1, $n)")
b=$(sql_ms "SELECT public.bench_plain_move(g, 7001, 7002, 0.01) FROM generate_series(1, $n) g")
report "tradecore.transfer (1 session)" transfers "$n" "$t" "two plain INSERTed legs" "$b"
bq -c "DROP TABLE public.bench_plain_legs; DROP FUNCTION public.bench_plain_move(bigint, bigint, bigint, numeric)" >/dev/null
