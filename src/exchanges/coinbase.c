/*
 * coinbase.c
 *	  Coinbase Exchange REST (the successor of Coinbase Pro):
 *	  /products/<id>/ticker, /book?level=2, /candles, and the CB-ACCESS-SIGN
 *	  signature: base64(HMAC-SHA256(base64-decoded secret,
 *	  timestamp + METHOD + request path + body)).
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "crypto.h"
#include "venue.h"

/* {"message": "NotFound"}: Coinbase errors carry a message and no code */
static void
check_error(Jsonb *jb, const char *expected_key)
{
	JsonbValue *msg;

	if (!JB_ROOT_IS_OBJECT(jb))
		return;
	msg = tc_json_key(&jb->root, "message");
	if (msg != NULL && tc_json_key(&jb->root, expected_key) == NULL)
		tc_venue_error(TC_VENUE_COINBASE, NULL,
					   msg->type == jbvString ? pnstrdup(msg->val.string.val, msg->val.string.len)
					   : "(no message)");
}

/* {"trade_id":..., "price":"...", "size":"...", "bid":"...", "ask":"...", "volume":"...", "time":"ISO"} */
void
tc_coinbase_ticker(const char *sym, Jsonb *jb, TcTicker *t)
{
	const TcVenue v = TC_VENUE_COINBASE;
	JsonbContainer *obj;
	JsonbValue *val;

	check_error(jb, "bid");
	obj = tc_json_root_object(v, jb, "ticker");
	t->bid = tc_json_numeric(v, tc_json_req(v, obj, "bid"), "bid", TC_NUM_POSITIVE);
	t->ask = tc_json_numeric(v, tc_json_req(v, obj, "ask"), "ask", TC_NUM_POSITIVE);
	if ((val = tc_json_key(obj, "price")) != NULL)
		t->last = tc_json_numeric(v, val, "price", TC_NUM_POSITIVE);
	if ((val = tc_json_key(obj, "volume")) != NULL)
		t->volume = tc_json_numeric(v, val, "volume", TC_NUM_NONNEGATIVE);
	if ((val = tc_json_key(obj, "time")) != NULL)
	{
		char	   *s = tc_json_string(v, val, "time");

		/* ISO 8601 with a Z: timestamptz_in reports a malformed value itself */
		t->ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
		if (TIMESTAMP_NOT_FINITE(t->ts))
			tc_venue_bad(v, ERRCODE_DATETIME_VALUE_OUT_OF_RANGE, "time is not finite");
		t->has_ts = true;
	}
}

/* {"sequence": 3, "bids": [["295.96", "4.39088265", 2]], "asks": [...]} */
void
tc_coinbase_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks)
{
	const TcVenue v = TC_VENUE_COINBASE;
	JsonbContainer *obj;

	check_error(jb, "bids");
	obj = tc_json_root_object(v, jb, "order book");
	tc_parse_levels(v, tc_json_req(v, obj, "bids"), "bids", bids);
	tc_parse_levels(v, tc_json_req(v, obj, "asks"), "asks", asks);
}

/* [[time s, low, high, open, close, volume], ...], newest first, as JSON numbers */
void
tc_coinbase_candles(const char *sym, Jsonb *jb, TcCandles *c)
{
	const TcVenue v = TC_VENUE_COINBASE;
	JsonbContainer *arr;
	int			n;
	char		what[48];

	check_error(jb, "");
	arr = tc_json_root_array(v, jb, "candles");
	n = tc_json_array_len(arr);
	for (int i = 0; i < n; i++)
	{
		JsonbContainer *k;
		TcCandle	cd;

		snprintf(what, sizeof(what), "candle[%d]", i);
		k = tc_json_array(v, tc_json_elem(v, arr, i, "candles"), what);
		if (tc_json_array_len(k) < 6)
			tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s has fewer than 6 elements", what);
		cd.ts = tc_epoch_to_timestamptz(v, tc_json_int64(v, tc_json_elem(v, k, 0, what), "candle time"),
										1, "candle time");
		cd.low = tc_json_numeric(v, tc_json_elem(v, k, 1, what), "candle low", TC_NUM_POSITIVE);
		cd.high = tc_json_numeric(v, tc_json_elem(v, k, 2, what), "candle high", TC_NUM_POSITIVE);
		cd.open = tc_json_numeric(v, tc_json_elem(v, k, 3, what), "candle open", TC_NUM_POSITIVE);
		cd.close = tc_json_numeric(v, tc_json_elem(v, k, 4, what), "candle close", TC_NUM_POSITIVE);
		cd.volume = tc_json_numeric(v, tc_json_elem(v, k, 5, what), "candle volume", TC_NUM_NONNEGATIVE);
		tc_candles_add(c, &cd);
	}
}

char *
tc_coinbase_sign(const char *secret, const char *method, const char *path,
				 const char *payload, const char *nonce)
{
	size_t		keylen;
	unsigned char *key;
	unsigned char mac[TC_SHA512_LEN];
	char	   *upper;
	char	   *prehash;
	int			n;

	if (nonce == NULL || nonce[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("coinbase signing needs the request timestamp as nonce")));
	key = tc_base64_decode(secret, strlen(secret), &keylen, "coinbase secret");
	upper = pstrdup(method);
	for (char *p = upper; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	prehash = psprintf("%s%s%s%s", nonce, upper, path, payload);
	n = tc_hmac(TC_HMAC_SHA256, key, keylen, (unsigned char *) prehash, strlen(prehash), mac);
	return tc_base64_encode(mac, n);
}
