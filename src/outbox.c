/*
 * outbox.c
 *	  The events outbox writer: tradecore._emit_many and tradecore._emit in C,
 *	  and the protocol they share (tc_outbox_reserve, tc_outbox_notify), which
 *	  other C code can call directly.
 *
 * Protocol (docs/schema.md, "Resuming after an id").  Ids come from
 * tradecore.events_id_seq at INSERT and become visible at COMMIT, so ids can
 * commit out of order.  An emitting transaction therefore holds two
 * transaction-scoped shared advisory locks: (1952671745, 0), taken before its
 * first id is allocated, and (1952671746, first id mod 2^31), right after.
 * events_safe_horizon() reads the sequence, then pg_locks, and hands out only
 * ids below every in-flight transaction's first id.
 *
 * "First emission of the transaction" is whether this backend already holds
 * (1952671745, 0): LockHeldByMe() reads the backend's local lock table, so the
 * test costs one hash lookup and is exact under subtransactions, because locks
 * taken in a subtransaction that rolls back are released with it (together
 * with the rows it wrote), while those of one that commits pass to its parent.
 * The PL/pgSQL version kept the transaction id in a session GUC instead and
 * paid for pg_current_xact_id(), current_setting() and set_config() per call.
 *
 * _emit_many and _emit were SECURITY DEFINER with a SET search_path clause.
 * They are granted to no role, so everyone allowed to call them (tradecore's
 * own functions, which run as the extension owner, and superusers) already
 * has every privilege they use: they are plain functions now and pay no GUC
 * save/restore per call.  Their INSERTs do not depend on the caller's
 * search_path: every name is schema-qualified and the parameter types are
 * given as OIDs.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "outbox.h"

PG_FUNCTION_INFO_V1(tc_emit_many);
PG_FUNCTION_INFO_V1(tc_emit);

/*
 * The INSERTs, each prepared once per backend: PLAN_ONE for a single event
 * (_emit, and most _emit_many calls: a resting order's event), whose scalar
 * parameters spare the executor the function scan and the five tuplestores of
 * PLAN_MANY, about a sixth of a one-event call.  The plan cache re-analyses a
 * plan after DDL on tradecore.events and when the caller's search_path differs
 * from the one it was analysed under, which is why every name is qualified:
 * the re-analysis must resolve to the same objects.  The multi-argument
 * unnest() shorthand only exists unqualified, hence ROWS FROM.
 */
enum
{
	PLAN_ONE,
	PLAN_MANY,
	PLAN_COUNT
};

static SPIPlanPtr plans[PLAN_COUNT];

static const char *const plan_sql[PLAN_COUNT] = {
	"INSERT INTO tradecore.events (id, type, agent_id, wallet_id, payload)"
	" VALUES ($1, $2, $3, $4, COALESCE($5, '{}'::pg_catalog.jsonb))",

	"INSERT INTO tradecore.events (id, type, agent_id, wallet_id, payload)"
	" SELECT u.id, u.type, u.agent_id, u.wallet_id, COALESCE(u.payload, '{}'::pg_catalog.jsonb)"
	"   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3),"
	"                   pg_catalog.unnest($4), pg_catalog.unnest($5))"
	"        AS u(id, type, agent_id, wallet_id, payload)",
};

/* both take (ids, types, agent ids, wallet ids, payloads) */
static Oid	plan_types[PLAN_COUNT][5] = {
	{INT8OID, TEXTOID, INT8OID, INT8OID, JSONBOID},
	{INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, JSONBARRAYOID},
};

/* runs plan k, which must write n rows; nulls: SPI's ' '/'n' string or NULL */
static void
insert_events(int k, Datum *args, const char *nulls, int n)
{
	int			ret;

	SPI_connect();
	if (plans[k] == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(plan_sql[k], 5, plan_types[k], CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", plan_sql[k], SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plans[k] = p;
	}
	ret = SPI_execute_plan(plans[k], args, nulls, false, 0);
	if (ret != SPI_OK_INSERT || SPI_processed != (uint64) n)
		elog(ERROR, "outbox INSERT wrote " UINT64_FORMAT " of %d events (SPI result %s)",
			 SPI_processed, n, SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * tradecore.events_id_seq, looked up on every call: two syscache probes,
 * against a cached OID that would have to be invalidated when the extension
 * is dropped and created again in the same session.
 */
static Oid
events_seq_oid(void)
{
	Oid			nsp = get_namespace_oid("tradecore", false);
	Oid			seq = get_relname_relid("events_id_seq", nsp);

	if (!OidIsValid(seq))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("sequence tradecore.events_id_seq does not exist"),
				 errhint("The tradecore extension's install script creates it; reinstall the extension.")));
	return seq;
}

int64 *
tc_outbox_reserve(int n)
{
	LOCKTAG		tag;
	bool		first;
	Oid			seq;
	int64	   *ids;

	Assert(n > 0);

	/* for C callers (workers): transaction-scoped locks need a transaction */
	if (!IsTransactionState())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("tradecore events can only be emitted inside a transaction")));
	/* as pg_advisory_xact_lock_shared(): the lock must be this backend's own */
	if (IsInParallelMode())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("cannot emit tradecore events during a parallel operation")));

	seq = events_seq_oid();

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TC_OUTBOX_ANNOUNCE_KEY, 0, 2);
	first = !LockHeldByMe(&tag, ShareLock);
	if (first)
		(void) LockAcquire(&tag, ShareLock, false, false);

	ids = palloc(sizeof(int64) * n);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ids[i] = nextval_internal(seq, true);
	}

	if (first)
	{
		/*
		 * The key as the SQL version cast it: (first_id % 2^31)::int4, stored
		 * in the lock tag as uint32 (pg_locks.objid).
		 */
		int32		key = (int32) (ids[0] % INT64CONST(2147483648));

		SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, TC_OUTBOX_FIRST_ID_KEY, (uint32) key, 2);
		(void) LockAcquire(&tag, ShareLock, false, false);
	}
	return ids;
}

void
tc_outbox_notify(const int64 *ids, int n)
{
	char		buf[MAXINT8LEN + 1];

	/* as pg_notify() */
	PreventCommandDuringRecovery("NOTIFY");
	for (int i = 0; i < n; i++)
	{
		pg_lltoa(ids[i], buf);
		Async_Notify(TC_OUTBOX_CHANNEL, buf);
	}
}

static int
array_count(ArrayType *a)
{
	return a == NULL ? 0 : ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

/*
 * One event: the type (not NULL) and the other three columns, NULL when
 * isnull[] says so (payload NULL is stored as {}).  Returns its id.
 */
static int64
emit_one(Datum type, Datum agent_id, Datum wallet_id, Datum payload, const bool *isnull)
{
	int64		id = *tc_outbox_reserve(1);
	Datum		args[5] = {Int64GetDatum(id), type, agent_id, wallet_id, payload};
	char		nulls[6] = "     ";

	for (int i = 0; i < 3; i++)
		if (isnull[i])
			nulls[2 + i] = 'n';
	insert_events(PLAN_ONE, args, nulls, 1);
	/* after the row: a failed INSERT leaves nothing queued */
	tc_outbox_notify(&id, 1);
	return id;
}

/* the only element of a one-element array, of a type laid out as (typlen, byval, align) */
static Datum
only_element(ArrayType *a, int16 typlen, bool typbyval, char typalign, bool *isnull)
{
	ArrayMetaState meta = {.element_type = ARR_ELEMTYPE(a), .typlen = typlen,
	.typbyval = typbyval, .typalign = typalign};
	ArrayIterator it = array_create_iterator(a, 0, &meta);
	Datum		d;

	if (!array_iterate(it, &d, isnull))
		elog(ERROR, "array has no element");
	array_free_iterator(it);
	return d;
}

ArrayType *
tc_outbox_emit(ArrayType *types, ArrayType *payloads, ArrayType *agent_ids, ArrayType *wallet_ids)
{
	int			n = array_count(types);
	int64	   *ids;
	Datum	   *elems;
	ArrayType  *result;
	Datum		args[5];

	if (n == 0)
		return construct_empty_array(INT8OID);
	if (array_contains_nulls(types))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("event type must not be null")));
	if (array_count(payloads) != n || array_count(agent_ids) != n || array_count(wallet_ids) != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("types, payloads, agent ids and wallet ids must have the same length"),
				 errdetail("types has %d elements, payloads %d, agent ids %d, wallet ids %d.",
						   n, array_count(payloads), array_count(agent_ids), array_count(wallet_ids))));

	if (n == 1)
	{
		bool		isnull[4];
		Datum		type = only_element(types, -1, false, TYPALIGN_INT, &isnull[3]);
		Datum		agent_id = only_element(agent_ids, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &isnull[0]);
		Datum		wallet_id = only_element(wallet_ids, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &isnull[1]);
		Datum		payload = only_element(payloads, -1, false, TYPALIGN_INT, &isnull[2]);
		Datum		id = Int64GetDatum(emit_one(type, agent_id, wallet_id, payload, isnull));

		return construct_array(&id, 1, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}

	ids = tc_outbox_reserve(n);
	elems = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
		elems[i] = Int64GetDatum(ids[i]);
	result = construct_array(elems, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);

	args[0] = PointerGetDatum(result);
	args[1] = PointerGetDatum(types);
	args[2] = PointerGetDatum(agent_ids);
	args[3] = PointerGetDatum(wallet_ids);
	args[4] = PointerGetDatum(payloads);
	insert_events(PLAN_MANY, args, NULL, n);

	/* after the rows: a failed INSERT leaves nothing queued */
	tc_outbox_notify(ids, n);
	pfree(ids);
	pfree(elems);
	return result;
}

/* tradecore._emit_many(text[], jsonb[], bigint[], bigint[]) RETURNS bigint[] */
Datum
tc_emit_many(PG_FUNCTION_ARGS)
{
	ArrayType  *a[4];

	for (int i = 0; i < 4; i++)
		a[i] = PG_ARGISNULL(i) ? NULL : PG_GETARG_ARRAYTYPE_P(i);
	PG_RETURN_ARRAYTYPE_P(tc_outbox_emit(a[0], a[1], a[2], a[3]));
}

/* tradecore._emit(text, jsonb, bigint, bigint) RETURNS bigint: one event */
Datum
tc_emit(PG_FUNCTION_ARGS)
{
	bool		isnull[3] = {PG_ARGISNULL(2), PG_ARGISNULL(3), PG_ARGISNULL(1)};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("event type must not be null")));
	PG_RETURN_INT64(emit_one(PG_GETARG_DATUM(0), PG_GETARG_DATUM(2), PG_GETARG_DATUM(3),
							 PG_GETARG_DATUM(1), isnull));
}
