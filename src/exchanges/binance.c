/*
 * binance.c
 *	  Binance spot REST: /api/v3/ticker/bookTicker and /ticker/24hr, /depth,
 *	  /klines, and the HMAC-SHA256 (hex) signature of signed endpoints, which
 *	  covers the query string (plus the form body, when there is one).
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "crypto.h"
#include "venue.h"

/* {"code": -1121, "msg": "Invalid symbol."} */
static void
check_error(Jsonb *jb)
{
	JsonbValue *code,
			   *msg;
	char	   *code_s;

	if (!JB_ROOT_IS_OBJECT(jb))
		return;
	code = tc_json_key(&jb->root, "code");
	msg = tc_json_key(&jb->root, "msg");
	if (code == NULL || msg == NULL)
		return;
	if (code->type == jbvNumeric)
		code_s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(code->val.numeric)));
	else if (code->type == jbvString)
		code_s = pnstrdup(code->val.string.val, code->val.string.len);
	else
		code_s = "?";
	tc_venue_error(TC_VENUE_BINANCE, code_s,
				   msg->type == jbvString ? pnstrdup(msg->val.string.val, msg->val.string.len)
				   : "(no message)");
}

static void
check_symbol(JsonbContainer *obj, const char *sym)
{
	JsonbValue *s = tc_json_key(obj, "symbol");

	if (s != NULL)
	{
		char	   *got = tc_json_string(TC_VENUE_BINANCE, s, "symbol");

		if (pg_strcasecmp(got, sym) != 0)
			tc_venue_bad(TC_VENUE_BINANCE, ERRCODE_INVALID_PARAMETER_VALUE,
						 "response is for symbol \"%s\", not \"%s\"", got, sym);
	}
}

/*
 * Both bookTicker (bid/ask only) and the 24hr ticker (which adds lastPrice,
 * volume and closeTime) are accepted; absent fields come back NULL.
 */
void
tc_binance_ticker(const char *sym, Jsonb *jb, TcTicker *t)
{
	const TcVenue v = TC_VENUE_BINANCE;
	JsonbContainer *obj;
	JsonbValue *val;

	check_error(jb);
	obj = tc_json_root_object(v, jb, "ticker");
	check_symbol(obj, sym);
	t->bid = tc_json_numeric(v, tc_json_req(v, obj, "bidPrice"), "bidPrice", TC_NUM_POSITIVE);
	t->ask = tc_json_numeric(v, tc_json_req(v, obj, "askPrice"), "askPrice", TC_NUM_POSITIVE);
	if ((val = tc_json_key(obj, "lastPrice")) != NULL)
		t->last = tc_json_numeric(v, val, "lastPrice", TC_NUM_POSITIVE);
	if ((val = tc_json_key(obj, "volume")) != NULL)
		t->volume = tc_json_numeric(v, val, "volume", TC_NUM_NONNEGATIVE);
	if ((val = tc_json_key(obj, "closeTime")) != NULL)
	{
		t->ts = tc_epoch_to_timestamptz(v, tc_json_int64(v, val, "closeTime"), 1000, "closeTime");
		t->has_ts = true;
	}
}

/* {"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]], "asks": [...]} */
void
tc_binance_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks)
{
	const TcVenue v = TC_VENUE_BINANCE;
	JsonbContainer *obj;

	check_error(jb);
	obj = tc_json_root_object(v, jb, "order book");
	tc_parse_levels(v, tc_json_req(v, obj, "bids"), "bids", bids);
	tc_parse_levels(v, tc_json_req(v, obj, "asks"), "asks", asks);
}

/* [[openTime ms, "open", "high", "low", "close", "volume", closeTime, ...], ...] */
void
tc_binance_candles(const char *sym, Jsonb *jb, TcCandles *c)
{
	const TcVenue v = TC_VENUE_BINANCE;
	JsonbContainer *arr;
	int			n;
	char		what[48];

	check_error(jb);
	arr = tc_json_root_array(v, jb, "klines");
	n = tc_json_array_len(arr);
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *k;
		TcCandle	cd;

		snprintf(what, sizeof(what), "kline[%d]", i);
		k = tc_json_array(v, tc_json_elem(v, arr, i, "klines"), what);
		if (tc_json_array_len(k) < 6)
			tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s has fewer than 6 elements", what);
		cd.ts = tc_epoch_to_timestamptz(v, tc_json_int64(v, tc_json_elem(v, k, 0, what), "kline open time"),
										1000, "kline open time");
		cd.open = tc_json_numeric(v, tc_json_elem(v, k, 1, what), "kline open", TC_NUM_POSITIVE);
		cd.high = tc_json_numeric(v, tc_json_elem(v, k, 2, what), "kline high", TC_NUM_POSITIVE);
		cd.low = tc_json_numeric(v, tc_json_elem(v, k, 3, what), "kline low", TC_NUM_POSITIVE);
		cd.close = tc_json_numeric(v, tc_json_elem(v, k, 4, what), "kline close", TC_NUM_POSITIVE);
		cd.volume = tc_json_numeric(v, tc_json_elem(v, k, 5, what), "kline volume", TC_NUM_NONNEGATIVE);
		tc_candles_add(c, &cd);
	}
}

/* hex(HMAC-SHA256(secret, totalParams)); the secret is used as given, not decoded */
char *
tc_binance_sign(const char *secret, const char *method, const char *path,
				const char *payload, const char *nonce)
{
	unsigned char mac[TC_SHA512_LEN];
	int			n = tc_hmac(TC_HMAC_SHA256, (const unsigned char *) secret, strlen(secret),
							(const unsigned char *) payload, strlen(payload), mac);

	return tc_hex_encode(mac, n);
}
