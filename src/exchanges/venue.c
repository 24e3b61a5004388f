/*
 * venue.c
 *	  Helpers shared by the venue adapters, and the SQL-callable entry points
 *	  tradecore.parse_ticker / parse_order_book / parse_candles / sign_request /
 *	  normalize_symbol that dispatch to them.
 *
 * Everything a venue sends is untrusted: the body is size-capped, checked as
 * strict JSON by PostgreSQL's own parser (so truncated or malformed bodies get
 * a precise error, never a crash), then turned into jsonb, whose numbers are
 * numeric.  Prices and sizes that venues send as decimal strings are checked
 * against a strict decimal grammar and handed to numeric_in, so no value ever
 * passes through a float.  NaN, infinities, negative and zero prices, crossed
 * books and inconsistent candles are refused with an error naming the field.
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "venue.h"

static const char *const venue_names[TC_VENUE_COUNT] = {"paper", "binance", "coinbase", "kraken"};

TcVenue
tc_venue_from_name(const char *name)
{
	for (int i = 0; i < TC_VENUE_COUNT; i++)
		if (pg_strcasecmp(name, venue_names[i]) == 0)
			return (TcVenue) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown venue \"%s\"", name),
			 errhint("Known venues: paper, binance, coinbase, kraken.")));
	pg_unreachable();
}

const char *
tc_venue_name(TcVenue v)
{
	return venue_names[v];
}

void
tc_venue_error(TcVenue v, const char *code, const char *message)
{
	if (code != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("%s returned error %s: %s", venue_names[v], code, message),
				 errdetail("venue=%s code=%s", venue_names[v], code)));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("%s returned error: %s", venue_names[v], message),
			 errdetail("venue=%s", venue_names[v])));
	pg_unreachable();
}

void
tc_venue_bad(TcVenue v, int sqlerrcode, const char *fmt,...)
{
	char		buf[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("invalid %s response: %s", venue_names[v], buf)));
	pg_unreachable();
}

Jsonb *
tc_venue_parse_body(TcVenue v, const char *body, size_t len)
{
	JsonLexContext *lex;
	JsonParseErrorType rc;
	char	   *copy;

	if (len == 0)
		tc_venue_bad(v, ERRCODE_INVALID_JSON_TEXT, "empty body");
	if (len > TC_VENUE_MAX_BODY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("invalid %s response: body of %zu bytes exceeds the %d byte limit",
						venue_names[v], len, TC_VENUE_MAX_BODY)));
	if (memchr(body, '\0', len) != NULL)
		tc_venue_bad(v, ERRCODE_INVALID_JSON_TEXT, "body contains a NUL byte");
	copy = pnstrdup(body, len);
	(void) pg_verify_mbstr(GetDatabaseEncoding(), copy, (int) len, false);

	lex = makeJsonLexContextCstringLen(copy, (int) len, GetDatabaseEncoding(), true);
	rc = pg_parse_json(lex, &nullSemAction);
	if (rc != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_JSON_TEXT),
				 errmsg("invalid %s response: malformed JSON", venue_names[v]),
				 errdetail("%s", json_errdetail(rc, lex))));
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
}

JsonbValue *
tc_json_key(JsonbContainer *obj, const char *key)
{
	if (obj == NULL || !JsonContainerIsObject(obj))
		return NULL;
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

JsonbValue *
tc_json_req(TcVenue v, JsonbContainer *obj, const char *key)
{
	JsonbValue *val = tc_json_key(obj, key);

	if (val == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "missing field \"%s\"", key);
	return val;
}

JsonbContainer *
tc_json_object(TcVenue v, JsonbValue *val, const char *what)
{
	if (val == NULL || val->type != jbvBinary || !JsonContainerIsObject(val->val.binary.data))
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not a JSON object", what);
	return val->val.binary.data;
}

JsonbContainer *
tc_json_array(TcVenue v, JsonbValue *val, const char *what)
{
	if (val == NULL || val->type != jbvBinary || !JsonContainerIsArray(val->val.binary.data) ||
		JsonContainerIsScalar(val->val.binary.data))
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not a JSON array", what);
	return val->val.binary.data;
}

JsonbContainer *
tc_json_root_object(TcVenue v, Jsonb *jb, const char *what)
{
	if (!JB_ROOT_IS_OBJECT(jb))
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not a JSON object", what);
	return &jb->root;
}

JsonbContainer *
tc_json_root_array(TcVenue v, Jsonb *jb, const char *what)
{
	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not a JSON array", what);
	return &jb->root;
}

int
tc_json_array_len(JsonbContainer *arr)
{
	return (int) JsonContainerSize(arr);
}

JsonbValue *
tc_json_elem(TcVenue v, JsonbContainer *arr, int i, const char *what)
{
	JsonbValue *val = getIthJsonbValueFromContainer(arr, (uint32) i);

	if (val == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s has no element %d", what, i);
	return val;
}

char *
tc_json_string(TcVenue v, JsonbValue *val, const char *what)
{
	if (val == NULL || val->type != jbvString)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not a string", what);
	return pnstrdup(val->val.string.val, val->val.string.len);
}

int
tc_numeric_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
check_sign(TcVenue v, Numeric n, const char *what, TcNumCheck check)
{
	int			c = tc_numeric_cmp(n, int64_to_numeric(0));

	if (c < 0)
		tc_venue_bad(v, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s is negative", what);
	if (c == 0 && check == TC_NUM_POSITIVE)
		tc_venue_bad(v, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s is zero", what);
	return n;
}

/*
 * A venue decimal: optional minus, digits, optional fraction, optional
 * exponent.  Anything else (NaN, Infinity, blanks, hex, "1,5") is refused
 * here rather than left to numeric_in, which accepts NaN and Infinity.
 */
Numeric
tc_decimal_to_numeric(TcVenue v, const char *s, const char *what, TcNumCheck check)
{
	const char *p = s;

	if (strlen(s) > 64)
		tc_venue_bad(v, ERRCODE_INVALID_TEXT_REPRESENTATION, "%s is not a decimal number", what);
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char) *p))
		goto bad;
	while (isdigit((unsigned char) *p))
		p++;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			goto bad;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char) *p))
			goto bad;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (*p != '\0')
		goto bad;
	return check_sign(v,
					  DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
														  ObjectIdGetDatum(InvalidOid),
														  Int32GetDatum(-1))),
					  what, check);
bad:
	tc_venue_bad(v, ERRCODE_INVALID_TEXT_REPRESENTATION,
				 "%s is not a decimal number: \"%s\"", what, s);
	pg_unreachable();
}

/* venues send decimal strings; JSON numbers are accepted too (jsonb keeps them numeric) */
Numeric
tc_json_numeric(TcVenue v, JsonbValue *val, const char *what, TcNumCheck check)
{
	if (val == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "missing %s", what);
	if (val->type == jbvString)
	{
		char	   *s = pnstrdup(val->val.string.val, val->val.string.len);

		return tc_decimal_to_numeric(v, s, what, check);
	}
	if (val->type == jbvNumeric)
	{
		if (numeric_is_nan(val->val.numeric) || numeric_is_inf(val->val.numeric))
			tc_venue_bad(v, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s is not finite", what);
		return check_sign(v, val->val.numeric, what, check);
	}
	tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is neither a decimal string nor a number", what);
	pg_unreachable();
}

int64
tc_json_int64(TcVenue v, JsonbValue *val, const char *what)
{
	Numeric		n;
	Numeric		truncated;

	if (val == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "missing %s", what);
	if (val->type == jbvNumeric)
		n = val->val.numeric;
	else if (val->type == jbvString)
	{
		char	   *s = pnstrdup(val->val.string.val, val->val.string.len);

		n = tc_decimal_to_numeric(v, s, what, TC_NUM_NONNEGATIVE);
	}
	else
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not an integer", what);
	if (numeric_is_nan(n) || numeric_is_inf(n))
		tc_venue_bad(v, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s is not finite", what);
	truncated = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(n), Int32GetDatum(0)));
	if (tc_numeric_cmp(n, truncated) != 0)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s is not an integer", what);
	if (tc_numeric_cmp(n, int64_to_numeric(PG_INT64_MAX / 2)) > 0 ||
		tc_numeric_cmp(n, int64_to_numeric(PG_INT64_MIN / 2)) < 0)
		tc_venue_bad(v, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE, "%s is out of range", what);
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(n)));
}

/* Unix time in units of 1/units_per_sec seconds to timestamptz, in integers */
TimestampTz
tc_epoch_to_timestamptz(TcVenue v, int64 value, int64 units_per_sec, const char *what)
{
	/* 2000-01-01 .. 2200-01-01 covers every plausible market timestamp */
	const int64 lo = INT64CONST(946684800);
	const int64 hi = INT64CONST(7258118400);
	int64		secs = value / units_per_sec;
	int64		frac = value % units_per_sec;

	if (value < 0 || secs < lo || secs >= hi)
		tc_venue_bad(v, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE,
					 "%s %lld is not a plausible Unix time", what, (long long) value);
	return (secs - ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)) * USECS_PER_SEC
		+ frac * (USECS_PER_SEC / units_per_sec);
}

void
tc_levels_add(TcLevels *l, Numeric price, Numeric qty)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = l->items ? repalloc_huge(l->items, sizeof(TcLevel) * l->cap)
			: palloc(sizeof(TcLevel) * l->cap);
	}
	l->items[l->n].price = price;
	l->items[l->n].qty = qty;
	l->n++;
}

void
tc_candles_add(TcCandles *c, const TcCandle *candle)
{
	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 64;
		c->items = c->items ? repalloc_huge(c->items, sizeof(TcCandle) * c->cap)
			: palloc(sizeof(TcCandle) * c->cap);
	}
	c->items[c->n++] = *candle;
}

/* ---- validation shared by all venues ---- */

static void
validate_ticker(TcVenue v, TcTicker *t)
{
	if (tc_numeric_cmp(t->bid, t->ask) > 0)
		tc_venue_bad(v, ERRCODE_DATA_EXCEPTION, "ticker is crossed: bid %s is above ask %s",
					 DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(t->bid))),
					 DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(t->ask))));
}

static void
validate_side(TcVenue v, TcLevels *l, bool descending, const char *side)
{
	for (int i = 1; i < l->n; i++)
	{
		int			c = tc_numeric_cmp(l->items[i - 1].price, l->items[i].price);

		if (descending ? c <= 0 : c >= 0)
			tc_venue_bad(v, ERRCODE_DATA_EXCEPTION,
						 "%s are not in %s price order at level %d", side,
						 descending ? "strictly descending" : "strictly ascending", i + 1);
	}
}

static void
validate_book(TcVenue v, TcLevels *bids, TcLevels *asks)
{
	validate_side(v, bids, true, "bids");
	validate_side(v, asks, false, "asks");
	if (bids->n > 0 && asks->n > 0 &&
		tc_numeric_cmp(bids->items[0].price, asks->items[0].price) >= 0)
		tc_venue_bad(v, ERRCODE_DATA_EXCEPTION, "book is crossed: best bid is not below best ask");
}

static int
candle_cmp(const void *a, const void *b)
{
	TimestampTz x = ((const TcCandle *) a)->ts;
	TimestampTz y = ((const TcCandle *) b)->ts;

	return (x > y) - (x < y);
}

static void
sort_validate_candles(TcVenue v, TcCandles *c)
{
	if (c->n > 1)
		qsort(c->items, c->n, sizeof(TcCandle), candle_cmp);
	for (int i = 0; i < c->n; i++)
	{
		TcCandle   *k = &c->items[i];

		if (i > 0 && k->ts == c->items[i - 1].ts)
			tc_venue_bad(v, ERRCODE_DATA_EXCEPTION, "two candles share the time %s",
						 timestamptz_to_str(k->ts));
		if (tc_numeric_cmp(k->high, k->low) < 0 ||
			tc_numeric_cmp(k->high, k->open) < 0 || tc_numeric_cmp(k->high, k->close) < 0 ||
			tc_numeric_cmp(k->low, k->open) > 0 || tc_numeric_cmp(k->low, k->close) > 0)
			tc_venue_bad(v, ERRCODE_DATA_EXCEPTION,
						 "candle at %s is inconsistent: high/low do not bound open/close",
						 timestamptz_to_str(k->ts));
	}
}

/* ---- SQL entry points ---- */

typedef struct ParseContext
{
	const char *venue;
	const char *what;
	const char *symbol;
} ParseContext;

static void
parse_error_context(void *arg)
{
	ParseContext *pc = (ParseContext *) arg;

	errcontext("parsing %s %s for \"%s\"", pc->venue, pc->what, pc->symbol);
}

#define WITH_PARSE_CONTEXT(venue_, what_, sym_) \
	ParseContext pc_ = {tc_venue_name(venue_), (what_), (sym_)}; \
	ErrorContextCallback cb_ = {error_context_stack, parse_error_context, &pc_}; \
	error_context_stack = &cb_

#define END_PARSE_CONTEXT() (error_context_stack = cb_.previous)

static Jsonb *
body_arg(TcVenue v, FunctionCallInfo fcinfo, int argno)
{
	text	   *body = PG_GETARG_TEXT_PP(argno);

	return tc_venue_parse_body(v, VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body));
}

static void
require_live_venue(TcVenue v, const char *what)
{
	if (v == TC_VENUE_PAPER)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the paper venue has no %s", what),
				 errhint("Use binance, coinbase or kraken.")));
}

PG_FUNCTION_INFO_V1(tc_parse_ticker);
/* tradecore.parse_ticker(venue, venue_symbol, body) -> one row */
Datum
tc_parse_ticker(PG_FUNCTION_ARGS)
{
	TcVenue		v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	char	   *sym = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TcTicker	t = {0};
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	require_live_venue(v, "response format");
	{
		Jsonb	   *jb;
		WITH_PARSE_CONTEXT(v, "ticker", sym);

		jb = body_arg(v, fcinfo, 2);

		switch (v)
		{
			case TC_VENUE_BINANCE:
				tc_binance_ticker(sym, jb, &t);
				break;
			case TC_VENUE_COINBASE:
				tc_coinbase_ticker(sym, jb, &t);
				break;
			default:
				tc_kraken_ticker(sym, jb, &t);
				break;
		}
		validate_ticker(v, &t);
		END_PARSE_CONTEXT();
	}
	values[0] = CStringGetTextDatum(tc_normalize_symbol(v, sym, false));
	values[1] = NumericGetDatum(t.bid);
	values[2] = NumericGetDatum(t.ask);
	values[3] = NumericGetDatum(t.last);
	nulls[3] = t.last == NULL;
	values[4] = NumericGetDatum(t.volume);
	nulls[4] = t.volume == NULL;
	values[5] = TimestampTzGetDatum(t.ts);
	nulls[5] = !t.has_ts;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

static void
put_levels(Tuplestorestate *ts, TupleDesc td, TcLevels *l, const char *side)
{
	for (int i = 0; i < l->n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = CStringGetTextDatum(side);
		values[1] = Int32GetDatum(i + 1);
		values[2] = NumericGetDatum(l->items[i].price);
		values[3] = NumericGetDatum(l->items[i].qty);
		tuplestore_putvalues(ts, td, values, nulls);
	}
}

PG_FUNCTION_INFO_V1(tc_parse_order_book);
/* tradecore.parse_order_book(venue, venue_symbol, body) -> (side, level, price, qty) */
Datum
tc_parse_order_book(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TcVenue		v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	char	   *sym = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TcLevels	bids = {0},
				asks = {0};

	require_live_venue(v, "response format");
	{
		Jsonb	   *jb;
		WITH_PARSE_CONTEXT(v, "order book", sym);

		jb = body_arg(v, fcinfo, 2);

		switch (v)
		{
			case TC_VENUE_BINANCE:
				tc_binance_book(sym, jb, &bids, &asks);
				break;
			case TC_VENUE_COINBASE:
				tc_coinbase_book(sym, jb, &bids, &asks);
				break;
			default:
				tc_kraken_book(sym, jb, &bids, &asks);
				break;
		}
		validate_book(v, &bids, &asks);
		END_PARSE_CONTEXT();
	}
	InitMaterializedSRF(fcinfo, 0);
	put_levels(rsinfo->setResult, rsinfo->setDesc, &bids, "bid");
	put_levels(rsinfo->setResult, rsinfo->setDesc, &asks, "ask");
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(tc_parse_candles);
/* tradecore.parse_candles(venue, venue_symbol, body) -> (ts, open, high, low, close, volume) */
Datum
tc_parse_candles(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TcVenue		v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	char	   *sym = text_to_cstring(PG_GETARG_TEXT_PP(1));
	TcCandles	c = {0};

	require_live_venue(v, "response format");
	{
		Jsonb	   *jb;
		WITH_PARSE_CONTEXT(v, "candles", sym);

		jb = body_arg(v, fcinfo, 2);

		switch (v)
		{
			case TC_VENUE_BINANCE:
				tc_binance_candles(sym, jb, &c);
				break;
			case TC_VENUE_COINBASE:
				tc_coinbase_candles(sym, jb, &c);
				break;
			default:
				tc_kraken_candles(sym, jb, &c);
				break;
		}
		sort_validate_candles(v, &c);
		END_PARSE_CONTEXT();
	}
	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < c.n; i++)
	{
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = TimestampTzGetDatum(c.items[i].ts);
		values[1] = NumericGetDatum(c.items[i].open);
		values[2] = NumericGetDatum(c.items[i].high);
		values[3] = NumericGetDatum(c.items[i].low);
		values[4] = NumericGetDatum(c.items[i].close);
		values[5] = NumericGetDatum(c.items[i].volume);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(tc_sign_request);
/* tradecore.sign_request(venue, secret, method, path, payload, nonce) -> signature */
Datum
tc_sign_request(PG_FUNCTION_ARGS)
{
	TcVenue		v;
	char	   *secret,
			   *method,
			   *path,
			   *payload,
			   *nonce,
			   *sig;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("venue and secret must not be null")));
	v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	secret = text_to_cstring(PG_GETARG_TEXT_PP(1));
	method = PG_ARGISNULL(2) ? "GET" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	path = PG_ARGISNULL(3) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(3));
	payload = PG_ARGISNULL(4) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(4));
	nonce = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	if (secret[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secret must not be empty")));
	require_live_venue(v, "request signing");

	switch (v)
	{
		case TC_VENUE_BINANCE:
			sig = tc_binance_sign(secret, method, path, payload, nonce);
			break;
		case TC_VENUE_COINBASE:
			sig = tc_coinbase_sign(secret, method, path, payload, nonce);
			break;
		default:
			sig = tc_kraken_sign(secret, method, path, payload, nonce);
			break;
	}
	PG_RETURN_TEXT_P(cstring_to_text(sig));
}

PG_FUNCTION_INFO_V1(tc_normalize_symbol_sql);
/* tradecore.normalize_symbol(venue, venue_symbol, usdt_as_usd) -> 'BASE/QUOTE' */
Datum
tc_normalize_symbol_sql(PG_FUNCTION_ARGS)
{
	TcVenue		v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	char	   *sym = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		usdt_as_usd = PG_GETARG_BOOL(2);

	PG_RETURN_TEXT_P(cstring_to_text(tc_normalize_symbol(v, sym, usdt_as_usd)));
}

/*
 * [[price, qty, ...], ...] as every venue sends book sides; extra elements
 * (Coinbase's order count, Kraken's timestamp) are ignored.
 */
void
tc_parse_levels(TcVenue v, JsonbValue *side_val, const char *side, TcLevels *out)
{
	JsonbContainer *arr = tc_json_array(v, side_val, side);
	int			n = tc_json_array_len(arr);
	char		what[64];

	for (int i = 0; i < n; i++)
	{
		JsonbContainer *lvl;
		Numeric		price,
					qty;

		if ((i & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		snprintf(what, sizeof(what), "%s[%d]", side, i);
		lvl = tc_json_array(v, tc_json_elem(v, arr, i, side), what);
		if (tc_json_array_len(lvl) < 2)
			tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s has fewer than 2 elements", what);
		snprintf(what, sizeof(what), "%s[%d] price", side, i);
		price = tc_json_numeric(v, tc_json_elem(v, lvl, 0, what), what, TC_NUM_POSITIVE);
		snprintf(what, sizeof(what), "%s[%d] quantity", side, i);
		qty = tc_json_numeric(v, tc_json_elem(v, lvl, 1, what), what, TC_NUM_POSITIVE);
		tc_levels_add(out, price, qty);
	}
}
