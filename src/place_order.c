/*
 * place_order.c
 *	  The order router, tradecore.place_order(): authorise the caller, resolve
 *	  the exchange, queue a live venue's order (_live_place_order), and on the
 *	  paper exchange return the first order of a retried client order id,
 *	  match the order in C on the instrument's cached book, insert it in its
 *	  final state, update the makers, write both sides' fills rows and the
 *	  order events from arrays built here, emit the outbox events, and write
 *	  the positions, whose average price and realised P&L are folded here in
 *	  numeric arithmetic.  Also the client order id lookup of cancel_order.
 *
 * Every statement is prepared once per backend and kept (SPI_keepplan), with
 * a generic plan: their shapes never change, only their arguments.  The plan
 * cache replans them after DDL on the tables they use.
 *
 * Plans and growing tables.  A plan made while tradecore.orders is empty (a
 * fresh or freshly vacuumed table: the planner then trusts its physical size
 * of zero pages) looks rows up by sequential scan or hashes the whole table,
 * and so does every foreign-key check of fills and order_events against
 * orders, whose plans PostgreSQL caches the same way.  Nothing replans them
 * while one transaction fills the table, so placing n orders in one
 * transaction read O(n^2) rows: 5,000 orders after a VACUUM ANALYZE ran at a
 * quarter of the speed of the same orders in the next session.  Every statement
 * here finds rows by key or by row address, so the SQL declaration of this
 * function rules out sequential scans, hash and merge joins for the plans made
 * during the call (test/suites/33_paper_plans.sh counts the rows read).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "matching.h"
#include "numeric_ops.h"
#include "matching_sql.h"
#include "outbox.h"
#include "paper_exchange.h"
#include "roles.h"

enum
{
	P_EXCHANGE,
	P_LIVE,
	P_LOOKUP,
	P_INSERT,
	P_POS_LOCK_TID,
	P_POS_LOCK,
	P_POS_UPDATE,
	P_POS_INSERT,
	P_MAKERS,
	P_FILLS,
	P_ORDER_EVENTS,
	P_COUNT
};

static SPIPlanPtr plans[P_COUNT];

static const char *const sql[P_COUNT] = {
	/* P_EXCHANGE: the exchange an order is routed to */
	"SELECT e.id, e.kind FROM tradecore.exchanges e WHERE e.code = $1 AND e.enabled",

	/* P_LIVE: a live venue's order, queued for the order sender (37_live_orders.sql) */
	"SELECT tradecore._live_place_order($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",

	/* P_LOOKUP: the instrument, its exchange's fees and the wallet's agent */
	"SELECT i.id, i.tick_size, i.lot_size, i.quote_asset, e.maker_fee_bps, e.taker_fee_bps,"
	"       (SELECT w.agent_id FROM tradecore.wallets w WHERE w.id = $3)"
	"  FROM tradecore.instruments i JOIN tradecore.exchanges e ON e.id = i.exchange_id"
	" WHERE i.exchange_id = $1 AND i.symbol = $2 AND i.active",

	/*
	 * P_INSERT: the order in its final state, under the id the engine matched
	 * it with.  A client order id that a concurrent transaction took since
	 * P_EXISTING looked is found here (waiting for that transaction if it is
	 * still running): no row.
	 */
	"INSERT INTO tradecore.orders AS o (id, client_order_id, agent_id, wallet_id, instrument_id, exchange_id,"
	"                                   side, type, time_in_force, price, qty, filled_qty, avg_fill_price,"
	"                                   status, reject_reason, venue_order_id)"
	" OVERRIDING SYSTEM VALUE"
	" VALUES ($1, coalesce($2, gen_random_uuid()::text), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
	"         $14, $15, 'paper-' || $1)"
	" ON CONFLICT ON CONSTRAINT orders_wallet_id_client_order_id_key DO NOTHING"
	" RETURNING o.id",

	/*
	 * P_POS_LOCK_TID: the positions the fills change, found where this
	 * backend last wrote them (see apply_positions).  The key is checked
	 * through "+ 0" so that no index on it can compete with the TID scan:
	 * on a table the statistics call small, an index scan by key looks as
	 * cheap, and it walks every version of the row.
	 */
	"SELECT p.wallet_id, p.qty, p.avg_price, p.realized_pnl, p.ctid FROM tradecore.trading_positions p"
	" WHERE p.ctid = ANY ($1) AND p.instrument_id + 0 = $2 AND p.wallet_id + 0 = ANY ($3) FOR UPDATE",

	/* P_POS_LOCK: the others, by key, locked in wallet order */
	"SELECT p.wallet_id, p.qty, p.avg_price, p.realized_pnl, p.ctid FROM tradecore.trading_positions p"
	" WHERE p.wallet_id = ANY ($1) AND p.instrument_id = $2 ORDER BY p.wallet_id FOR UPDATE",

	/* P_POS_UPDATE: the rows just locked, by their row address */
	"UPDATE tradecore.trading_positions p"
	"   SET qty = u.q, avg_price = u.a, realized_pnl = u.r, updated_at = now()"
	"  FROM unnest($1::tid[], $2::numeric[], $3::numeric[], $4::numeric[]) AS u(t, q, a, r)"
	" WHERE p.ctid = u.t"
	" RETURNING p.wallet_id, p.ctid",

	/* P_POS_INSERT: first positions, with the agent of their first fill */
	"INSERT INTO tradecore.trading_positions (wallet_id, instrument_id, agent_id, qty, avg_price, realized_pnl)"
	"SELECT u.w, $6, u.g, u.q, u.a, u.r"
	"  FROM unnest($1::bigint[], $2::bigint[], $3::numeric[], $4::numeric[], $5::numeric[]) AS u(w, g, q, a, r)"
	" RETURNING wallet_id, ctid",

	/*
	 * P_MAKERS: the makers' new fill state (one fill each: a maker fills at
	 * most once per incoming order; the average is folded in like a
	 * position's, see TC_AVG_PRICE_SCALE), and
	 * their owners, sides, client order ids and states, which the fills rows,
	 * events and positions of the maker side need.
	 */
	"UPDATE tradecore.orders o"
	"   SET filled_qty = o.filled_qty + f.qty,"
	"       avg_fill_price = round((coalesce(o.avg_fill_price, 0) * o.filled_qty + f.price * f.qty)"
	"                              / (o.filled_qty + f.qty), " CppAsString2(TC_AVG_PRICE_SCALE) "),"
	"       status = CASE WHEN o.filled_qty + f.qty = o.qty THEN 'filled' ELSE 'partially_filled' END,"
	"       updated_at = now()"
	"  FROM unnest($1::bigint[], $2::numeric[], $3::numeric[]) AS f(maker, price, qty)"
	" WHERE o.id = f.maker"
	" RETURNING o.id, o.wallet_id, o.agent_id, o.side, o.client_order_id, o.status",

	/*
	 * P_FILLS: both sides of every fill and the order events, rows built here
	 * in their final order (ids follow it): fills taker side first, fill by
	 * fill; order events the taker's 'new', each side of each fill, the
	 * taker's final state.
	 */
	"WITH fi AS ("
	"    INSERT INTO tradecore.fills (order_id, instrument_id, wallet_id, agent_id, price, qty, fee, fee_asset,"
	"                                 liquidity, venue_fill_id)"
	"    SELECT u.o, $1, u.w, u.g, u.p, u.q, u.f, $2, u.l, u.v"
	"      FROM unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::numeric[], $7::numeric[], $8::numeric[],"
	"                  $9::text[], $10::text[]) AS u(o, w, g, p, q, f, l, v)"
	")"
	"INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)"
	"SELECT * FROM unnest($11::bigint[], $12::bigint[], $13::bigint[], $14::text[], $15::jsonb[])",

	/* P_ORDER_EVENTS: the order events of an order that matched nothing */
	"INSERT INTO tradecore.order_events (order_id, agent_id, wallet_id, kind, details)"
	"SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::jsonb[])",
};

static const Oid p_exchange_types[] = {TEXTOID};
static const Oid p_live_types[] = {INT8OID, INT4OID, TEXTOID, TEXTOID, NUMERICOID, NUMERICOID, TEXTOID,
TEXTOID, TEXTOID, INT8OID};
static const Oid p_lookup_types[] = {INT4OID, TEXTOID, INT8OID};
static const Oid p_insert_types[] = {INT8OID, TEXTOID, INT8OID, INT8OID, INT8OID, INT4OID, TEXTOID, TEXTOID,
TEXTOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, TEXTOID, TEXTOID};
static const Oid p_pos_lock_tid_types[] = {TIDARRAYOID, INT8OID, INT8ARRAYOID};
static const Oid p_pos_lock_types[] = {INT8ARRAYOID, INT8OID};
static const Oid p_pos_update_types[] = {TIDARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID};
static const Oid p_pos_insert_types[] = {INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID,
NUMERICARRAYOID, INT8OID};
static const Oid p_makers_types[] = {INT8ARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID};
static const Oid p_fills_types[] = {
	INT8OID, TEXTOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID,
	NUMERICARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID
};
static const Oid p_order_events_types[] = {INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, JSONBARRAYOID};

static const struct
{
	int			nargs;
	const Oid  *types;
}			plan_args[P_COUNT] = {
	{lengthof(p_exchange_types), p_exchange_types},
	{lengthof(p_live_types), p_live_types},
	{lengthof(p_lookup_types), p_lookup_types},
	{lengthof(p_insert_types), p_insert_types},
	{lengthof(p_pos_lock_tid_types), p_pos_lock_tid_types},
	{lengthof(p_pos_lock_types), p_pos_lock_types},
	{lengthof(p_pos_update_types), p_pos_update_types},
	{lengthof(p_pos_insert_types), p_pos_insert_types},
	{lengthof(p_makers_types), p_makers_types},
	{lengthof(p_fills_types), p_fills_types},
	{lengthof(p_order_events_types), p_order_events_types},
};

/*
 * Runs statement k with a kept, generic plan.  nulls: SPI's ' '/'n' string,
 * or NULL for none.
 */
static int
run(int k, Datum *args, const char *nulls, bool read_only)
{
	if (plans[k] == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(sql[k], plan_args[k].nargs, (Oid *) plan_args[k].types,
										   CURSOR_OPT_GENERIC_PLAN);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql[k], SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plans[k] = p;
	}
	return SPI_execute_plan(plans[k], args, nulls, read_only, 0);
}

static Datum
col(int row, int c, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, c, isnull);
}

static bool
n_is_zero(Numeric a)
{
	return n_cmp(a, int64_to_numeric(0)) == 0;
}

static bool
n_finite_positive(Numeric a)
{
	return !numeric_is_nan(a) && !numeric_is_inf(a) && n_cmp(a, int64_to_numeric(0)) > 0;
}

static Datum
array_of(Datum *v, bool *nulls, int n, Oid elemtype)
{
	int16		len;
	bool		byval;
	char		align;
	int			dims[1];
	int			lbs[1] = {1};

	dims[0] = n;
	get_typlenbyvalalign(elemtype, &len, &byval, &align);
	if (n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	return PointerGetDatum(construct_md_array(v, nulls, 1, dims, lbs, elemtype, len, byval, align));
}

/* rows of one table, column by column, for a statement that reads them FROM unnest() */
typedef struct Rows
{
	int			n;
	int			ncols;
	Datum	  **v;
	bool	  **isnull;
} Rows;

static void
rows_init(Rows *r, int ncols, int capacity)
{
	r->n = 0;
	r->ncols = ncols;
	r->v = palloc(sizeof(Datum *) * ncols);
	r->isnull = palloc(sizeof(bool *) * ncols);
	for (int c = 0; c < ncols; c++)
	{
		r->v[c] = palloc(sizeof(Datum) * capacity);
		r->isnull[c] = palloc0(sizeof(bool) * capacity);
	}
}

/* column c of the row being added */
static void
rows_set(Rows *r, int c, Datum v, bool isnull)
{
	r->v[c][r->n] = v;
	r->isnull[c][r->n] = isnull;
}

static Datum
rows_array(Rows *r, int c, Oid elemtype)
{
	return array_of(r->v[c], r->isnull[c], r->n, elemtype);
}

/* every column as an array, args[c] of elemtypes[c] */
static void
rows_arrays(Rows *r, const Oid *elemtypes, Datum *args)
{
	for (int c = 0; c < r->ncols; c++)
		args[c] = rows_array(r, c, elemtypes[c]);
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/*
 * One side of one fill, as its position sees it: sides[2 i] is the taker's
 * entry of fill i, sides[2 i + 1] the maker's (whose owner and side come
 * back from P_RECORD).
 */
typedef struct Side
{
	int64		wallet_id;
	bool		agent_null;
	int64		agent_id;
	const char *side;
	Numeric		price;
	Numeric		qty;
	Numeric		fee;
} Side;

/*
 * Where this backend last wrote each position row (wallet, instrument).
 * Within one transaction every fill makes a new version of the same two
 * rows, and versions our own transaction superseded cannot be pruned until
 * it ends: a lookup by key walks all of them, so placing n orders in one
 * transaction would cost O(n^2).  Going to the row's address instead reads
 * one version.  The address is only a hint: the lookup checks the key, and a
 * version that is gone or not the visible one is simply not found there,
 * and then the key lookup runs.
 */
typedef struct PosKey
{
	int64		wallet_id;
	int64		instrument_id;
} PosKey;

typedef struct PosTid
{
	PosKey		key;
	ItemPointerData tid;
} PosTid;

static HTAB *pos_tids = NULL;

static void
remember_tids(int64 instrument_id)
{
	for (uint64 row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		PosKey		k;
		PosTid	   *e;

		k.wallet_id = DatumGetInt64(col(row, 1, &isnull));
		k.instrument_id = instrument_id;
		e = hash_search(pos_tids, &k, HASH_ENTER, NULL);
		e->tid = *(ItemPointer) DatumGetPointer(col(row, 2, &isnull));
	}
}

/*
 * Positions: fold each wallet's entries in order into its row (average price
 * on the growing side, realised P&L net of fees on the reducing side, a flip
 * through zero starts a fresh average), the same arithmetic as applying the
 * fills one by one; then one UPDATE of the existing rows and one INSERT of
 * the new ones.
 */
static void
apply_positions(int64 instrument_id, Side *sides, int nsides)
{
	int64	   *wallets = palloc(sizeof(int64) * nsides);
	int			nw = 0;
	Datum	   *d = palloc(sizeof(Datum) * nsides);
	Datum	   *tids = palloc(sizeof(Datum) * nsides);
	int			ntids = 0;
	Datum		args[6];
	/* per wallet: its row (locked) if it has one */
	bool	   *has = palloc0(sizeof(bool) * nsides);
	Numeric    *eq = palloc(sizeof(Numeric) * nsides);
	Numeric    *ea = palloc(sizeof(Numeric) * nsides);
	Numeric    *er = palloc(sizeof(Numeric) * nsides);
	ItemPointerData *et = palloc(sizeof(ItemPointerData) * nsides);
	/* the rows of P_POS_UPDATE (address, qty, average, P&L) and of P_POS_INSERT */
	static const Oid upd_cols[] = {TIDOID, NUMERICOID, NUMERICOID, NUMERICOID};
	static const Oid ins_cols[] = {INT8OID, INT8OID, NUMERICOID, NUMERICOID, NUMERICOID};
	Rows		upd;
	Rows		ins;

	if (pos_tids == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(PosKey);
		ctl.entrysize = sizeof(PosTid);
		ctl.hcxt = TopMemoryContext;
		pos_tids = hash_create("tradecore position addresses", 64, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	/* distinct wallets in id order (the lock order) */
	for (int i = 0; i < nsides; i++)
	{
		int			j;

		for (j = 0; j < nw && wallets[j] != sides[i].wallet_id; j++)
			;
		if (j == nw)
			wallets[nw++] = sides[i].wallet_id;
	}
	for (int i = 1; i < nw; i++)
		for (int j = i; j > 0 && wallets[j - 1] > wallets[j]; j--)
		{
			int64		t = wallets[j];

			wallets[j] = wallets[j - 1];
			wallets[j - 1] = t;
		}
	for (int w = 0; w < nw; w++)
	{
		PosKey		k;
		PosTid	   *e;

		k.wallet_id = wallets[w];
		k.instrument_id = instrument_id;
		d[w] = Int64GetDatum(wallets[w]);
		e = hash_search(pos_tids, &k, HASH_FIND, NULL);
		if (e != NULL)
			tids[ntids++] = PointerGetDatum(&e->tid);
	}

	/* lock the rows: at their last known address, then by key for the rest */
	for (int pass = 0; pass < 2; pass++)
	{
		int			nmiss = 0;
		Datum	   *miss = palloc(sizeof(Datum) * nw);

		if (pass == 0)
		{
			if (ntids == 0)
				continue;
			args[0] = array_of(tids, NULL, ntids, TIDOID);
			args[1] = Int64GetDatum(instrument_id);
			args[2] = array_of(d, NULL, nw, INT8OID);
			if (run(P_POS_LOCK_TID, args, NULL, false) != SPI_OK_SELECT)
				elog(ERROR, "could not lock the positions of instrument " INT64_FORMAT, instrument_id);
		}
		else
		{
			for (int w = 0; w < nw; w++)
				if (!has[w])
					miss[nmiss++] = d[w];
			if (nmiss == 0)
				break;
			args[0] = array_of(miss, NULL, nmiss, INT8OID);
			args[1] = Int64GetDatum(instrument_id);
			if (run(P_POS_LOCK, args, NULL, false) != SPI_OK_SELECT)
				elog(ERROR, "could not lock the positions of instrument " INT64_FORMAT, instrument_id);
		}
		for (uint64 row = 0; row < SPI_processed; row++)
		{
			bool		isnull;
			int64		wid = DatumGetInt64(col(row, 1, &isnull));

			for (int w = 0; w < nw; w++)
			{
				Datum		a;

				if (wallets[w] != wid || has[w])
					continue;
				has[w] = true;
				eq[w] = DatumGetNumeric(col(row, 2, &isnull));
				a = col(row, 3, &isnull);
				ea[w] = isnull ? NULL : DatumGetNumeric(a);
				er[w] = DatumGetNumeric(col(row, 4, &isnull));
				et[w] = *(ItemPointer) DatumGetPointer(col(row, 5, &isnull));
			}
		}
	}

	rows_init(&upd, lengthof(upd_cols), nw);
	rows_init(&ins, lengthof(ins_cols), nw);
	for (int w = 0; w < nw; w++)
	{
		bool		seen = has[w];
		Numeric		q = has[w] ? eq[w] : NULL;
		Numeric		a = has[w] ? ea[w] : NULL;
		Numeric		r = has[w] ? er[w] : NULL;
		bool		agent_null = true;
		int64		agent = 0;

		for (int i = 0; i < nsides; i++)
		{
			Side	   *s = &sides[i];
			Numeric		dq,
						pnl,
						nq_;

			if (s->wallet_id != wallets[w])
				continue;
			dq = strcmp(s->side, "buy") == 0 ? s->qty : n_neg(s->qty);
			pnl = n_neg(s->fee);
			if (!seen)
			{
				q = dq;
				a = s->price;
				r = n_neg(s->fee);
				agent_null = s->agent_null;
				agent = s->agent_id;
				seen = true;
				continue;
			}
			nq_ = n_add(q, dq);
			if (n_is_zero(q) || n_cmp(n_sign(q), n_sign(dq)) == 0)
				a = n_round(n_div(n_add(n_mul(n_abs(q), a ? a : int64_to_numeric(0)), n_mul(s->qty, s->price)),
								  n_abs(nq_)), TC_AVG_PRICE_SCALE);
			else
			{
				Numeric		closed = n_cmp(n_abs(q), s->qty) <= 0 ? n_abs(q) : s->qty;

				pnl = n_add(pnl, n_mul(n_mul(closed, n_sub(s->price, a)), n_sign(q)));
				a = n_is_zero(nq_) ? NULL : n_cmp(n_sign(nq_), n_sign(q)) == 0 ? a : s->price;
			}
			q = nq_;
			r = n_add(r, pnl);
		}
		if (has[w])
		{
			rows_set(&upd, 0, PointerGetDatum(&et[w]), false);
			rows_set(&upd, 1, NumericGetDatum(q), false);
			rows_set(&upd, 2, NumericGetDatum(a), a == NULL);
			rows_set(&upd, 3, NumericGetDatum(r), false);
			upd.n++;
		}
		else
		{
			rows_set(&ins, 0, Int64GetDatum(wallets[w]), false);
			rows_set(&ins, 1, Int64GetDatum(agent), agent_null);
			rows_set(&ins, 2, NumericGetDatum(q), false);
			rows_set(&ins, 3, NumericGetDatum(a), a == NULL);
			rows_set(&ins, 4, NumericGetDatum(r), false);
			ins.n++;
		}
	}
	if (upd.n > 0)
	{
		rows_arrays(&upd, upd_cols, args);
		if (run(P_POS_UPDATE, args, NULL, false) != SPI_OK_UPDATE_RETURNING || SPI_processed != (uint64) upd.n)
			elog(ERROR, "could not update the positions of instrument " INT64_FORMAT, instrument_id);
		remember_tids(instrument_id);
	}
	if (ins.n > 0)
	{
		rows_arrays(&ins, ins_cols, args);
		args[lengthof(ins_cols)] = Int64GetDatum(instrument_id);
		if (run(P_POS_INSERT, args, NULL, false) != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "could not insert the positions of instrument " INT64_FORMAT, instrument_id);
		remember_tids(instrument_id);
	}
}

/* the arguments of tradecore.place_order */
enum
{
	ARG_WALLET,
	ARG_SYMBOL,
	ARG_SIDE,
	ARG_QTY,
	ARG_PRICE,
	ARG_TYPE,
	ARG_TIF,
	ARG_COID,
	ARG_EXCHANGE,
	ARG_AGENT
};

/* the sequence behind orders.id (an identity column) */
static Oid
orders_id_seq(void)
{
	Oid			seq = get_relname_relid("orders_id_seq", get_namespace_oid("tradecore", false));

	if (!OidIsValid(seq))
		elog(ERROR, "sequence tradecore.orders_id_seq is missing");
	return seq;
}

/* what a retry must repeat to be the same order */
typedef struct OrderTerms
{
	int64		instrument_id;
	char	   *side;
	char	   *type;
	char	   *tif;
	Numeric		qty;
	Numeric		price;			/* NULL for a market order */
} OrderTerms;

/*
 * The order of wallet_id placed under client order id coid, if any: its id
 * in *order_id and, when terms is not NULL, its terms.
 *
 * Read through the unique index on (wallet_id, client_order_id) itself, not a
 * planned query: on a table the statistics call empty, the planner takes the
 * index on (wallet_id, ts) as readily and filters every order of the wallet,
 * once per call.  A fresh snapshot, so that an order a concurrent transaction
 * committed since the calling statement began is found too.
 */
static bool
client_order_lookup(int64 wallet_id, const char *coid, int64 *order_id, OrderTerms *terms)
{
	Oid			nsp = get_namespace_oid("tradecore", false);
	Oid			relid = get_relname_relid("orders", nsp);
	Oid			indid = get_relname_relid("orders_wallet_id_client_order_id_key", nsp);
	Relation	rel;
	Relation	idx;
	IndexScanDesc scan;
	ScanKeyData key[2];
	TupleTableSlot *slot;
	Snapshot	snap;
	bool		found = false;

	if (!OidIsValid(relid) || !OidIsValid(indid))
		elog(ERROR, "tradecore.orders or its client order id key is missing");
	rel = table_open(relid, AccessShareLock);
	idx = index_open(indid, AccessShareLock);
	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(wallet_id));
	ScanKeyEntryInitialize(&key[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[1], F_TEXTEQ, CStringGetTextDatum(coid));
	snap = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, snap, 2, 0);
	index_rescan(scan, key, 2, NULL, 0);
	if (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;

		found = true;
		*order_id = DatumGetInt64(slot_getattr(slot, get_attnum(relid, "id"), &isnull));
		if (terms != NULL)
		{
			Datum		d;

			terms->instrument_id = DatumGetInt64(slot_getattr(slot, get_attnum(relid, "instrument_id"), &isnull));
			terms->side = TextDatumGetCString(slot_getattr(slot, get_attnum(relid, "side"), &isnull));
			terms->type = TextDatumGetCString(slot_getattr(slot, get_attnum(relid, "type"), &isnull));
			terms->tif = TextDatumGetCString(slot_getattr(slot, get_attnum(relid, "time_in_force"), &isnull));
			terms->qty = DatumGetNumericCopy(slot_getattr(slot, get_attnum(relid, "qty"), &isnull));
			d = slot_getattr(slot, get_attnum(relid, "price"), &isnull);
			terms->price = isnull ? NULL : DatumGetNumericCopy(d);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	return found;
}

/*
 * A retried client order id: the first order's id in *order_id, or an error
 * (23505, as the unique key would raise) when its terms differ.
 */
static bool
find_existing(int64 wallet_id, const char *coid, int64 instrument_id, const char *side, const char *type,
			  const char *tif, Numeric qty, Numeric price, int64 *order_id)
{
	OrderTerms	t;

	if (!client_order_lookup(wallet_id, coid, order_id, &t))
		return false;
	if (t.instrument_id != instrument_id || strcmp(t.side, side) != 0 || strcmp(t.type, type) != 0 ||
		strcmp(t.tif, tif) != 0 || n_cmp(t.qty, qty) != 0 ||
		(t.price == NULL) != (price == NULL) || (price != NULL && n_cmp(t.price, price) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("client order id \"%s\" was already used for a different order (id " INT64_FORMAT ")",
						coid, *order_id)));
	return true;
}

PG_FUNCTION_INFO_V1(tc_order_by_client_id);
/*
 * tradecore._order_by_client_id(wallet_id, client_order_id) -> order id or
 * NULL: the lookup of cancel_order(wallet_id, client_order_id).
 */
Datum
tc_order_by_client_id(PG_FUNCTION_ARGS)
{
	int64		order_id;

	if (!client_order_lookup(PG_GETARG_INT64(0), text_to_cstring(PG_GETARG_TEXT_PP(1)), &order_id, NULL))
		PG_RETURN_NULL();
	PG_RETURN_INT64(order_id);
}

/*
 * Event bodies, built here rather than by jsonb_build_object in the
 * recording statements: the same jsonb (keys sorted by pushJsonbValue exactly
 * as jsonb_build_object sorts them; ids as numbers, prices and quantities as
 * their numeric text), without a sort, an aggregate and a projection per
 * event in a plan that is started for every order.
 */
static void
jb_key(JsonbParseState **st, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.len = strlen(key);
	k.val.string.val = (char *) key;
	pushJsonbValue(st, WJB_KEY, &k);
}

static void
jb_text(JsonbParseState **st, const char *key, const char *val)
{
	JsonbValue	v;

	jb_key(st, key);
	if (val == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.len = strlen(val);
		v.val.string.val = (char *) val;
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/* a bigint, as jsonb_build_object stores one: a number, or null */
static void
jb_id(JsonbParseState **st, const char *key, int64 val, bool isnull)
{
	JsonbValue	v;

	jb_key(st, key);
	if (isnull)
		v.type = jbvNull;
	else
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(val);
	}
	pushJsonbValue(st, WJB_VALUE, &v);
}

/* a numeric as its text, as the events have always carried money */
static void
jb_num_text(JsonbParseState **st, const char *key, Numeric val)
{
	jb_text(st, key, DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(val))));
}

static JsonbParseState *
jb_begin(void)
{
	JsonbParseState *st = NULL;

	pushJsonbValue(&st, WJB_BEGIN_OBJECT, NULL);
	return st;
}

static Datum
jb_end(JsonbParseState **st)
{
	return JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(st, WJB_END_OBJECT, NULL)));
}

/* the column types of the rows built here */
static const Oid fill_cols[] = {INT8OID, INT8OID, INT8OID, NUMERICOID, NUMERICOID, NUMERICOID, TEXTOID, TEXTOID};
static const Oid order_event_cols[] = {INT8OID, INT8OID, INT8OID, TEXTOID, JSONBOID};
static const Oid event_cols[] = {TEXTOID, JSONBOID, INT8OID, INT8OID};

/* order_events: order id, agent, wallet, kind, details */
static void
add_order_event(Rows *r, int64 order_id, bool agent_null, int64 agent_id, int64 wallet_id,
				const char *kind, Datum details)
{
	rows_set(r, 0, Int64GetDatum(order_id), false);
	rows_set(r, 1, Int64GetDatum(agent_id), agent_null);
	rows_set(r, 2, Int64GetDatum(wallet_id), false);
	rows_set(r, 3, CStringGetTextDatum(kind), false);
	rows_set(r, 4, details, false);
	r->n++;
}

/* outbox events: type, payload, agent, wallet */
static void
add_event(Rows *r, const char *type, Datum payload, bool agent_null, int64 agent_id, int64 wallet_id)
{
	rows_set(r, 0, CStringGetTextDatum(type), false);
	rows_set(r, 1, payload, false);
	rows_set(r, 2, Int64GetDatum(agent_id), agent_null);
	rows_set(r, 3, Int64GetDatum(wallet_id), false);
	r->n++;
}

/* the order event of the taker's final state: its status, filled quantity and reason */
static void
final_order_event(Rows *r, int64 order_id, bool agent_null, int64 agent_id, int64 wallet_id,
				  const char *status, Numeric filled, const char *reason)
{
	JsonbParseState *st = jb_begin();

	jb_num_text(&st, "filled_qty", filled);
	jb_text(&st, "reason", reason);
	add_order_event(r, order_id, agent_null, agent_id, wallet_id, status, jb_end(&st));
}

/* what the recording needs of a maker: the P_MAKERS row of fill i */
typedef struct Maker
{
	int64		wallet_id;
	bool		agent_null;
	int64		agent_id;
	char	   *side;
	char	   *coid;
	char	   *status;
} Maker;

PG_FUNCTION_INFO_V1(tc_apply_fill_positions);
/*
 * tradecore._apply_fill_positions(instrument_id, wallet_ids bigint[],
 *     agent_ids bigint[], sides text[], qtys numeric[], prices numeric[],
 *     fees numeric[]): the position bookkeeping of place_order for fills
 *     recorded elsewhere (a live venue's fills, 37_live_orders.sql), entry i
 *     being one side of one fill, in fill order.  One implementation of the
 *     position arithmetic for both paths.
 */
Datum
tc_apply_fill_positions(PG_FUNCTION_ARGS)
{
	int64		instrument_id = PG_GETARG_INT64(0);
	Datum	   *v[6];
	bool	   *nl[6];
	int			n[6];
	static const Oid elem[6] = {INT8OID, INT8OID, TEXTOID, NUMERICOID, NUMERICOID, NUMERICOID};
	Side	   *sides;

	for (int a = 0; a < 6; a++)
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(a + 1);
		int16		typlen;
		bool		typbyval;
		char		typalign;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("fill arrays must be one-dimensional")));
		get_typlenbyvalalign(elem[a], &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elem[a], typlen, typbyval, typalign, &v[a], &nl[a], &n[a]);
		if (n[a] != n[0])
			ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR), errmsg("fill arrays must have the same length")));
	}
	if (n[0] == 0)
		PG_RETURN_VOID();
	sides = palloc(sizeof(Side) * n[0]);
	for (int i = 0; i < n[0]; i++)
	{
		if (nl[0][i] || nl[2][i] || nl[3][i] || nl[4][i] || nl[5][i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("a fill's wallet, side, quantity, price and fee must not be null")));
		sides[i].wallet_id = DatumGetInt64(v[0][i]);
		sides[i].agent_null = nl[1][i];
		sides[i].agent_id = nl[1][i] ? 0 : DatumGetInt64(v[1][i]);
		sides[i].side = TextDatumGetCString(v[2][i]);
		sides[i].qty = DatumGetNumeric(v[3][i]);
		sides[i].price = DatumGetNumeric(v[4][i]);
		sides[i].fee = DatumGetNumeric(v[5][i]);
	}
	SPI_connect();
	apply_positions(instrument_id, sides, n[0]);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * The paper path of place_order: fcinfo holds place_order's arguments, the
 * caller is authorised for the wallet, has resolved the exchange and is
 * connected to SPI.
 */
static int64
place_paper(FunctionCallInfo fcinfo, int32 exchange_id, const char *exchange)
{
	int64		wallet_id;
	char	   *symbol;
	char	   *side;
	Numeric		qty;
	Numeric		price;
	char	   *type;
	char	   *tif;
	char	   *coid;
	bool		agent_null;
	int64		agent_id;
	int64		instrument_id;
	Numeric		tick,
				lot;
	char	   *quote;
	int64		maker_ppm,
				taker_ppm;
	int64		order_id;
	Datum		args[23];
	char		nulls[24];
	bool		isnull;
	PaperBook  *pb;
	TcOrderReq	req;
	TcSubmitResult res;
	const TcFill *f;
	int64		version;
	Numeric		filled,
				notional;
	const char *status;
	const char *reason;
	const char *final_event;
	Side	   *sides;
	int			nsides;
	Maker	   *makers;
	Rows		oev;
	Rows		ev;

	/* the columns these go to are NOT NULL; say so before looking anything up */
	if (PG_ARGISNULL(ARG_WALLET) || PG_ARGISNULL(ARG_SYMBOL) || PG_ARGISNULL(ARG_SIDE) ||
		PG_ARGISNULL(ARG_QTY) || PG_ARGISNULL(ARG_TIF))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("wallet, symbol, side, quantity and time in force of an order must not be null")));
	wallet_id = PG_GETARG_INT64(ARG_WALLET);
	symbol = text_to_cstring(PG_GETARG_TEXT_PP(ARG_SYMBOL));
	side = text_to_cstring(PG_GETARG_TEXT_PP(ARG_SIDE));
	qty = PG_GETARG_NUMERIC(ARG_QTY);
	price = PG_ARGISNULL(ARG_PRICE) ? NULL : PG_GETARG_NUMERIC(ARG_PRICE);
	type = PG_ARGISNULL(ARG_TYPE) ? (price == NULL ? "market" : "limit") : text_to_cstring(PG_GETARG_TEXT_PP(ARG_TYPE));
	tif = text_to_cstring(PG_GETARG_TEXT_PP(ARG_TIF));
	coid = PG_ARGISNULL(ARG_COID) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(ARG_COID));
	agent_null = PG_ARGISNULL(ARG_AGENT);
	agent_id = agent_null ? 0 : PG_GETARG_INT64(ARG_AGENT);

	args[0] = Int32GetDatum(exchange_id);
	args[1] = CStringGetTextDatum(symbol);
	args[2] = Int64GetDatum(wallet_id);
	if (run(P_LOOKUP, args, NULL, true) != SPI_OK_SELECT)
		elog(ERROR, "could not look up instrument \"%s\"", symbol);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no active instrument \"%s\" on exchange \"%s\"", symbol, exchange)));
	instrument_id = DatumGetInt64(col(0, 1, &isnull));
	tick = DatumGetNumeric(col(0, 2, &isnull));
	lot = DatumGetNumeric(col(0, 3, &isnull));
	quote = TextDatumGetCString(col(0, 4, &isnull));
	maker_ppm = tc_fee_bps_to_ppm(DatumGetNumeric(col(0, 5, &isnull)));
	taker_ppm = tc_fee_bps_to_ppm(DatumGetNumeric(col(0, 6, &isnull)));
	if (agent_null)
	{
		Datum		a = col(0, 7, &agent_null);

		agent_id = agent_null ? 0 : DatumGetInt64(a);
	}
	if (!n_finite_positive(qty) || (price != NULL && !n_finite_positive(price)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("quantity and price must be finite and positive")));
	/* a market order carries no price */
	if (strcmp(type, "limit") != 0)
		price = NULL;

	/* a retried client order id returns the first order */
	if (coid != NULL && find_existing(wallet_id, coid, instrument_id, side, type, tif, qty, price, &order_id))
		return order_id;

	/*
	 * Lock the book, then take the order's id: ids follow the order in which
	 * orders reach the book, which is the time priority a rebuilt book
	 * restores (resting orders in id order).
	 */
	if (!tc_parse_side(side, &req.side) || !tc_parse_type(type, &req.type) ||
		!tc_parse_tif(tif, &req.tif))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("unknown side, type or time in force: %s, %s, %s", side, type, tif),
				 errhint("side is buy or sell; type limit or market; time_in_force gtc, ioc, fok or post_only.")));
	req.price = price != NULL ? tc_numeric_to_units(price, tick, "price") : 0;
	req.qty = tc_numeric_to_units(qty, lot, "quantity");
	pb = tc_paper_current_book(instrument_id, exchange_id, -1, tick, lot, maker_ppm, taker_ppm, true);
	order_id = DatumGetInt64(DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(orders_id_seq())));
	req.id = order_id;

	/*
	 * The cache is invalid from the moment the engine changes the book until
	 * the change is recorded: an error in between must not leave a book that
	 * claims the table's version.
	 */
	version = pb->version;
	pb->version = -1;
	tc_book_submit(pb->book, &req, &res);
	tc_paper_bump_version(pb, instrument_id, version);

	/* both sides of every fill, taker first */
	f = tc_book_fills(pb->book);
	nsides = 2 * res.nfills;
	sides = palloc0(sizeof(Side) * Max(nsides, 1));
	makers = palloc0(sizeof(Maker) * Max(res.nfills, 1));
	filled = int64_to_numeric(0);
	notional = int64_to_numeric(0);
	for (int i = 0; i < res.nfills; i++)
	{
		Side	   *t = &sides[2 * i];
		Side	   *m = &sides[2 * i + 1];

		t->wallet_id = wallet_id;
		t->agent_null = agent_null;
		t->agent_id = agent_id;
		t->side = side;
		t->price = tc_units_to_numeric(f[i].price, tick);
		t->qty = tc_units_to_numeric(f[i].qty, lot);
		t->fee = tc_fee_units_to_numeric(f[i].taker_fee, tick, lot);
		*m = *t;
		m->fee = tc_fee_units_to_numeric(f[i].maker_fee, tick, lot);
		filled = n_add(filled, t->qty);
		notional = n_add(notional, n_mul(t->price, t->qty));
	}
	switch (res.outcome)
	{
		case TC_OUT_RESTING:
			status = "open", reason = NULL, final_event = "order.new";
			break;
		case TC_OUT_PARTIAL_RESTING:
			status = "partially_filled", reason = NULL, final_event = "order.new";
			break;
		case TC_OUT_FILLED:
			status = "filled", reason = NULL, final_event = "order.filled";
			break;
		case TC_OUT_CANCELED:
			status = "canceled";
			reason = res.nfills > 0 ? "unfilled remainder canceled" : "no liquidity";
			final_event = "order.canceled";
			break;
		case TC_OUT_REJECTED_POST_ONLY:
			status = "rejected", reason = "post-only order would have taken liquidity",
				final_event = "order.canceled";
			break;
		case TC_OUT_REJECTED_FOK:
			status = "rejected", reason = "fill-or-kill order could not be filled completely",
				final_event = "order.canceled";
			break;
		case TC_OUT_REJECTED_DUPLICATE:
			status = "rejected", reason = "order already on the book", final_event = "order.canceled";
			break;
		default:
			status = "rejected", reason = "invalid price or quantity for the book", final_event = "order.canceled";
			break;
	}

	/* the order, in its final state */
	memset(nulls, ' ', sizeof(nulls));
	args[0] = Int64GetDatum(order_id);
	args[1] = text_or_null(coid, &isnull);
	nulls[1] = isnull ? 'n' : ' ';
	args[2] = Int64GetDatum(agent_id);
	nulls[2] = agent_null ? 'n' : ' ';
	args[3] = Int64GetDatum(wallet_id);
	args[4] = Int64GetDatum(instrument_id);
	args[5] = Int32GetDatum(exchange_id);
	args[6] = CStringGetTextDatum(side);
	args[7] = CStringGetTextDatum(type);
	args[8] = text_or_null(tif, &isnull);
	nulls[8] = isnull ? 'n' : ' ';
	args[9] = NumericGetDatum(price);
	nulls[9] = price == NULL ? 'n' : ' ';
	args[10] = NumericGetDatum(qty);
	args[11] = NumericGetDatum(filled);
	if (res.nfills > 0)
		args[12] = NumericGetDatum(n_div(notional, filled));
	else
		nulls[12] = 'n';
	args[13] = CStringGetTextDatum(status);
	args[14] = text_or_null(reason, &isnull);
	nulls[14] = isnull ? 'n' : ' ';
	if (run(P_INSERT, args, nulls, false) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "could not insert the order");
	if (SPI_processed == 0)
	{
		/*
		 * A concurrent transaction placed this client order id first.  Our
		 * match never happened: the cached book is wrong now, so it is
		 * rebuilt at its next use.
		 */
		pb->version = -1;
		if (!find_existing(wallet_id, coid, instrument_id, side, type, tif, qty, price, &order_id))
			elog(ERROR, "client order id \"%s\" conflicts with an order that cannot be found", coid);
		return order_id;
	}

	/* makers, fills, order events and outbox events */
	memset(nulls, ' ', sizeof(nulls));
	rows_init(&oev, lengthof(order_event_cols), nsides + 2);
	rows_init(&ev, lengthof(event_cols), 3 * res.nfills + 1);
	{
		JsonbParseState *st = jb_begin();

		jb_text(&st, "client_order_id", coid);
		add_order_event(&oev, order_id, agent_null, agent_id, wallet_id, "new", jb_end(&st));
	}
	if (res.nfills > 0)
	{
		int			n = res.nfills;
		Datum	   *c[3];
		Rows		fr;

		/* the makers first: their owners and sides are those of their fills */
		for (int k = 0; k < 3; k++)
			c[k] = palloc(sizeof(Datum) * n);
		for (int i = 0; i < n; i++)
		{
			c[0][i] = Int64GetDatum(f[i].maker_id);
			c[1][i] = NumericGetDatum(sides[2 * i].price);
			c[2][i] = NumericGetDatum(sides[2 * i].qty);
		}
		args[0] = array_of(c[0], NULL, n, INT8OID);
		args[1] = array_of(c[1], NULL, n, NUMERICOID);
		args[2] = array_of(c[2], NULL, n, NUMERICOID);
		if (run(P_MAKERS, args, NULL, false) != SPI_OK_UPDATE_RETURNING || SPI_processed != (uint64) n)
			elog(ERROR, "order " INT64_FORMAT " matched %d makers but %d were updated", order_id, n,
				 (int) SPI_processed);
		for (uint64 row = 0; row < SPI_processed; row++)
		{
			int64		id = DatumGetInt64(col(row, 1, &isnull));
			int			i;
			Datum		d;

			for (i = 0; i < n && f[i].maker_id != id; i++)
				;
			if (i == n)
				elog(ERROR, "order " INT64_FORMAT " updated maker " INT64_FORMAT " it did not match", order_id, id);
			makers[i].wallet_id = DatumGetInt64(col(row, 2, &isnull));
			d = col(row, 3, &makers[i].agent_null);
			makers[i].agent_id = makers[i].agent_null ? 0 : DatumGetInt64(d);
			makers[i].side = TextDatumGetCString(col(row, 4, &isnull));
			makers[i].coid = TextDatumGetCString(col(row, 5, &isnull));
			makers[i].status = TextDatumGetCString(col(row, 6, &isnull));
		}

		rows_init(&fr, lengthof(fill_cols), nsides);
		for (int i = 0; i < n; i++)
		{
			Side	   *t = &sides[2 * i];
			Side	   *m = &sides[2 * i + 1];
			char	   *vfid = psprintf("paper-" INT64_FORMAT "-" INT64_FORMAT, order_id, f[i].maker_id);

			m->wallet_id = makers[i].wallet_id;
			m->agent_null = makers[i].agent_null;
			m->agent_id = makers[i].agent_id;
			m->side = makers[i].side;
			for (int k = 0; k < 2; k++)
			{
				Side	   *x = k == 0 ? t : m;
				int64		own = k == 0 ? order_id : f[i].maker_id;
				int64		counter = k == 0 ? f[i].maker_id : order_id;
				const char *liq = k == 0 ? "taker" : "maker";
				JsonbParseState *st;

				rows_set(&fr, 0, Int64GetDatum(own), false);
				rows_set(&fr, 1, Int64GetDatum(x->wallet_id), false);
				rows_set(&fr, 2, Int64GetDatum(x->agent_id), x->agent_null);
				rows_set(&fr, 3, NumericGetDatum(x->price), false);
				rows_set(&fr, 4, NumericGetDatum(x->qty), false);
				rows_set(&fr, 5, NumericGetDatum(x->fee), false);
				rows_set(&fr, 6, CStringGetTextDatum(liq), false);
				rows_set(&fr, 7, CStringGetTextDatum(vfid), false);
				fr.n++;

				st = jb_begin();
				jb_num_text(&st, "price", x->price);
				jb_num_text(&st, "qty", x->qty);
				jb_text(&st, "liquidity", liq);
				jb_id(&st, "counter_order_id", counter, false);
				add_order_event(&oev, own, x->agent_null, x->agent_id, x->wallet_id, "fill", jb_end(&st));

				st = jb_begin();
				jb_id(&st, "order_id", own, false);
				jb_id(&st, "wallet_id", x->wallet_id, false);
				jb_id(&st, "agent_id", x->agent_id, x->agent_null);
				jb_id(&st, "instrument_id", instrument_id, false);
				jb_text(&st, "side", x->side);
				jb_num_text(&st, "price", x->price);
				jb_num_text(&st, "qty", x->qty);
				jb_text(&st, "liquidity", liq);
				add_event(&ev, "fill", jb_end(&st), x->agent_null, x->agent_id, x->wallet_id);
			}
			if (strcmp(makers[i].status, "filled") == 0)
			{
				JsonbParseState *st = jb_begin();

				jb_id(&st, "order_id", f[i].maker_id, false);
				jb_id(&st, "wallet_id", m->wallet_id, false);
				jb_id(&st, "agent_id", m->agent_id, m->agent_null);
				jb_text(&st, "client_order_id", makers[i].coid);
				add_event(&ev, "order.filled", jb_end(&st), m->agent_null, m->agent_id, m->wallet_id);
			}
		}
		final_order_event(&oev, order_id, agent_null, agent_id, wallet_id, status, filled, reason);
		args[0] = Int64GetDatum(instrument_id);
		args[1] = CStringGetTextDatum(quote);
		rows_arrays(&fr, fill_cols, &args[2]);
		rows_arrays(&oev, order_event_cols, &args[2 + lengthof(fill_cols)]);
		if (run(P_FILLS, args, NULL, false) != SPI_OK_INSERT)
			elog(ERROR, "could not record the fills of order " INT64_FORMAT, order_id);
	}
	else
	{
		final_order_event(&oev, order_id, agent_null, agent_id, wallet_id, status, filled, reason);
		rows_arrays(&oev, order_event_cols, args);
		if (run(P_ORDER_EVENTS, args, NULL, false) != SPI_OK_INSERT)
			elog(ERROR, "could not record order " INT64_FORMAT, order_id);
	}

	/* the taker's outbox event last */
	{
		JsonbParseState *st = jb_begin();

		jb_id(&st, "order_id", order_id, false);
		jb_id(&st, "wallet_id", wallet_id, false);
		jb_id(&st, "agent_id", agent_id, agent_null);
		jb_text(&st, "client_order_id", coid);
		jb_text(&st, "status", status);
		jb_num_text(&st, "filled_qty", filled);
		jb_text(&st, "symbol", symbol);
		add_event(&ev, final_event, jb_end(&st), agent_null, agent_id, wallet_id);
	}
	rows_arrays(&ev, event_cols, args);
	(void) tc_outbox_emit(DatumGetArrayTypeP(args[0]), DatumGetArrayTypeP(args[1]), DatumGetArrayTypeP(args[2]),
						  DatumGetArrayTypeP(args[3]));

	if (nsides > 0)
		apply_positions(instrument_id, sides, nsides);

	return order_id;
}

PG_FUNCTION_INFO_V1(tc_place_order);
/*
 * tradecore.place_order(wallet_id, symbol, side, qty, price, type,
 *     time_in_force, client_order_id, exchange, agent_id) -> order id
 * The order router: authorises the caller for the wallet, resolves the
 * exchange, and places the order on the paper exchange here or queues it for
 * a live venue.
 */
Datum
tc_place_order(PG_FUNCTION_ARGS)
{
	Datum		args[10];
	char		nulls[11];
	bool		isnull;
	int32		exchange_id;
	char	   *exchange;
	char	   *kind;
	int64		order_id;

	SPI_connect();
	tc_authorize_debit(PG_ARGISNULL(ARG_WALLET) ? 0 : PG_GETARG_INT64(ARG_WALLET), PG_ARGISNULL(ARG_WALLET));
	exchange = PG_ARGISNULL(ARG_EXCHANGE) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(ARG_EXCHANGE));
	if (exchange != NULL)
	{
		args[0] = CStringGetTextDatum(exchange);
		if (run(P_EXCHANGE, args, NULL, true) != SPI_OK_SELECT)
			elog(ERROR, "could not look up exchange \"%s\"", exchange);
	}
	if (exchange == NULL || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown or disabled exchange \"%s\"", exchange ? exchange : "<NULL>")));
	exchange_id = DatumGetInt32(col(0, 1, &isnull));
	kind = TextDatumGetCString(col(0, 2, &isnull));

	if (strcmp(kind, "paper") == 0)
		order_id = place_paper(fcinfo, exchange_id, exchange);
	else
	{
		Numeric		price = PG_ARGISNULL(ARG_PRICE) ? NULL : PG_GETARG_NUMERIC(ARG_PRICE);

		memset(nulls, ' ', sizeof(nulls));
		nulls[10] = '\0';
		args[0] = PG_GETARG_DATUM(ARG_WALLET);
		nulls[0] = PG_ARGISNULL(ARG_WALLET) ? 'n' : ' ';
		args[1] = Int32GetDatum(exchange_id);
		for (int i = 0; i < 3; i++)
		{
			static const int from[3] = {ARG_SYMBOL, ARG_SIDE, ARG_QTY};

			args[2 + i] = PG_GETARG_DATUM(from[i]);
			nulls[2 + i] = PG_ARGISNULL(from[i]) ? 'n' : ' ';
		}
		args[5] = NumericGetDatum(price);
		nulls[5] = price == NULL ? 'n' : ' ';
		/* coalesce(type, CASE WHEN price IS NULL THEN 'market' ELSE 'limit' END) */
		args[6] = PG_ARGISNULL(ARG_TYPE) ? CStringGetTextDatum(price == NULL ? "market" : "limit")
			: PG_GETARG_DATUM(ARG_TYPE);
		for (int i = 0; i < 3; i++)
		{
			static const int from[3] = {ARG_TIF, ARG_COID, ARG_AGENT};

			args[7 + i] = PG_GETARG_DATUM(from[i]);
			nulls[7 + i] = PG_ARGISNULL(from[i]) ? 'n' : ' ';
		}
		if (run(P_LIVE, args, nulls, false) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not queue the order for exchange \"%s\"", exchange);
		order_id = DatumGetInt64(col(0, 1, &isnull));
		if (isnull)
			elog(ERROR, "the order for exchange \"%s\" was not queued", exchange);
	}
	SPI_finish();
	PG_RETURN_INT64(order_id);
}
