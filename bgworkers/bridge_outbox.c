/*
 * bridge_outbox.c
 *	  Reading the events outbox (tradecore.events) for the bridge.
 *
 * The callers (bridge.c) run these inside a short READ COMMITTED transaction.
 *
 * Order and gaps.  Ids come from a sequence, but transactions commit in any
 * order: id 11 can be visible while id 10's transaction is still running.  A
 * reader that jumped to 11 would never push 10.  So the bridge advances a
 * high-water mark (hwm) only over settled ids: up to the schema's
 * tradecore.events_safe_horizon() when it exists (exact), otherwise over
 * contiguous ids with this fallback: at a gap it waits until
 * either the gap fills, or every transaction that was running when the gap was
 * first seen has ended (the snapshot's xmin passed the xmax recorded then; the
 * gap was a rollback) and 50 ms have passed (a nextval taken just before its
 * transaction got an xid), or tradecore.bridge_gap_timeout_ms elapsed (a long
 * transaction holding an event; it is then not pushed live, though it stays in
 * the outbox).
 *
 * Visibility.  The hwm is computed as the worker's own (superuser) role over
 * every row; what each client receives is read again as the client's token
 * role (SetUserIdAndSecContext, so RLS policies and grants decide), in a
 * subtransaction, so one role's missing privilege cannot break the others.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "bridge.h"

/* the one gap being waited on (process-local: there is one bridge worker) */
static int64 gap_first = 0;
static TimestampTz gap_seen = 0;
static int64 gap_xmax = 0;

#define GAP_MIN_WAIT_MS 50

static void
spi_connect_or_die(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect failed")));
}

static int64
spi_int8(int row, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);

	return *isnull ? 0 : DatumGetInt64(d);
}

static char *
spi_text(int row, int col, MemoryContext into)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	if (isnull)
		return NULL;
	return MemoryContextStrdup(into, TextDatumGetCString(d));
}

static void
snapshot_bounds(int64 *xmin, int64 *xmax)
{
	bool		isnull;

	if (SPI_execute("SELECT pg_snapshot_xmin(s)::text::int8, pg_snapshot_xmax(s)::text::int8 "
					"FROM pg_current_snapshot() s", false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read the current snapshot")));
	*xmin = spi_int8(0, 1, &isnull);
	*xmax = spi_int8(0, 2, &isnull);
}

/* does the schema provide tradecore.events_safe_horizon()? (checked once per transaction) */
static bool
have_safe_horizon(void)
{
	bool		isnull;
	bool		have = false;

	if (SPI_execute("SELECT to_regprocedure('tradecore.events_safe_horizon()') IS NOT NULL",
					false, 1) == SPI_OK_SELECT && SPI_processed == 1)
		have = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return have;
}

/*
 * With the schema's tradecore.events_safe_horizon() (exact: every emitting
 * transaction announces itself with advisory locks before taking its id), the
 * hwm moves to the horizon, at most BRIDGE_FETCH_BATCH events at a time; ids
 * missing below it are settled rollbacks.  The caller must read in READ
 * COMMITTED, so that its later statements see everything up to the horizon.
 */
static bool
advance_by_horizon(int64 hwm, int64 *new_hwm)
{
	bool		isnull;
	int64		horizon;
	Oid			argtypes[3] = {INT8OID, INT8OID, INT4OID};
	Datum		values[3];

	if (SPI_execute("SELECT tradecore.events_safe_horizon()", false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read the outbox horizon")));
	horizon = spi_int8(0, 1, &isnull);
	if (isnull || horizon <= hwm)
	{
		*new_hwm = hwm;
		return false;
	}
	values[0] = Int64GetDatum(hwm);
	values[1] = Int64GetDatum(horizon);
	values[2] = Int32GetDatum(BRIDGE_FETCH_BATCH);
	if (SPI_execute_with_args("SELECT count(*)::int8, max(id) FROM (SELECT id FROM tradecore.events "
							  "WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3) s",
							  3, argtypes, values, NULL, false, 1) != SPI_OK_SELECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read tradecore.events")));
	*new_hwm = spi_int8(0, 1, &isnull) >= BRIDGE_FETCH_BATCH ? spi_int8(0, 2, &isnull) : horizon;
	return *new_hwm > hwm;
}

/*
 * Moves the high-water mark past every settled id after HWM.  Without the
 * schema's horizon function it falls back to contiguous ids with the gap
 * handling described at the top of this file.  Returns true when it moved.
 */
bool
bridge_outbox_advance(int64 hwm, int64 *new_hwm, int gap_timeout_ms)
{
	Oid			argtypes[2] = {INT8OID, INT4OID};
	Datum		values[2];
	int64		h = hwm;
	TimestampTz now = GetCurrentTimestamp();

	spi_connect_or_die();
	if (have_safe_horizon())
	{
		bool		moved = advance_by_horizon(hwm, new_hwm);

		gap_first = 0;
		SPI_finish();
		return moved;
	}
	values[0] = Int64GetDatum(hwm);
	values[1] = Int32GetDatum(BRIDGE_FETCH_BATCH);
	if (SPI_execute_with_args("SELECT id FROM tradecore.events WHERE id > $1 ORDER BY id LIMIT $2",
							  2, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read tradecore.events")));

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		id = spi_int8(i, 1, &isnull);

		if (id == h + 1)
		{
			h = id;
			continue;
		}
		/* ids h+1 .. id-1 are missing */
		if (gap_first != h + 1)
		{
			int64		xmin;
			SPITupleTable *keep = SPI_tuptable;
			uint64		keep_n = SPI_processed;

			snapshot_bounds(&xmin, &gap_xmax);
			SPI_tuptable = keep;
			SPI_processed = keep_n;
			gap_first = h + 1;
			gap_seen = now;
			break;
		}
		else
		{
			long		waited_ms = (long) ((now - gap_seen) / 1000);
			int64		xmin,
						xmax;
			bool		skip = false;
			SPITupleTable *keep = SPI_tuptable;
			uint64		keep_n = SPI_processed;

			if (waited_ms >= gap_timeout_ms)
			{
				skip = true;
				ereport(LOG,
						(errmsg("tradecore bridge: events " INT64_FORMAT ".." INT64_FORMAT " still missing after %d ms; continuing without them",
								gap_first, id - 1, gap_timeout_ms),
						 errdetail("A transaction that emitted them may still be open; they stay in tradecore.events but are not pushed live.")));
			}
			else if (waited_ms >= GAP_MIN_WAIT_MS)
			{
				snapshot_bounds(&xmin, &xmax);
				SPI_tuptable = keep;
				SPI_processed = keep_n;
				skip = xmin >= gap_xmax;
			}
			if (!skip)
				break;
			gap_first = 0;
			h = id;
		}
	}
	if (h > hwm && gap_first != 0 && gap_first <= h)
		gap_first = 0;
	SPI_finish();
	*new_hwm = h;
	return h > hwm;
}

bool
bridge_outbox_gap_pending(void)
{
	return gap_first != 0;
}

int64
bridge_outbox_max_id(void)
{
	int64		max = 0;
	bool		isnull;

	spi_connect_or_die();
	if (SPI_execute("SELECT coalesce(max(id), 0)::int8 FROM tradecore.events", false, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		max = spi_int8(0, 1, &isnull);
	SPI_finish();
	return max;
}

/* a reader run as a client's role; results go into INTO */
typedef void (*RoleFn) (void *arg, MemoryContext into);

static void
set_role(const char *rolename)
{
	StringInfoData q;

	initStringInfo(&q);
	if (rolename)
		appendStringInfo(&q, "SET LOCAL ROLE %s", quote_identifier(rolename));
	else
		appendStringInfoString(&q, "SET LOCAL ROLE NONE");
	spi_connect_or_die();
	if (SPI_execute(q.data, false, 0) != SPI_OK_UTILITY)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not switch role")));
	SPI_finish();
	pfree(q.data);
}

/*
 * Runs FN as ROLE inside a subtransaction.  The role is taken with SET LOCAL
 * ROLE, exactly as a client session would, so RLS policies that ask who the
 * session acts as (tradecore.calling_role() reads the role setting) see the
 * token's role.  Returns false, with *error set (allocated in the caller's
 * context), when FN raised an error; the subtransaction's abort also undoes
 * the role switch.
 */
static bool
run_as_role(Oid role, RoleFn fn, void *arg, char **error)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		if (OidIsValid(role))
			set_role(GetUserNameFromId(role, false));
		fn(arg, caller);
		if (OidIsValid(role))
			set_role(NULL);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(caller);
		ed = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		*error = pstrdup(ed->message);
		FreeErrorData(ed);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

typedef struct FetchArgs
{
	int64		after;
	int64		upto;
	int			limit;
	BridgeEventList *list;
} FetchArgs;

static void
fetch_fn(void *argp, MemoryContext into)
{
	FetchArgs  *a = (FetchArgs *) argp;
	Oid			argtypes[3] = {INT8OID, INT8OID, INT4OID};
	Datum		values[3];
	BridgeEventList *l = a->list;

	spi_connect_or_die();
	values[0] = Int64GetDatum(a->after);
	values[1] = Int64GetDatum(a->upto);
	values[2] = Int32GetDatum(a->limit);
	if (SPI_execute_with_args(
							  "SELECT id, (extract(epoch FROM ts) * 1000)::int8, type, "
							  "       coalesce(topic, split_part(type, '.', 1)), "
							  "       coalesce(nullif(payload, 'null'::jsonb), '{}'::jsonb)::text, "
							  "       payload->>'run_id', payload->>'thread_id', "
							  "       coalesce(payload->>'step', payload->>'strategy', 'strategy ' || (payload->>'strategy_id')), "
							  "       payload->>'status', payload->>'role', "
							  "       coalesce(payload->>'content', payload->>'text'), "
							  "       payload->>'message_id', coalesce(payload->>'error', payload->>'message'), "
							  "       payload ? 'strategy_id' "
							  "  FROM tradecore.events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
							  3, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read tradecore.events")));

	l->cap = (int) SPI_processed + 1;
	l->ev = MemoryContextAllocZero(into, sizeof(BridgeEvent) * l->cap);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		BridgeEvent *e = &l->ev[l->n++];
		bool		isnull;

		e->id = spi_int8(i, 1, &isnull);
		e->ts_ms = spi_int8(i, 2, &isnull);
		e->type = spi_text(i, 3, into);
		e->topic = spi_text(i, 4, into);
		e->payload = spi_text(i, 5, into);
		e->run_id = spi_text(i, 6, into);
		e->thread_id = spi_text(i, 7, into);
		e->step = spi_text(i, 8, into);
		e->status = spi_text(i, 9, into);
		e->msg_role = spi_text(i, 10, into);
		e->msg_content = spi_text(i, 11, into);
		e->message_id = spi_text(i, 12, into);
		e->error = spi_text(i, 13, into);
		{
			bool		n;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 14, &n);

			e->has_strategy = !n && DatumGetBool(d);
		}
		if (e->type == NULL)
			e->type = MemoryContextStrdup(into, "event");
		if (e->topic == NULL)
			e->topic = MemoryContextStrdup(into, "event");
	}
	SPI_finish();
}

/* the events in (after, upto] that ROLE may see, at most LIMIT */
BridgeEventList *
bridge_outbox_fetch(Oid role, int64 after, int64 upto, int limit)
{
	FetchArgs	a;

	a.after = after;
	a.upto = upto;
	a.limit = limit;
	a.list = palloc0(sizeof(BridgeEventList));
	if (!run_as_role(role, fetch_fn, &a, &a.list->error))
		a.list->failed = true;
	return a.list;
}

typedef struct LatestArgs
{
	int64		upto;
	char	   *json;
} LatestArgs;

static void
latest_fn(void *argp, MemoryContext into)
{
	LatestArgs *a = (LatestArgs *) argp;
	Oid			argtypes[1] = {INT8OID};
	Datum		values[1];

	spi_connect_or_die();
	values[0] = Int64GetDatum(a->upto);
	/* bounded: the newest 1000 visible events, so a huge outbox costs nothing */
	if (SPI_execute_with_args(
							  "SELECT coalesce(jsonb_object_agg(topic, jsonb_build_object('id', id, 'type', type, "
							  "       'ts', (extract(epoch FROM ts) * 1000)::int8)), '{}')::text "
							  "  FROM (SELECT DISTINCT ON (topic) id, ts, type, topic FROM "
							  "          (SELECT id, ts, type, coalesce(topic, split_part(type, '.', 1)) AS topic "
							  "             FROM tradecore.events WHERE id <= $1 ORDER BY id DESC LIMIT 1000) r "
							  "         ORDER BY topic, id DESC) l",
							  1, argtypes, values, NULL, false, 1) == SPI_OK_SELECT && SPI_processed == 1)
		a->json = spi_text(0, 1, into);
	SPI_finish();
}

/* {topic: {id, type, ts}} of the newest events ROLE may see, as of UPTO */
char *
bridge_outbox_latest_json(Oid role, int64 upto)
{
	LatestArgs	a;
	char	   *err = NULL;

	a.upto = upto;
	a.json = NULL;
	if (!run_as_role(role, latest_fn, &a, &err))
		return NULL;
	return a.json;
}

/*
 * Current rows for the dashboard's panels, read as the client's role (RLS
 * applies), bounded, each table in its own subtransaction so that a table the
 * role may not read, or one a later schema renames, only leaves its key out.
 */
static const struct
{
	const char *key;
	const char *rel;
	const char *sql;
}			snapshot_tables[] =
{
	{"wallets", "tradecore.wallets",
		"SELECT coalesce(jsonb_agg(to_jsonb(w) || jsonb_build_object('balances', "
		"  (SELECT coalesce(jsonb_object_agg(b.asset, b.amount), '{}') FROM tradecore.wallet_balances b "
		"    WHERE b.wallet_id = w.id)) ORDER BY w.id), '[]')::text "
		"  FROM (SELECT * FROM tradecore.wallets ORDER BY id LIMIT 500) w"},
	{"positions", "tradecore.trading_positions",
		"SELECT coalesce(jsonb_agg(to_jsonb(p)), '[]')::text FROM (SELECT * FROM tradecore.trading_positions "
		" ORDER BY wallet_id, instrument_id LIMIT 500) p"},
	/*
	 * The trading wallets' orders: the paper venue's simulated market maker
	 * (an external wallet) quotes every step and would fill the 100 rows.
	 */
	{"orders", "tradecore.orders",
		"SELECT coalesce(jsonb_agg(to_jsonb(o) ORDER BY o.id DESC), '[]')::text FROM (SELECT * FROM tradecore.orders x "
		" WHERE NOT EXISTS (SELECT 1 FROM tradecore.wallets w WHERE w.id = x.wallet_id AND w.kind = 'external') "
		" ORDER BY id DESC LIMIT 100) o"},
	{"alerts", "tradecore.risk_alerts",
		"SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.id DESC), '[]')::text FROM (SELECT * FROM tradecore.risk_alerts "
		" ORDER BY id DESC LIMIT 50) a"},
	{"goals", "tradecore.goals",
		"SELECT coalesce(jsonb_agg(to_jsonb(g) ORDER BY g.id), '[]')::text FROM (SELECT * FROM tradecore.goals "
		" ORDER BY id LIMIT 100) g"},
	{"llm", "tradecore.llm_requests",
		"SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.id DESC), '[]')::text FROM (SELECT * FROM tradecore.llm_requests "
		" ORDER BY id DESC LIMIT 50) r"},
};

typedef struct TableArgs
{
	const char *sql;
	char	   *json;
} TableArgs;

static void
table_fn(void *argp, MemoryContext into)
{
	TableArgs  *a = (TableArgs *) argp;

	spi_connect_or_die();
	if (SPI_execute(a->sql, false, 1) == SPI_OK_SELECT && SPI_processed == 1)
		a->json = spi_text(0, 1, into);
	SPI_finish();
}

char *
bridge_outbox_tables_json(Oid role)
{
	StringInfoData out;
	bool		first = true;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	for (int i = 0; i < (int) lengthof(snapshot_tables); i++)
	{
		bool		exists = false;
		bool		isnull;
		TableArgs	a;
		char	   *err = NULL;
		Oid			argtypes[1] = {TEXTOID};
		Datum		values[1];

		spi_connect_or_die();
		values[0] = CStringGetTextDatum(snapshot_tables[i].rel);
		if (SPI_execute_with_args("SELECT to_regclass($1) IS NOT NULL", 1, argtypes, values, NULL, false, 1) == SPI_OK_SELECT &&
			SPI_processed == 1)
			exists = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		SPI_finish();
		if (!exists)
			continue;
		a.sql = snapshot_tables[i].sql;
		a.json = NULL;
		if (!run_as_role(role, table_fn, &a, &err) || a.json == NULL)
			continue;
		appendStringInfo(&out, "%s\"%s\":%s", first ? "" : ",", snapshot_tables[i].key, a.json);
		first = false;
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/* the running tradecore workers, for the system overview panel */
char *
bridge_outbox_workers_json(void)
{
	char	   *json = NULL;
	MemoryContext caller = CurrentMemoryContext;

	spi_connect_or_die();
	if (SPI_execute("SELECT coalesce(jsonb_agg(jsonb_build_object('worker', backend_type, 'pid', pid, "
					"       'since', backend_start) ORDER BY backend_type), '[]')::text "
					"  FROM pg_stat_activity WHERE backend_type LIKE 'tradecore %'", false, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		json = spi_text(0, 1, caller);
	SPI_finish();
	return json;
}
