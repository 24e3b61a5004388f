/*
 * poller.c
 *	  Exchange poller: polls the enabled live venues' public market data with
 *	  libcurl multi and writes ticks, book snapshots and candles in batches.
 *
 * Loop, one pass:
 *	1. on SIGHUP reload the configuration; every 30 s (or after a reload)
 *	   re-read the enabled venues and active instruments in a short transaction;
 *	2. start the requests that are due, within each venue's token bucket
 *	   (exchanges.rate_limit_per_sec), outside each failing venue's backoff
 *	   window and under tradecore.poller_max_concurrency;
 *	3. drive libcurl for at most 20 ms (curl_multi_poll), so SIGTERM and
 *	   SIGHUP are seen promptly; with nothing in flight, sleep on the latch
 *	   until the next request is due;
 *	4. move finished transfers to a batch (their easy handles are cleaned up
 *	   at once), and every 100 ms or 64 results write the batch in one
 *	   transaction: each result in its own subtransaction, so one bad body
 *	   costs one exchange_errors row and nothing else.
 * No transaction is ever open while HTTP is in flight: transfers only run in
 * step 3, transactions only in steps 1 and 4.
 *
 * A failure (network, timeout, HTTP status, oversized or unparsable body,
 * venue error body) is recorded exactly once in exchange_errors, counts
 * toward exchange_status.consecutive_failures and pauses the venue for
 * min(max_backoff, interval * 2^(failures-1)) scaled by a random factor in
 * [0.5, 1) (jitter, so venues and workers do not retry in lockstep), and at
 * least as long as a 429's Retry-After.
 *
 * libcurl allocates with malloc, never palloc; the response buffers are
 * malloc'd too, because the write callback runs inside libcurl where an
 * ereport would longjmp across its frames.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_database.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/pmsignal.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "tradecore.h"
#include "exchanges/venue.h"
#include "workers.h"

#define POLL_SLICE_MS		20
#define FLUSH_EVERY_MS		100
#define FLUSH_AT_RESULTS	64
#define RELOAD_EVERY_MS		30000
#define BOOK_DEPTH			20

typedef enum Kind
{
	K_TICKER,
	K_BOOK,
	K_CANDLES,
	K_COUNT
} Kind;

static const char *const kind_names[K_COUNT] = {"ticker", "book", "candles"};

typedef struct Venue
{
	int			exchange_id;
	TcVenue		venue;
	char		base_url[256];
	double		rate;			/* requests per second */
	double		tokens;
	TimestampTz refilled_at;
	int			failures;		/* consecutive */
	TimestampTz blocked_until;
	bool		status_dirty;
	bool		ok_seen;		/* in the current batch */
	bool		err_seen;
	char		state[16];
} Venue;

typedef struct Target
{
	int			venue;			/* index into venues */
	int64		instrument_id;
	char		symbol[64];
	TimestampTz next_due[K_COUNT];
	bool		inflight[K_COUNT];
} Target;

typedef struct Request
{
	CURL	   *easy;
	int			target;
	Kind		kind;
	char	   *body;			/* malloc'd */
	size_t		len;
	size_t		cap;
	bool		too_large;
	long		http_status;
	CURLcode	rc;
	curl_off_t	retry_after;
	char		url[512];
	char		errbuf[CURL_ERROR_SIZE];
	struct Request *next;		/* in the done list, or the in-flight list */
	struct Request *prev;		/* in the in-flight list */
} Request;

static CURLM *multi = NULL;
static MemoryContext poller_cxt;	/* venues and targets, rebuilt on reload */
static MemoryContext batch_cxt;		/* reset after every write */
static Venue *venues;
static int	nvenues;
static Target *targets;
static int	ntargets;
static int	rr_start;			/* round-robin start for fairness */
static int	inflight;
static Request *done_head;
static Request *flying_head;	/* in flight, owned by us, handles in multi */
static int	ndone;
static bool have_emit;
static pg_prng_state rng;
static pid_t supervisor_pid;	/* the polling worker ends when it is gone */

/* ---- libcurl plumbing ---- */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Request    *r = (Request *) userdata;
	size_t		n = size * nmemb;

	if (r->len + n > TC_VENUE_MAX_BODY)
	{
		r->too_large = true;
		return 0;				/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap)
	{
		size_t		cap = Max(r->cap * 2, r->len + n + 1);
		char	   *p;

		cap = Max(cap, 4096);
		p = realloc(r->body, cap);
		if (p == NULL)
			return 0;
		r->body = p;
		r->cap = cap;
	}
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

static void
request_free(Request *r)
{
	if (r->easy != NULL)
	{
		if (multi != NULL)
			curl_multi_remove_handle(multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	free(r->body);
	free(r);
}

static void
poller_cleanup(int code, Datum arg)
{
	Request    *r = done_head;

	while (r != NULL)
	{
		Request    *next = r->next;

		request_free(r);
		r = next;
	}
	done_head = NULL;
	while (flying_head != NULL)
	{
		Request    *next = flying_head->next;

		request_free(flying_head);
		flying_head = next;
	}
	if (multi != NULL)
	{
		curl_multi_cleanup(multi);
		multi = NULL;
	}
	curl_global_cleanup();
}

static void
build_url(Request *r, const Venue *v, const Target *t, Kind k)
{
	char	   *sym = curl_easy_escape(r->easy, t->symbol, 0);
	const char *s = sym ? sym : "";

	switch (v->venue)
	{
		case TC_VENUE_BINANCE:
			if (k == K_TICKER)
				snprintf(r->url, sizeof(r->url), "%s/api/v3/ticker/24hr?symbol=%s", v->base_url, s);
			else if (k == K_BOOK)
				snprintf(r->url, sizeof(r->url), "%s/api/v3/depth?symbol=%s&limit=%d", v->base_url, s, BOOK_DEPTH);
			else
				snprintf(r->url, sizeof(r->url), "%s/api/v3/klines?symbol=%s&interval=1m&limit=10", v->base_url, s);
			break;
		case TC_VENUE_COINBASE:
			if (k == K_TICKER)
				snprintf(r->url, sizeof(r->url), "%s/products/%s/ticker", v->base_url, s);
			else if (k == K_BOOK)
				snprintf(r->url, sizeof(r->url), "%s/products/%s/book?level=2", v->base_url, s);
			else
				snprintf(r->url, sizeof(r->url), "%s/products/%s/candles?granularity=60", v->base_url, s);
			break;
		default:
			if (k == K_TICKER)
				snprintf(r->url, sizeof(r->url), "%s/0/public/Ticker?pair=%s", v->base_url, s);
			else if (k == K_BOOK)
				snprintf(r->url, sizeof(r->url), "%s/0/public/Depth?pair=%s&count=%d", v->base_url, s, BOOK_DEPTH);
			else
				snprintf(r->url, sizeof(r->url), "%s/0/public/OHLC?pair=%s&interval=1", v->base_url, s);
			break;
	}
	if (sym)
		curl_free(sym);
}

static bool
start_request(int ti, Kind k)
{
	Target	   *t = &targets[ti];
	Venue	   *v = &venues[t->venue];
	Request    *r = calloc(1, sizeof(Request));
	CURLMcode	mc;

	if (r == NULL)
		return false;
	r->easy = curl_easy_init();
	if (r->easy == NULL)
	{
		free(r);
		return false;
	}
	r->target = ti;
	r->kind = k;
	build_url(r, v, t, k);
	curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long) tc_poller_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) tc_poller_timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, (char *) r);
	curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "tradecore/" TRADECORE_VERSION);
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) TC_VENUE_MAX_BODY);
	mc = curl_multi_add_handle(multi, r->easy);
	if (mc != CURLM_OK)
	{
		request_free(r);
		return false;
	}
	t->inflight[k] = true;
	inflight++;
	r->prev = NULL;
	r->next = flying_head;
	if (flying_head)
		flying_head->prev = r;
	flying_head = r;
	return true;
}

static void
refill(Venue *v, TimestampTz now)
{
	double		secs = (double) (now - v->refilled_at) / USECS_PER_SEC;

	v->tokens = Min(Max(v->rate, 1.0), v->tokens + secs * v->rate);
	v->refilled_at = now;
}

static void
dispatch(TimestampTz now)
{
	if (ntargets == 0)
		return;
	for (int i = 0; i < nvenues; i++)
		refill(&venues[i], now);
	for (int n = 0; n < ntargets && inflight < tc_poller_max_concurrency; n++)
	{
		int			ti = (rr_start + n) % ntargets;
		Target	   *t = &targets[ti];
		Venue	   *v = &venues[t->venue];

		if (v->blocked_until > now)
			continue;
		for (int k = 0; k < K_COUNT && inflight < tc_poller_max_concurrency; k++)
		{
			if (t->inflight[k] || t->next_due[k] > now || v->tokens < 1.0)
				continue;
			if (!start_request(ti, (Kind) k))
				continue;
			v->tokens -= 1.0;
			t->next_due[k] = now + (int64) (k == K_CANDLES ? tc_poller_candle_interval_ms
											: tc_poll_interval_ms) * 1000;
		}
	}
	rr_start = (rr_start + 1) % ntargets;
}

static void
collect_done(void)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
	{
		Request    *r = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &r);
		r->rc = msg->data.result;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
		curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &r->retry_after);
		curl_multi_remove_handle(multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		inflight--;
		if (r->prev)
			r->prev->next = r->next;
		else
			flying_head = r->next;
		if (r->next)
			r->next->prev = r->prev;
		if (r->target < ntargets)
			targets[r->target].inflight[r->kind] = false;
		r->next = done_head;
		done_head = r;
		ndone++;
	}
}

/* ---- database side ---- */

static void
load_targets(void)
{
	int			ret;
	bool		ready;

	/* transfers in flight refer to target indexes: drain them first */
	while (inflight > 0)
	{
		int			n;

		CHECK_FOR_INTERRUPTS();
		curl_multi_perform(multi, &n);
		curl_multi_poll(multi, NULL, 0, POLL_SLICE_MS, &n);
		curl_multi_perform(multi, &n);
		collect_done();
	}
	MemoryContextReset(poller_cxt);
	venues = NULL;
	targets = NULL;
	nvenues = ntargets = 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "tradecore poller: loading venues");

	ret = SPI_execute("SELECT to_regclass('tradecore.exchanges') IS NOT NULL"
					  " AND to_regclass('tradecore.instruments') IS NOT NULL"
					  " AND to_regclass('tradecore.market_ticks') IS NOT NULL"
					  " AND to_regclass('tradecore.exchange_errors') IS NOT NULL"
					  " AND to_regclass('tradecore.exchange_status') IS NOT NULL,"
					  " to_regprocedure('tradecore.emit(text,jsonb)') IS NOT NULL",
					  true, 1);
	ready = ret == SPI_OK_SELECT && SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool){false}));
	have_emit = ready &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &(bool){false}));
	if (ready)
	{
		ret = SPI_execute("SELECT e.id, e.code, coalesce(nullif(e.base_url, ''), '')::text,"
						  "       greatest(coalesce(e.rate_limit_per_sec, 10), 1)::float8,"
						  "       i.id, i.venue_symbol"
						  "  FROM tradecore.exchanges e"
						  "  JOIN tradecore.instruments i ON i.exchange_id = e.id"
						  " WHERE e.enabled AND e.code IN ('binance', 'coinbase', 'kraken')"
						  "   AND i.active AND i.venue_symbol IS NOT NULL"
						  " ORDER BY e.id, i.id LIMIT 10000",
						  true, 0);
		if (ret == SPI_OK_SELECT && SPI_processed > 0)
		{
			MemoryContext old = MemoryContextSwitchTo(poller_cxt);
			TimestampTz now = GetCurrentTimestamp();
			int			last_ex = -1;

			venues = palloc0(sizeof(Venue) * SPI_processed);
			targets = palloc0(sizeof(Target) * SPI_processed);
			for (uint64 i = 0; i < SPI_processed; i++)
			{
				HeapTuple	tup = SPI_tuptable->vals[i];
				TupleDesc	td = SPI_tuptable->tupdesc;
				bool		isnull;
				int			ex = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
				Target	   *t = &targets[ntargets];

				if (ex != last_ex)
				{
					Venue	   *v = &venues[nvenues++];
					char	   *code = SPI_getvalue(tup, td, 2);
					char	   *url = SPI_getvalue(tup, td, 3);

					v->exchange_id = ex;
					v->venue = tc_venue_from_name(code);
					if (url == NULL || url[0] == '\0')
						url = v->venue == TC_VENUE_BINANCE ? tc_binance_base_url :
							v->venue == TC_VENUE_COINBASE ? tc_coinbase_base_url : tc_kraken_base_url;
					strlcpy(v->base_url, url, sizeof(v->base_url));
					/* a trailing slash would double up with the paths */
					while (strlen(v->base_url) > 0 && v->base_url[strlen(v->base_url) - 1] == '/')
						v->base_url[strlen(v->base_url) - 1] = '\0';
					v->rate = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
					v->tokens = Max(v->rate, 1.0);
					v->refilled_at = now;
					strlcpy(v->state, "unknown", sizeof(v->state));
					last_ex = ex;
				}
				t->venue = nvenues - 1;
				t->instrument_id = DatumGetInt64(SPI_getbinval(tup, td, 5, &isnull));
				strlcpy(t->symbol, SPI_getvalue(tup, td, 6), sizeof(t->symbol));
				for (int k = 0; k < K_COUNT; k++)
					t->next_due[k] = now;
				ntargets++;
			}
			MemoryContextSwitchTo(old);
		}
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	rr_start = 0;
	ereport(DEBUG1, (errmsg("tradecore poller: %d instruments on %d venues", ntargets, nvenues)));
}

static void
record_error(Venue *v, Target *t, Request *r, const char *kind, const char *message,
			 const char *sqlstate)
{
	Datum		args[8];
	Oid			types[8] = {INT4OID, TEXTOID, INT4OID, TEXTOID, INT8OID, TEXTOID, TEXTOID, TEXTOID};
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	args[0] = Int32GetDatum(v->exchange_id);
	args[1] = CStringGetTextDatum(kind);
	args[2] = Int32GetDatum((int32) r->http_status);
	if (r->http_status == 0)
		nulls[2] = 'n';
	args[3] = CStringGetTextDatum(message);
	args[4] = Int64GetDatum(t->instrument_id);
	args[5] = CStringGetTextDatum(kind_names[r->kind]);
	args[6] = CStringGetTextDatum(r->url);
	args[7] = sqlstate ? CStringGetTextDatum(sqlstate) : (Datum) 0;
	if (sqlstate == NULL)
		nulls[7] = 'n';
	SPI_execute_with_args("INSERT INTO tradecore.exchange_errors"
						  " (exchange_id, ts, kind, http_status, message, details)"
						  " VALUES ($1, now(), $2, $3, $4, jsonb_build_object("
						  "'instrument_id', $5, 'endpoint', $6, 'url', $7, 'sqlstate', $8))",
						  8, types, args, nulls, false, 0);
	v->err_seen = true;
}

static const char *const write_sql[K_COUNT] = {
	"INSERT INTO tradecore.market_ticks (instrument_id, exchange_id, ts, bid, ask, last, volume)"
	" SELECT $1, $2, coalesce(t.ts, now()), t.bid, t.ask, t.last, t.volume"
	"   FROM tradecore.parse_ticker($3, $4, $5) t",

	"INSERT INTO tradecore.order_book_snapshots (instrument_id, exchange_id, ts, bids, asks)"
	" SELECT $1, $2, now(),"
	"        coalesce(jsonb_agg(jsonb_build_array(b.price::text, b.qty::text) ORDER BY b.level)"
	"                 FILTER (WHERE b.side = 'bid'), '[]'),"
	"        coalesce(jsonb_agg(jsonb_build_array(b.price::text, b.qty::text) ORDER BY b.level)"
	"                 FILTER (WHERE b.side = 'ask'), '[]')"
	"   FROM tradecore.parse_order_book($3, $4, $5) b",

	"INSERT INTO tradecore.candles (instrument_id, exchange_id, interval, ts, open, high, low, close, volume)"
	" SELECT $1, $2, interval '1 minute', c.ts, c.open, c.high, c.low, c.close, c.volume"
	"   FROM tradecore.parse_candles($3, $4, $5) c"
	" ON CONFLICT (instrument_id, interval, ts) DO UPDATE"
	"   SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low,"
	"       close = EXCLUDED.close, volume = EXCLUDED.volume"
};

/* one successful transfer: parse and insert in a subtransaction */
static void
write_result(Venue *v, Target *t, Request *r)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Datum		args[5];
	Oid			types[5] = {INT8OID, INT4OID, TEXTOID, TEXTOID, TEXTOID};

	args[0] = Int64GetDatum(t->instrument_id);
	args[1] = Int32GetDatum(v->exchange_id);
	args[2] = CStringGetTextDatum(tc_venue_name(v->venue));
	args[3] = CStringGetTextDatum(t->symbol);
	args[4] = PointerGetDatum(cstring_to_text_with_len(r->body ? r->body : "", (int) r->len));

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		SPI_execute_with_args(write_sql[r->kind], 5, types, args, NULL, false, 0);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		v->ok_seen = true;
	}
	PG_CATCH();
	{
		ErrorData  *ed;
		const char *kind;

		MemoryContextSwitchTo(cxt);
		ed = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (ed->sqlerrcode == ERRCODE_EXTERNAL_ROUTINE_EXCEPTION)
			kind = "venue";
		else if (ERRCODE_TO_CATEGORY(ed->sqlerrcode) == ERRCODE_DATA_EXCEPTION ||
				 ed->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			kind = "parse";
		else
			kind = "write";
		record_error(v, t, r, kind, ed->message, unpack_sql_state(ed->sqlerrcode));
		FreeErrorData(ed);
	}
	PG_END_TRY();
}

static void
process_result(Request *r)
{
	Target	   *t;
	Venue	   *v;
	char		msg[300];

	if (r->target >= ntargets)
		return;
	t = &targets[r->target];
	v = &venues[t->venue];
	if (r->rc != CURLE_OK)
	{
		const char *kind;

		if (r->rc == CURLE_FILESIZE_EXCEEDED)
			r->too_large = true;	/* refused from Content-Length, before any byte */
		kind = r->too_large ? "too_large" :
			r->rc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "network";

		snprintf(msg, sizeof(msg), "%s", r->too_large
				 ? "response body exceeds the size limit"
				 : (r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->rc)));
		r->http_status = 0;
		record_error(v, t, r, kind, msg, NULL);
	}
	else if (r->http_status != 200)
	{
		/* a bounded, printable prefix of the body tells the operator why */
		int			n = (int) Min(r->len, 200);

		snprintf(msg, sizeof(msg), "HTTP %ld: %.*s", r->http_status, n, r->body ? r->body : "");
		for (char *p = msg; *p; p++)
			if ((unsigned char) *p < 0x20 || (unsigned char) *p >= 0x7f)
				*p = '?';
		record_error(v, t, r, r->http_status == 429 ? "rate_limit" : "http", msg, NULL);
		if (r->http_status == 429 && r->retry_after > 0)
			v->blocked_until = Max(v->blocked_until,
								   GetCurrentTimestamp() + (int64) Min(r->retry_after, 3600) * USECS_PER_SEC);
	}
	else
		write_result(v, t, r);
}

static void
update_venue_states(void)
{
	TimestampTz now = GetCurrentTimestamp();

	for (int i = 0; i < nvenues; i++)
	{
		Venue	   *v = &venues[i];
		const char *state;
		Datum		args[5];
		Oid			types[5] = {INT4OID, TEXTOID, BOOLOID, BOOLOID, INT4OID};
		bool		changed;

		if (!v->ok_seen && !v->err_seen)
			continue;
		if (v->err_seen)
		{
			double		base = (double) tc_poll_interval_ms * (1 << Min(v->failures, 20));
			double		delay = Min(base, (double) tc_poller_max_backoff_ms);

			v->failures++;
			delay *= 0.5 + 0.5 * pg_prng_double(&rng);
			v->blocked_until = Max(v->blocked_until, now + (int64) (delay * 1000.0));
		}
		else
			v->failures = 0;
		state = v->failures == 0 ? "ok" : v->failures < 3 ? "degraded" : "down";
		changed = strcmp(state, v->state) != 0;
		strlcpy(v->state, state, sizeof(v->state));

		args[0] = Int32GetDatum(v->exchange_id);
		args[1] = CStringGetTextDatum(state);
		args[2] = BoolGetDatum(v->ok_seen);
		args[3] = BoolGetDatum(v->err_seen);
		args[4] = Int32GetDatum(v->failures);
		SPI_execute_with_args("INSERT INTO tradecore.exchange_status AS s"
							  " (exchange_id, state, last_ok_at, last_error_at, consecutive_failures, updated_at)"
							  " VALUES ($1, $2, CASE WHEN $3 THEN now() END, CASE WHEN $4 THEN now() END, $5, now())"
							  " ON CONFLICT (exchange_id) DO UPDATE SET state = EXCLUDED.state,"
							  "   last_ok_at = coalesce(EXCLUDED.last_ok_at, s.last_ok_at),"
							  "   last_error_at = coalesce(EXCLUDED.last_error_at, s.last_error_at),"
							  "   consecutive_failures = EXCLUDED.consecutive_failures, updated_at = now()",
							  5, types, args, NULL, false, 0);
		if (changed && have_emit)
			SPI_execute_with_args("SELECT tradecore.emit('exchange.status', jsonb_build_object("
								  "'exchange_id', $1, 'state', $2, 'consecutive_failures', $5))",
								  5, types, args, NULL, false, 0);
		v->ok_seen = v->err_seen = false;
	}
}

static void
free_done(void)
{
	Request    *r = done_head;

	while (r != NULL)
	{
		Request    *next = r->next;

		request_free(r);
		r = next;
	}
	done_head = NULL;
	ndone = 0;
}

static void
flush_batch(void)
{
	MemoryContext old;

	if (ndone == 0)
		return;
	old = MemoryContextSwitchTo(batch_cxt);
	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "tradecore poller: writing market data");
		for (Request *r = done_head; r != NULL; r = r->next)
			process_result(r);
		update_venue_states();
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* a broken write path (table dropped, disk full) loses this batch, not the worker */
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		for (int i = 0; i < nvenues; i++)
			venues[i].ok_seen = venues[i].err_seen = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	free_done();
	MemoryContextReset(batch_cxt);
}

static long
ms_until_next_due(TimestampTz now)
{
	TimestampTz next = now + 1000 * 1000;

	for (int i = 0; i < ntargets; i++)
	{
		Venue	   *v = &venues[targets[i].venue];

		for (int k = 0; k < K_COUNT; k++)
			next = Min(next, Max(targets[i].next_due[k], v->blocked_until));
	}
	return Max((long) ((next - now) / 1000), 1);
}

/* load_targets, surviving a schema without the expected columns: say so, retry later */
static void
safe_load_targets(void)
{
	PG_TRY();
	{
		load_targets();
	}
	PG_CATCH();
	{
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextReset(poller_cxt);
		venues = NULL;
		targets = NULL;
		nvenues = ntargets = 0;
	}
	PG_END_TRY();
}

/*
 * The registered poller is a small supervisor: connecting a worker to a
 * database that does not exist yet (the usual case right after initdb, before
 * CREATE DATABASE) is FATAL and costs a 10 s restart delay, so the supervisor
 * connects to no database, waits until tradecore.database_name exists, then
 * starts the polling loop as a dynamic worker connected to it and waits for
 * that worker to end (then exits 1 to be restarted, which starts a new one).
 */
/*
 * Without a database only the nailed shared catalogs can be read, so this is
 * a plain heap scan of pg_database (as the autovacuum launcher does), not a
 * syscache or index lookup.
 */
static bool
database_exists(const char *name)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (!found && (tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		found = strcmp(NameStr(db->datname), name) == 0;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return found;
}

static void
poller_supervise(void)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("tradecore poller supervisor");
	for (;;)
	{
		bool		exists;

		CHECK_FOR_INTERRUPTS();
		if (tc_got_sighup)
		{
			tc_got_sighup = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		exists = database_exists(tc_database_name);
		if (exists)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 500, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}

	memset(&w, 0, sizeof(w));
	w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	w.bgw_start_time = BgWorkerStart_RecoveryFinished;
	w.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(w.bgw_library_name, BGW_MAXLEN, "tradecore");
	snprintf(w.bgw_function_name, BGW_MAXLEN, "tradecore_poller_main");
	snprintf(w.bgw_name, BGW_MAXLEN, "tradecore poller");
	snprintf(w.bgw_type, BGW_MAXLEN, "tradecore poller");
	w.bgw_main_arg = Int32GetDatum(MyProcPid);	/* non-zero: the polling worker */
	w.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&w, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("tradecore poller: could not start the polling worker"),
				 errhint("Raise max_worker_processes.")));
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		ereport(ERROR, (errmsg("tradecore poller: the polling worker did not start")));
	(void) WaitForBackgroundWorkerShutdown(handle);
	proc_exit(1);
}

void
tradecore_poller_main(Datum main_arg)
{
	TimestampTz last_load = 0;
	TimestampTz last_flush = 0;
	bool		need_load = true;

	tc_worker_setup_signals();
	if (DatumGetInt32(main_arg) == 0)
		poller_supervise();		/* never returns */
	supervisor_pid = (pid_t) DatumGetInt32(main_arg);
	BackgroundWorkerInitializeConnection(tc_database_name, NULL, 0);
	pgstat_report_appname("tradecore poller");

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		ereport(ERROR, (errmsg("tradecore poller: could not initialise libcurl")));
	multi = curl_multi_init();
	if (multi == NULL)
		ereport(ERROR, (errmsg("tradecore poller: could not create a libcurl multi handle")));
	before_shmem_exit(poller_cleanup, (Datum) 0);

	poller_cxt = AllocSetContextCreate(TopMemoryContext, "tradecore poller", ALLOCSET_DEFAULT_SIZES);
	batch_cxt = AllocSetContextCreate(TopMemoryContext, "tradecore poller batch", ALLOCSET_DEFAULT_SIZES);
	pg_prng_seed(&rng, (uint64) MyProcPid ^ (uint64) GetCurrentTimestamp());

	ereport(LOG, (errmsg("tradecore poller started")));

	for (;;)
	{
		TimestampTz now;

		CHECK_FOR_INTERRUPTS();
		if (tc_got_sighup)
		{
			tc_got_sighup = false;
			ProcessConfigFile(PGC_SIGHUP);
			need_load = true;
		}
		now = GetCurrentTimestamp();
		if (need_load || now - last_load > (int64) RELOAD_EVERY_MS * 1000)
		{
			flush_batch();
			safe_load_targets();
			last_load = GetCurrentTimestamp();
			need_load = false;
		}
		if (tc_poller_enabled)
			dispatch(now);

		if (inflight > 0)
		{
			int			running,
						numfds;

			curl_multi_perform(multi, &running);
			curl_multi_poll(multi, NULL, 0, POLL_SLICE_MS, &numfds);
			curl_multi_perform(multi, &running);
			collect_done();
			if (!PostmasterIsAlive())
				proc_exit(1);
		}
		/*
		 * A supervisor terminated on its own is restarted and starts a new
		 * polling worker: this one must not poll alongside it.
		 */
		if (kill(supervisor_pid, 0) != 0 && errno == ESRCH)
		{
			ereport(LOG, (errmsg("tradecore poller: supervisor is gone, stopping")));
			proc_exit(0);
		}
		now = GetCurrentTimestamp();
		if (ndone >= FLUSH_AT_RESULTS || (ndone > 0 && (inflight == 0 || now - last_flush > FLUSH_EVERY_MS * 1000)))
		{
			flush_batch();
			last_flush = GetCurrentTimestamp();
		}
		if (inflight == 0)
		{
			long		timeout = (tc_poller_enabled && ntargets > 0) ? ms_until_next_due(GetCurrentTimestamp()) : 1000;

			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 timeout, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
		}
	}
}
