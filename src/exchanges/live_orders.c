/*
 * live_orders.c
 *	  Signed order requests for Binance spot, Coinbase Exchange and Kraken spot
 *	  (place, cancel, look up by client order id) and the classification of
 *	  the venues' answers; tradecore.parse_order_response() exposes the latter.
 *
 * Endpoints (from the venues' public REST documentation):
 *	Binance:  POST /api/v3/order (newClientOrderId), GET and DELETE
 *			  /api/v3/order?origClientOrderId=..., HMAC-SHA256 hex over the
 *			  parameters, X-MBX-APIKEY header, recvWindow 5000 ms.
 *	Coinbase: POST /orders (client_oid, a UUID), GET /orders/client:<uuid>,
 *			  DELETE /orders/client:<uuid>?product_id=..., CB-ACCESS-* headers.
 *	Kraken:   POST /0/private/AddOrder (cl_ord_id), CancelOrder (cl_ord_id),
 *			  OpenOrders then ClosedOrders filtered by cl_ord_id, API-Key and
 *			  API-Sign headers, a strictly increasing nonce.
 *
 * Every value put in a URL or body (venue symbols, decimals, UUIDs) must be
 * made of URL-unreserved characters, so nothing needs escaping and nothing
 * can inject a parameter; anything else is refused before a byte is sent.
 *
 * The client order id we send is the same for every attempt of an order, and
 * each venue keeps it unique among open orders, so a lookup by it finds the
 * order a lost answer was about.  Answers carrying a client id are checked
 * against ours: another order's state is never taken for this one's.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "live_orders.h"

#define RECV_WINDOW_MS 5000

static const char *const outcome_names[] = {"ok", "not_found", "rejected", "retry", "unknown"};

const char *
tc_live_outcome_name(TcLiveOutcome o)
{
	return outcome_names[o];
}

int
tc_live_lookup_steps(TcVenue v)
{
	return v == TC_VENUE_KRAKEN ? 2 : 1;
}

/* refuse anything that would need escaping in a URL, a form or a JSON string */
static const char *
safe(const char *value, const char *what)
{
	if (value == NULL || value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("order request: %s is empty", what)));
	for (const char *p = value; *p; p++)
		if (!(isalnum((unsigned char) *p) || *p == '-' || *p == '.' || *p == '_' || *p == '~'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("order request: %s \"%s\" contains a character that is not allowed", what, value),
					 errhint("Venue symbols, quantities, prices and client ids are letters, digits, '-', '.', '_' and '~'.")));
	return value;
}

static char *
upper_copy(const char *s)
{
	char	   *u = pstrdup(s);

	for (char *p = u; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	return u;
}

static void
add_header(TcHttpRequest *out, char *h)
{
	Assert(out->nheaders < TC_LIVE_MAX_HEADERS);
	out->headers[out->nheaders++] = h;
}

static void
need_secret(const TcCredentials *cred)
{
	if (cred == NULL || cred->api_key == NULL || cred->api_key[0] == '\0' ||
		cred->api_secret == NULL || cred->api_secret[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("order request: the venue's api_key and api_secret are missing"),
				 errhint("Store them with tradecore.store_credentials().")));
}

static void
build_binance(const TcLiveOrder *o, TcOrderAction action, const TcCredentials *cred,
			  int64 now_ms, TcHttpRequest *out)
{
	StringInfoData p;
	char	   *sig;

	initStringInfo(&p);
	appendStringInfo(&p, "symbol=%s", safe(o->venue_symbol, "venue symbol"));
	if (action == TC_ORDER_PLACE)
	{
		bool		market = strcmp(o->type, "market") == 0;
		bool		post_only = strcmp(o->time_in_force, "post_only") == 0;

		appendStringInfo(&p, "&side=%s", upper_copy(safe(o->side, "side")));
		/* a post-only limit order is Binance's LIMIT_MAKER, which takes no timeInForce */
		appendStringInfo(&p, "&type=%s", market ? "MARKET" : post_only ? "LIMIT_MAKER" : "LIMIT");
		if (!market && !post_only)
			appendStringInfo(&p, "&timeInForce=%s", upper_copy(safe(o->time_in_force, "time in force")));
		appendStringInfo(&p, "&quantity=%s", safe(o->qty, "quantity"));
		if (!market)
			appendStringInfo(&p, "&price=%s", safe(o->price, "price"));
		appendStringInfo(&p, "&newClientOrderId=%s&newOrderRespType=RESULT", safe(o->client_id, "client id"));
	}
	else
		appendStringInfo(&p, "&origClientOrderId=%s", safe(o->client_id, "client id"));
	appendStringInfo(&p, "&recvWindow=%d&timestamp=" INT64_FORMAT, RECV_WINDOW_MS, now_ms);
	sig = tc_binance_sign(cred->api_secret, "", "", p.data, NULL);
	appendStringInfo(&p, "&signature=%s", sig);

	/* the parameters go in the form body of a POST, in the query string otherwise */
	out->method = action == TC_ORDER_PLACE ? "POST" : action == TC_ORDER_CANCEL ? "DELETE" : "GET";
	if (action == TC_ORDER_PLACE)
	{
		out->path = pstrdup("/api/v3/order");
		out->body = p.data;
		add_header(out, pstrdup("Content-Type: application/x-www-form-urlencoded"));
	}
	else
	{
		out->path = psprintf("/api/v3/order?%s", p.data);
		out->body = pstrdup("");
	}
	add_header(out, psprintf("X-MBX-APIKEY: %s", cred->api_key));
}

static void
build_coinbase(const TcLiveOrder *o, TcOrderAction action, const TcCredentials *cred,
			   int64 now_ms, TcHttpRequest *out)
{
	char	   *ts = psprintf(INT64_FORMAT, now_ms / 1000);
	char	   *sig;

	if (action == TC_ORDER_PLACE)
	{
		StringInfoData b;
		bool		market = strcmp(o->type, "market") == 0;

		initStringInfo(&b);
		appendStringInfo(&b, "{\"client_oid\":\"%s\",\"product_id\":\"%s\",\"side\":\"%s\",\"type\":\"%s\",\"size\":\"%s\"",
						 safe(o->client_id, "client id"), safe(o->venue_symbol, "venue symbol"),
						 safe(o->side, "side"), market ? "market" : "limit", safe(o->qty, "quantity"));
		if (!market)
		{
			const char *tif = o->time_in_force;

			appendStringInfo(&b, ",\"price\":\"%s\"", safe(o->price, "price"));
			if (strcmp(tif, "post_only") == 0)
				appendStringInfoString(&b, ",\"time_in_force\":\"GTC\",\"post_only\":true");
			else
				appendStringInfo(&b, ",\"time_in_force\":\"%s\"", upper_copy(safe(tif, "time in force")));
		}
		appendStringInfoChar(&b, '}');
		out->method = "POST";
		out->path = pstrdup("/orders");
		out->body = b.data;
		add_header(out, pstrdup("Content-Type: application/json"));
	}
	else if (action == TC_ORDER_CANCEL)
	{
		out->method = "DELETE";
		out->path = psprintf("/orders/client:%s?product_id=%s", safe(o->client_id, "client id"),
							 safe(o->venue_symbol, "venue symbol"));
		out->body = pstrdup("");
	}
	else
	{
		out->method = "GET";
		out->path = psprintf("/orders/client:%s", safe(o->client_id, "client id"));
		out->body = pstrdup("");
	}
	sig = tc_coinbase_sign(cred->api_secret, out->method, out->path, out->body, ts);
	add_header(out, psprintf("CB-ACCESS-KEY: %s", cred->api_key));
	add_header(out, psprintf("CB-ACCESS-SIGN: %s", sig));
	add_header(out, psprintf("CB-ACCESS-TIMESTAMP: %s", ts));
	add_header(out, psprintf("CB-ACCESS-PASSPHRASE: %s", cred->passphrase ? cred->passphrase : ""));
}

static void
build_kraken(const TcLiveOrder *o, TcOrderAction action, int step, const TcCredentials *cred,
			 const char *nonce, TcHttpRequest *out)
{
	StringInfoData p;
	const char *endpoint;

	initStringInfo(&p);
	appendStringInfo(&p, "nonce=%s", safe(nonce, "nonce"));
	if (action == TC_ORDER_PLACE)
	{
		bool		market = strcmp(o->type, "market") == 0;
		const char *tif = o->time_in_force;

		endpoint = "/0/private/AddOrder";
		appendStringInfo(&p, "&ordertype=%s&type=%s&volume=%s&pair=%s",
						 market ? "market" : "limit", safe(o->side, "side"),
						 safe(o->qty, "quantity"), safe(o->venue_symbol, "venue symbol"));
		if (!market)
			appendStringInfo(&p, "&price=%s", safe(o->price, "price"));
		if (strcmp(tif, "fok") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("kraken spot has no fill-or-kill time in force")));

		/*
		 * fciq: the fee in the quote currency on both sides (Kraken takes it
		 * in the base currency of a sell by default), as the order's "fee"
		 * field, which the status sync records in the quote asset, says.
		 * The comma between flags is percent-encoded like any form value.
		 */
		appendStringInfoString(&p, strcmp(tif, "post_only") == 0 ? "&oflags=post%2Cfciq" : "&oflags=fciq");
		if (strcmp(tif, "ioc") == 0)
			appendStringInfoString(&p, "&timeinforce=IOC");
		appendStringInfo(&p, "&cl_ord_id=%s", safe(o->client_id, "client id"));
	}
	else
	{
		endpoint = action == TC_ORDER_CANCEL ? "/0/private/CancelOrder" :
			step == 0 ? "/0/private/OpenOrders" : "/0/private/ClosedOrders";
		appendStringInfo(&p, "&cl_ord_id=%s", safe(o->client_id, "client id"));
	}
	out->method = "POST";
	out->path = pstrdup(endpoint);
	out->body = p.data;
	add_header(out, pstrdup("Content-Type: application/x-www-form-urlencoded"));
	add_header(out, psprintf("API-Key: %s", cred->api_key));
	add_header(out, psprintf("API-Sign: %s", tc_kraken_sign(cred->api_secret, "POST", endpoint, p.data, nonce)));
}

void
tc_live_build(const TcLiveOrder *o, TcOrderAction action, int step,
			  const TcCredentials *cred, int64 now_ms, const char *nonce,
			  TcHttpRequest *out)
{
	memset(out, 0, sizeof(*out));
	need_secret(cred);
	switch (o->venue)
	{
		case TC_VENUE_BINANCE:
			build_binance(o, action, cred, now_ms, out);
			break;
		case TC_VENUE_COINBASE:
			build_coinbase(o, action, cred, now_ms, out);
			break;
		case TC_VENUE_KRAKEN:
			build_kraken(o, action, step, cred, nonce, out);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("order requests go to binance, coinbase or kraken, not \"%s\"",
							tc_venue_name(o->venue))));
	}
}

/* ---- answers ---- */

/* a string or number field as text, NULL when absent or null */
static char *
field_text(JsonbContainer *obj, const char *key)
{
	JsonbValue *v = tc_json_key(obj, key);

	if (v == NULL)
		return NULL;
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	if (v->type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	if (v->type == jbvBool)
		return pstrdup(v->val.boolean ? "true" : "false");
	return NULL;
}

/* a cumulative quantity or amount: a decimal, never negative, never NaN */
static char *
decimal_field(TcVenue v, JsonbContainer *obj, const char *key)
{
	char	   *s = field_text(obj, key);
	Numeric		n;

	if (s == NULL)
		return NULL;
	n = tc_decimal_to_numeric(v, s, key, TC_NUM_NONNEGATIVE);
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
}

static bool
is_zero(const char *decimal)
{
	for (const char *p = decimal; p && *p; p++)
		if (*p != '0' && *p != '.')
			return false;
	return true;
}

static void
check_client_id(TcVenue v, JsonbContainer *obj, const char *key, const char *client_id)
{
	char	   *got = field_text(obj, key);

	if (got != NULL && client_id != NULL && got[0] != '\0' && pg_strcasecmp(got, client_id) != 0)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE,
					 "answer is about client order id \"%s\", not \"%s\"", got, client_id);
}

static void
set(TcLiveResult *r, TcLiveOutcome o, const char *code, const char *message)
{
	r->outcome = o;
	r->code = code ? pstrdup(code) : NULL;
	r->message = message ? pstrdup(message) : NULL;
}

/* a bounded, printable prefix of a body that is not the JSON we expected */
static char *
body_prefix(long http_status, const char *body, size_t len)
{
	char	   *s = psprintf("HTTP %ld: %.*s", http_status, (int) Min(len, 200), body ? body : "");

	for (char *p = s; *p; p++)
		if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
			*p = '?';
	return s;
}

static void
binance_order(JsonbContainer *obj, const char *client_id, TcLiveResult *r)
{
	const TcVenue v = TC_VENUE_BINANCE;
	char	   *st;

	check_client_id(v, obj, "clientOrderId", client_id);
	r->outcome = TC_LIVE_OK;
	r->venue_order_id = field_text(obj, "orderId");
	st = field_text(obj, "status");
	r->filled_qty = decimal_field(v, obj, "executedQty");
	r->filled_quote = decimal_field(v, obj, "cummulativeQuoteQty");

	/*
	 * No fee: GET /api/v3/order carries no commission.  A FULL place answer
	 * lists fills with commission and commissionAsset, but that asset is
	 * what the trade bought (base on a buy) or BNB, and covers only what
	 * filled at placement; fills seen later would still have none.  Leaving
	 * filled_fee NULL records those fills with fee 0 and no fee asset.
	 */
	if (st == NULL)
		r->status = NULL;
	else if (strcmp(st, "NEW") == 0 || strcmp(st, "PENDING_NEW") == 0)
		r->status = "open";
	else if (strcmp(st, "PARTIALLY_FILLED") == 0)
		r->status = "partially_filled";
	else if (strcmp(st, "FILLED") == 0)
		r->status = "filled";
	else if (strcmp(st, "REJECTED") == 0)
		r->status = "rejected";
	else if (strcmp(st, "CANCELED") == 0 || strcmp(st, "EXPIRED") == 0 ||
			 strcmp(st, "EXPIRED_IN_MATCH") == 0 || strcmp(st, "PENDING_CANCEL") == 0)
		r->status = "canceled";
	else
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "unknown order status \"%s\"", st);
	if (r->status != NULL && strcmp(r->status, "open") != 0 && strcmp(r->status, "partially_filled") != 0)
		r->message = psprintf("binance status %s", st);
}

static void
parse_binance(TcOrderAction action, long http, Jsonb *jb, const char *client_id, TcLiveResult *r)
{
	JsonbContainer *obj = JB_ROOT_IS_OBJECT(jb) ? &jb->root : NULL;
	char	   *code = obj ? field_text(obj, "code") : NULL;
	char	   *msg = obj ? field_text(obj, "msg") : NULL;

	if (http >= 200 && http < 300 && code == NULL)
	{
		binance_order(tc_json_root_object(TC_VENUE_BINANCE, jb, "order"), client_id, r);
		return;
	}
	if (code == NULL)
	{
		set(r, http >= 500 ? TC_LIVE_UNKNOWN : TC_LIVE_REJECTED, NULL, "error without a code");
		return;
	}
	/* -2013 Order does not exist; -2011 Unknown order sent (cancel) */
	if (strcmp(code, "-2013") == 0 || strcmp(code, "-2011") == 0)
		set(r, TC_LIVE_NOT_FOUND, code, msg);
	/* -1007: timeout waiting for the backend, execution status unknown */
	else if (strcmp(code, "-1007") == 0 || http >= 500)
		set(r, TC_LIVE_UNKNOWN, code, msg);
	/* too many requests / orders, or a timestamp outside recvWindow: not executed */
	else if (strcmp(code, "-1003") == 0 || strcmp(code, "-1015") == 0 || strcmp(code, "-1021") == 0 ||
			 http == 429 || http == 418)
		set(r, TC_LIVE_RETRY, code, msg);
	else
		set(r, TC_LIVE_REJECTED, code, msg);
}

static void
coinbase_order(JsonbContainer *obj, const char *client_id, TcLiveResult *r)
{
	const TcVenue v = TC_VENUE_COINBASE;
	char	   *st = field_text(obj, "status");

	check_client_id(v, obj, "client_oid", client_id);
	r->outcome = TC_LIVE_OK;
	r->venue_order_id = field_text(obj, "id");
	r->filled_qty = decimal_field(v, obj, "filled_size");
	r->filled_quote = decimal_field(v, obj, "executed_value");
	/* the fees charged so far, in the quote currency of the product */
	r->filled_fee = decimal_field(v, obj, "fill_fees");
	if (st == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "missing field \"status\"");
	if (strcmp(st, "rejected") == 0)
	{
		char	   *why = field_text(obj, "reject_reason");

		r->status = "rejected";
		r->message = psprintf("coinbase rejected the order: %s", why ? why : "no reason given");
	}
	else if (strcmp(st, "done") == 0)
	{
		char	   *why = field_text(obj, "done_reason");

		r->status = why != NULL && strcmp(why, "filled") == 0 ? "filled" : "canceled";
		r->message = psprintf("coinbase done: %s", why ? why : "no reason given");
	}
	else if (strcmp(st, "open") == 0 || strcmp(st, "pending") == 0 || strcmp(st, "active") == 0 ||
			 strcmp(st, "received") == 0)
		r->status = r->filled_qty && !is_zero(r->filled_qty) ? "partially_filled" : "open";
	else
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "unknown order status \"%s\"", st);
}

static void
parse_coinbase(TcOrderAction action, long http, Jsonb *jb, const char *client_id, TcLiveResult *r)
{
	JsonbContainer *obj = JB_ROOT_IS_OBJECT(jb) ? &jb->root : NULL;
	char	   *code = psprintf("%ld", http);
	char	   *msg = obj ? field_text(obj, "message") : NULL;

	if (http >= 200 && http < 300)
	{
		if (action == TC_ORDER_CANCEL)
		{
			/* the answer is the canceled order's id; fills are learnt by a lookup */
			if (JB_ROOT_IS_SCALAR(jb))
			{
				JsonbValue	v;

				if (JsonbExtractScalar(&jb->root, &v) && v.type == jbvString)
					r->venue_order_id = pnstrdup(v.val.string.val, v.val.string.len);
			}
			r->outcome = TC_LIVE_OK;
			return;
		}
		coinbase_order(tc_json_root_object(TC_VENUE_COINBASE, jb, "order"), client_id, r);
		return;
	}
	/* Coinbase errors carry no code: the HTTP status stands for it */
	if (http == 404 && action != TC_ORDER_PLACE)
		set(r, TC_LIVE_NOT_FOUND, code, msg ? msg : "NotFound");
	else if (http == 429)
		set(r, TC_LIVE_RETRY, code, msg);
	else if (http >= 500)
		set(r, TC_LIVE_UNKNOWN, code, msg);
	else
		set(r, TC_LIVE_REJECTED, code, msg ? msg : "error without a message");
}

/* one entry of OpenOrders.open / ClosedOrders.closed */
static void
kraken_order(const char *txid, JsonbContainer *info, TcLiveResult *r)
{
	const TcVenue v = TC_VENUE_KRAKEN;
	char	   *st = field_text(info, "status");

	r->outcome = TC_LIVE_OK;
	r->venue_order_id = pstrdup(txid);
	r->filled_qty = decimal_field(v, info, "vol_exec");
	r->filled_quote = decimal_field(v, info, "cost");
	/* total fee of the order so far, in the quote currency */
	r->filled_fee = decimal_field(v, info, "fee");
	if (st == NULL)
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "missing field \"status\"");
	if (strcmp(st, "pending") == 0 || strcmp(st, "open") == 0)
		r->status = r->filled_qty && !is_zero(r->filled_qty) ? "partially_filled" : "open";
	else if (strcmp(st, "closed") == 0)
		r->status = "filled";
	else if (strcmp(st, "canceled") == 0 || strcmp(st, "expired") == 0)
	{
		char	   *why = field_text(info, "reason");

		r->status = "canceled";
		r->message = psprintf("kraken %s%s%s", st, why ? ": " : "", why ? why : "");
	}
	else
		tc_venue_bad(v, ERRCODE_INVALID_PARAMETER_VALUE, "unknown order status \"%s\"", st);
}

/* the entry of an {txid: info} object whose cl_ord_id is ours; NOT_FOUND when none */
static void
kraken_find(JsonbContainer *orders, const char *client_id, TcLiveResult *r)
{
	JsonbIterator *it = JsonbIteratorInit(orders);
	JsonbIteratorToken tok;
	JsonbValue	v;

	set(r, TC_LIVE_NOT_FOUND, NULL, "no order with this cl_ord_id");
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *txid;

		if (tok != WJB_KEY)
			continue;
		txid = pnstrdup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (tok == WJB_VALUE && v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
		{
			char	   *cl = field_text(v.val.binary.data, "cl_ord_id");

			if (cl != NULL && pg_strcasecmp(cl, client_id) == 0)
			{
				r->code = r->message = NULL;
				kraken_order(txid, v.val.binary.data, r);
				return;
			}
		}
	}
}

static void
parse_kraken(TcOrderAction action, long http, Jsonb *jb, const char *client_id, TcLiveResult *r)
{
	const TcVenue v = TC_VENUE_KRAKEN;
	JsonbContainer *root;
	JsonbValue *err;
	JsonbContainer *result;

	if (http == 429)
	{
		set(r, TC_LIVE_RETRY, "429", "rate limited");
		return;
	}
	if (http >= 500)
	{
		set(r, TC_LIVE_UNKNOWN, psprintf("%ld", http), "server error");
		return;
	}
	root = tc_json_root_object(v, jb, "response");
	err = tc_json_key(root, "error");
	if (err != NULL && err->type == jbvBinary)
	{
		JsonbContainer *errs = tc_json_array(v, err, "error");
		int			n = tc_json_array_len(errs);

		for (int i = 0; i < n; i++)
		{
			char	   *e = tc_json_string(v, tc_json_elem(v, errs, i, "error"), "error entry");
			char	   *colon = strchr(e, ':');
			char	   *msg = colon ? colon + 1 : e;

			if (e[0] == 'W')	/* warnings */
				continue;
			if (colon)
				*colon = '\0';
			if (strcmp(e, "EOrder") == 0 && strcmp(msg, "Unknown order") == 0)
				set(r, TC_LIVE_NOT_FOUND, e, msg);
			else if (strstr(msg, "Rate limit exceeded") != NULL || strcmp(msg, "Invalid nonce") == 0 ||
					 (strcmp(e, "EService") == 0 && (strcmp(msg, "Unavailable") == 0 || strcmp(msg, "Busy") == 0)))
				set(r, TC_LIVE_RETRY, e, msg);
			else if (strcmp(e, "EService") == 0 ||
					 (strcmp(e, "EGeneral") == 0 && strcmp(msg, "Internal error") == 0))
				set(r, TC_LIVE_UNKNOWN, e, msg);
			else
				set(r, TC_LIVE_REJECTED, e, msg);
			return;
		}
	}
	if (http < 200 || http >= 300)
	{
		set(r, TC_LIVE_REJECTED, psprintf("%ld", http), "HTTP error without an error entry");
		return;
	}
	result = tc_json_object(v, tc_json_req(v, root, "result"), "result");
	if (action == TC_ORDER_PLACE)
	{
		JsonbContainer *txids = tc_json_array(v, tc_json_req(v, result, "txid"), "txid");

		r->outcome = TC_LIVE_OK;
		r->venue_order_id = tc_json_string(v, tc_json_elem(v, txids, 0, "txid"), "txid");
		/* AddOrder says nothing about fills: the status sync learns them */
		r->status = "open";
	}
	else if (action == TC_ORDER_CANCEL)
	{
		char	   *count = field_text(result, "count");

		if (count != NULL && strcmp(count, "0") == 0)
			set(r, TC_LIVE_NOT_FOUND, NULL, "nothing canceled");
		else
			r->outcome = TC_LIVE_OK;
	}
	else
	{
		JsonbValue *orders = tc_json_key(result, "open");

		if (orders == NULL)
			orders = tc_json_req(v, result, "closed");
		kraken_find(tc_json_object(v, orders, "orders"), client_id, r);
	}
}

/*
 * A venue refusing a place as a duplicate of an open order with our client id
 * says the order exists: look it up rather than mark it rejected.
 */
static void
duplicate_is_unknown(TcOrderAction action, TcLiveResult *r)
{
	/* Binance "Duplicate order sent.", Coinbase "duplicate client_oid", Kraken "Duplicate order" */
	if (action == TC_ORDER_PLACE && r->outcome == TC_LIVE_REJECTED && r->message != NULL &&
		strstr(r->message, "uplicate") != NULL)
		r->outcome = TC_LIVE_UNKNOWN;
}

void
tc_live_parse(TcVenue v, TcOrderAction action, long http_status,
			  const char *body, size_t len, const char *client_id, TcLiveResult *r)
{
	MemoryContext cxt = CurrentMemoryContext;

	memset(r, 0, sizeof(*r));
	PG_TRY();
	{
		Jsonb	   *jb;

		/* an HTML error page from a proxy says nothing about the order */
		if ((http_status == 429 || http_status >= 500) && (len == 0 || body[0] == '<'))
		{
			set(r, http_status == 429 ? TC_LIVE_RETRY : TC_LIVE_UNKNOWN,
				psprintf("%ld", http_status), body_prefix(http_status, body, len));
		}
		else
		{
			jb = tc_venue_parse_body(v, body, len);
			if (v == TC_VENUE_BINANCE)
				parse_binance(action, http_status, jb, client_id, r);
			else if (v == TC_VENUE_COINBASE)
				parse_coinbase(action, http_status, jb, client_id, r);
			else
				parse_kraken(action, http_status, jb, client_id, r);
			duplicate_is_unknown(action, r);
		}
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		memset(r, 0, sizeof(*r));
		/* an answer we cannot read may still mean the order was placed */
		r->outcome = (action == TC_ORDER_PLACE && (http_status < 400 || http_status >= 500))
			? TC_LIVE_UNKNOWN : (http_status >= 400 && http_status < 500 && http_status != 429)
			? TC_LIVE_REJECTED : TC_LIVE_RETRY;
		r->message = psprintf("%s (%s)", ed->message, body_prefix(http_status, body, len));
		FreeErrorData(ed);
	}
	PG_END_TRY();
}

static TcOrderAction
action_from_name(const char *a)
{
	if (strcmp(a, "place") == 0)
		return TC_ORDER_PLACE;
	if (strcmp(a, "cancel") == 0)
		return TC_ORDER_CANCEL;
	if (strcmp(a, "lookup") == 0)
		return TC_ORDER_LOOKUP;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown order action \"%s\"", a),
			 errhint("Actions: place, cancel, lookup.")));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(tc_parse_order_response);

/*
 * tradecore.parse_order_response(venue, action, http_status, body, client_id)
 * returns how the order sender reads a venue's answer, so the rules can be
 * tested on captured bodies without a network.
 */
Datum
tc_parse_order_response(PG_FUNCTION_ARGS)
{
	TcVenue		v = tc_venue_from_name(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	TcOrderAction action = action_from_name(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	int32		http = PG_GETARG_INT32(2);
	text	   *body = PG_GETARG_TEXT_PP(3);
	char	   *client_id = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	TupleDesc	td;
	Datum		values[8];
	bool		nulls[8];
	TcLiveResult r;

	if (v == TC_VENUE_PAPER)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the paper exchange has no order responses to parse")));
	if (http < 100 || http > 599)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("http_status must be between 100 and 599, not %d", http)));
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("function returning record called in a context that cannot accept it")));
	td = BlessTupleDesc(td);
	tc_live_parse(v, action, http, VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body), client_id, &r);

	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(tc_live_outcome_name(r.outcome));
#define PUT_TEXT(i, s) do { if ((s) == NULL) nulls[i] = true; else values[i] = CStringGetTextDatum(s); } while (0)
	PUT_TEXT(1, r.venue_order_id);
	PUT_TEXT(2, r.status);
	if (r.filled_qty == NULL)
		nulls[3] = true;
	else
		values[3] = DirectFunctionCall3(numeric_in, CStringGetDatum(r.filled_qty), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (r.filled_quote == NULL)
		nulls[4] = true;
	else
		values[4] = DirectFunctionCall3(numeric_in, CStringGetDatum(r.filled_quote), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	PUT_TEXT(5, r.code);
	PUT_TEXT(6, r.message);
	if (r.filled_fee == NULL)
		nulls[7] = true;
	else
		values[7] = DirectFunctionCall3(numeric_in, CStringGetDatum(r.filled_fee), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
#undef PUT_TEXT
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
