/*
 * bridge.c
 *	  The AG-UI bridge worker: one process, one WaitEventSet holding its latch,
 *	  the listening socket, the libpq LISTEN socket and every client socket.
 *	  It reads the events outbox when notified (or every bridge_poll_ms) and
 *	  pushes AG-UI events to WebSocket clients and to AG-UI HTTP runs (SSE);
 *	  it also serves the dashboard's files.  See docs/bridge.md.
 *
 * Nothing here blocks on a client: sockets are non-blocking, each client has a
 * bounded send queue (tradecore.bridge_client_queue_kb; a client that falls
 * further behind is dropped), reads are bounded by the frame and header
 * limits, and every database access is a short transaction in this process.
 * PostgreSQL 15's WaitEventSet cannot remove a socket, so the set is rebuilt
 * (at most once per wake-up) when clients come or go.
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <limits.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "tradecore.h"
#include "workers.h"
#include "bridge.h"

#define HTTP_REQUEST_TIMEOUT_MS 10000
#define CLOSING_TIMEOUT_MS		2000
#define LISTEN_RETRY_MS			10000
/* a drained send queue larger than this is given back (an idle client keeps none) */
#define CLIENT_OUT_KEEP_BYTES	8192
/* at most one malloc_trim per this interval */
#define TRIM_INTERVAL_MS		1000

static MemoryContext bridge_cxt = NULL;
static MemoryContext batch_cxt = NULL;

static int	listen_sock = -1;
static TimestampTz listen_retry_at = 0;
static bool listen_failure_logged = false;

static BridgeClient **clients = NULL;
static int	nclients = 0;
static int	clients_cap = 0;
static int	next_client_id = 1;

/* clients started or freed since free memory was last handed back to the OS */
static int	churn_since_trim = 0;
static TimestampTz last_trim = 0;

static WaitEventSet *wes = NULL;
static WaitEvent *wes_events = NULL;
static int	wes_size = 0;
static bool wes_dirty = true;
static int	wes_listen_conn_sock = -1;

static int64 hwm = -1;			/* -1: the outbox has not been read yet */
static bool outbox_error_logged = false;

/* markers for the user_data of non-client wait events */
static int	marker_listen;
static int	marker_pq;

/* ---------------------------------------------------------------- helpers */

static void
raise_fd_limit(void)
{
	struct rlimit rl;

	/* 1,000 clients need more descriptors than the usual soft limit of 1024 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = rl.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
open_listen_socket(void)
{
	struct sockaddr_in addr;
	int			one = 1;
	int			s;

	if (listen_sock >= 0 || GetCurrentTimestamp() < listen_retry_at)
		return;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16) tc_bridge_port);
	if (inet_pton(AF_INET, tc_bridge_listen_address, &addr.sin_addr) != 1)
	{
		if (!listen_failure_logged)
			ereport(LOG,
					(errmsg("tradecore bridge: invalid tradecore.bridge_listen_address \"%s\"",
							tc_bridge_listen_address),
					 errhint("Give an IPv4 address such as 127.0.0.1.")));
		listen_failure_logged = true;
		listen_retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), LISTEN_RETRY_MS);
		return;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0 ||
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(s, (struct sockaddr *) &addr, sizeof(addr)) != 0 ||
		listen(s, SOMAXCONN) != 0)
	{
		int			save = errno;

		if (s >= 0)
			close(s);
		if (!listen_failure_logged)
			ereport(LOG,
					(errmsg("tradecore bridge: could not listen on %s:%d: %s",
							tc_bridge_listen_address, tc_bridge_port, strerror(save)),
					 errdetail("The bridge retries every %d seconds.", LISTEN_RETRY_MS / 1000),
					 errhint("Choose another tradecore.bridge_port, or stop what holds this one.")));
		listen_failure_logged = true;
		listen_retry_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), LISTEN_RETRY_MS);
		return;
	}
	listen_sock = s;
	listen_failure_logged = false;
	wes_dirty = true;
	ereport(LOG, (errmsg("tradecore bridge listening on %s:%d", tc_bridge_listen_address, tc_bridge_port)));
}

/*
 * Runs FN inside a short READ COMMITTED transaction.  Errors are caught, the transaction
 * aborted, and the first occurrence of a failure logged; returns success.
 */
typedef void (*XactFn) (void *arg);

static bool
in_transaction(XactFn fn, void *arg, const char *what)
{
	volatile bool ok = true;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	/* READ COMMITTED: reads must see everything up to the outbox horizon computed before them */
	XactIsoLevel = XACT_READ_COMMITTED;
	MemoryContextSwitchTo(batch_cxt);
	PG_TRY();
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		fn(arg);
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(batch_cxt);
		ed = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		/* what == NULL: the error is the client's (a malformed body); nothing to log */
		if (what != NULL && !outbox_error_logged)
			ereport(LOG,
					(errmsg("tradecore bridge: %s failed: %s", what, ed->message),
					 errdetail("The bridge keeps running and retries; this is logged once until it succeeds."),
					 errhint("Is the tradecore extension (with tradecore.events) installed in database \"%s\"?",
							 tc_database_name)));
		if (what != NULL)
			outbox_error_logged = true;
		FreeErrorData(ed);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(batch_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

/* --------------------------------------------------------------- clients */

static void client_flush(BridgeClient *c);

static BridgeClient *
client_new(int sock)
{
	MemoryContext cxt = AllocSetContextCreate(bridge_cxt, "tradecore bridge client",
											  ALLOCSET_SMALL_SIZES);
	BridgeClient *c = MemoryContextAllocZero(cxt, sizeof(BridgeClient));

	c->cxt = cxt;
	c->sock = sock;
	c->id = next_client_id++;
	c->state = BC_HTTP;
	c->in_cap = 2048;
	c->in = MemoryContextAlloc(cxt, c->in_cap);
	c->last_recv = GetCurrentTimestamp();
	c->last_id = 0;
	if (nclients == clients_cap)
	{
		clients_cap = clients_cap ? clients_cap * 2 : 64;
		clients = clients ? repalloc(clients, sizeof(BridgeClient *) * clients_cap)
			: MemoryContextAlloc(bridge_cxt, sizeof(BridgeClient *) * clients_cap);
	}
	clients[nclients++] = c;
	wes_dirty = true;
	return c;
}

/* marks a client dead; its socket is closed and memory freed by reap_clients() */
static void
client_kill(BridgeClient *c, const char *why)
{
	if (c->sock < 0)
		return;
	if (why)
		elog(DEBUG1, "tradecore bridge: client %d closed: %s", c->id, why);
	close(c->sock);
	c->sock = -1;
	wes_dirty = true;
}

static void
reap_clients(void)
{
	int			j = 0;

	for (int i = 0; i < nclients; i++)
	{
		if (clients[i]->sock < 0)
		{
			MemoryContextDelete(clients[i]->cxt);
			churn_since_trim++;
		}
		else
			clients[j++] = clients[i];
	}
	nclients = j;
}

static size_t
client_pending(BridgeClient *c)
{
	return c->out_len - c->out_head;
}

/*
 * Queues bytes for a client.  A client whose queue would exceed the cap is
 * dropped (it is not reading), so the bridge's memory stays bounded.
 */
static bool
client_queue(BridgeClient *c, const char *data, size_t len)
{
	size_t		cap = (size_t) tc_bridge_client_queue_kb * 1024;

	if (c->sock < 0)
		return false;
	/* a client that reads keeps up: hand what is queued to the kernel first */
	if (client_pending(c) + len > cap)
		client_flush(c);
	if (c->sock < 0)
		return false;
	if (client_pending(c) + len > cap && c->state != BC_HTTP)
	{
		ereport(LOG,
				(errmsg("tradecore bridge: dropping client %d (role %s): send queue over %d kB",
						c->id, c->rolename[0] ? c->rolename : "-", tc_bridge_client_queue_kb),
				 errdetail("The client is not reading; it can reconnect and resume from its last event id.")));
		client_kill(c, NULL);
		return false;
	}
	if (c->out_head > 0 && c->out_head == c->out_len)
		c->out_head = c->out_len = 0;
	if (c->out_len + len > c->out_cap)
	{
		size_t		pending = client_pending(c);

		/* compact first, then grow */
		if (c->out_head > 0)
		{
			memmove(c->out, c->out + c->out_head, pending);
			c->out_head = 0;
			c->out_len = pending;
		}
		if (c->out_len + len > c->out_cap)
		{
			size_t		ncap = Max(c->out_cap * 2, c->out_len + len);

			ncap = Max(ncap, 4096);
			c->out = c->out ? repalloc(c->out, ncap) : MemoryContextAlloc(c->cxt, ncap);
			c->out_cap = ncap;
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return true;
}

static void
client_queue_str(BridgeClient *c, StringInfo s)
{
	client_queue(c, s->data, s->len);
}

static void
client_set_want_write(BridgeClient *c, bool want)
{
	if (c->want_write != want)
	{
		c->want_write = want;
		wes_dirty = true;
	}
}

static void
client_flush(BridgeClient *c)
{
	while (c->sock >= 0 && client_pending(c) > 0)
	{
		ssize_t		n = send(c->sock, c->out + c->out_head, client_pending(c),
							 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
		{
			c->out_head += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		{
			client_set_want_write(c, true);
			return;
		}
		client_kill(c, "send failed");
		return;
	}
	if (c->sock < 0)
		return;
	client_set_want_write(c, false);
	c->out_head = c->out_len = 0;
	/*
	 * The queue is drained: give a large buffer back.  The first message of
	 * every stream is the STATE_SNAPSHOT (tens of kB once the tables fill),
	 * and keeping that buffer would make every idle client cost its size.
	 */
	if (c->out_cap > CLIENT_OUT_KEEP_BYTES)
	{
		pfree(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	if (c->state == BC_CLOSING && c->closing_since != 0)
	{
		/* everything sent: half-close and wait for the peer to close */
		shutdown(c->sock, SHUT_WR);
	}
}

static void
client_begin_close(BridgeClient *c)
{
	if (c->state == BC_CLOSING)
		return;
	c->state = BC_CLOSING;
	c->closing_since = GetCurrentTimestamp();
}

static void
ws_send_text(BridgeClient *c, const char *json)
{
	StringInfoData f;

	initStringInfo(&f);
	bridge_ws_frame(&f, WS_OP_TEXT, json, strlen(json));
	client_queue_str(c, &f);
	pfree(f.data);
}

static void
ws_close(BridgeClient *c, int code, const char *reason)
{
	StringInfoData f;

	if (c->state == BC_CLOSING)
		return;
	initStringInfo(&f);
	bridge_ws_close_frame(&f, code, reason);
	client_queue_str(c, &f);
	pfree(f.data);
	elog(DEBUG1, "tradecore bridge: client %d: close %d %s", c->id, code, reason);
	client_begin_close(c);
}

static void
sse_send(BridgeClient *c, int64 id, const char *json)
{
	StringInfoData s;

	initStringInfo(&s);
	bridge_sse_event(&s, id, json, strlen(json));
	client_queue_str(c, &s);
	pfree(s.data);
}

static void
http_reply_error(BridgeClient *c, int status, const char *message)
{
	StringInfoData s;

	initStringInfo(&s);
	bridge_http_error(&s, status, message);
	client_queue_str(c, &s);
	pfree(s.data);
	client_begin_close(c);
}

static bool
topic_wanted(BridgeClient *c, const char *topic)
{
	if (c->ntopics == 0)
		return true;
	for (int i = 0; i < c->ntopics; i++)
		if (strcmp(c->topics[i], topic) == 0)
			return true;
	return false;
}

/* topics=a,b,c (also accepts a JSON-ish list already split by the caller) */
static void
client_set_topics(BridgeClient *c, const char *list)
{
	char	   *copy;
	char	   *tok;
	char	   *save = NULL;

	c->ntopics = 0;
	if (list == NULL || list[0] == '\0')
		return;
	copy = pstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		while (*tok == ' ')
			tok++;
		if (*tok == '\0' || strlen(tok) >= sizeof(c->topics[0]) || c->ntopics >= BRIDGE_MAX_TOPICS)
			continue;
		strlcpy(c->topics[c->ntopics++], tok, sizeof(c->topics[0]));
	}
	pfree(copy);
}

/* ------------------------------------------------- sending outbox events */

/*
 * Sends the events of LIST that C has not seen and wants, then one
 * STATE_DELTA, and advances its position to UPTO.
 */
static void
client_send_events(BridgeClient *c, BridgeEventList *list, int64 upto)
{
	BridgeAguiMode mode = c->state == BC_SSE ? AGUI_MODE_SSE : AGUI_MODE_WS;
	const BridgeEvent *latest[BRIDGE_MAX_TOPICS];
	int			nlatest = 0;
	int			sent = 0;

	for (int i = 0; i < list->n && c->sock >= 0; i++)
	{
		const BridgeEvent *e = &list->ev[i];
		List	   *evs;
		ListCell   *lc;
		int			k;

		if (e->id <= c->last_id || !topic_wanted(c, e->topic))
			continue;
		evs = bridge_agui_from_event(e, mode, NIL);
		foreach(lc, evs)
		{
			if (mode == AGUI_MODE_WS)
				ws_send_text(c, (char *) lfirst(lc));
			else
				sse_send(c, e->id, (char *) lfirst(lc));
		}
		list_free_deep(evs);
		sent++;
		for (k = 0; k < nlatest; k++)
			if (strcmp(latest[k]->topic, e->topic) == 0)
			{
				latest[k] = e;
				break;
			}
		if (k == nlatest && nlatest < BRIDGE_MAX_TOPICS)
			latest[nlatest++] = e;
	}
	if (c->sock < 0)
		return;
	if (upto > c->last_id)
		c->last_id = upto;
	if (sent > 0)
	{
		char	   *delta = bridge_agui_state_delta(c->last_id, latest, nlatest);

		if (mode == AGUI_MODE_WS)
			ws_send_text(c, delta);
		else
			sse_send(c, 0, delta);
		pfree(delta);
		c->events_sent += sent;
	}
}

/* ----------------------------------------------------- the outbox pump */

typedef struct PumpState
{
	int64		new_hwm;
	bool		advanced;
	int			nroles;
	Oid			roles[64];
	BridgeEventList *lists[64];
} PumpState;

static void
pump_fn(void *arg)
{
	PumpState  *ps = (PumpState *) arg;

	if (hwm < 0)
	{
		int64		max = bridge_outbox_max_id();

		/* look back a little, so an event still in flight at start is not skipped */
		hwm = Max(0, max - 1000);
	}
	ps->advanced = bridge_outbox_advance(hwm, &ps->new_hwm, tc_bridge_gap_timeout_ms);
	if (!ps->advanced)
		return;
	for (int r = 0; r < ps->nroles; r++)
		ps->lists[r] = bridge_outbox_fetch(ps->roles[r], hwm, ps->new_hwm, BRIDGE_FETCH_BATCH);
}

static void
pump(void)
{
	PumpState	ps;

	memset(&ps, 0, sizeof(ps));
	for (int i = 0; i < nclients; i++)
	{
		BridgeClient *c = clients[i];
		int			r;

		if (c->sock < 0 || !c->authenticated || (c->state != BC_WS && c->state != BC_SSE))
			continue;
		for (r = 0; r < ps.nroles; r++)
			if (ps.roles[r] == c->role)
				break;
		if (r == ps.nroles && ps.nroles < (int) lengthof(ps.roles))
			ps.roles[ps.nroles++] = c->role;
	}
	if (!in_transaction(pump_fn, &ps, "reading tradecore.events"))
		return;
	outbox_error_logged = false;
	if (!ps.advanced)
		return;

	for (int i = 0; i < nclients; i++)
	{
		BridgeClient *c = clients[i];
		int			r;

		if (c->sock < 0 || !c->authenticated || (c->state != BC_WS && c->state != BC_SSE))
			continue;
		for (r = 0; r < ps.nroles; r++)
			if (ps.roles[r] == c->role)
				break;
		if (r == ps.nroles)
			continue;			/* more than 64 roles at once: next pass */
		if (ps.lists[r]->failed)
		{
			char		reason[120];

			snprintf(reason, sizeof(reason), "role %s may not read events: %s",
					 c->rolename, ps.lists[r]->error);
			if (c->state == BC_WS)
				ws_close(c, WS_CLOSE_POLICY, reason);
			else
			{
				char	   *err = bridge_agui_run_error(reason, "tradecore.forbidden");

				sse_send(c, 0, err);
				client_begin_close(c);
			}
			continue;
		}
		client_send_events(c, ps.lists[r], ps.new_hwm);
	}
	hwm = ps.new_hwm;
}

/* ------------------------------------------------ connecting a client */

typedef struct ConnectState
{
	const char *token;
	int64		resume;			/* -1: none */
	int			backlog;
	/* results */
	BridgeTokenResult tr;
	int64		token_expires;
	Oid			role;
	char		rolename[NAMEDATALEN];
	int64		start;
	bool		truncated;
	char	   *latest;
	char	   *workers;
	char	   *tables;
	BridgeEventList *events;
	/* AG-UI HTTP input (body parsed by SQL) */
	const char *body;
	bool		body_ok;
	char	   *body_error;
	char	   *thread_id;
	char	   *run_id;
	char	   *b_last_id;
	char	   *b_follow;
	char	   *b_topics;
	char	   *b_backlog;
} ConnectState;

static void
parse_run_input(ConnectState *cs)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	MemoryContext into = CurrentMemoryContext;
	char	   *err = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = CStringGetTextDatum(cs->body);
	/* a malformed body raises here; the caller answers 400 */
	if (SPI_execute_with_args(
							  "SELECT j->>'threadId', j->>'runId', "
							  "       jsonb_typeof(j->'threadId') = 'string' AND jsonb_typeof(j->'runId') = 'string' "
							  "         AND jsonb_typeof(j->'messages') = 'array', "
							  "       coalesce(j#>>'{forwardedProps,lastEventId}', j#>>'{state,lastEventId}'), "
							  "       j#>>'{forwardedProps,followMs}', "
							  "       (SELECT string_agg(t, ',') FROM jsonb_array_elements_text("
							  "          CASE WHEN jsonb_typeof(j#>'{forwardedProps,topics}') = 'array' "
							  "               THEN j#>'{forwardedProps,topics}' END) t), "
							  "       j#>>'{forwardedProps,backlog}' "
							  "  FROM (SELECT $1::jsonb AS j) s WHERE jsonb_typeof(j) = 'object'",
							  1, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not parse the request body");
	if (SPI_processed != 1)
		err = "RunAgentInput must be a JSON object";
	else
	{
		bool		isnull;
		Datum		ok = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);

		if (isnull || !DatumGetBool(ok))
			err = "RunAgentInput needs threadId and runId strings and a messages array";
		else
		{
#define COL(n) (SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, n) ? \
				MemoryContextStrdup(into, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, n)) : NULL)
			cs->thread_id = COL(1);
			cs->run_id = COL(2);
			cs->b_last_id = COL(4);
			cs->b_follow = COL(5);
			cs->b_topics = COL(6);
			cs->b_backlog = COL(7);
#undef COL
		}
	}
	SPI_finish();
	if (err)
		cs->body_error = MemoryContextStrdup(into, err);
	cs->body_ok = (err == NULL);
}

static int64
parse_int64_or(const char *s, int64 dflt)
{
	char	   *end;
	long long	v;

	if (s == NULL || *s == '\0')
		return dflt;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return dflt;
	return v;
}

static void
connect_fn(void *arg)
{
	ConnectState *cs = (ConnectState *) arg;
	int64		cur;

	if (cs->body != NULL)
	{
		parse_run_input(cs);
		if (!cs->body_ok)
			return;
		cs->resume = parse_int64_or(cs->b_last_id, -1);
		cs->backlog = (int) Min(parse_int64_or(cs->b_backlog, 0), BRIDGE_MAX_BACKFILL);
	}
	cs->tr = bridge_token_verify(cs->token, &cs->role, cs->rolename, &cs->token_expires);
	if (cs->tr != TOKEN_OK)
		return;
	if (hwm < 0)
		hwm = Max(0, bridge_outbox_max_id() - 1000);
	cur = hwm;
	if (cs->resume >= 0)
	{
		if (cur - cs->resume > BRIDGE_MAX_BACKFILL)
		{
			cs->start = cur;
			cs->truncated = true;
		}
		else
			cs->start = cs->resume;
	}
	else
		cs->start = Max(0, cur - cs->backlog);
	cs->latest = bridge_outbox_latest_json(cs->role, Min(cs->start, cur));
	cs->workers = bridge_outbox_workers_json();
	/* current rows only for the dashboard's WebSocket, not for every HttpAgent run */
	if (cs->body == NULL)
		cs->tables = bridge_outbox_tables_json(cs->role);
	cs->events = bridge_outbox_fetch(cs->role, cs->start, cur, BRIDGE_MAX_BACKFILL);
}

/*
 * Common tail of a WebSocket or SSE connection once authenticated: the
 * snapshot, then the replay from the resume point up to the current hwm.
 */
static void
client_start_stream(BridgeClient *c, ConnectState *cs)
{
	char	   *snap;

	churn_since_trim++;
	c->authenticated = true;
	c->token_expires = cs->token_expires;
	c->role = cs->role;
	strlcpy(c->rolename, cs->rolename, sizeof(c->rolename));
	c->last_id = cs->start;
	snap = bridge_agui_state_snapshot(cs->start, cs->rolename, cs->latest, cs->workers, cs->tables,
									  cs->truncated);
	if (c->state == BC_WS)
		ws_send_text(c, snap);
	else
		sse_send(c, 0, snap);
	if (cs->events && cs->events->failed)
	{
		char		reason[120];

		snprintf(reason, sizeof(reason), "role %s may not read events", cs->rolename);
		if (c->state == BC_WS)
			ws_close(c, WS_CLOSE_POLICY, reason);
		else
		{
			sse_send(c, 0, bridge_agui_run_error(reason, "tradecore.forbidden"));
			client_begin_close(c);
		}
		return;
	}
	if (cs->events)
		client_send_events(c, cs->events, Max(hwm, cs->start));
}

static char *
request_token(BridgeHttpRequest *req)
{
	char	   *t = bridge_query_param(req->query, "token");
	const char *auth;

	if (t)
		return t;
	auth = bridge_http_header(req, "Authorization");
	if (auth && pg_strncasecmp(auth, "Bearer ", 7) == 0)
		return pstrdup(auth + 7);
	return NULL;
}

static void
handle_ws_upgrade(BridgeClient *c, BridgeHttpRequest *req)
{
	const char *key = bridge_http_header(req, "Sec-WebSocket-Key");
	const char *ver = bridge_http_header(req, "Sec-WebSocket-Version");
	char		accept[64];
	StringInfoData s;
	ConnectState cs;
	char	   *resume;

	if (strcmp(req->method, "GET") != 0 || req->minor_version != 1)
	{
		http_reply_error(c, 400, "a WebSocket handshake is a GET over HTTP/1.1");
		return;
	}
	if (!bridge_http_header_has_token(req, "Connection", "upgrade"))
	{
		http_reply_error(c, 400, "Connection: Upgrade required");
		return;
	}
	if (ver == NULL || strcmp(ver, "13") != 0)
	{
		http_reply_error(c, 426, "Sec-WebSocket-Version 13 required");
		return;
	}
	if (key == NULL || !bridge_ws_accept_key(key, accept, sizeof(accept)))
	{
		http_reply_error(c, 400, "invalid Sec-WebSocket-Key");
		return;
	}

	memset(&cs, 0, sizeof(cs));
	cs.token = request_token(req);
	resume = bridge_query_param(req->query, "last_event_id");
	cs.resume = parse_int64_or(resume, -1);
	cs.backlog = (int) Min(parse_int64_or(bridge_query_param(req->query, "backlog"), 0),
						   BRIDGE_MAX_BACKFILL);
	client_set_topics(c, bridge_query_param(req->query, "topics"));

	/*
	 * Complete the handshake even for a bad token, then close with 1008: a
	 * browser sees the close code and reason, whereas an HTTP 401 reaches
	 * its script only as an anonymous failure.  Nothing is sent before the
	 * close frame.
	 */
	initStringInfo(&s);
	appendStringInfo(&s,
					 "HTTP/1.1 101 Switching Protocols\r\n"
					 "Upgrade: websocket\r\n"
					 "Connection: Upgrade\r\n"
					 "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	client_queue_str(c, &s);
	pfree(s.data);
	c->state = BC_WS;
	c->in_len -= req->total_len;
	if (c->in_len > 0)
		memmove(c->in, c->in + req->total_len, c->in_len);

	if (!in_transaction(connect_fn, &cs, "connecting a client"))
	{
		ws_close(c, WS_CLOSE_TRY_AGAIN, "outbox not readable yet");
		return;
	}
	if (cs.tr != TOKEN_OK)
	{
		ws_close(c, WS_CLOSE_POLICY, bridge_token_result_text(cs.tr));
		return;
	}
	client_start_stream(c, &cs);
}

static void
handle_agui_run(BridgeClient *c, BridgeHttpRequest *req)
{
	ConnectState cs;
	StringInfoData s;
	char	   *body;
	int64		follow;

	if (req->body == NULL)
	{
		http_reply_error(c, 411, "POST a RunAgentInput JSON body with Content-Length");
		return;
	}
	memset(&cs, 0, sizeof(cs));
	body = palloc(req->body_len + 1);
	memcpy(body, req->body, req->body_len);
	body[req->body_len] = '\0';
	if (!bridge_utf8_valid(body, req->body_len) || strlen(body) != (size_t) req->body_len)
	{
		http_reply_error(c, 400, "request body is not UTF-8 text");
		return;
	}
	cs.body = body;
	cs.token = request_token(req);
	cs.resume = -1;
	if (!in_transaction(connect_fn, &cs, NULL))
	{
		/* the body failed to parse as JSON, or the outbox is unreadable */
		http_reply_error(c, 400, "request body is not valid JSON, or the outbox is unreadable");
		return;
	}
	if (!cs.body_ok)
	{
		http_reply_error(c, 422, cs.body_error);
		return;
	}
	if (cs.tr != TOKEN_OK)
	{
		http_reply_error(c, 401, bridge_token_result_text(cs.tr));
		return;
	}
	c->thread_id = MemoryContextStrdup(c->cxt, cs.thread_id);
	c->run_id = MemoryContextStrdup(c->cxt, cs.run_id);
	client_set_topics(c, cs.b_topics);
	follow = Min(parse_int64_or(cs.b_follow, 0), BRIDGE_MAX_SSE_FOLLOW_MS);

	initStringInfo(&s);
	bridge_sse_headers(&s);
	client_queue_str(c, &s);
	pfree(s.data);
	c->state = BC_SSE;
	sse_send(c, 0, bridge_agui_run_started(c->thread_id, c->run_id));
	client_start_stream(c, &cs);
	if (c->state == BC_SSE)
		c->sse_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), follow);
}

static void
handle_healthz(BridgeClient *c, bool head)
{
	StringInfoData b;
	StringInfoData s;
	int			live = 0;

	for (int i = 0; i < nclients; i++)
		if (clients[i]->sock >= 0 && clients[i]->authenticated &&
			(clients[i]->state == BC_WS || clients[i]->state == BC_SSE))
			live++;
	initStringInfo(&b);
	appendStringInfo(&b, "{\"status\":\"ok\",\"clients\":%d,\"lastEventId\":" INT64_FORMAT
					 ",\"listen\":%s,\"pid\":%d}\n",
					 live, hwm, bridge_listen_ok() ? "true" : "false", MyProcPid);
	initStringInfo(&s);
	bridge_http_response(&s, 200, "application/json", b.data, head ? 0 : b.len, NULL);
	client_queue_str(c, &s);
	client_begin_close(c);
}

static void
handle_http(BridgeClient *c)
{
	BridgeHttpRequest req;
	int			status = 400;
	const char *why = "";
	BridgeHttpParse r = bridge_http_parse(c->in, c->in_len, &req, &status, &why);

	if (r == HTTP_PARSE_INCOMPLETE)
		return;
	if (r == HTTP_PARSE_ERROR)
	{
		http_reply_error(c, status, why);
		return;
	}
	if (strcmp(req.path, "/ws") == 0 || strcmp(req.path, "/agui/ws") == 0 ||
		bridge_http_header_has_token(&req, "Upgrade", "websocket"))
	{
		if (!bridge_http_header_has_token(&req, "Upgrade", "websocket"))
			http_reply_error(c, 426, "this endpoint speaks WebSocket");
		else
			handle_ws_upgrade(c, &req);
		return;
	}
	if (strcmp(req.path, "/agui") == 0)
	{
		if (strcmp(req.method, "POST") != 0)
			http_reply_error(c, 405, "POST a RunAgentInput to /agui");
		else
			handle_agui_run(c, &req);
		return;
	}
	if (strcmp(req.path, "/healthz") == 0 &&
		(strcmp(req.method, "GET") == 0 || strcmp(req.method, "HEAD") == 0))
	{
		handle_healthz(c, strcmp(req.method, "HEAD") == 0);
		return;
	}
	if (strcmp(req.method, "GET") == 0 || strcmp(req.method, "HEAD") == 0)
	{
		StringInfoData s;

		initStringInfo(&s);
		if (bridge_http_static(&s, tc_bridge_web_dir, req.path, strcmp(req.method, "HEAD") == 0))
		{
			client_queue_str(c, &s);
			client_begin_close(c);
		}
		else if (strcmp(req.path, "/") == 0)
			http_reply_error(c, 404, "no dashboard: set tradecore.bridge_web_dir to the built web/ directory");
		else
			http_reply_error(c, 404, "not found");
		pfree(s.data);
		return;
	}
	http_reply_error(c, 405, "method not allowed");
}

/* ------------------------------------------------------- WebSocket input */

static void
handle_ws_text(BridgeClient *c, const char *msg, int len)
{
	/*
	 * Client messages: {"type":"subscribe","topics":["order",...]} narrows the
	 * stream ([] or absent = every topic).  Parsing JSON in C would mean a
	 * second parser; these messages are rare, so topics are read with a
	 * tolerant scan of the known shape instead of a transaction.
	 */
	const char *t = strstr(msg, "\"type\"");
	const char *topics;
	StringInfoData list;

	if (t == NULL || strstr(t, "\"subscribe\"") == NULL)
	{
		ws_close(c, WS_CLOSE_UNSUPPORTED, "unknown client message; send {\"type\":\"subscribe\",\"topics\":[...]}");
		return;
	}
	initStringInfo(&list);
	topics = strstr(msg, "\"topics\"");
	if (topics)
	{
		const char *p = strchr(topics, '[');
		const char *end = p ? strchr(p, ']') : NULL;

		if (p == NULL || end == NULL)
		{
			ws_close(c, WS_CLOSE_BAD_DATA, "topics must be an array of strings");
			return;
		}
		for (p = p + 1; p < end; p++)
		{
			if (*p == '"')
			{
				const char *q = memchr(p + 1, '"', end - p - 1);

				if (q == NULL)
				{
					ws_close(c, WS_CLOSE_BAD_DATA, "topics must be an array of strings");
					return;
				}
				if (list.len > 0)
					appendStringInfoChar(&list, ',');
				appendBinaryStringInfo(&list, p + 1, q - p - 1);
				p = q;
			}
		}
	}
	client_set_topics(c, list.data);
	pfree(list.data);
}

static void
handle_ws_frames(BridgeClient *c)
{
	size_t		max_frame = (size_t) tc_bridge_max_frame_kb * 1024;
	size_t		max_msg = (size_t) tc_bridge_max_message_kb * 1024;
	size_t		off = 0;

	while (c->sock >= 0 && c->state == BC_WS && off < (size_t) c->in_len)
	{
		BridgeWsFrame f;
		int			code = 0;
		const char *why = NULL;
		BridgeWsParse r = bridge_ws_parse(c->in + off, c->in_len - off, max_frame, &f, &code, &why);

		if (r == WS_FRAME_INCOMPLETE)
			break;
		if (r == WS_FRAME_ERROR)
		{
			ws_close(c, code, why);
			break;
		}
		off += f.frame_len;
		switch (f.opcode)
		{
			case WS_OP_PING:
				{
					StringInfoData s;

					initStringInfo(&s);
					bridge_ws_frame(&s, WS_OP_PONG, f.payload, f.payload_len);
					client_queue_str(c, &s);
					pfree(s.data);
					break;
				}
			case WS_OP_PONG:
				c->ping_sent = 0;
				break;
			case WS_OP_CLOSE:
				{
					int			pcode = WS_CLOSE_NORMAL;

					if (f.payload_len == 1)
					{
						ws_close(c, WS_CLOSE_PROTOCOL, "close payload of one byte");
						break;
					}
					if (f.payload_len >= 2)
					{
						pcode = ((unsigned char) f.payload[0] << 8) | (unsigned char) f.payload[1];
						if (!bridge_ws_close_code_valid(pcode))
						{
							ws_close(c, WS_CLOSE_PROTOCOL, "invalid close code");
							break;
						}
						if (!bridge_utf8_valid(f.payload + 2, f.payload_len - 2))
						{
							ws_close(c, WS_CLOSE_BAD_DATA, "close reason is not UTF-8");
							break;
						}
					}
					/* echo the peer's code (section 5.5.1) */
					ws_close(c, pcode, "");
					break;
				}
			case WS_OP_TEXT:
			case WS_OP_BIN:
			case WS_OP_CONT:
				if (f.opcode == WS_OP_CONT && c->msg_opcode == 0)
				{
					ws_close(c, WS_CLOSE_PROTOCOL, "continuation frame without a message");
					break;
				}
				if (f.opcode != WS_OP_CONT && c->msg_opcode != 0)
				{
					ws_close(c, WS_CLOSE_PROTOCOL, "new message before the previous one finished");
					break;
				}
				if (f.opcode != WS_OP_CONT)
				{
					MemoryContext old = MemoryContextSwitchTo(c->cxt);

					c->msg_opcode = f.opcode;
					if (c->msg.data == NULL)
						initStringInfo(&c->msg);
					resetStringInfo(&c->msg);
					MemoryContextSwitchTo(old);
				}
				if ((size_t) c->msg.len + f.payload_len > max_msg)
				{
					ws_close(c, WS_CLOSE_TOO_BIG, "message exceeds tradecore.bridge_max_message_kb");
					break;
				}
				appendBinaryStringInfo(&c->msg, f.payload, f.payload_len);
				if (f.fin)
				{
					int			op = c->msg_opcode;

					c->msg_opcode = 0;
					if (op == WS_OP_BIN)
						ws_close(c, WS_CLOSE_UNSUPPORTED, "binary messages are not accepted");
					else if (!bridge_utf8_valid(c->msg.data, c->msg.len))
						ws_close(c, WS_CLOSE_BAD_DATA, "text message is not UTF-8");
					else
						handle_ws_text(c, c->msg.data, c->msg.len);
					if (c->msg.maxlen > 8192)
					{
						pfree(c->msg.data);
						c->msg.data = NULL;
					}
				}
				break;
		}
	}
	if (c->sock < 0)
		return;
	if (off > 0)
	{
		c->in_len -= off;
		if (c->in_len > 0)
			memmove(c->in, c->in + off, c->in_len);
	}
}

static void
client_read(BridgeClient *c)
{
	for (;;)
	{
		int			limit;
		ssize_t		n;

		if (c->state == BC_HTTP)
			limit = BRIDGE_MAX_HEADER_BYTES + BRIDGE_MAX_BODY_BYTES;
		else if (c->state == BC_WS)
			limit = tc_bridge_max_frame_kb * 1024 + 14;
		else
			limit = 4096;		/* SSE and closing: input is read and dropped */
		if (c->state == BC_SSE || c->state == BC_CLOSING)
			c->in_len = 0;
		if (c->in_len >= limit)
		{
			/* cannot happen for WS: a frame over the limit is refused from its header */
			http_reply_error(c, 413, "request too large");
			return;
		}
		if (c->in_len == c->in_cap)
		{
			int			ncap = Min(c->in_cap * 2, limit);

			c->in = repalloc(c->in, ncap);
			c->in_cap = ncap;
		}
		n = recv(c->sock, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n == 0)
		{
			client_kill(c, "peer closed");
			return;
		}
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_kill(c, "recv failed");
			return;
		}
		c->in_len += n;
		c->last_recv = GetCurrentTimestamp();
		if (c->state == BC_HTTP)
			handle_http(c);
		if (c->state == BC_WS)
			handle_ws_frames(c);
		if (c->sock < 0)
			return;
	}
}

static void
accept_clients(void)
{
	for (;;)
	{
		int			s = accept4(listen_sock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int			one = 1;
		int			live = 0;

		if (s < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				ereport(LOG, (errmsg("tradecore bridge: out of file descriptors; refusing connections")));
			return;
		}
		(void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (int i = 0; i < nclients; i++)
			if (clients[i]->sock >= 0)
				live++;
		if (live >= tc_bridge_max_clients)
		{
			static const char busy[] =
				"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 5\r\n\r\n";

			(void) send(s, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(s);
			continue;
		}
		(void) client_new(s);
	}
}

/* ------------------------------------------------------------ timeouts */

static long
check_timeouts(void)
{
	TimestampTz now = GetCurrentTimestamp();
	long		next = tc_bridge_poll_ms;

	for (int i = 0; i < nclients; i++)
	{
		BridgeClient *c = clients[i];
		long		idle_ms;

		if (c->sock < 0)
			continue;
		idle_ms = (long) ((now - c->last_recv) / 1000);
		if (c->authenticated && (c->state == BC_WS || c->state == BC_SSE))
		{
			int64		left_ms = c->token_expires * 1000 - bridge_now_ms();

			if (left_ms <= 0)
			{
				/* a token is checked at connect; its expiry also ends the stream */
				if (c->state == BC_WS)
					ws_close(c, WS_CLOSE_POLICY, "token expired");
				else
				{
					sse_send(c, 0, bridge_agui_run_error("token expired", "tradecore.token_expired"));
					client_begin_close(c);
				}
				continue;
			}
			next = Min(next, (long) Min(left_ms, (int64) LONG_MAX));
		}
		switch (c->state)
		{
			case BC_HTTP:
				if (idle_ms >= HTTP_REQUEST_TIMEOUT_MS)
					client_kill(c, "request timeout");
				else
					next = Min(next, HTTP_REQUEST_TIMEOUT_MS - idle_ms);
				break;
			case BC_WS:
				if (idle_ms >= (long) tc_bridge_idle_timeout_s * 1000)
					ws_close(c, WS_CLOSE_GOING_AWAY, "idle timeout");
				else
				{
					if (c->ping_sent == 0 && idle_ms >= (long) tc_bridge_ping_interval_s * 1000)
					{
						StringInfoData s;

						initStringInfo(&s);
						bridge_ws_frame(&s, WS_OP_PING, "tc", 2);
						client_queue_str(c, &s);
						pfree(s.data);
						c->ping_sent = now;
					}
					if (c->ping_sent == 0)
						next = Min(next, (long) tc_bridge_ping_interval_s * 1000 - idle_ms);
					next = Min(next, (long) tc_bridge_idle_timeout_s * 1000 - idle_ms);
				}
				break;
			case BC_SSE:
				if (now >= c->sse_deadline)
				{
					char	   *fin = bridge_agui_run_finished(c->thread_id, c->run_id, c->last_id);

					sse_send(c, 0, fin);
					client_begin_close(c);
				}
				else
					next = Min(next, (long) ((c->sse_deadline - now) / 1000) + 1);
				break;
			case BC_CLOSING:
				if ((now - c->closing_since) / 1000 >= CLOSING_TIMEOUT_MS)
					client_kill(c, "close timeout");
				else
					next = Min(next, 100);
				break;
		}
	}
	return Max(next, 1);
}

/* ------------------------------------------------------ the wait set */

static void
rebuild_wait_set(void)
{
	int			n = 3 + nclients;
	int			pqsock = bridge_listen_socket();

	if (wes)
		FreeWaitEventSet(wes);
	wes = CreateWaitEventSet(bridge_cxt, n + 1);
	AddWaitEventToSet(wes, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(wes, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	if (listen_sock >= 0)
		AddWaitEventToSet(wes, WL_SOCKET_READABLE, listen_sock, NULL, &marker_listen);
	if (pqsock >= 0)
		AddWaitEventToSet(wes, WL_SOCKET_READABLE, pqsock, NULL, &marker_pq);
	wes_listen_conn_sock = pqsock;
	for (int i = 0; i < nclients; i++)
	{
		BridgeClient *c = clients[i];

		if (c->sock < 0)
			continue;
		AddWaitEventToSet(wes, WL_SOCKET_READABLE | (c->want_write ? WL_SOCKET_WRITEABLE : 0),
						  c->sock, NULL, c);
	}
	if (wes_size < n + 1)
	{
		wes_size = n + 1;
		wes_events = wes_events ? repalloc(wes_events, sizeof(WaitEvent) * wes_size)
			: MemoryContextAlloc(bridge_cxt, sizeof(WaitEvent) * wes_size);
	}
	wes_dirty = false;
}

static void
flush_all(void)
{
	for (int i = 0; i < nclients; i++)
	{
		BridgeClient *c = clients[i];

		if (c->sock >= 0 && client_pending(c) > 0)
			client_flush(c);
		else if (c->sock >= 0 && c->state == BC_CLOSING && c->closing_since != 0 && !c->want_write)
			client_flush(c);	/* nothing pending: half-close now */
	}
}

static void
bridge_shutdown(int code, Datum arg)
{
	bridge_listen_close();
	if (listen_sock >= 0)
		close(listen_sock);
	listen_sock = -1;
}

/*
 * Hands free heap memory back to the operating system after clients came or
 * went.  Each stream's start runs a transaction that reads the snapshot
 * tables (hundreds of kB, freed right after), and between those transient
 * allocations each new client leaves a few small long-lived ones, so glibc's
 * heap fills with free holes it cannot shrink past: with 1,000 clients
 * connecting to a full database the worker held 250 MB of heap for 55 MB in
 * use (bench/42).  malloc_trim(0) releases the free pages inside the heap
 * too (madvise), which no PostgreSQL or libc setting does on its own.
 */
static void
release_free_memory(void)
{
#ifdef __GLIBC__
	TimestampTz now;

	if (churn_since_trim == 0)
		return;
	now = GetCurrentTimestamp();
	if (last_trim != 0 && !TimestampDifferenceExceeds(last_trim, now, TRIM_INTERVAL_MS))
		return;
	(void) malloc_trim(0);
	last_trim = now;
	churn_since_trim = 0;
#endif
}

void
tradecore_bridge_main(Datum main_arg)
{
	TimestampTz next_poll = 0;
	bool		need_fetch = true;
	int64		notified_max = 0;	/* highest event id a NOTIFY announced */
	TimestampTz behind_since = 0;	/* since when notified_max > hwm */

	tc_worker_setup_signals();
	tc_worker_wait_for_database("tradecore bridge probe");
	BackgroundWorkerInitializeConnection(tc_database_name, NULL, 0);
	pgstat_report_appname("tradecore bridge");
	raise_fd_limit();

	bridge_cxt = AllocSetContextCreate(TopMemoryContext, "tradecore bridge", ALLOCSET_DEFAULT_SIZES);
	batch_cxt = AllocSetContextCreate(bridge_cxt, "tradecore bridge pass", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(batch_cxt);
	on_proc_exit(bridge_shutdown, (Datum) 0);

	open_listen_socket();
	bridge_listen_connect();

	for (;;)
	{
		long		timeout;
		int			nev;
		TimestampTz now;

		MemoryContextReset(batch_cxt);
		if (wes_dirty || bridge_listen_socket() != wes_listen_conn_sock)
			rebuild_wait_set();

		timeout = check_timeouts();
		now = GetCurrentTimestamp();
		if (next_poll > now)
			timeout = Min(timeout, (long) ((next_poll - now) / 1000) + 1);
		else
			timeout = 0;
		reap_clients();
		flush_all();
		if (wes_dirty)
			rebuild_wait_set();

		nev = WaitEventSetWait(wes, timeout, wes_events, wes_size, PG_WAIT_EXTENSION);
		for (int i = 0; i < nev; i++)
		{
			WaitEvent  *ev = &wes_events[i];

			if (ev->events & WL_LATCH_SET)
			{
				ResetLatch(MyLatch);
				CHECK_FOR_INTERRUPTS();
			}
			else if (ev->user_data == &marker_listen)
				accept_clients();
			else if (ev->user_data == &marker_pq)
			{
				if (bridge_listen_consume(&notified_max))
					need_fetch = true;
			}
			else if (ev->user_data != NULL)
			{
				BridgeClient *c = (BridgeClient *) ev->user_data;

				if (c->sock < 0)
					continue;
				if (ev->events & WL_SOCKET_READABLE)
					client_read(c);
				if (c->sock >= 0 && (ev->events & WL_SOCKET_WRITEABLE))
					client_flush(c);
			}
		}
		CHECK_FOR_INTERRUPTS();

		if (tc_got_sighup)
		{
			tc_got_sighup = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		open_listen_socket();
		bridge_listen_connect();

		now = GetCurrentTimestamp();
		if (need_fetch || now >= next_poll)
		{
			need_fetch = false;
			pump();
			/*
			 * Look again soon when a notified event is not out yet (its id is
			 * above the horizon because an earlier transaction is still open:
			 * no further NOTIFY may come to wake us), while a gap is pending,
			 * or without LISTEN.
			 */
			now = GetCurrentTimestamp();
			if (hwm >= 0 && notified_max > hwm)
			{
				if (behind_since == 0)
					behind_since = now;
			}
			else
				behind_since = 0;
			/* a long open transaction can hold the horizon back: then back off to 50 ms */
			next_poll = TimestampTzPlusMilliseconds(now,
													behind_since != 0 ?
													((now - behind_since) / 1000 < 200 ? 2 : 50) :
													bridge_outbox_gap_pending() ? 20 :
													bridge_listen_ok() ? tc_bridge_poll_ms :
													Min(tc_bridge_poll_ms, 100));
		}
		flush_all();
		release_free_memory();
	}
}
