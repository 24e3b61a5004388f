#!/usr/bin/env bash
# The outbox writer: tradecore._emit_many calls per second in C (src/outbox.c) against the
# PL/pgSQL function it replaced (SECURITY DEFINER with a SET clause, the "first emission"
# kept in a session GUC, nextval in an array subquery, one PERFORM pg_notify per id), whose
# body is created below in a scratch schema for the run and dropped after.  Both write the
# same rows into tradecore.events under the same locks, n calls in one statement (one
# transaction), best of three; one event per call, and four per call (what place_order
# writes for an order that fills one maker).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${BENCH_EMIT_N:-5000}

bq >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_emit_old CASCADE;
CREATE SCHEMA bench_emit_old;
CREATE FUNCTION bench_emit_old._emit_many(p_types text[], p_payloads jsonb[], p_agent_ids bigint[], p_wallet_ids bigint[])
RETURNS bigint[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n int := coalesce(cardinality(p_types), 0);
    v_ids bigint[];
    v_xact text;
    v_first boolean;
BEGIN
    IF v_n = 0 THEN
        RETURN '{}';
    END IF;
    IF array_position(p_types, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'event type must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF coalesce(cardinality(p_payloads), 0) <> v_n OR coalesce(cardinality(p_agent_ids), 0) <> v_n
       OR coalesce(cardinality(p_wallet_ids), 0) <> v_n THEN
        RAISE EXCEPTION 'types, payloads, agent ids and wallet ids must have the same length'
            USING ERRCODE = 'array_subscript_error';
    END IF;
    v_xact := pg_current_xact_id()::text;
    v_first := coalesce(current_setting('tradecore_outbox.xact', true), '') <> v_xact;
    IF v_first THEN
        PERFORM pg_advisory_xact_lock_shared(1952671745, 0);
    END IF;
    v_ids := ARRAY(SELECT nextval('tradecore.events_id_seq') FROM generate_series(1, v_n));
    IF v_first THEN
        PERFORM pg_advisory_xact_lock_shared(1952671746, (v_ids[1] % 2147483648)::int);
        PERFORM set_config('tradecore_outbox.xact', v_xact, false);
    END IF;
    INSERT INTO tradecore.events (id, type, agent_id, wallet_id, payload)
    SELECT u.id, u.type, u.agent_id, u.wallet_id, coalesce(u.payload, '{}')
      FROM unnest(v_ids, p_types, p_agent_ids, p_wallet_ids, p_payloads) AS u(id, type, agent_id, wallet_id, payload);
    FOR i IN 1 .. v_n LOOP
        PERFORM pg_notify('tradecore_events', v_ids[i]::text);
    END LOOP;
    RETURN v_ids;
END
$$;
SQL

# calls FUNCTION EVENTS_PER_CALL: n calls, each with its own payloads (as callers pass them)
calls() {
  local k=$2
  echo "SELECT $1(array_fill('bench.emit'::text, ARRAY[$k]),
                  ARRAY(SELECT jsonb_build_object('order_id', g, 'k', j) FROM generate_series(1, $k) j),
                  array_fill(g % 7, ARRAY[$k]), array_fill(g % 11, ARRAY[$k]))
          FROM generate_series(1, $n) g"
}
for k in 1 4; do
  c=$(sql_ms "$(calls tradecore._emit_many $k)")
  o=$(sql_ms "$(calls bench_emit_old._emit_many $k)")
  report "_emit_many in C, $k event(s) per call" calls "$n" "$c" "the PL/pgSQL _emit_many" "$o"
done
bq -c "SET client_min_messages = warning" -c "DROP SCHEMA bench_emit_old CASCADE" >/dev/null
bq -c "DELETE FROM tradecore.events WHERE type = 'bench.emit'" >/dev/null
