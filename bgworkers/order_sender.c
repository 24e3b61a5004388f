/*
 * order_sender.c
 *	  The order sender: sends the requests queued in tradecore.live_order_requests
 *	  (place, cancel, status sync) to Binance, Coinbase Exchange and Kraken.
 *
 * One pass:
 *	1. nothing at all while tradecore.live_trading (the kill switch) is off;
 *	2. claim the next due request in a short transaction (_live_claim: FOR
 *	   UPDATE SKIP LOCKED, a lease, the decrypted credentials);
 *	3. build and sign the request (src/exchanges/live_orders.c) and send it
 *	   with libcurl, with no transaction open;
 *	4. classify the answer and record it in a second short transaction
 *	   (_live_record, which holds the state machine; see 37_live_orders.sql);
 *	5. sleep on the latch until the next request it can take is due (at most
 *	   1 s).  place_order and cancel_order set the latch when their transaction
 *	   commits (tc_live_wake), so a queued order goes out at once.
 * Each venue is paced to exchanges.rate_limit_per_sec: after a request to it,
 * its requests are skipped for 1/rate seconds while other venues are served.
 *
 * Never placing an order twice rests on three things: the client order id is
 * the same on every attempt; _live_claim marks a place request "look up
 * first" before it is sent, so a crash or a lost answer leads to a lookup by
 * client id, not a resend; and an answer is only taken as "not executed" when
 * the venue said so (429, a refusal) or nothing was sent (no connection).
 *
 * Requests are sent one at a time: live order flow is small, and a slow venue
 * delays the others by at most tradecore.order_timeout_ms.  Secrets live only
 * in this process's memory between claim and send and are zeroed after use;
 * nothing logged or recorded contains them (messages come from the venue's
 * answer or from libcurl, and URLs are never recorded).
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "tradecore.h"
#include "exchanges/live_orders.h"
#include "workers.h"

#define MAX_RESPONSE		(1024 * 1024)
#define POLL_SLICE_MS		50
#define MAX_PER_PASS		32
#define IDLE_WAIT_MS		1000

typedef struct Claimed
{
	int			exchange_id;
	int			rate_limit_per_sec;
	int64		request_id;
	int64		order_id;
	char	   *action;
	bool		was_lookup;
	char	   *venue_client_id;
	TcVenue		venue;
	char	   *base_url;
	TcLiveOrder order;
	TcCredentials cred;
	char	   *cred_error;
} Claimed;

typedef struct Response
{
	char	   *body;			/* malloc'd: written from inside libcurl */
	size_t		len;
	bool		too_large;
	long		http_status;
	CURLcode	rc;
	curl_off_t	request_size;
	curl_off_t	retry_after;
	char		errbuf[CURL_ERROR_SIZE];
} Response;

typedef struct Outcome
{
	const char *outcome;
	const char *kind;			/* exchange_errors.kind when not ok */
	long		http_status;
	TcLiveResult res;
	int			retry_after_ms;
} Outcome;

/*
 * Pacing: after a request to a venue, the next one waits 1 / exchanges.rate_limit_per_sec
 * seconds, so a burst of queued orders never earns a 429 (or Binance's 418 ban).
 */
#define MAX_PACED 64
typedef struct Pace
{
	int			exchange_id;
	TimestampTz next_at;
} Pace;
static Pace paces[MAX_PACED];
static int	npaces;

static MemoryContext pass_cxt;
static CURLM *multi;
static int64 last_nonce;
static bool have_schema;

/* ---- waking the sender at commit (SQL: tradecore._live_wake) ---- */

static pid_t wake_pid = 0;
static bool wake_registered = false;

static void
wake_xact_callback(XactEvent event, void *arg)
{
	if (wake_pid == 0)
		return;
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		PGPROC	   *proc = BackendPidGetProc(wake_pid);

		if (proc != NULL)
			SetLatch(&proc->procLatch);
		wake_pid = 0;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		wake_pid = 0;
}

PG_FUNCTION_INFO_V1(tc_live_wake);

/* remembers the sender's pid; its latch is set once this transaction commits */
Datum
tc_live_wake(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	if (!wake_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		wake_registered = true;
	}
	wake_pid = (pid_t) PG_GETARG_INT32(0);
	PG_RETURN_VOID();
}

/* ---- HTTP ---- */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Response   *r = (Response *) userdata;
	size_t		n = size * nmemb;
	char	   *p;

	if (r->len + n > MAX_RESPONSE)
	{
		r->too_large = true;
		return 0;
	}
	p = realloc(r->body, r->len + n + 1);
	if (p == NULL)
		return 0;
	r->body = p;
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/*
 * One request through the multi handle, driven in short slices so SIGTERM is
 * seen while a venue is slow.  Exiting mid-request is safe: the request stays
 * leased and, for a place, marked for a lookup.
 */
static void
http_send(const char *base_url, const TcHttpRequest *req, Response *resp)
{
	CURL	   *easy = curl_easy_init();
	struct curl_slist *headers = NULL;
	char	   *url = psprintf("%s%s", base_url, req->path);
	int			running = 1;
	CURLMsg    *msg;
	int			left;

	memset(resp, 0, sizeof(*resp));
	if (easy == NULL)
	{
		resp->rc = CURLE_FAILED_INIT;
		return;
	}
	for (int i = 0; i < req->nheaders; i++)
		headers = curl_slist_append(headers, req->headers[i]);
	/* libcurl adds "Expect: 100-continue" to some POSTs; venues do not want it */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "POST") == 0)
	{
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long) strlen(req->body));
	}
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) tc_order_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long) tc_order_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, resp->errbuf);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "tradecore/" TRADECORE_VERSION);
	curl_multi_add_handle(multi, easy);
	resp->rc = CURLE_OK;
	while (running > 0)
	{
		int			numfds;

		curl_multi_perform(multi, &running);
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, POLL_SLICE_MS, &numfds);
		CHECK_FOR_INTERRUPTS();
	}
	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			resp->rc = msg->data.result;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &resp->http_status);
	curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &resp->request_size);
	curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &resp->retry_after);
	curl_multi_remove_handle(multi, easy);
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	pfree(url);
}

static void
wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

static void
wipe_request(TcHttpRequest *req)
{
	for (int i = 0; i < req->nheaders; i++)
		wipe(req->headers[i]);
}

/* transport failures and HTTP answers, as _live_record's outcomes */
static void
classify(Claimed *c, TcOrderAction action, Response *resp, Outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->http_status = resp->http_status;
	if (resp->rc != CURLE_OK || resp->too_large)
	{
		/*
		 * Nothing sent (no connection) means not executed; anything else after
		 * the request went out (timeout, reset, garbage) may have been.
		 */
		bool		sent = resp->request_size > 0;

		out->kind = resp->rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "network";
		out->outcome = sent ? "unknown" : "retry";
		out->res.message = pstrdup(resp->too_large ? "response body exceeds the size limit"
								   : resp->errbuf[0] ? resp->errbuf : curl_easy_strerror(resp->rc));
		out->http_status = 0;
		return;
	}
	tc_live_parse(c->venue, action, resp->http_status, resp->body ? resp->body : "", resp->len,
				  c->venue_client_id, &out->res);
	out->outcome = tc_live_outcome_name(out->res.outcome);
	switch (out->res.outcome)
	{
		case TC_LIVE_RETRY:
			out->kind = resp->http_status == 429 || resp->http_status == 418 ? "rate_limit" : "venue";
			break;
		case TC_LIVE_UNKNOWN:
			out->kind = resp->http_status >= 500 ? "http" : "parse";
			break;
		case TC_LIVE_REJECTED:
			out->kind = resp->http_status == 401 || resp->http_status == 403 ? "auth" : "rejected";
			break;
		default:
			out->kind = "venue";
			break;
	}
	if (resp->retry_after > 0)
		out->retry_after_ms = (int) Min(resp->retry_after, 3600) * 1000;
}

/* ---- database side ---- */

/* the context to return to after each transaction (commit and abort leave TopMemoryContext) */
static MemoryContext outer_cxt;

static void
begin_tx(const char *activity)
{
	outer_cxt = CurrentMemoryContext;
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_tx(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(outer_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);
}

static char *
col(HeapTuple tup, TupleDesc td, const char *name)
{
	int			n = SPI_fnumber(td, name);

	return n > 0 ? SPI_getvalue(tup, td, n) : NULL;
}

static char *
cred_field(Jsonb *jb, const char *key)
{
	JsonbValue *v = tc_json_key(&jb->root, key);

	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static void
pace_after_send(int exchange_id, int rate, int requests)
{
	TimestampTz next = GetCurrentTimestamp() + (int64) requests * USECS_PER_SEC / Max(rate, 1);
	int			i;

	for (i = 0; i < npaces && paces[i].exchange_id != exchange_id; i++)
		;
	if (i == npaces)
	{
		if (npaces == MAX_PACED)
			return;
		npaces++;
	}
	paces[i].exchange_id = exchange_id;
	paces[i].next_at = next;
}

/* '{1,3}': the venues still paused; *until_ms: when the first of them is free again */
static char *
paused_venues(long *until_ms)
{
	TimestampTz now = GetCurrentTimestamp();
	StringInfoData b;

	*until_ms = -1;
	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	for (int i = 0; i < npaces; i++)
	{
		if (paces[i].next_at <= now)
			continue;
		appendStringInfo(&b, "%s%d", b.len > 1 ? "," : "", paces[i].exchange_id);
		if (*until_ms < 0 || (paces[i].next_at - now) / 1000 < *until_ms)
			*until_ms = (long) ((paces[i].next_at - now) / 1000);
	}
	appendStringInfoChar(&b, '}');
	return b.data;
}

/* SQL side present?  The extension may not be created (or be older) in this database */
static void
check_schema(void)
{
	int			ret;

	begin_tx("tradecore order sender: checking the schema");
	ret = SPI_execute("SELECT to_regprocedure('tradecore._live_claim(integer, integer[])') IS NOT NULL", true, 1);
	have_schema = ret == SPI_OK_SELECT && SPI_processed == 1 &&
		strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") == 0;
	end_tx();
}

/* the next due request, leased, with decrypted credentials; false when none is due */
static bool
claim(Claimed *c)
{
	int			ret;
	bool		found = false;
	int64		lease = (int64) tc_order_timeout_ms * 3 + 5000;
	long		until;
	char	   *sql = psprintf("SELECT * FROM tradecore._live_claim(%d, '%s')", (int) Min(lease, INT_MAX),
							   paused_venues(&until));

	begin_tx("tradecore order sender: claiming a request");
	ret = SPI_execute(sql, false, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	td = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(pass_cxt);
		char	   *creds;
		char	   *url;

		memset(c, 0, sizeof(*c));
		c->request_id = pg_strtoint64(col(tup, td, "request_id"));
		c->exchange_id = pg_strtoint32(col(tup, td, "exchange_id"));
		c->rate_limit_per_sec = pg_strtoint32(col(tup, td, "rate_limit_per_sec"));
		c->order_id = pg_strtoint64(col(tup, td, "order_id"));
		c->action = col(tup, td, "action");
		c->was_lookup = strcmp(col(tup, td, "was_lookup"), "t") == 0;
		c->venue_client_id = col(tup, td, "venue_client_id");
		c->venue = tc_venue_from_name(col(tup, td, "venue"));
		url = col(tup, td, "base_url");
		if (url == NULL)
			url = c->venue == TC_VENUE_BINANCE ? tc_binance_base_url :
				c->venue == TC_VENUE_COINBASE ? tc_coinbase_base_url : tc_kraken_base_url;
		c->base_url = pstrdup(url);
		while (strlen(c->base_url) > 0 && c->base_url[strlen(c->base_url) - 1] == '/')
			c->base_url[strlen(c->base_url) - 1] = '\0';
		c->order.venue = c->venue;
		c->order.venue_symbol = col(tup, td, "venue_symbol");
		c->order.side = col(tup, td, "side");
		c->order.type = col(tup, td, "type");
		c->order.time_in_force = col(tup, td, "time_in_force");
		c->order.price = col(tup, td, "price");
		c->order.qty = col(tup, td, "qty");
		c->order.client_id = c->venue_client_id;
		c->cred_error = col(tup, td, "credentials_error");
		creds = col(tup, td, "credentials");
		if (creds != NULL)
		{
			Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(creds)));

			c->cred.api_key = cred_field(jb, "api_key");
			c->cred.api_secret = cred_field(jb, "api_secret");
			c->cred.passphrase = cred_field(jb, "passphrase");
			wipe(creds);
		}
		MemoryContextSwitchTo(old);
		found = true;
	}
	end_tx();
	return found;
}

static void
record(Claimed *c, Outcome *o)
{
	Oid			types[13] = {INT8OID, BOOLOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, NUMERICOID,
	NUMERICOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, NUMERICOID};
	Datum		args[13];
	char		nulls[13];
	const char *texts[] = {o->res.venue_order_id, o->res.status};

	memset(nulls, ' ', sizeof(nulls));
	args[0] = Int64GetDatum(c->request_id);
	args[1] = BoolGetDatum(c->was_lookup);
	args[2] = CStringGetTextDatum(o->outcome);
	args[3] = Int32GetDatum((int32) o->http_status);
	if (o->http_status == 0)
		nulls[3] = 'n';
	for (int i = 0; i < 2; i++)
	{
		if (texts[i] == NULL)
			nulls[4 + i] = 'n';
		else
			args[4 + i] = CStringGetTextDatum(texts[i]);
	}
	if (o->res.filled_qty == NULL)
		nulls[6] = 'n';
	else
		args[6] = DirectFunctionCall3(numeric_in, CStringGetDatum(o->res.filled_qty),
									  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (o->res.filled_quote == NULL)
		nulls[7] = 'n';
	else
		args[7] = DirectFunctionCall3(numeric_in, CStringGetDatum(o->res.filled_quote),
									  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (o->res.code == NULL)
		nulls[8] = 'n';
	else
		args[8] = CStringGetTextDatum(o->res.code);
	if (o->res.message == NULL)
		nulls[9] = 'n';
	else
		args[9] = CStringGetTextDatum(o->res.message);
	args[10] = CStringGetTextDatum(o->kind ? o->kind : o->outcome);
	args[11] = Int32GetDatum(o->retry_after_ms);
	/* the cumulative fee; NULL when the venue's answer carries none */
	if (o->res.filled_fee == NULL)
		nulls[12] = 'n';
	else
		args[12] = DirectFunctionCall3(numeric_in, CStringGetDatum(o->res.filled_fee),
									   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	SPI_execute_with_args("SELECT tradecore._live_record($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
						  13, types, args, nulls, false, 1);
}

/*
 * Record the outcome; if that fails (say the venue reports more filled than
 * ordered), record the failure instead, as an unknown outcome for a place
 * (look it up again later) and a retry otherwise.
 */
static void
safe_record(Claimed *c, Outcome *o)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		begin_tx("tradecore order sender: recording an outcome");
		record(c, o);
		end_tx();
	}
	PG_CATCH();
	{
		ErrorData  *ed;
		Outcome		fail;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(cxt);
		memset(&fail, 0, sizeof(fail));
		fail.outcome = strcmp(c->action, "place") == 0 && !c->was_lookup &&
			strcmp(o->outcome, "retry") != 0 ? "unknown" : "retry";
		fail.kind = "parse";
		fail.http_status = o->http_status;
		fail.res.message = psprintf("could not record the venue's answer: %s", ed->message);
		FreeErrorData(ed);
		begin_tx("tradecore order sender: recording a failure");
		record(c, &fail);
		end_tx();
	}
	PG_END_TRY();
}

static int64
next_nonce(void)
{
	int64		now_us = GetCurrentTimestamp() +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;

	last_nonce = Max(now_us, last_nonce + 1);
	return last_nonce;
}

static int64
unix_ms(void)
{
	return GetCurrentTimestamp() / 1000 + ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000);
}

/* build, send and classify one request; false when it could not even be built */
static bool
attempt(Claimed *c, TcOrderAction action, int step, Outcome *out)
{
	TcHttpRequest req;
	Response	resp;
	MemoryContext cxt = CurrentMemoryContext;
	bool		built = true;

	PG_TRY();
	{
		char	   *nonce = psprintf(INT64_FORMAT, next_nonce());

		tc_live_build(&c->order, action, step, &c->cred, unix_ms(), nonce, &req);
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		memset(out, 0, sizeof(*out));
		/* nothing was sent: a request that cannot be built is refused for good */
		out->outcome = c->was_lookup ? "retry" : "rejected";
		out->kind = "request";
		out->res.message = pstrdup(ed->message);
		FreeErrorData(ed);
		built = false;
	}
	PG_END_TRY();
	if (!built)
		return false;

	pgstat_report_activity(STATE_RUNNING, "tradecore order sender: waiting for a venue");
	http_send(c->base_url, &req, &resp);
	pgstat_report_activity(STATE_IDLE, NULL);
	wipe_request(&req);
	classify(c, action, &resp, out);
	free(resp.body);
	return true;
}

static bool
process_one(void)
{
	Claimed		c;
	Outcome		out;
	TcOrderAction action;

	if (!claim(&c))
		return false;
	memset(&out, 0, sizeof(out));
	if (c.cred_error != NULL || c.cred.api_key == NULL || c.cred.api_secret == NULL)
	{
		/* nothing sent: wait for an administrator to store or fix the credentials */
		out.outcome = "retry";
		out.kind = "auth";
		out.res.message = psprintf("credentials unavailable: %s", c.cred_error ? c.cred_error : "api_key or api_secret missing");
	}
	else
	{
		int			sent = 0;

		action = c.was_lookup ? TC_ORDER_LOOKUP :
			strcmp(c.action, "cancel") == 0 ? TC_ORDER_CANCEL : TC_ORDER_PLACE;
		if (attempt(&c, action, 0, &out) && ++sent && action == TC_ORDER_LOOKUP &&
			strcmp(out.outcome, "not_found") == 0)
		{
			/* Kraken: not among the open orders, so ask the closed ones */
			for (int step = 1; step < tc_live_lookup_steps(c.venue); step++)
			{
				if (!attempt(&c, action, step, &out))
					break;
				sent++;
				if (strcmp(out.outcome, "not_found") != 0)
					break;
			}
		}
		if (sent > 0)
			pace_after_send(c.exchange_id, c.rate_limit_per_sec, sent);
	}
	wipe(c.cred.api_key);
	wipe(c.cred.api_secret);
	wipe(c.cred.passphrase);
	safe_record(&c, &out);
	return true;
}

/*
 * Milliseconds until the next request of a venue not paused is due, or until the first
 * paused venue is free again, capped at IDLE_WAIT_MS.
 */
static long
ms_until_due(void)
{
	long		ms = IDLE_WAIT_MS;
	long		until;
	int			ret;
	char	   *paused = paused_venues(&until);

	if (until >= 0)
		ms = Min(ms, until + 1);
	begin_tx("tradecore order sender: next due request");
	ret = SPI_execute(psprintf("SELECT tradecore._live_next_due_ms('%s')", paused), true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (v != NULL)
			ms = Min(ms, (long) pg_strtoint64(v));
	}
	end_tx();
	return Max(ms, 1);
}

static void
enqueue_syncs(void)
{
	begin_tx("tradecore order sender: queueing status syncs");
	SPI_execute("SELECT tradecore._live_enqueue_syncs()", false, 1);
	end_tx();
}

/* one pass, surviving a broken database side (dropped table, disk full): log once, go on */
static long
safe_pass(TimestampTz *last_sync)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile long wait = IDLE_WAIT_MS;

	PG_TRY();
	{
		if (!have_schema)
			check_schema();
		if (have_schema && tc_live_trading)
		{
			TimestampTz now = GetCurrentTimestamp();

			if (tc_order_sync_interval_ms > 0 && now - *last_sync > (int64) 1000 * 1000)
			{
				enqueue_syncs();
				*last_sync = now;
			}
			for (int n = 0; n < MAX_PER_PASS && !tc_got_sighup; n++)
			{
				bool		more;

				/* everything one request allocates goes to pass_cxt, reset after it */
				MemoryContextSwitchTo(pass_cxt);
				more = process_one();
				MemoryContextSwitchTo(cxt);
				MemoryContextReset(pass_cxt);
				if (!more)
					break;
			}
			wait = ms_until_due();
		}
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextReset(pass_cxt);
		have_schema = false;
		wait = 5000;
	}
	PG_END_TRY();
	pgstat_report_stat(false);
	return wait;
}

static void
sender_cleanup(int code, Datum arg)
{
	if (multi != NULL)
		curl_multi_cleanup(multi);
	multi = NULL;
	curl_global_cleanup();
}

void
tradecore_order_sender_main(Datum main_arg)
{
	TimestampTz last_sync = 0;
	bool		was_on = false;

	tc_worker_setup_signals();
	tc_worker_wait_for_database("tradecore order sender probe");
	BackgroundWorkerInitializeConnection(tc_database_name, NULL, 0);
	pgstat_report_appname("tradecore order sender");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ereport(ERROR, (errmsg("tradecore order sender: could not initialise libcurl")));
	multi = curl_multi_init();
	if (multi == NULL)
		ereport(ERROR, (errmsg("tradecore order sender: could not create a libcurl multi handle")));
	before_shmem_exit(sender_cleanup, (Datum) 0);
	pass_cxt = AllocSetContextCreate(TopMemoryContext, "tradecore order sender", ALLOCSET_DEFAULT_SIZES);

	ereport(LOG, (errmsg("tradecore order sender started; live trading is %s", tc_live_trading ? "on" : "off")));
	for (;;)
	{
		long		wait;

		CHECK_FOR_INTERRUPTS();
		if (tc_got_sighup)
		{
			tc_got_sighup = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (tc_live_trading != was_on)
		{
			ereport(LOG, (errmsg("tradecore order sender: live trading is %s",
								 tc_live_trading ? "on: queued order requests are sent"
								 : "off: nothing is sent, queued order requests wait")));
			was_on = tc_live_trading;
		}
		wait = safe_pass(&last_sync);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, wait, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
