-- 31_matching.sql: the C matching engine's table-free SQL face (replay and benchmark).

CREATE FUNCTION tradecore.matching_replay(ops jsonb,
    tick_size numeric DEFAULT 0.01, lot_size numeric DEFAULT 0.0001,
    maker_fee_bps numeric DEFAULT 0, taker_fee_bps numeric DEFAULT 0,
    OUT step integer, OUT event text, OUT order_id bigint, OUT counter_order_id bigint,
    OUT price numeric, OUT qty numeric, OUT taker_fee numeric, OUT maker_fee numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_matching_replay'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.matching_replay(jsonb, numeric, numeric, numeric, numeric) IS
    'Runs a script of orders ({"id","side","type","tif","price","qty"} or {"op":"cancel","id"}) through a fresh price-time priority book: one row per fill (order_id = taker, counter_order_id = maker, fees rounded up), one outcome row per step (qty: resting, filled, canceled or refused quantity), then the final book levels (order_id = number of orders at the level).';

CREATE FUNCTION tradecore.bench_matching(n bigint, seed bigint DEFAULT 42,
    OUT orders bigint, OUT fills bigint, OUT filled_lots bigint, OUT resting bigint,
    OUT canceled_remainders bigint, OUT rejected bigint, OUT cancels bigint,
    OUT checksum bigint, OUT elapsed_ms float8)
RETURNS record
AS 'MODULE_PATHNAME', 'tc_bench_matching'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.bench_matching(bigint, bigint) IS
    'Places n seeded random orders (limit/market, GTC/IOC/FOK/post-only, with cancels) into a C order book and times the loop; checksum hashes the fills, so equal seeds give equal checksums.';
