/*
 * candle_windows.c
 *	  tradecore.candle_windows(instrument_ids, bar_interval, bars, at): the
 *	  candle windows run_strategies evaluates, as float8 arrays, read in one
 *	  index range scan for all instruments.
 *
 * Why C: in SQL the same result costs three ordered aggregates per
 * instrument (each with its own sort) plus a numeric -> float8 conversion
 * per value that PostgreSQL does by printing and re-parsing the number;
 * on 1000 instruments x 500 bars that was 70% of a run.  Here the rows come
 * from one scan (a plan kept for the backend's life, rows received straight
 * from the executor's slots), are bucketed by instrument, put in time order
 * only when a bucket is out of order, and the numerics are decoded directly
 * (tc_numeric_to_double).  tc_read_windows() is also what run_strategies'
 * core (strategies_run.c) reads its windows with.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "strategies.h"
#include "tc_series.h"

/*
 * The on-disk layout of numeric (src/backend/utils/adt/numeric.c keeps it
 * private; it is fixed by pg_upgrade compatibility): a varlena holding a
 * 2-byte header in the short form or 4 bytes in the long form, then base
 * 10000 digits, value = sum(d_i * 10000^(weight - i)).
 */
#define TC_NUMERIC_SIGN_MASK	0xC000
#define TC_NUMERIC_NEG			0x4000
#define TC_NUMERIC_SHORT		0x8000
#define TC_NUMERIC_SPECIAL		0xC000
#define TC_NUMERIC_SHORT_SIGN_MASK			0x2000
#define TC_NUMERIC_SHORT_WEIGHT_SIGN_MASK	0x0040
#define TC_NUMERIC_SHORT_WEIGHT_MASK		0x003F

/* 10^k for k = 0..22, all exactly representable as doubles */
static const double tc_pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * numeric -> double, bit for bit what numeric_float8 returns: when the
 * digits form an integer below 2^53 and the decimal exponent is within
 * +-22, the value is one exact integer times or divided by one exact power
 * of ten, and IEEE multiplication/division round that correctly, as strtod
 * does.  Anything else (long mantissas, huge exponents, NaN, infinities)
 * goes through numeric_float8.
 */
static double
tc_numeric_to_double(Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	const char *p = VARDATA_ANY(v);
	Size		len = VARSIZE_ANY_EXHDR(v);
	uint16		h;
	int			weight,
				ndigits,
				exp10;
	bool		neg;
	const int16 *digits;
	double		acc = 0.0;

	if (len < sizeof(uint16))
		goto slow;
	memcpy(&h, p, sizeof(uint16));
	if ((h & TC_NUMERIC_SIGN_MASK) == TC_NUMERIC_SPECIAL)
		goto slow;
	if (h & TC_NUMERIC_SHORT)
	{
		neg = (h & TC_NUMERIC_SHORT_SIGN_MASK) != 0;
		weight = (h & TC_NUMERIC_SHORT_WEIGHT_SIGN_MASK) ?
			(int) (~TC_NUMERIC_SHORT_WEIGHT_MASK | (h & TC_NUMERIC_SHORT_WEIGHT_MASK)) :
			(int) (h & TC_NUMERIC_SHORT_WEIGHT_MASK);
		digits = (const int16 *) (p + sizeof(uint16));
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		if (len < 2 * sizeof(uint16))
			goto slow;
		neg = (h & TC_NUMERIC_SIGN_MASK) == TC_NUMERIC_NEG;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = (const int16 *) (p + 2 * sizeof(uint16));
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}
	if (ndigits == 0)
		return 0.0;
	if (ndigits > 4)			/* 4 base-10000 digits fit in 64 bits */
		goto slow;
	{
		uint64		m = 0;

		for (int i = 0; i < ndigits; i++)
		{
			int16		dg;

			memcpy(&dg, digits + i, sizeof(int16));
			m = m * 10000 + (uint64) dg;
		}
		if (m >= UINT64CONST(9007199254740992))	/* 2^53: no longer exact */
			goto slow;
		acc = (double) m;
	}
	exp10 = 4 * (weight - ndigits + 1);
	if (exp10 > 22 || exp10 < -22)
		goto slow;

	/*
	 * acc and 10^|exp10| are exact, so the one IEEE operation below returns
	 * the correctly rounded value, exactly as strtod on the decimal string.
	 */
	acc = exp10 >= 0 ? acc * tc_pow10[exp10] : acc / tc_pow10[-exp10];
	return neg ? -acc : acc;

slow:
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
}

/* one bar as read, before the windows are split into per-column arrays */
typedef struct Bar
{
	int64		ts;
	double		close;
	double		volume;
} Bar;

static int
bar_cmp(const void *a, const void *b)
{
	int64		x = ((const Bar *) a)->ts,
				y = ((const Bar *) b)->ts;

	return (x > y) - (x < y);
}

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/*
 * The scan's rows go straight from the executor's slot into the windows (a
 * DestReceiver): no tuple is copied and no tuple table is built, which was
 * half the cost of reading 500,000 bars through SPI_cursor_fetch.  Each
 * instrument has `slot` places in the column arrays (one per bar slot of the
 * window, which is how many bars a feed aligned to the interval can have);
 * rows beyond that (bars at unaligned times) go to an overflow list that is
 * merged in afterwards.
 */
typedef struct WindowReceiver
{
	DestReceiver pub;
	const int64 *ids;			/* sorted, distinct */
	int			nids;
	int		   *dense;			/* ids[dense[id - ids[0]]] == id, or NULL */
	int			col[4];			/* instrument_id, ts, close, volume in the row */
	int			natts;			/* columns to deform */
	int64		slot;			/* places per instrument (0: all overflow) */
	int64	   *count;			/* rows placed per instrument */
	TimestampTz *ts;
	double	   *close;
	double	   *volume;
	Bar		   *over;			/* overflow rows, with their instrument */
	int		   *over_bucket;
	int64		nover;
	int64		capover;
} WindowReceiver;

static bool
window_receive(TupleTableSlot *slot, DestReceiver *self)
{
	WindowReceiver *r = (WindowReceiver *) self;
	int64		id;
	int			k = 0,
				hi = r->nids - 1;

	slot_getsomeattrs(slot, r->natts);
	/* every column is NOT NULL in tradecore.candles */
	if (slot->tts_isnull[r->col[0]] || slot->tts_isnull[r->col[1]] ||
		slot->tts_isnull[r->col[2]] || slot->tts_isnull[r->col[3]])
		return true;
	id = DatumGetInt64(slot->tts_values[r->col[0]]);
	/* the scan's own filter keeps other ids out; never trust it with memory */
	if (id < r->ids[0] || id > r->ids[r->nids - 1])
		return true;
	if (r->dense)
	{
		k = r->dense[id - r->ids[0]];
		if (k < 0)
			return true;
	}
	else
	{
		while (k < hi)
		{
			int			mid = (k + hi) / 2;

			if (r->ids[mid] < id)
				k = mid + 1;
			else
				hi = mid;
		}
		if (r->ids[k] != id)
			return true;
	}
	if (r->count[k] < r->slot)
	{
		int64		at = k * r->slot + r->count[k]++;

		r->ts[at] = DatumGetTimestampTz(slot->tts_values[r->col[1]]);
		r->close[at] = tc_numeric_to_double(slot->tts_values[r->col[2]]);
		r->volume[at] = tc_numeric_to_double(slot->tts_values[r->col[3]]);
	}
	else
	{
		Bar		   *b;

		if (r->nover == r->capover)
		{
			/* amortised doubling: a handful of reallocations at most, none per bar */
			r->capover *= 2;
			r->over = repalloc_huge(r->over, sizeof(Bar) * r->capover);
			r->over_bucket = repalloc_huge(r->over_bucket, sizeof(int) * r->capover);
		}
		b = &r->over[r->nover];
		b->ts = DatumGetTimestampTz(slot->tts_values[r->col[1]]);
		b->close = tc_numeric_to_double(slot->tts_values[r->col[2]]);
		b->volume = tc_numeric_to_double(slot->tts_values[r->col[3]]);
		r->over_bucket[r->nover++] = k;
	}
	return true;
}

/*
 * The scan returns whole candles rows (SELECT *: the executor hands over the
 * table's own tuples, no projection per row); the columns are found by name.
 */
static void
window_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	WindowReceiver *r = (WindowReceiver *) self;
	static const char *const names[4] = {"instrument_id", "ts", "close", "volume"};

	r->natts = 0;
	for (int j = 0; j < 4; j++)
	{
		r->col[j] = -1;
		for (int a = 0; a < typeinfo->natts; a++)
			if (!TupleDescAttr(typeinfo, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(typeinfo, a)->attname), names[j]) == 0)
				r->col[j] = a;
		if (r->col[j] < 0)
			elog(ERROR, "tradecore.candles has no column \"%s\"", names[j]);
		r->natts = Max(r->natts, r->col[j] + 1);
	}
}

static void
window_noop(DestReceiver *self)
{
}

static void
rotate8(void *base, int m, int at, void *tmp)
{
	char	   *b = base;

	memcpy(tmp, b, (Size) 8 * at);
	memmove(b, b + (Size) 8 * at, (Size) 8 * (m - at));
	memcpy(b + (Size) 8 * (m - at), tmp, (Size) 8 * at);
}

/*
 * Puts one instrument's bars in time order.  A heap scan returns them in
 * time order already, or rotated (a synchronized seq scan starts mid-table):
 * both are handled in O(m); anything else is sorted.
 */
static void
order_bars(TimestampTz *ts, double *close, double *volume, int m)
{
	int			descents = 0,
				at = 0;

	for (int j = 1; j < m; j++)
		if (ts[j - 1] > ts[j])
		{
			descents++;
			at = j;
		}
	if (descents == 0)
		return;
	if (descents == 1 && ts[m - 1] <= ts[0])
	{
		void	   *tmp = palloc((Size) 8 * at);

		rotate8(ts, m, at, tmp);
		rotate8(close, m, at, tmp);
		rotate8(volume, m, at, tmp);
		pfree(tmp);
	}
	else
	{
		Bar		   *b = palloc(sizeof(Bar) * m);

		for (int j = 0; j < m; j++)
		{
			b[j].ts = ts[j];
			b[j].close = close[j];
			b[j].volume = volume[j];
		}
		qsort(b, m, sizeof(Bar), bar_cmp);
		for (int j = 0; j < m; j++)
		{
			ts[j] = b[j].ts;
			close[j] = b[j].close;
			volume[j] = b[j].volume;
		}
		pfree(b);
	}
}

/* kept across calls: the statements are planned once per backend */
static SPIPlanPtr windows_plan = NULL;
static SPIPlanPtr windows_range_plan = NULL;

/*
 * Custom plans: how many bars the range holds decides between an index and
 * a sequential scan, and planning is cheap next to the scan.
 */
static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN);

	if (p == NULL)
		elog(ERROR, "SPI_prepare_cursor failed: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(p);
	return p;
}

void
tc_read_windows(const int64 *instrument_ids, int nin, const Interval *iv, int bars,
				TimestampTz at, bool read_only, TcWindows *w)
{
	MemoryContext outcxt = CurrentMemoryContext;
	TimestampTz lo,
				hi;
	int64	   *ids;
	int			nids = 0;
	ParamListInfo params;
	SPIPlanPtr	plan;
	int			nfixed;
	SPIExecuteOptions opts;
	WindowReceiver recv;
	uint64		span;
	int			rc;

	if (bars < 1 || TIMESTAMP_NOT_FINITE(at) ||
		!(iv->month > 0 || iv->day > 0 || iv->time > 0) ||
		iv->month < 0 || iv->day < 0 || iv->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("candle_windows needs bars >= 1, a positive interval and a finite time")));

	/* window bounds: at - (bars + 1) * interval < ts <= at - interval */
	hi = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
												 TimestampTzGetDatum(at),
												 IntervalPGetDatum(iv)));
	lo = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
												 TimestampTzGetDatum(at),
												 DirectFunctionCall2(interval_mul,
																	 IntervalPGetDatum(iv),
																	 Float8GetDatum(bars + 1.0))));

	/* sorted distinct ids: a row's instrument is found by table lookup or binary search */
	ids = palloc(sizeof(int64) * Max(nin, 1));
	memcpy(ids, instrument_ids, sizeof(int64) * nin);
	qsort(ids, nin, sizeof(int64), int64_cmp);
	for (int i = 0; i < nin; i++)
		if (nids == 0 || ids[nids - 1] != ids[i])
			ids[nids++] = ids[i];
	w->n = nids;
	w->ids = ids;
	w->start = palloc0(sizeof(int64) * Max(nids, 1));
	w->end = palloc0(sizeof(int64) * Max(nids, 1));
	w->ts = NULL;
	w->close = w->volume = NULL;
	if (nids == 0)
		return;

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = window_receive;
	recv.pub.rStartup = window_startup;
	recv.pub.rShutdown = window_noop;
	recv.pub.rDestroy = window_noop;
	recv.pub.mydest = DestNone;
	recv.ids = ids;
	recv.nids = nids;
	/*
	 * Instrument ids are usually a dense range: then a row's instrument is one
	 * table lookup instead of a binary search (a tenth of the read).
	 */
	/* ids[nids - 1] - ids[0] computed without signed overflow */
	span = (uint64) ids[nids - 1] - (uint64) ids[0];
	if (span < (uint64) 4 * nids + 1024)
	{
		recv.dense = palloc(sizeof(int) * (span + 1));
		memset(recv.dense, 0xff, sizeof(int) * (span + 1));	/* -1: not asked for */
		for (int i = 0; i < nids; i++)
			recv.dense[ids[i] - ids[0]] = i;
	}
	/*
	 * One place per bar slot and instrument, allocated once (up to 4M bars;
	 * a larger request reads everything into the overflow list).
	 */
	recv.slot = (int64) nids * ((int64) bars + 1) <= ((int64) 1 << 22) ? (int64) bars + 1 : 0;
	recv.count = palloc0(sizeof(int64) * nids);
	recv.ts = MemoryContextAllocHuge(outcxt, sizeof(TimestampTz) * Max(recv.slot * nids, 1));
	recv.close = MemoryContextAllocHuge(outcxt, sizeof(double) * Max(recv.slot * nids, 1));
	recv.volume = MemoryContextAllocHuge(outcxt, sizeof(double) * Max(recv.slot * nids, 1));
	recv.capover = recv.slot ? 1024 : (int64) 1 << 20;
	recv.over = MemoryContextAllocHuge(outcxt, sizeof(Bar) * recv.capover);
	recv.over_bucket = MemoryContextAllocHuge(outcxt, sizeof(int) * recv.capover);

	SPI_connect();
	if (recv.dense && span < (uint64) 2 * nids)
	{
		/*
		 * At least half of a range of ids is asked for: ask for the range,
		 * two integer comparisons per row instead of a hash probe (a third
		 * of the scan's cost), still an index range when the set is small.
		 * The receiver drops the ids in the range that were not asked for.
		 */
		if (windows_range_plan == NULL)
		{
			Oid			argtypes[5] = {INT8OID, INT8OID, INTERVALOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

			windows_range_plan = prepare_kept("SELECT * FROM tradecore.candles"
											  " WHERE instrument_id BETWEEN $1 AND $2 AND \"interval\" = $3"
											  " AND ts > $4 AND ts <= $5",
											  5, argtypes);
		}
		plan = windows_range_plan;
		params = makeParamList(5);
		params->params[0].value = Int64GetDatum(ids[0]);
		params->params[0].ptype = INT8OID;
		params->params[1].value = Int64GetDatum(ids[nids - 1]);
		params->params[1].ptype = INT8OID;
	}
	else
	{
		Datum	   *iddatums = palloc(sizeof(Datum) * nids);

		for (int i = 0; i < nids; i++)
			iddatums[i] = Int64GetDatum(ids[i]);
		if (windows_plan == NULL)
		{
			Oid			argtypes[4] = {INT8ARRAYOID, INTERVALOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

			windows_plan = prepare_kept("SELECT * FROM tradecore.candles"
										" WHERE instrument_id = ANY ($1) AND \"interval\" = $2"
										" AND ts > $3 AND ts <= $4",
										4, argtypes);
		}
		plan = windows_plan;
		params = makeParamList(4);
		params->params[0].value = PointerGetDatum(construct_array(iddatums, nids, INT8OID, 8,
																  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		params->params[0].ptype = INT8ARRAYOID;
	}
	nfixed = params->numParams - 3;
	params->params[nfixed].value = IntervalPGetDatum(iv);
	params->params[nfixed].ptype = INTERVALOID;
	params->params[nfixed + 1].value = TimestampTzGetDatum(lo);
	params->params[nfixed + 1].ptype = TIMESTAMPTZOID;
	params->params[nfixed + 2].value = TimestampTzGetDatum(hi);
	params->params[nfixed + 2].ptype = TIMESTAMPTZOID;
	for (int j = 0; j < params->numParams; j++)
	{
		params->params[j].isnull = false;
		params->params[j].pflags = PARAM_FLAG_CONST;
	}
	memset(&opts, 0, sizeof(opts));
	opts.params = params;
	opts.read_only = read_only;
	opts.dest = (DestReceiver *) &recv;
	rc = SPI_execute_plan_extended(plan, &opts);
	if (rc < 0)
		elog(ERROR, "reading candle windows failed: %s", SPI_result_code_string(rc));
	SPI_finish();

	if (recv.nover == 0)
	{
		/* the usual case: every bar in its instrument's places */
		for (int i = 0; i < nids; i++)
		{
			w->start[i] = i * recv.slot;
			w->end[i] = w->start[i] + recv.count[i];
		}
		w->ts = recv.ts;
		w->close = recv.close;
		w->volume = recv.volume;
		pfree(recv.over);
		pfree(recv.over_bucket);
	}
	else
	{
		/* some instrument had more bars than slots: one contiguous run each */
		int64		total = recv.nover,
					pos = 0;
		int64	   *ocount = palloc0(sizeof(int64) * (nids + 1));
		Bar		   *osorted = palloc_extended(sizeof(Bar) * recv.nover, MCXT_ALLOC_HUGE);

		for (int i = 0; i < nids; i++)
			total += recv.count[i];
		for (int64 r = 0; r < recv.nover; r++)
			ocount[recv.over_bucket[r] + 1]++;
		for (int i = 0; i < nids; i++)
			ocount[i + 1] += ocount[i];
		for (int64 r = 0; r < recv.nover; r++)
			osorted[ocount[recv.over_bucket[r]]++] = recv.over[r];
		/* ocount[i] is now the end of instrument i's overflow rows */
		w->ts = palloc_extended(sizeof(TimestampTz) * total, MCXT_ALLOC_HUGE);
		w->close = palloc_extended(sizeof(double) * total, MCXT_ALLOC_HUGE);
		w->volume = palloc_extended(sizeof(double) * total, MCXT_ALLOC_HUGE);
		for (int i = 0; i < nids; i++)
		{
			int64		from = i * recv.slot;
			int64		ofrom = i > 0 ? ocount[i - 1] : 0;

			w->start[i] = pos;
			memcpy(w->ts + pos, recv.ts + from, sizeof(TimestampTz) * recv.count[i]);
			memcpy(w->close + pos, recv.close + from, sizeof(double) * recv.count[i]);
			memcpy(w->volume + pos, recv.volume + from, sizeof(double) * recv.count[i]);
			pos += recv.count[i];
			for (int64 r = ofrom; r < ocount[i]; r++, pos++)
			{
				w->ts[pos] = osorted[r].ts;
				w->close[pos] = osorted[r].close;
				w->volume[pos] = osorted[r].volume;
			}
			w->end[i] = pos;
		}
		pfree(osorted);
		pfree(ocount);
		pfree(recv.over);
		pfree(recv.over_bucket);
		pfree(recv.ts);
		pfree(recv.close);
		pfree(recv.volume);
	}
	pfree(recv.count);
	for (int i = 0; i < nids; i++)
		order_bars(w->ts + w->start[i], w->close + w->start[i], w->volume + w->start[i],
				   (int) (w->end[i] - w->start[i]));
}

int
tc_windows_find(const TcWindows *w, int64 id)
{
	int			lo = 0,
				hi = w->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (w->ids[mid] == id)
			return mid;
		if (w->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* 1-D array of n 8-byte by-value elements (float8 or timestamptz), no NULLs */
static ArrayType *
array8(Oid elemtype, int n, const void *src)
{
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) n * 8;
	ArrayType  *r = (ArrayType *) palloc(nbytes);

	memset(r, 0, ARR_OVERHEAD_NONULLS(1));
	SET_VARSIZE(r, nbytes);
	r->ndim = 1;
	r->dataoffset = 0;
	r->elemtype = elemtype;
	ARR_DIMS(r)[0] = n;
	ARR_LBOUND(r)[0] = 1;
	memcpy((char *) r + ARR_OVERHEAD_NONULLS(1), src, (Size) n * 8);
	return r;
}

PG_FUNCTION_INFO_V1(tc_sql_candle_windows);
Datum
tc_sql_candle_windows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *idarr;
	Interval   *iv;
	TcWindows	w;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("candle_windows arguments must not be NULL")));
	idarr = PG_GETARG_ARRAYTYPE_P(0);
	iv = PG_GETARG_INTERVAL_P(1);
	if (ARR_NDIM(idarr) > 1 || array_contains_nulls(idarr))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("instrument_ids must be a one-dimensional array without NULLs")));

	InitMaterializedSRF(fcinfo, 0);
	tc_read_windows((const int64 *) tc_arr_data(idarr),
					ArrayGetNItems(ARR_NDIM(idarr), ARR_DIMS(idarr)),
					iv, PG_GETARG_INT32(2), PG_GETARG_TIMESTAMPTZ(3), true, &w);

	for (int i = 0; i < w.n; i++)
	{
		int64		s = w.start[i];
		int			m = (int) (w.end[i] - s);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		ArrayType  *ac,
				   *av,
				   *at_arr;

		if (m == 0)
			continue;
		ac = array8(FLOAT8OID, m, w.close + s);
		av = array8(FLOAT8OID, m, w.volume + s);
		at_arr = array8(TIMESTAMPTZOID, m, w.ts + s);
		values[0] = Int64GetDatum(w.ids[i]);
		values[1] = IntervalPGetDatum(iv);
		values[2] = PointerGetDatum(ac);
		values[3] = PointerGetDatum(av);
		values[4] = PointerGetDatum(at_arr);
		values[5] = TimestampTzGetDatum(w.ts[s + m - 1]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pfree(ac);
		pfree(av);
		pfree(at_arr);
	}
	return (Datum) 0;
}
