/*
 * strategies_run.c
 *	  tradecore.run_strategies_core(): the body of run_strategies() after
 *	  the settings check (sql/install/22_run_strategies.sql), in C.
 *
 * What a run does is documented in docs/signals.md; this file does the same
 * as the single SQL statement it replaces, at a fraction of the cost:
 *
 *	 - candle windows are read once per bar interval by tc_read_windows()
 *	   (one scan, rows taken from the executor's slots) into double buffers
 *	   that the strategies read in place: no float8[] per window, no slices;
 *	 - the strategies are called as C functions, not through fmgr, and their
 *	   reasons are finished as JSON text here (jsonb is parsed once, by the
 *	   INSERT);
 *	 - the vote of each instrument is counted here;
 *	 - what needs the database's numeric rules (sizes capped by risk_limits,
 *	   rounded to lots), the risk veto, the two INSERTs and the events are one
 *	   set-based statement over arrays (unnest), planned once per backend.
 *
 * Every statement is prepared once per backend (SPI_keepplan), so only the
 * first run of a session plans.  Errors propagate: the PL/pgSQL caller runs
 * this inside a subtransaction and turns any error into a run.error event.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "indicators.h"
#include "strategies.h"
#include "tc_series.h"

typedef enum StratKind
{
	SK_MOMENTUM,
	SK_MEAN_REVERSION,
	SK_ARBITRAGE,
	SK_PAIRS,
	SK_MARKET_MAKING
} StratKind;

static const char *const kind_names[] = {
	"momentum", "mean_reversion", "arbitrage", "pairs", "market_making"
};

typedef struct Strat
{
	int64		id;
	StratKind	kind;
	bool		agent_null;
	int64		agent_id;
	bool		wallet_null;
	int64		wallet_id;
	Jsonb	   *params;
	Interval   *iv;
	int			win;
	double		budget;
	int64	   *inst;			/* instrument_ids as given (pairs read them in order) */
	bool	   *inst_null;
	int			ninst;
	int64	   *cov;			/* distinct non-NULL instrument ids, sorted */
	int			ncov;
	int			group;
	int			evaluations;
	int			signals;
	int			non_flat;
} Strat;

/* one bar interval: the windows of every instrument its strategies cover */
typedef struct IvGroup
{
	Interval   *iv;
	int			win;			/* the largest window of its strategies */
	TcWindows	w;
	int			wrow0;			/* window row of w.ids[0] */
} IvGroup;

/* growable columns of the rows handed to the final statement */
typedef struct Col
{
	Datum	   *v;
	bool	   *isnull;
	int			n;
	int			cap;
} Col;

static void
col_push(Col *c, Datum v, bool isnull)
{
	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = c->v ? repalloc(c->v, sizeof(Datum) * c->cap) : palloc(sizeof(Datum) * c->cap);
		c->isnull = c->isnull ? repalloc(c->isnull, sizeof(bool) * c->cap) :
			palloc(sizeof(bool) * c->cap);
	}
	c->v[c->n] = v;
	c->isnull[c->n] = isnull;
	c->n++;
}

static Datum
col_array(Col *c, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {c->n};
	int			lbs[1] = {1};

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	if (c->n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	return PointerGetDatum(construct_md_array(c->v, c->isnull, 1, dims, lbs, elemtype,
											  typlen, typbyval, typalign));
}

/* one signal row, and what the vote needs of it */
typedef struct SigRow
{
	int			strat;
	int64		inst;
	int			direction;
	double		strength;
	double		confidence;
} SigRow;

typedef struct Run
{
	int64		run_id;
	TimestampTz at;
	Strat	   *s;
	int			ns;
	IvGroup	   *g;
	int			ng;
	int			nwrows;
	/* window rows */
	Col			w_inst,
				w_sigma,
				w_price;
	/* signal rows */
	Col			s_strategy,
				s_inst,
				s_agent,
				s_dir,
				s_strength,
				s_conf,
				s_budget,
				s_reason,
				s_wrow;
	SigRow	   *rows;
	int			nrows;
	int			caprows;
	MemoryContext scratch;		/* one evaluation's memory */
	MemoryContext keep;			/* the run's */
} Run;

/* kept plans, prepared on a backend's first run */
static SPIPlanPtr active_plan = NULL;
static SPIPlanPtr positions_plan = NULL;
static SPIPlanPtr venues_plan = NULL;
static SPIPlanPtr write_plan = NULL;

static SPIPlanPtr
keep_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	if (*slot == NULL)
	{
		/*
		 * Custom plans: the arrays' real lengths decide the joins; a generic
		 * plan would assume ten elements.
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN);

		if (p == NULL)
			elog(ERROR, "run_strategies: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static int
sort_distinct(int64 *v, int n)
{
	int			u = 0;

	qsort(v, n, sizeof(int64), int64_cmp);
	for (int i = 0; i < n; i++)
		if (u == 0 || v[u - 1] != v[i])
			v[u++] = v[i];
	return u;
}

static bool
in_sorted(const int64 *v, int n, int64 x)
{
	return n > 0 && bsearch(&x, v, n, sizeof(int64), int64_cmp) != NULL;
}

/* ---------------------------------------------------------------------
 * Reason text
 * --------------------------------------------------------------------- */

/* the strategy's reason object closed after the extra members, as text in the run's context */
static Datum
reason_text(Run *run, TcSignal *sig, const char *extra)
{
	Size		len = sig->reason.len + strlen(extra) + 1;
	text	   *t = MemoryContextAlloc(run->keep, VARHDRSZ + len);
	char	   *p = VARDATA(t);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(p, sig->reason.data, sig->reason.len);
	p += sig->reason.len;
	memcpy(p, extra, strlen(extra));
	p[strlen(extra)] = '}';
	return PointerGetDatum(t);
}

/*
 * Index of the first bar of the newest run in which every series is finite,
 * as the SQL wrappers (strategies_sql.c) cut their windows.
 */
static int
finite_tail(const double *a, const double *b, int n)
{
	int			start = n;

	while (start > 0 && isfinite(a[start - 1]) && (b == NULL || isfinite(b[start - 1])))
		start--;
	return start;
}

/* ---------------------------------------------------------------------
 * Signal rows
 * --------------------------------------------------------------------- */

static void
add_signal(Run *run, int si, int64 inst, int wrow, int direction, double strength,
		   double confidence, Datum reason, int weight)
{
	Strat	   *s = &run->s[si];
	SigRow	   *r;

	if (run->nrows == run->caprows)
	{
		run->caprows = run->caprows ? run->caprows * 2 : 1024;
		run->rows = run->rows ? repalloc(run->rows, sizeof(SigRow) * run->caprows) :
			MemoryContextAlloc(run->keep, sizeof(SigRow) * run->caprows);
	}
	r = &run->rows[run->nrows++];
	r->strat = si;
	r->inst = inst;
	r->direction = direction;
	r->strength = strength;
	r->confidence = confidence;

	col_push(&run->s_strategy, Int64GetDatum(s->id), false);
	col_push(&run->s_inst, Int64GetDatum(inst), false);
	col_push(&run->s_agent, Int64GetDatum(s->agent_id), s->agent_null);
	col_push(&run->s_dir, Int16GetDatum((int16) direction), false);
	col_push(&run->s_strength, Float8GetDatum(strength), false);
	col_push(&run->s_conf, Float8GetDatum(confidence), false);
	col_push(&run->s_budget, Float8GetDatum(s->budget), false);
	col_push(&run->s_reason, reason, false);
	col_push(&run->s_wrow, Int32GetDatum(wrow + 1), wrow < 0);	/* 1-based, as WITH ORDINALITY */
	s->evaluations += weight;
	s->signals++;
	if (direction != 0)
		s->non_flat++;
}

/* window row of an instrument in a group, -1 if it has none (inactive or not covered) */
static int
window_of(Run *run, IvGroup *g, int64 inst, int *idx)
{
	int			i = tc_windows_find(&g->w, inst);

	if (idx)
		*idx = i;
	return i < 0 ? -1 : g->wrow0 + i;
}

/* ---------------------------------------------------------------------
 * Candle strategies: momentum, mean reversion, market making
 * --------------------------------------------------------------------- */

typedef struct Position
{
	int64		wallet;
	int64		inst;
	double		qty;
} Position;

static int
position_cmp(const void *a, const void *b)
{
	const Position *x = a,
			   *y = b;

	if (x->wallet != y->wallet)
		return (x->wallet > y->wallet) - (x->wallet < y->wallet);
	return (x->inst > y->inst) - (x->inst < y->inst);
}

static void
run_candle(Run *run, int si, Position *pos, int npos)
{
	Strat	   *s = &run->s[si];
	IvGroup	   *g = &run->g[s->group];

	for (int c = 0; c < s->ncov; c++)
	{
		int			i;
		int			wrow = window_of(run, g, s->cov[c], &i);
		int64		first,
					m,
					len;
		const double *cl,
				   *vo;
		int			st;
		TcSignal	sig;
		MemoryContext old;
		char		extra[128];
		Datum		reason;

		if (wrow < 0)
			continue;			/* inactive instrument */
		CHECK_FOR_INTERRUPTS();
		first = g->w.start[i];
		m = g->w.end[i] - first;
		len = Min(m, (int64) s->win);	/* the strategy's own window: the tail */
		cl = g->w.close + first + (m - len);
		vo = g->w.volume + first + (m - len);

		old = MemoryContextSwitchTo(run->scratch);
		tc_signal_init(&sig, kind_names[s->kind]);
		switch (s->kind)
		{
			case SK_MOMENTUM:
				st = finite_tail(cl, vo, (int) len);
				if (st > 0)
					tc_reason_int(&sig, "bars_used", len - st);
				tc_momentum(cl + st, vo + st, (int) len - st, s->params, &sig);
				break;
			case SK_MEAN_REVERSION:
				st = finite_tail(cl, NULL, (int) len);
				if (st > 0)
					tc_reason_int(&sig, "bars_used", len - st);
				tc_mean_reversion(cl + st, (int) len - st, s->params, &sig);
				break;
			default:
				{
					double		inventory = 0.0;

					if (!s->wallet_null && npos > 0)
					{
						Position	key = {s->wallet_id, s->cov[c], 0.0};
						Position   *p = bsearch(&key, pos, npos, sizeof(Position), position_cmp);

						if (p)
							inventory = p->qty;
					}
					st = finite_tail(cl, NULL, (int) len);
					if (st > 0)
						tc_reason_int(&sig, "bars_used", len - st);
					tc_market_making(cl + st, (int) len - st, inventory, s->params, &sig);
				}
				break;
		}
		/* what run_strategies adds: the window's length and its newest bar */
		if (m > 0)
		{
			char		tsbuf[MAXDATELEN + 1];

			JsonEncodeDateTime(tsbuf, TimestampTzGetDatum(g->w.ts[first + m - 1]),
							   TIMESTAMPTZOID, NULL);
			snprintf(extra, sizeof(extra), ", \"bars\": " INT64_FORMAT ", \"last_bar\": \"%s\"",
					 len, tsbuf);
		}
		else
			snprintf(extra, sizeof(extra), ", \"bars\": 0, \"last_bar\": null");
		reason = reason_text(run, &sig, extra);
		MemoryContextSwitchTo(old);
		add_signal(run, si, s->cov[c], wrow, sig.direction, sig.strength, sig.confidence,
				   reason, 1);
		MemoryContextReset(run->scratch);
	}
}

/* ---------------------------------------------------------------------
 * Pairs: instrument_ids two by two, the legs aligned on bar time
 * --------------------------------------------------------------------- */

static void
run_pairs(Run *run, int si)
{
	Strat	   *s = &run->s[si];
	IvGroup	   *g = &run->g[s->group];

	for (int k = 0; k + 1 < s->ninst; k += 2)
	{
		int			ia,
					ib,
					wa,
					wb;
		int64		a = s->inst[k],
					b = s->inst[k + 1];
		int64		fa,
					fb,
					ma,
					mb;
		double	   *ca,
				   *cb;
		int			n = 0,
					st;
		bool		same;
		TcSignal	sig;
		MemoryContext old;
		char		extra[96];
		Datum		ra,
					rb;

		if (s->inst_null[k] || s->inst_null[k + 1])
			continue;
		wa = window_of(run, g, a, &ia);
		wb = window_of(run, g, b, &ib);
		if (wa < 0 || wb < 0)
			continue;			/* an inactive leg */
		CHECK_FOR_INTERRUPTS();
		fa = g->w.start[ia];
		ma = g->w.end[ia] - fa;
		fb = g->w.start[ib];
		mb = g->w.end[ib] - fb;
		if (ma == 0 && mb == 0)
			continue;			/* no bars on either leg: nothing to evaluate */

		old = MemoryContextSwitchTo(run->scratch);
		same = ma == mb && memcmp(g->w.ts + fa, g->w.ts + fb, sizeof(TimestampTz) * ma) == 0;
		if (same)
		{
			/* the usual case: both legs have the very same bars */
			n = (int) Min(ma, (int64) s->win);
			ca = g->w.close + fa + (ma - n);
			cb = g->w.close + fb + (mb - n);
		}
		else
		{
			/* join on bar time from the newest bar back, at most win bars */
			int64		x = ma - 1,
						y = mb - 1;
			int			cap = (int) Min(Min(ma, mb), (int64) s->win);

			ca = palloc(sizeof(double) * Max(cap, 1));
			cb = palloc(sizeof(double) * Max(cap, 1));
			while (x >= 0 && y >= 0 && n < cap)
			{
				TimestampTz tx = g->w.ts[fa + x],
							ty = g->w.ts[fb + y];

				if (tx == ty)
				{
					ca[cap - 1 - n] = g->w.close[fa + x];
					cb[cap - 1 - n] = g->w.close[fb + y];
					n++;
					x--;
					y--;
				}
				else if (tx > ty)
					x--;
				else
					y--;
			}
			ca += cap - n;
			cb += cap - n;
		}
		tc_signal_init(&sig, "pairs");
		st = finite_tail(ca, cb, n);
		if (st > 0)
			tc_reason_int(&sig, "bars_used", n - st);
		tc_pairs(ca + st, cb + st, n - st, s->params, &sig);

		/* one evaluation, a signal per leg: b gets the opposite direction */
		snprintf(extra, sizeof(extra), ", \"leg\": \"a\", \"other_instrument_id\": " INT64_FORMAT, b);
		ra = reason_text(run, &sig, extra);
		snprintf(extra, sizeof(extra), ", \"leg\": \"b\", \"other_instrument_id\": " INT64_FORMAT, a);
		rb = reason_text(run, &sig, extra);
		MemoryContextSwitchTo(old);
		add_signal(run, si, a, wa, sig.direction, sig.strength, sig.confidence, ra, 1);
		add_signal(run, si, b, wb, -sig.direction, sig.strength, sig.confidence, rb, 0);
		MemoryContextReset(run->scratch);
	}
}

/* ---------------------------------------------------------------------
 * Arbitrage: the newest quote of every venue of the instrument's symbol
 * --------------------------------------------------------------------- */

static void
run_arbitrage(Run *run)
{
	Col			self = {0},
				params = {0},
				strat = {0};
	Oid			argtypes[3] = {INT8ARRAYOID, JSONBARRAYOID, TIMESTAMPTZOID};
	Datum		args[3];
	int			rc;
	uint64		nrows;
	double	   *col[4];
	int64	   *vids;

	for (int si = 0; si < run->ns; si++)
	{
		Strat	   *s = &run->s[si];

		if (s->kind != SK_ARBITRAGE)
			continue;
		for (int c = 0; c < s->ncov; c++)
		{
			col_push(&self, Int64GetDatum(s->cov[c]), false);
			col_push(&params, JsonbPGetDatum(s->params), false);
			col_push(&strat, Int32GetDatum(si), false);
		}
	}
	if (self.n == 0)
		return;

	/*
	 * One row per (instrument, venue quoting its symbol), venues in id order
	 * (the venue numbers the strategy reports); a venue without a quote newer
	 * than max_quote_age_s has NULL bid/ask and is left out by the strategy.
	 * Plain rows grouped here: an ordered aggregate per instrument would
	 * cost a sort each.
	 */
	keep_plan(&venues_plan,
			  "SELECT u.k::int4, v.id, t.bid::float8, t.ask::float8, e.taker_fee_bps::float8,"
			  "       e.withdrawal_fee_bps::float8"
			  "  FROM unnest($1, $2) WITH ORDINALITY AS u(self_id, params, k)"
			  "  JOIN tradecore.instruments c ON c.id = u.self_id AND c.active"
			  "  JOIN tradecore.instruments v ON v.symbol = c.symbol AND v.active"
			  "  JOIN tradecore.exchanges e ON e.id = v.exchange_id AND e.enabled"
			  "  LEFT JOIN LATERAL ("
			  "      SELECT mt.bid, mt.ask FROM tradecore.market_ticks mt"
			  "       WHERE mt.instrument_id = v.id AND mt.ts <= $3"
			  "         AND mt.ts > $3 - make_interval(secs => coalesce((u.params ->> 'max_quote_age_s')::float8, 60))"
			  "       ORDER BY mt.ts DESC LIMIT 1) t ON true"
			  " ORDER BY u.k, v.id",
			  3, argtypes);
	args[0] = col_array(&self, INT8OID);
	args[1] = col_array(&params, JSONBOID);
	args[2] = TimestampTzGetDatum(run->at);
	rc = SPI_execute_plan(venues_plan, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "run_strategies: reading quotes failed: %s", SPI_result_code_string(rc));
	nrows = SPI_processed;
	for (int j = 0; j < 4; j++)
		col[j] = palloc(sizeof(double) * Max(nrows, 1));
	vids = palloc(sizeof(int64) * Max(nrows, 1));

	for (uint64 r = 0, e; r < nrows; r = e)
	{
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		int			k = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], td, 1, &isnull)) - 1;
		int			si;
		Strat	   *s;
		int64		self_id;
		int			nv = 0,
					venue = 0,
					wrow;
		TcSignal	sig;
		MemoryContext old;
		StringInfoData extra;
		Datum		reason;

		if (k < 0 || k >= self.n)
			elog(ERROR, "run_strategies: quote row for an instrument not asked for");
		si = DatumGetInt32(strat.v[k]);
		s = &run->s[si];
		self_id = DatumGetInt64(self.v[k]);

		/* this instrument's venues; a NULL quote or fee becomes NaN (left out) */
		for (e = r; e < nrows; e++, nv++)
		{
			HeapTuple	tup = SPI_tuptable->vals[e];

			if (DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull)) - 1 != k)
				break;
			vids[nv] = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
			if (vids[nv] == self_id)
				venue = nv + 1;
			for (int j = 0; j < 4; j++)
			{
				Datum		d = SPI_getbinval(tup, td, j + 3, &isnull);

				col[j][nv] = isnull ? NAN : DatumGetFloat8(d);
			}
		}
		old = MemoryContextSwitchTo(run->scratch);
		tc_signal_init(&sig, "arbitrage");
		tc_arbitrage(col[0], col[1], col[2], col[3], nv, venue, s->params, &sig);
		initStringInfo(&extra);
		appendStringInfoString(&extra, ", \"venue_instrument_ids\": [");
		for (int v = 0; v < nv; v++)
			appendStringInfo(&extra, "%s" INT64_FORMAT, v ? ", " : "", vids[v]);
		appendStringInfoChar(&extra, ']');
		reason = reason_text(run, &sig, extra.data);
		MemoryContextSwitchTo(old);
		wrow = window_of(run, &run->g[s->group], self_id, NULL);
		add_signal(run, si, self_id, wrow, sig.direction, sig.strength, sig.confidence, reason, 1);
		MemoryContextReset(run->scratch);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* ---------------------------------------------------------------------
 * The run
 * --------------------------------------------------------------------- */

static int
sigrow_cmp(const void *a, const void *b, void *arg)
{
	const SigRow *x = a,
			   *y = b;
	const Strat *s = arg;

	if (x->inst != y->inst)
		return (x->inst > y->inst) - (x->inst < y->inst);
	if (s[x->strat].id != s[y->strat].id)
		return (s[x->strat].id > s[y->strat].id) - (s[x->strat].id < s[y->strat].id);
	return 0;
}

static int
group_cmp(const void *a, const void *b)
{
	return DatumGetInt32(DirectFunctionCall2(interval_cmp,
											 IntervalPGetDatum(((const IvGroup *) a)->iv),
											 IntervalPGetDatum(((const IvGroup *) b)->iv)));
}

static void
array_arg(FunctionCallInfo fcinfo, int argno, Oid elemtype, int expect, Datum **d, bool **nulls)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;
	ArrayType  *a;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("run_strategies_core arguments must not be NULL")));
	a = PG_GETARG_ARRAYTYPE_P(argno);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, d, nulls, &n);
	if (expect >= 0 && n != expect)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("run_strategies_core arrays must have one element per strategy")));
}

PG_FUNCTION_INFO_V1(tc_sql_run_strategies_core);
Datum
tc_sql_run_strategies_core(PG_FUNCTION_ARGS)
{
	Run			run;
	Datum	   *d_ids,
			   *d_kinds,
			   *d_agents,
			   *d_wallets,
			   *d_params,
			   *d_ivs,
			   *d_wins,
			   *d_budgets,
			   *d_inst,
			   *d_ends;
	bool	   *n_ids,
			   *n_kinds,
			   *n_agents,
			   *n_wallets,
			   *n_params,
			   *n_ivs,
			   *n_wins,
			   *n_budgets,
			   *n_inst,
			   *n_ends;
	int			ns,
				ninst;
	int64	   *allcov;
	int			nallcov = 0,
				nactive = 0;
	int64	   *active;
	Position   *pos = NULL;
	int			npos = 0;
	Col			d_inst_c = {0},
				d_score = {0},
				d_budget = {0},
				d_votes = {0},
				d_wrow = {0},
				e_id = {0},
				e_name = {0},
				e_kind = {0},
				e_evals = {0},
				e_sigs = {0},
				e_nonflat = {0},
				e_agent = {0},
				e_wallet = {0};
	Datum	   *d_names;
	bool	   *n_names;
	int			evaluations = 0,
				decisions = 0,
				actionable = 0,
				vetoed = 0;
	TupleDesc	td;
	TimestampTz t0,
				t1,
				t2,
				t3;
	Datum		result[5];
	bool		rnulls[5] = {false, false, false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("run_strategies_core arguments must not be NULL")));
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));

	memset(&run, 0, sizeof(run));
	run.run_id = PG_GETARG_INT64(0);
	run.at = PG_GETARG_TIMESTAMPTZ(1);
	if (TIMESTAMP_NOT_FINITE(run.at))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("run_strategies needs a finite evaluation time")));
	run.keep = CurrentMemoryContext;
	run.scratch = AllocSetContextCreate(CurrentMemoryContext, "run_strategies evaluation",
										ALLOCSET_DEFAULT_SIZES);

	/* the strategies that passed the settings check, as parallel arrays */
	array_arg(fcinfo, 2, INT8OID, -1, &d_ids, &n_ids);
	ns = ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(2)), ARR_DIMS(PG_GETARG_ARRAYTYPE_P(2)));
	array_arg(fcinfo, 3, TEXTOID, ns, &d_names, &n_names);
	array_arg(fcinfo, 4, TEXTOID, ns, &d_kinds, &n_kinds);
	array_arg(fcinfo, 5, INT8OID, ns, &d_agents, &n_agents);
	array_arg(fcinfo, 6, INT8OID, ns, &d_wallets, &n_wallets);
	array_arg(fcinfo, 7, JSONBOID, ns, &d_params, &n_params);
	array_arg(fcinfo, 8, INTERVALOID, ns, &d_ivs, &n_ivs);
	array_arg(fcinfo, 9, INT4OID, ns, &d_wins, &n_wins);
	array_arg(fcinfo, 10, FLOAT8OID, ns, &d_budgets, &n_budgets);
	array_arg(fcinfo, 11, INT8OID, -1, &d_inst, &n_inst);
	ninst = ArrayGetNItems(ARR_NDIM(PG_GETARG_ARRAYTYPE_P(11)), ARR_DIMS(PG_GETARG_ARRAYTYPE_P(11)));
	array_arg(fcinfo, 12, INT4OID, ns, &d_ends, &n_ends);

	run.ns = ns;
	run.s = palloc0(sizeof(Strat) * Max(ns, 1));
	allcov = palloc(sizeof(int64) * Max(ninst, 1));
	for (int i = 0, from = 0; i < ns; i++)
	{
		Strat	   *s = &run.s[i];
		char	   *kind;
		int			to;

		if (n_ids[i] || n_kinds[i] || n_params[i] || n_ivs[i] || n_wins[i] || n_budgets[i] ||
			n_ends[i] || n_names[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("run_strategies_core: strategy settings must not be NULL")));
		s->id = DatumGetInt64(d_ids[i]);
		kind = TextDatumGetCString(d_kinds[i]);
		s->kind = SK_MOMENTUM;
		while (s->kind < SK_MARKET_MAKING && strcmp(kind, kind_names[s->kind]) != 0)
			s->kind++;
		if (strcmp(kind, kind_names[s->kind]) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown strategy kind \"%s\"", kind)));
		s->agent_null = n_agents[i];
		s->agent_id = n_agents[i] ? 0 : DatumGetInt64(d_agents[i]);
		s->wallet_null = n_wallets[i];
		s->wallet_id = n_wallets[i] ? 0 : DatumGetInt64(d_wallets[i]);
		s->params = DatumGetJsonbP(d_params[i]);
		s->iv = DatumGetIntervalP(d_ivs[i]);
		s->win = DatumGetInt32(d_wins[i]);
		s->budget = DatumGetFloat8(d_budgets[i]);
		if (s->win < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("strategy %lld has a window below 2 bars", (long long) s->id)));
		to = DatumGetInt32(d_ends[i]);
		if (to < from || to > ninst)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("run_strategies_core: instrument_ends out of range")));
		s->ninst = to - from;
		s->inst = palloc(sizeof(int64) * Max(s->ninst, 1));
		s->inst_null = palloc(sizeof(bool) * Max(s->ninst, 1));
		s->cov = palloc(sizeof(int64) * Max(s->ninst, 1));
		for (int k = 0; k < s->ninst; k++)
		{
			s->inst_null[k] = n_inst[from + k];
			s->inst[k] = n_inst[from + k] ? 0 : DatumGetInt64(d_inst[from + k]);
			if (!s->inst_null[k])
			{
				s->cov[s->ncov++] = s->inst[k];
				allcov[nallcov++] = s->inst[k];
			}
		}
		s->ncov = sort_distinct(s->cov, s->ncov);
		from = to;
	}
	nallcov = sort_distinct(allcov, nallcov);

	t0 = GetCurrentTimestamp();
	SPI_connect();

	/* which covered instruments are active */
	active = palloc(sizeof(int64) * Max(nallcov, 1));
	if (nallcov > 0)
	{
		Oid			t[1] = {INT8ARRAYOID};
		Datum		a[1];
		Col			ids = {0};
		int			rc;

		for (int i = 0; i < nallcov; i++)
			col_push(&ids, Int64GetDatum(allcov[i]), false);
		a[0] = col_array(&ids, INT8OID);
		keep_plan(&active_plan,
				  "SELECT id FROM tradecore.instruments WHERE id = ANY ($1) AND active ORDER BY id",
				  1, t);
		rc = SPI_execute_plan(active_plan, a, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "run_strategies: reading instruments failed: %s", SPI_result_code_string(rc));
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;

			active[nactive++] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
															SPI_tuptable->tupdesc, 1, &isnull));
		}
		SPI_freetuptable(SPI_tuptable);
	}

	/* one group per bar interval, in ascending order (decisions prefer the shortest) */
	run.g = palloc0(sizeof(IvGroup) * Max(ns, 1));
	for (int i = 0; i < ns; i++)
	{
		Strat	   *s = &run.s[i];
		int			j;

		for (j = 0; j < run.ng; j++)
			if (DatumGetBool(DirectFunctionCall2(interval_eq, IntervalPGetDatum(run.g[j].iv),
												 IntervalPGetDatum(s->iv))))
				break;
		if (j == run.ng)
		{
			run.g[j].iv = s->iv;
			run.ng++;
		}
	}
	qsort(run.g, run.ng, sizeof(IvGroup), group_cmp);
	for (int j = 0; j < run.ng; j++)
	{
		IvGroup	   *g = &run.g[j];
		int64	   *ids;
		int			nids = 0,
					room = 1;

		for (int i = 0; i < ns; i++)
			room += run.s[i].ncov;
		ids = palloc(sizeof(int64) * room);

		for (int i = 0; i < ns; i++)
		{
			Strat	   *s = &run.s[i];

			if (!DatumGetBool(DirectFunctionCall2(interval_eq, IntervalPGetDatum(g->iv),
												  IntervalPGetDatum(s->iv))))
				continue;
			s->group = j;
			if (s->ncov == 0)
				continue;
			g->win = Max(g->win, s->win);
			for (int c = 0; c < s->ncov; c++)
				if (in_sorted(active, nactive, s->cov[c]))
					ids[nids++] = s->cov[c];
		}
		g->wrow0 = run.nwrows;
		/* the windows; an instrument without bars gets an empty one */
		tc_read_windows(ids, nids, g->iv, Max(g->win, 1), run.at, false, &g->w);
		run.nwrows += g->w.n;

		for (int i = 0; i < g->w.n; i++)
		{
			int64		first = g->w.start[i],
						m = g->w.end[i] - first;
			const double *cl = g->w.close + first;
			double		sigma = NAN;

			/* sizing's volatility: realized_volatility(closes, least(100, bars - 1)) */
			if (m >= 2)
			{
				int			st = finite_tail(cl, NULL, (int) m);

				sigma = tc_log_return_sigma(cl + st, (int) (m - st), (int) Min(100, m - 1));
			}
			col_push(&run.w_inst, Int64GetDatum(g->w.ids[i]), false);
			col_push(&run.w_sigma, Float8GetDatum(sigma), isnan(sigma));
			col_push(&run.w_price, Float8GetDatum(m > 0 ? cl[m - 1] : 0.0), m == 0);
		}
	}

	t1 = GetCurrentTimestamp();

	/* inventories for market making */
	{
		Col			wallets = {0};

		for (int i = 0; i < ns; i++)
			if (run.s[i].kind == SK_MARKET_MAKING && !run.s[i].wallet_null && run.s[i].ncov > 0)
				col_push(&wallets, Int64GetDatum(run.s[i].wallet_id), false);
		if (wallets.n > 0)
		{
			Oid			t[1] = {INT8ARRAYOID};
			Datum		a[1];
			int			rc;

			a[0] = col_array(&wallets, INT8OID);
			keep_plan(&positions_plan,
					  "SELECT wallet_id, instrument_id, qty::float8 FROM tradecore.trading_positions"
					  " WHERE wallet_id = ANY ($1)",
					  1, t);
			rc = SPI_execute_plan(positions_plan, a, NULL, false, 0);
			if (rc != SPI_OK_SELECT)
				elog(ERROR, "run_strategies: reading positions failed: %s", SPI_result_code_string(rc));
			pos = palloc(sizeof(Position) * Max(SPI_processed, 1));
			for (uint64 r = 0; r < SPI_processed; r++)
			{
				HeapTuple	tup = SPI_tuptable->vals[r];
				bool		isnull;

				pos[npos].wallet = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
				pos[npos].inst = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
				pos[npos].qty = DatumGetFloat8(SPI_getbinval(tup, SPI_tuptable->tupdesc, 3, &isnull));
				npos++;
			}
			SPI_freetuptable(SPI_tuptable);
			qsort(pos, npos, sizeof(Position), position_cmp);
		}
	}

	/* evaluate */
	for (int i = 0; i < ns; i++)
	{
		switch (run.s[i].kind)
		{
			case SK_MOMENTUM:
			case SK_MEAN_REVERSION:
			case SK_MARKET_MAKING:
				run_candle(&run, i, pos, npos);
				break;
			case SK_PAIRS:
				run_pairs(&run, i);
				break;
			case SK_ARBITRAGE:
				break;
		}
	}
	run_arbitrage(&run);

	/*
	 * The vote per instrument: score = sum(direction * strength * confidence)
	 * / sum(confidence) over its signals, budget the mean over the non-flat
	 * ones; decisions size with the window of the shortest interval that has
	 * a volatility.
	 */
	if (run.nrows > 0)
	{
		SigRow	   *rows = palloc(sizeof(SigRow) * run.nrows);

		memcpy(rows, run.rows, sizeof(SigRow) * run.nrows);
		qsort_arg(rows, run.nrows, sizeof(SigRow), sigrow_cmp, run.s);
		for (int a = 0, b; a < run.nrows; a = b)
		{
			double		num = 0.0,
						den = 0.0,
						bsum = 0.0;
			int			bn = 0,
						wrow = -1;
			StringInfoData votes;

			initStringInfo(&votes);
			appendStringInfoChar(&votes, '[');
			for (b = a; b < run.nrows && rows[b].inst == rows[a].inst; b++)
			{
				SigRow	   *r = &rows[b];
				Strat	   *s = &run.s[r->strat];

				num += (double) r->direction * r->strength * r->confidence;
				den += r->confidence;
				if (r->direction != 0)
				{
					bsum += s->budget;
					bn++;
				}
				/* numbers as to_jsonb writes a float8 (float8out) */
				appendStringInfo(&votes, "%s{\"strategy_id\": " INT64_FORMAT
								 ", \"direction\": %d, \"strength\": %s, \"confidence\": %s}",
								 b > a ? ", " : "", s->id, r->direction,
								 float8out_internal(r->strength), float8out_internal(r->confidence));
			}
			appendStringInfoChar(&votes, ']');
			for (int j = 0; j < run.ng && wrow < 0; j++)
			{
				int			k = window_of(&run, &run.g[j], rows[a].inst, NULL);

				if (k >= 0 && !run.w_sigma.isnull[k])
					wrow = k;
			}
			for (int j = 0; j < run.ng && wrow < 0; j++)
				wrow = window_of(&run, &run.g[j], rows[a].inst, NULL);

			col_push(&d_inst_c, Int64GetDatum(rows[a].inst), false);
			col_push(&d_score, Float8GetDatum(den != 0.0 ? num / den : 0.0), false);
			col_push(&d_budget, Float8GetDatum(bn ? bsum / bn : 0.0), bn == 0);
			col_push(&d_votes, PointerGetDatum(cstring_to_text_with_len(votes.data, votes.len)), false);
			col_push(&d_wrow, Int32GetDatum(wrow + 1), wrow < 0);
			decisions++;
		}
	}

	t2 = GetCurrentTimestamp();

	/* run.step per strategy */
	for (int i = 0; i < ns; i++)
	{
		Strat	   *s = &run.s[i];

		evaluations += s->evaluations;
		col_push(&e_id, Int64GetDatum(s->id), false);
		col_push(&e_name, d_names[i], false);
		col_push(&e_kind, d_kinds[i], false);
		col_push(&e_evals, Int32GetDatum(s->evaluations), false);
		col_push(&e_sigs, Int32GetDatum(s->signals), false);
		col_push(&e_nonflat, Int32GetDatum(s->non_flat), false);
		col_push(&e_agent, Int64GetDatum(s->agent_id), s->agent_null);
		col_push(&e_wallet, Int64GetDatum(s->wallet_id), s->wallet_null);
	}

	/* sizes, veto, the two INSERTs and the events: one statement */
	{
		Oid			t[27] = {INT8OID, TIMESTAMPTZOID,
			INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID,
			INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT2ARRAYOID, FLOAT8ARRAYOID,
			FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
			INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID,
			INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID,
		INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};
		Datum		a[27];
		int			rc;
		bool		isnull;

		keep_plan(&write_plan,
				  "WITH w AS MATERIALIZED ("
				  "    SELECT u.k, u.sigma, u.price, i.lot_size,"
				  "           least((SELECT min(l.limit_value) FROM tradecore.risk_limits l"
				  "                   WHERE l.active AND l.kind = 'max_position_qty'"
				  "                     AND (l.scope = 'global' OR (l.scope = 'instrument' AND l.scope_id = i.id))),"
				  "                 (SELECT min(l.limit_value) FROM tradecore.risk_limits l"
				  "                   WHERE l.active AND l.kind = 'max_order_notional'"
				  "                     AND (l.scope = 'global' OR (l.scope = 'instrument' AND l.scope_id = i.id)))"
				  "                   / nullif(u.price, 0)::numeric) AS cap,"
				  "           EXISTS (SELECT 1 FROM tradecore.circuit_breakers b"
				  "                    WHERE b.state = 'open'"
				  "                      AND (b.scope = 'global'"
				  "                           OR (b.scope = 'instrument' AND b.scope_id = i.id)"
				  "                           OR (b.scope = 'exchange' AND b.scope_id = i.exchange_id))) AS halted"
				  "      FROM unnest($3, $4, $5) WITH ORDINALITY AS u(inst, sigma, price, k)"
				  "      JOIN tradecore.instruments i ON i.id = u.inst"
				  "), sig AS ("
				  "    INSERT INTO tradecore.trading_signals"
				  "           (ts, strategy_id, instrument_id, agent_id, direction, strength, confidence, size, reason, run_id)"
				  "    SELECT $2, s.sid, s.inst, s.agent, s.dir, s.str, s.conf,"
				  "           CASE WHEN s.dir <> 0 THEN"
				  "               least(tradecore.vol_target_size(s.str * s.conf, s.budget, w.sigma, w.price, w.cap, w.lot_size), w.cap)"
				  "           END,"
				  "           s.reason::jsonb, $1"
				  "      FROM unnest($6, $7, $8, $9, $10, $11, $12, $13, $14)"
				  "           AS s(sid, inst, agent, dir, str, conf, budget, reason, wk)"
				  "      LEFT JOIN w ON w.k = s.wk"
				  "    RETURNING 1"
				  "), decided AS ("
				  "    SELECT d.inst, d.score, d.budget, d.votes::jsonb AS votes, w.sigma, w.price, w.cap, w.lot_size,"
				  "           CASE WHEN abs(d.score) >= 0.2 THEN sign(d.score)::smallint ELSE 0::smallint END AS proposed,"
				  "           CASE WHEN coalesce(w.halted, false) THEN 'circuit_breaker'"
				  "                WHEN w.cap IS NOT NULL AND w.cap <= 0 THEN 'position_limit_zero'"
				  "                WHEN w.sigma IS NULL OR NOT w.sigma > 0 THEN 'no_volatility'"
				  "           END AS risk_veto"
				  "      FROM unnest($15, $16, $17, $18, $19) AS d(inst, score, budget, votes, wk)"
				  "      LEFT JOIN w ON w.k = d.wk"
				  "), dec AS ("
				  "    INSERT INTO tradecore.signal_decisions (ts, run_id, instrument_id, direction, score, size, veto, reason)"
				  "    SELECT $2, $1, d.inst,"
				  "           CASE WHEN d.proposed <> 0 AND d.risk_veto IS NULL THEN d.proposed ELSE 0 END,"
				  "           greatest(-1, least(1, d.score)),"
				  "           CASE WHEN d.proposed <> 0 AND d.risk_veto IS NULL"
				  "                THEN coalesce(least(tradecore.vol_target_size(d.score, d.budget, d.sigma, d.price,"
				  "                                                              d.cap, d.lot_size), d.cap), 0)"
				  "                ELSE 0 END,"
				  "           CASE WHEN d.proposed <> 0 THEN d.risk_veto END,"
				  "           jsonb_build_object('votes', d.votes, 'proposed_direction', d.proposed, 'threshold', 0.2,"
				  "                              'sigma', d.sigma, 'price', d.price, 'cap', d.cap,"
				  "                              'risk_budget', d.budget, 'lot_size', d.lot_size)"
				  "      FROM decided d"
				  "    RETURNING id, instrument_id, direction, score, size, veto"
				  "), ev AS ("
				  "    SELECT 'run.step'::text AS type,"
				  "           jsonb_build_object('run_id', $1, 'strategy_id', e.sid, 'strategy', e.name, 'kind', e.kind,"
				  "                              'evaluations', e.evals, 'signals', e.sigs, 'non_flat', e.nf,"
				  "                              'agent_id', e.agent, 'wallet_id', e.wallet) AS payload,"
				  "           0 AS o1, e.o AS o2"
				  "      FROM unnest($20, $21, $22, $23, $24, $25, $26, $27)"
				  "           WITH ORDINALITY AS e(sid, name, kind, evals, sigs, nf, agent, wallet, o)"
				  "    UNION ALL"
				  "    SELECT 'signal', jsonb_build_object('run_id', $1, 'decision_id', d.id, 'instrument_id', d.instrument_id,"
				  "                                        'direction', d.direction, 'score', d.score, 'size', d.size, 'ts', $2),"
				  "           1, d.id"
				  "      FROM dec d WHERE d.direction <> 0"
				  ")"
				  "SELECT (SELECT count(*) FROM sig)::int4,"
				  "       (SELECT count(*) FROM dec WHERE direction <> 0)::int4,"
				  "       (SELECT count(*) FROM dec WHERE veto IS NOT NULL)::int4,"
				  "       (SELECT cardinality(tradecore.emit_many(array_agg(type ORDER BY o1, o2),"
				  "                                               array_agg(payload ORDER BY o1, o2)))"
				  "          FROM ev HAVING count(*) > 0)",
				  27, t);
		a[0] = Int64GetDatum(run.run_id);
		a[1] = TimestampTzGetDatum(run.at);
		a[2] = col_array(&run.w_inst, INT8OID);
		a[3] = col_array(&run.w_sigma, FLOAT8OID);
		a[4] = col_array(&run.w_price, FLOAT8OID);
		a[5] = col_array(&run.s_strategy, INT8OID);
		a[6] = col_array(&run.s_inst, INT8OID);
		a[7] = col_array(&run.s_agent, INT8OID);
		a[8] = col_array(&run.s_dir, INT2OID);
		a[9] = col_array(&run.s_strength, FLOAT8OID);
		a[10] = col_array(&run.s_conf, FLOAT8OID);
		a[11] = col_array(&run.s_budget, FLOAT8OID);
		a[12] = col_array(&run.s_reason, TEXTOID);
		a[13] = col_array(&run.s_wrow, INT4OID);
		a[14] = col_array(&d_inst_c, INT8OID);
		a[15] = col_array(&d_score, FLOAT8OID);
		a[16] = col_array(&d_budget, FLOAT8OID);
		a[17] = col_array(&d_votes, TEXTOID);
		a[18] = col_array(&d_wrow, INT4OID);
		a[19] = col_array(&e_id, INT8OID);
		a[20] = col_array(&e_name, TEXTOID);
		a[21] = col_array(&e_kind, TEXTOID);
		a[22] = col_array(&e_evals, INT4OID);
		a[23] = col_array(&e_sigs, INT4OID);
		a[24] = col_array(&e_nonflat, INT4OID);
		a[25] = col_array(&e_agent, INT8OID);
		a[26] = col_array(&e_wallet, INT8OID);
		rc = SPI_execute_plan(write_plan, a, NULL, false, 0);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "run_strategies: writing signals failed: %s", SPI_result_code_string(rc));
		if (DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) != run.nrows)
			elog(ERROR, "run_strategies: signals written differ from signals evaluated");
		actionable = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		vetoed = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	}
	SPI_finish();
	t3 = GetCurrentTimestamp();
	elog(DEBUG1, "run_strategies " INT64_FORMAT ": windows %.3f ms, evaluation %.3f ms, writing %.3f ms",
		 run.run_id, (t1 - t0) / 1000.0, (t2 - t1) / 1000.0, (t3 - t2) / 1000.0);

	result[0] = Int32GetDatum(evaluations);
	result[1] = Int32GetDatum(run.nrows);
	result[2] = Int32GetDatum(decisions);
	result[3] = Int32GetDatum(actionable);
	result[4] = Int32GetDatum(vetoed);
	td = BlessTupleDesc(td);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, result, rnulls)));
}
