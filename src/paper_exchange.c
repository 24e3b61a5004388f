/*
 * paper_exchange.c
 *	  SQL glue between the orders table and the C matching engine for the
 *	  built-in paper exchange.
 *
 * The truth is the orders table: the resting orders of an instrument are
 * its open and partially filled paper orders, in id (= arrival) order.  Each
 * backend keeps the books it has used in memory, each tagged with the
 * version it was built at; tradecore.paper_books holds the current version
 * of every instrument's book and is locked (SELECT ... FOR UPDATE) for the
 * whole match, which serialises matching per instrument across backends.
 * After a match the version becomes a fresh value of a sequence, which is
 * never reused, so:
 *	- another backend matched since we last did: versions differ, rebuild;
 *	- our transaction rolled back: the table keeps the old version while our
 *	  cached book carries the new one, they differ, rebuild;
 *	- a server restart: no cache at all, rebuild.
 * A rebuild reads the resting orders once; in steady state one backend
 * matching one instrument never rereads them, and a transaction that places
 * many orders locks and versions the row once (see tc_paper_current_book and
 * tc_paper_bump_version).  place_order.c matches new orders on these books;
 * this file also serves cancels (paper_unrest) and the book view (paper_book).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "matching.h"
#include "matching_sql.h"
#include "paper_exchange.h"


static HTAB *paper_books = NULL;
static SPIPlanPtr plans[6];

static MemoryContext paper_cxt = NULL;

static int
num_eq(Numeric a, Numeric b)
{
	return DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(a), NumericGetDatum(b)));
}

static Numeric
copy_numeric(Numeric n)
{
	return DatumGetNumeric(datumCopy(NumericGetDatum(n), false, -1));
}

static PaperBook *
lookup_book(int64 instrument_id, bool *found)
{
	if (paper_books == NULL)
	{
		HASHCTL		ctl;

		paper_cxt = AllocSetContextCreate(TopMemoryContext, "tradecore paper books",
										  ALLOCSET_DEFAULT_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(PaperBook);
		ctl.hcxt = paper_cxt;
		paper_books = hash_create("tradecore paper books", 64, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return (PaperBook *) hash_search(paper_books, &instrument_id, HASH_ENTER, found);
}

/*
 * Runs one of this file's statements through a plan prepared once per
 * backend and kept (SPI_keepplan): the statements are fixed, only their
 * arguments change, and parsing/planning them on every order would cost more
 * than the matching itself.
 */
static int
run(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, Datum *args, bool read_only, long count)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return SPI_execute_plan(*plan, args, NULL, read_only, count);
}

static Datum
spi_value(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, isnull);
}

/*
 * Locks the instrument's book row and returns a book that matches the orders
 * table, rebuilding it when its version is stale.  exclude_id is the order
 * being placed (already inserted, not yet resting).
 */
PaperBook *
tc_paper_current_book(int64 instrument_id, int32 exchange_id, int64 exclude_id, Numeric tick,
					  Numeric lot, int64 maker_ppm, int64 taker_ppm, bool trust_lock)
{
	Oid			t1[1] = {INT8OID};
	Datum		a1[1] = {Int64GetDatum(instrument_id)};
	Oid			t3[3] = {INT8OID, INT4OID, INT8OID};
	Datum		a3[3];
	int64		version;
	bool		isnull,
				found;
	PaperBook  *pb;
	FullTransactionId xact = GetTopFullTransactionIdIfAny();

	/*
	 * Already locked by this very (sub)transaction: nobody else can have
	 * matched since, so the cached book is current and the row need not be
	 * read again (trust_lock: the order router, placing many orders in one
	 * transaction; cancels and the book view always read the version).  (A lock taken in a subtransaction that was rolled back is
	 * gone, but then the current subtransaction id differs.)
	 */
	if (trust_lock && paper_books != NULL && FullTransactionIdIsValid(xact))
	{
		pb = (PaperBook *) hash_search(paper_books, &instrument_id, HASH_FIND, NULL);
		if (pb != NULL && pb->version >= 0 && pb->book != NULL &&
			FullTransactionIdEquals(pb->locked_xact, xact) &&
			pb->locked_subxact == GetCurrentSubTransactionId() &&
			pb->maker_ppm == maker_ppm && pb->taker_ppm == taker_ppm &&
			num_eq(pb->tick, tick) && num_eq(pb->lot, lot))
			return pb;
	}

	/* the row exists after the instrument's first order; create it only then */
	if (run(&plans[1], "SELECT version FROM tradecore.paper_books WHERE instrument_id = $1 FOR UPDATE",
			1, t1, a1, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not lock the paper book of instrument " INT64_FORMAT, instrument_id);
	if (SPI_processed == 0)
	{
		run(&plans[0], "INSERT INTO tradecore.paper_books (instrument_id) VALUES ($1)"
			" ON CONFLICT (instrument_id) DO NOTHING", 1, t1, a1, false, 0);
		if (run(&plans[1], "SELECT version FROM tradecore.paper_books WHERE instrument_id = $1 FOR UPDATE",
				1, t1, a1, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "paper book row of instrument " INT64_FORMAT " is missing", instrument_id);
	}
	version = DatumGetInt64(spi_value(0, 1, &isnull));

	pb = lookup_book(instrument_id, &found);
	/* FOR UPDATE gave the transaction an id */
	pb->locked_xact = GetTopFullTransactionId();
	pb->locked_subxact = GetCurrentSubTransactionId();
	if (found && pb->version == version && pb->maker_ppm == maker_ppm &&
		pb->taker_ppm == taker_ppm && num_eq(pb->tick, tick) && num_eq(pb->lot, lot))
		return pb;

	/* (re)build from the orders table */
	if (found && pb->book != NULL)
		tc_book_destroy(pb->book);
	if (found && pb->tick != NULL)
	{
		pfree(pb->tick);
		pfree(pb->lot);
	}
	pb->book = NULL;
	pb->tick = pb->lot = NULL;
	pb->version = -1;			/* invalid until fully built */
	pb->bumped_xact = InvalidFullTransactionId;
	pb->bumped_subxact = InvalidSubTransactionId;
	{
		MemoryContext old = MemoryContextSwitchTo(paper_cxt);

		pb->tick = copy_numeric(tick);
		pb->lot = copy_numeric(lot);
		MemoryContextSwitchTo(old);
	}
	pb->maker_ppm = maker_ppm;
	pb->taker_ppm = taker_ppm;
	pb->book = tc_book_create(paper_cxt, maker_ppm, taker_ppm);

	a3[0] = Int64GetDatum(instrument_id);
	a3[1] = Int32GetDatum(exchange_id);
	a3[2] = Int64GetDatum(exclude_id);

	/*
	 * Not read_only: SPI then reads with a snapshot taken now, after the lock
	 * above, which in READ COMMITTED sees every match that committed while we
	 * waited for it.  The calling statement's snapshot predates the wait and
	 * would rebuild the book without them (orders filled twice).
	 */
	if (run(&plans[2], "SELECT id, side, price, qty - filled_qty FROM tradecore.orders"
							  " WHERE instrument_id = $1 AND exchange_id = $2 AND id <> $3"
							  "   AND status IN ('open', 'partially_filled') AND type = 'limit'"
							  " ORDER BY id",
							  3, t3, a3, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the resting paper orders");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int64		id = DatumGetInt64(spi_value(i, 1, &isnull));
		char	   *side = TextDatumGetCString(spi_value(i, 2, &isnull));
		Numeric		price = DatumGetNumeric(spi_value(i, 3, &isnull));
		Numeric		left = DatumGetNumeric(spi_value(i, 4, &isnull));

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!tc_book_restore(pb->book, id, strcmp(side, "buy") == 0 ? TC_BUY : TC_SELL,
							 tc_numeric_to_units(price, tick, "price"),
							 tc_numeric_to_units(left, lot, "quantity")))
			elog(ERROR, "paper order " INT64_FORMAT " cannot rest on the book", id);
	}
	pb->version = version;
	return pb;
}

/*
 * The book changed: a fresh, never reused version, in the table and in the
 * cache.  Once per (sub)transaction is enough: the row stays locked by us until
 * the transaction ends, so nobody else can match in between, and whatever undoes
 * our changes also undoes the version we wrote (a rollback of the transaction or
 * of the subtransaction that wrote it), leaving the table's version different
 * from the cache's, so the next user rebuilds.  A later match in a different
 * subtransaction bumps again, since that one may be rolled back on its own.
 * Bumping once rather than per order also keeps the row from growing a chain of
 * thousands of versions when one transaction places many orders.
 */
void
tc_paper_bump_version(PaperBook *pb, int64 instrument_id, int64 version_before)
{
	Oid			t[1] = {INT8OID};
	Datum		a[1] = {Int64GetDatum(instrument_id)};
	bool		isnull;
	FullTransactionId xact = GetTopFullTransactionId();
	SubTransactionId subxact = GetCurrentSubTransactionId();

	if (FullTransactionIdEquals(pb->bumped_xact, xact) && pb->bumped_subxact == subxact)
	{
		pb->version = version_before;
		return;
	}
	if (run(&plans[3], "UPDATE tradecore.paper_books"
							  "   SET version = nextval('tradecore.paper_book_version_seq'), updated_at = now()"
							  " WHERE instrument_id = $1 RETURNING version",
							  1, t, a, false, 1) != SPI_OK_UPDATE_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not advance the paper book version");
	pb->version = DatumGetInt64(spi_value(0, 1, &isnull));
	pb->bumped_xact = xact;
	pb->bumped_subxact = subxact;
}

typedef struct OrderRow
{
	int64		instrument_id;
	int32		exchange_id;
	TcOrderReq	req;
	Numeric		tick;
	Numeric		lot;
	int64		maker_ppm;
	int64		taker_ppm;
	char	   *status;
} OrderRow;

static void
load_order(int64 order_id, OrderRow *o)
{
	Oid			t[1] = {INT8OID};
	Datum		a[1] = {Int64GetDatum(order_id)};
	bool		isnull;
	char	   *kind;

	if (run(&plans[4], "SELECT o.instrument_id, o.exchange_id, o.side, o.type, o.time_in_force,"
							  "       o.price, o.qty - o.filled_qty, o.status, i.tick_size, i.lot_size,"
							  "       e.maker_fee_bps, e.taker_fee_bps, e.kind"
							  "  FROM tradecore.orders o"
							  "  JOIN tradecore.instruments i ON i.id = o.instrument_id"
							  "  JOIN tradecore.exchanges e ON e.id = o.exchange_id"
							  " WHERE o.id = $1",
							  1, t, a, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("order " INT64_FORMAT " does not exist", order_id)));
	kind = TextDatumGetCString(spi_value(0, 13, &isnull));
	if (strcmp(kind, "paper") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("order " INT64_FORMAT " is not a paper exchange order", order_id)));
	o->instrument_id = DatumGetInt64(spi_value(0, 1, &isnull));
	o->exchange_id = DatumGetInt32(spi_value(0, 2, &isnull));
	o->status = TextDatumGetCString(spi_value(0, 8, &isnull));
	o->tick = DatumGetNumeric(spi_value(0, 9, &isnull));
	o->lot = DatumGetNumeric(spi_value(0, 10, &isnull));
	o->maker_ppm = tc_fee_bps_to_ppm(DatumGetNumeric(spi_value(0, 11, &isnull)));
	o->taker_ppm = tc_fee_bps_to_ppm(DatumGetNumeric(spi_value(0, 12, &isnull)));
	o->req.id = order_id;
	if (!tc_parse_side(TextDatumGetCString(spi_value(0, 3, &isnull)), &o->req.side) ||
		!tc_parse_type(TextDatumGetCString(spi_value(0, 4, &isnull)), &o->req.type) ||
		!tc_parse_tif(TextDatumGetCString(spi_value(0, 5, &isnull)), &o->req.tif))
		elog(ERROR, "order " INT64_FORMAT " has an unknown side, type or time in force", order_id);
}

PG_FUNCTION_INFO_V1(tc_paper_unrest);
/*
 * tradecore.paper_unrest(order_id) -> numeric: takes a resting paper order
 * off its book and returns the quantity that was resting, or NULL when it
 * was not resting (filled, canceled, never rested).  cancel_order records
 * the cancellation.
 */
Datum
tc_paper_unrest(PG_FUNCTION_ARGS)
{
	int64		order_id = PG_GETARG_INT64(0);
	OrderRow	o;
	PaperBook  *pb;
	int64		left;
	int64		version;
	Numeric		result = NULL;

	SPI_connect();
	load_order(order_id, &o);
	pb = tc_paper_current_book(o.instrument_id, o.exchange_id, -1, o.tick, o.lot, o.maker_ppm, o.taker_ppm, false);
	version = pb->version;
	pb->version = -1;			/* invalid until the change is recorded */
	if (!tc_book_cancel(pb->book, order_id, &left))
		pb->version = version;	/* nothing changed */
	else
	{
		tc_paper_bump_version(pb, o.instrument_id, version);
		result = tc_units_to_numeric(left, o.lot);
	}
	result = result ? (Numeric) SPI_datumTransfer(NumericGetDatum(result), false, -1) : NULL;
	SPI_finish();
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(result);
}

PG_FUNCTION_INFO_V1(tc_paper_book_depth);
/*
 * tradecore.paper_book(instrument_id, levels) -> (side, level, price, qty, orders)
 * The paper book as the engine sees it (rebuilt from the orders table if
 * stale), best first.
 */
Datum
tc_paper_book_depth(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		instrument_id = PG_GETARG_INT64(0);
	int32		levels = PG_GETARG_INT32(1);
	Oid			t[1] = {INT8OID};
	Datum		a[1] = {Int64GetDatum(instrument_id)};
	bool		isnull;
	Numeric		tick,
				lot;
	int32		exchange_id;
	int64		mppm,
				tppm;
	PaperBook  *pb;

	InitMaterializedSRF(fcinfo, 0);
	SPI_connect();
	if (run(&plans[5], "SELECT i.tick_size, i.lot_size, e.id, e.maker_fee_bps, e.taker_fee_bps"
							  "  FROM tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id"
							  " WHERE i.id = $1 AND e.kind = 'paper'",
							  1, t, a, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("instrument " INT64_FORMAT " is not a paper exchange instrument", instrument_id)));
	tick = DatumGetNumeric(spi_value(0, 1, &isnull));
	lot = DatumGetNumeric(spi_value(0, 2, &isnull));
	exchange_id = DatumGetInt32(spi_value(0, 3, &isnull));
	mppm = tc_fee_bps_to_ppm(DatumGetNumeric(spi_value(0, 4, &isnull)));
	tppm = tc_fee_bps_to_ppm(DatumGetNumeric(spi_value(0, 5, &isnull)));
	pb = tc_paper_current_book(instrument_id, exchange_id, -1, tick, lot, mppm, tppm, false);
	for (int s = 0; s < 2; s++)
	{
		int64		price,
					qty;
		int			count;

		for (int l = 0; l < levels && tc_book_level(pb->book, (TcSide) s, l, &price, &qty, &count); l++)
		{
			Datum		v[5];
			bool		n[5] = {0};

			v[0] = CStringGetTextDatum(s == TC_BUY ? "bid" : "ask");
			v[1] = Int32GetDatum(l + 1);
			v[2] = NumericGetDatum(tc_units_to_numeric(price, pb->tick));
			v[3] = NumericGetDatum(tc_units_to_numeric(qty, pb->lot));
			v[4] = Int32GetDatum(count);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
