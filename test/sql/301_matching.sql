-- The matching engine's semantics, step by step, through tradecore.matching_replay().

-- price-time priority: best price first, then the earliest order at that price
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"sell","price":"101.00","qty":"1"},
  {"id":2,"side":"sell","price":"100.00","qty":"1"},
  {"id":3,"side":"sell","price":"100.00","qty":"2"},
  {"id":4,"side":"buy","type":"market","qty":"2.5"},
  {"id":5,"side":"buy","price":"101.00","qty":"2"}
]');

-- partial fills of a resting maker, IOC remainder canceled, GTC remainder rests
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"buy","price":"99.50","qty":"5"},
  {"id":2,"side":"sell","price":"99.50","qty":"2"},
  {"id":3,"side":"sell","tif":"ioc","price":"99.00","qty":"4"},
  {"id":4,"side":"sell","price":"99.00","qty":"1"}
]');

-- FOK: all or nothing; the book is untouched when it cannot fill completely
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"sell","price":"10.00","qty":"1"},
  {"id":2,"side":"sell","price":"10.01","qty":"1"},
  {"id":3,"side":"buy","tif":"fok","price":"10.00","qty":"2"},
  {"id":4,"side":"buy","tif":"fok","price":"10.01","qty":"2"}
]');

-- post-only: refused if it would take liquidity, rests otherwise
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"sell","price":"10.00","qty":"1"},
  {"id":2,"side":"buy","tif":"post_only","price":"10.00","qty":"1"},
  {"id":3,"side":"buy","tif":"post_only","price":"9.99","qty":"1"}
]');

-- cancel, cancel of an unknown or already filled order, duplicate id, market into an empty side
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"buy","price":"10.00","qty":"3"},
  {"id":2,"side":"buy","price":"10.00","qty":"1"},
  {"op":"cancel","id":1},
  {"op":"cancel","id":1},
  {"id":2,"side":"sell","price":"11.00","qty":"1"},
  {"id":3,"side":"sell","price":"10.00","qty":"1"},
  {"op":"cancel","id":2},
  {"id":4,"side":"sell","type":"market","qty":"1"}
]');

-- maker/taker fees: maker 10 bps, taker 20 bps, rounded up to tick*lot
SELECT * FROM tradecore.matching_replay('[
  {"id":1,"side":"sell","price":"100.00","qty":"1.5"},
  {"id":2,"side":"buy","price":"100.00","qty":"1"},
  {"id":3,"side":"buy","price":"100.00","qty":"0.0003"}
]', 0.01, 0.0001, 10, 20);

-- bad input: off-grid price, zero quantity, unknown tif, too precise fee
SELECT * FROM tradecore.matching_replay('[{"id":1,"side":"buy","price":"10.005","qty":"1"}]');
SELECT * FROM tradecore.matching_replay('[{"id":1,"side":"buy","price":"10.00","qty":"0"}]');
SELECT * FROM tradecore.matching_replay('[{"id":1,"side":"buy","tif":"day","price":"10.00","qty":"1"}]');
SELECT * FROM tradecore.matching_replay('[{"id":1,"side":"buy","price":"NaN","qty":"1"}]');
SELECT * FROM tradecore.matching_replay('[]', 0.01, 0.0001, 0.001, 0);
SELECT * FROM tradecore.matching_replay('{"id":1}');

-- determinism: the same seed gives the same fills, another seed different ones
SELECT a.orders, a.fills > 0 AS has_fills, a.resting > 0 AS has_resting,
       a.canceled_remainders > 0 AS ioc_remainders, a.rejected > 0 AS has_rejections,
       a.cancels > 0 AS has_cancels,
       (a.checksum, a.fills, a.filled_lots, a.resting) = (b.checksum, b.fills, b.filled_lots, b.resting) AS same_seed_same_fills,
       a.checksum <> c.checksum AS other_seed_other_fills
  FROM tradecore.bench_matching(20000, 7) a, tradecore.bench_matching(20000, 7) b,
       tradecore.bench_matching(20000, 8) c;
SELECT * FROM tradecore.bench_matching(0, 1);
