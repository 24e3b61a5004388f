/*
 * kraken.c
 *	  Kraken spot REST: /0/public/Ticker, /Depth, /OHLC, and the API-Sign
 *	  signature of private endpoints: base64(HMAC-SHA512(base64-decoded
 *	  secret, URI path + SHA-256(nonce + POST data))).
 *
 * Kraken wraps everything in {"error": [...], "result": {...}} and keys the
 * result by its own pair name, which can differ from the one requested
 * (XBTUSD comes back as XXBTZUSD); a result holding a single pair is taken
 * as the answer for the requested one.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "crypto.h"
#include "venue.h"

/* {"error": ["EQuery:Unknown asset pair"]}: code before the first colon */
static JsonbContainer *
result_object(Jsonb *jb)
{
	const TcVenue v = TC_VENUE_KRAKEN;
	JsonbContainer *root = tc_json_root_object(v, jb, "response");
	JsonbValue *err = tc_json_key(root, "error");

	if (err != NULL)
	{
		JsonbContainer *errs = tc_json_array(v, err, "error");
		int			n = tc_json_array_len(errs);

		for (int i = 0; i < n; i++)
		{
			char	   *e = tc_json_string(v, tc_json_elem(v, errs, i, "error"), "error entry");
			char	   *colon = strchr(e, ':');

			/* W... entries are warnings; everything else is an error */
			if (e[0] == 'W')
				continue;
			if (colon != NULL)
			{
				*colon = '\0';
				tc_venue_error(v, e, colon + 1);
			}
			tc_venue_error(v, NULL, e);
		}
	}
	return tc_json_object(v, tc_json_req(v, root, "result"), "result");
}

/* the entry for the pair: by the requested name, else the only non-"last" entry */
static JsonbValue *
pair_entry(JsonbContainer *result, const char *sym)
{
	JsonbValue *val = tc_json_key(result, sym);
	JsonbIterator *it;
	JsonbIteratorToken tok;
	JsonbValue	v;
	JsonbValue *found = NULL;
	int			pairs = 0;

	if (val != NULL)
		return val;
	it = JsonbIteratorInit(result);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			bool		is_last = v.val.string.len == 4 && memcmp(v.val.string.val, "last", 4) == 0;

			tok = JsonbIteratorNext(&it, &v, true);
			if (tok == WJB_VALUE && !is_last)
			{
				pairs++;
				found = palloc(sizeof(JsonbValue));
				*found = v;
			}
		}
	}
	if (pairs != 1)
		tc_venue_bad(TC_VENUE_KRAKEN, ERRCODE_INVALID_PARAMETER_VALUE,
					 "result has no entry for pair \"%s\"", sym);
	return found;
}

static Numeric
first_of(JsonbContainer *obj, const char *key, int idx, TcNumCheck check)
{
	char		what[32];
	JsonbContainer *arr;

	snprintf(what, sizeof(what), "%s[%d]", key, idx);
	arr = tc_json_array(TC_VENUE_KRAKEN, tc_json_req(TC_VENUE_KRAKEN, obj, key), key);
	return tc_json_numeric(TC_VENUE_KRAKEN, tc_json_elem(TC_VENUE_KRAKEN, arr, idx, key), what, check);
}

/* a: ask [price, whole lot volume, lot volume], b: bid, c: last [price, volume], v: volume [today, 24h] */
void
tc_kraken_ticker(const char *sym, Jsonb *jb, TcTicker *t)
{
	JsonbContainer *pair = tc_json_object(TC_VENUE_KRAKEN, pair_entry(result_object(jb), sym), "ticker");

	t->ask = first_of(pair, "a", 0, TC_NUM_POSITIVE);
	t->bid = first_of(pair, "b", 0, TC_NUM_POSITIVE);
	t->last = first_of(pair, "c", 0, TC_NUM_POSITIVE);
	t->volume = first_of(pair, "v", 1, TC_NUM_NONNEGATIVE);
}

/* {"asks": [["30384.10000", "2.059", 1688671659], ...], "bids": [...]} */
void
tc_kraken_book(const char *sym, Jsonb *jb, TcLevels *bids, TcLevels *asks)
{
	const TcVenue v = TC_VENUE_KRAKEN;
	JsonbContainer *pair = tc_json_object(v, pair_entry(result_object(jb), sym), "order book");

	tc_parse_levels(v, tc_json_req(v, pair, "bids"), "bids", bids);
	tc_parse_levels(v, tc_json_req(v, pair, "asks"), "asks", asks);
}

/* [[time s, "open", "high", "low", "close", "vwap", "volume", count], ...] oldest first */
void
tc_kraken_candles(const char *sym, Jsonb *jb, TcCandles *c)
{
	const TcVenue v = TC_VENUE_KRAKEN;
	JsonbContainer *arr = tc_json_array(v, pair_entry(result_object(jb), sym), "OHLC");
	int			n = tc_json_array_len(arr);
	char		what[48];

	for (int i = 0; i < n; i++)
	{
		JsonbContainer *k;
		TcCandle	cd;

		snprintf(what, sizeof(what), "OHLC[%d]", i);
		k = tc_json_array(v, tc_json_elem(v, arr, i, "OHLC"), what);
		if (tc_json_array_len(k) < 7)
			tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "%s has fewer than 7 elements", what);
		cd.ts = tc_epoch_to_timestamptz(v, tc_json_int64(v, tc_json_elem(v, k, 0, what), "OHLC time"),
										1, "OHLC time");
		cd.open = tc_json_numeric(v, tc_json_elem(v, k, 1, what), "OHLC open", TC_NUM_POSITIVE);
		cd.high = tc_json_numeric(v, tc_json_elem(v, k, 2, what), "OHLC high", TC_NUM_POSITIVE);
		cd.low = tc_json_numeric(v, tc_json_elem(v, k, 3, what), "OHLC low", TC_NUM_POSITIVE);
		cd.close = tc_json_numeric(v, tc_json_elem(v, k, 4, what), "OHLC close", TC_NUM_POSITIVE);
		cd.volume = tc_json_numeric(v, tc_json_elem(v, k, 6, what), "OHLC volume", TC_NUM_NONNEGATIVE);
		tc_candles_add(c, &cd);
	}
}

char *
tc_kraken_sign(const char *secret, const char *method, const char *path,
			   const char *payload, const char *nonce)
{
	size_t		keylen;
	unsigned char *key;
	unsigned char digest[TC_SHA256_LEN];
	unsigned char mac[TC_SHA512_LEN];
	char	   *inner;
	unsigned char *msg;
	size_t		pathlen = strlen(path);
	int			n;

	if (nonce == NULL || nonce[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("kraken signing needs the nonce")));
	key = tc_base64_decode(secret, strlen(secret), &keylen, "kraken secret");
	inner = psprintf("%s%s", nonce, payload);
	tc_sha256((unsigned char *) inner, strlen(inner), digest);
	msg = palloc(pathlen + TC_SHA256_LEN);
	memcpy(msg, path, pathlen);
	memcpy(msg + pathlen, digest, TC_SHA256_LEN);
	n = tc_hmac(TC_HMAC_SHA512, key, keylen, msg, pathlen + TC_SHA256_LEN, mac);
	return tc_base64_encode(mac, n);
}
