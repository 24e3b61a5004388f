-- 30_exchange_parsing.sql: venue adapters callable from SQL (no tables needed).
-- Parsing is pure: the same body always gives the same rows, so the functions are
-- IMMUTABLE and can be tested on captured responses with no network.

CREATE FUNCTION tradecore.normalize_symbol(venue text, venue_symbol text,
                                           usdt_as_usd boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'tc_normalize_symbol_sql'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.normalize_symbol(text, text, boolean) IS
    'The instrument symbol BASE/QUOTE for a venue symbol (BTCUSDT, BTC-USD, XXBTZUSD, XBTUSD); Kraken XBT is BTC. USDT stays USDT unless usdt_as_usd.';

CREATE FUNCTION tradecore.parse_ticker(venue text, venue_symbol text, body text,
    OUT instrument text, OUT bid numeric, OUT ask numeric, OUT last numeric,
    OUT volume numeric, OUT ts timestamptz)
RETURNS record
AS 'MODULE_PATHNAME', 'tc_parse_ticker'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.parse_ticker(text, text, text) IS
    'Parses a venue ticker body (Binance bookTicker/24hr, Coinbase ticker, Kraken Ticker) into one row; last, volume and ts are NULL when the venue sends none. Venue error bodies raise SQLSTATE 38000 with the venue code and message.';

CREATE FUNCTION tradecore.parse_order_book(venue text, venue_symbol text, body text,
    OUT side text, OUT level integer, OUT price numeric, OUT qty numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_parse_order_book'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION tradecore.parse_order_book(text, text, text) IS
    'Parses a venue depth body into rows (side bid|ask, level from 1 = best, price, qty); unordered or crossed books are refused.';

CREATE FUNCTION tradecore.parse_candles(venue text, venue_symbol text, body text,
    OUT ts timestamptz, OUT open numeric, OUT high numeric, OUT low numeric,
    OUT close numeric, OUT volume numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'tc_parse_candles'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION tradecore.parse_candles(text, text, text) IS
    'Parses a venue candle body (Binance klines, Coinbase candles, Kraken OHLC) into rows in time order; duplicate times and high/low that do not bound open/close are refused.';

CREATE FUNCTION tradecore.sign_request(venue text, secret text, method text, path text,
                                       payload text, nonce text)
RETURNS text
AS 'MODULE_PATHNAME', 'tc_sign_request'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.sign_request(text, text, text, text, text, text) IS
    'The request signature a venue expects: Binance hex HMAC-SHA256 of the query string (payload); Coinbase base64 HMAC-SHA256 of nonce(timestamp)+METHOD+path+body; Kraken base64 HMAC-SHA512 of path+SHA256(nonce+POST data).';
-- A secret passes through this function; it is not for every role.
REVOKE ALL ON FUNCTION tradecore.sign_request(text, text, text, text, text, text) FROM PUBLIC;
