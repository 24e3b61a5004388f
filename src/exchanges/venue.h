/*
 * venue.h
 *	  What the venue adapters share: the venue enum, the parsed shapes (ticker,
 *	  book levels, candles), defensive JSON accessors that turn a venue's
 *	  decimal strings into numeric without a trip through float, and the error
 *	  reporting every adapter uses.
 */
#ifndef TRADECORE_VENUE_H
#define TRADECORE_VENUE_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

typedef enum TcVenue
{
	TC_VENUE_PAPER,
	TC_VENUE_BINANCE,
	TC_VENUE_COINBASE,
	TC_VENUE_KRAKEN
} TcVenue;

#define TC_VENUE_COUNT 4

/* bodies larger than this are refused before parsing (8 MB covers depth=5000) */
#define TC_VENUE_MAX_BODY (8 * 1024 * 1024)

typedef struct TcTicker
{
	Numeric		bid;
	Numeric		ask;
	Numeric		last;			/* NULL when the endpoint has none */
	Numeric		volume;			/* 24 h base volume, NULL when absent */
	bool		has_ts;
	TimestampTz ts;
} TcTicker;

typedef struct TcLevel
{
	Numeric		price;
	Numeric		qty;
} TcLevel;

typedef struct TcLevels
{
	TcLevel    *items;
	int			n;
	int			cap;
} TcLevels;

typedef struct TcCandle
{
	TimestampTz ts;
	Numeric		open;
	Numeric		high;
	Numeric		low;
	Numeric		close;
	Numeric		volume;
} TcCandle;

typedef struct TcCandles
{
	TcCandle   *items;
	int			n;
	int			cap;
} TcCandles;

/* what a number may be */
typedef enum TcNumCheck
{
	TC_NUM_POSITIVE,			/* prices: > 0 */
	TC_NUM_NONNEGATIVE			/* volumes: >= 0 */
} TcNumCheck;

extern TcVenue tc_venue_from_name(const char *name);
extern const char *tc_venue_name(TcVenue v);

/* parse a response body: size cap, strict JSON, then jsonb (numbers stay numeric) */
extern Jsonb *tc_venue_parse_body(TcVenue v, const char *body, size_t len);

/* accessors: the _req forms raise a clear error naming what is missing or wrong */
extern JsonbValue *tc_json_key(JsonbContainer *obj, const char *key);
extern JsonbValue *tc_json_req(TcVenue v, JsonbContainer *obj, const char *key);
extern JsonbContainer *tc_json_object(TcVenue v, JsonbValue *val, const char *what);
extern JsonbContainer *tc_json_array(TcVenue v, JsonbValue *val, const char *what);
extern JsonbContainer *tc_json_root_object(TcVenue v, Jsonb *jb, const char *what);
extern JsonbContainer *tc_json_root_array(TcVenue v, Jsonb *jb, const char *what);
extern int	tc_json_array_len(JsonbContainer *arr);
extern JsonbValue *tc_json_elem(TcVenue v, JsonbContainer *arr, int i, const char *what);
extern char *tc_json_string(TcVenue v, JsonbValue *val, const char *what);
extern Numeric tc_json_numeric(TcVenue v, JsonbValue *val, const char *what, TcNumCheck check);
extern int64 tc_json_int64(TcVenue v, JsonbValue *val, const char *what);
extern TimestampTz tc_epoch_to_timestamptz(TcVenue v, int64 value, int64 units_per_sec,
										   const char *what);
extern Numeric tc_decimal_to_numeric(TcVenue v, const char *s, const char *what, TcNumCheck check);
extern int	tc_numeric_cmp(Numeric a, Numeric b);

/* a venue's own error body: carries the venue's code (may be NULL) and message */
extern void tc_venue_error(TcVenue v, const char *code, const char *message) pg_attribute_noreturn();
/* a body we cannot use: shape, type or value problems */
extern void tc_venue_bad(TcVenue v, int sqlerrcode, const char *fmt,...) pg_attribute_printf(3, 4) pg_attribute_noreturn();

extern void tc_levels_add(TcLevels *l, Numeric price, Numeric qty);
extern void tc_parse_levels(TcVenue v, JsonbValue *side_val, const char *side, TcLevels *out);
extern void tc_candles_add(TcCandles *c, const TcCandle *candle);

/* symbols.c */
extern char *tc_normalize_symbol(TcVenue v, const char *venue_symbol, bool usdt_as_usd);

/* binance.c, coinbase.c, kraken.c */
extern void tc_binance_ticker(const char *sym, Jsonb *jb, TcTicker *t);
extern void tc_binance_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks);
extern void tc_binance_candles(const char *sym, Jsonb *jb, TcCandles *c);
extern char *tc_binance_sign(const char *secret, const char *method, const char *path,
							 const char *payload, const char *nonce);

extern void tc_coinbase_ticker(const char *sym, Jsonb *jb, TcTicker *t);
extern void tc_coinbase_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks);
extern void tc_coinbase_candles(const char *sym, Jsonb *jb, TcCandles *c);
extern char *tc_coinbase_sign(const char *secret, const char *method, const char *path,
							  const char *payload, const char *nonce);

extern void tc_kraken_ticker(const char *sym, Jsonb *jb, TcTicker *t);
extern void tc_kraken_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks);
extern void tc_kraken_candles(const char *sym, Jsonb *jb, TcCandles *c);
extern char *tc_kraken_sign(const char *secret, const char *method, const char *path,
							const char *payload, const char *nonce);

#endif							/* TRADECORE_VENUE_H */
