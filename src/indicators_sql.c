/*
 * indicators_sql.c
 *	  SQL wrappers of the indicator kernels (indicators.h) over float8[].
 *	  numeric[] arguments reach them through PostgreSQL's implicit
 *	  numeric[] -> float8[] cast.
 *
 * Behaviour on awkward input (documented in docs/signals.md):
 *	- the result has the input's length and lower bound; warm-up positions
 *	  and undefined values are NULL; an empty array gives an empty array;
 *	- NULL, NaN and infinite elements are gaps: the indicator runs on each
 *	  maximal run of finite elements on its own (recursive indicators start
 *	  a new warm-up after a gap), and gap positions are NULL;
 *	- a NULL argument gives NULL (STRICT); a non-positive period, a
 *	  multi-dimensional array or arrays of different lengths raise an error
 *	  with SQLSTATE 22023 or 2202E.
 *
 * Speed: an input without NULLs is read in place from ARR_DATA_PTR (no
 * per-element deconstruction); the kernel writes straight into the result
 * array, allocated once with its null bitmap; only when a value comes out
 * undefined (NaN) is the result compacted a second time.
 */
#include "postgres.h"

#include <math.h>
#include <sys/mman.h>

#include "access/htup_details.h"
#include "access/tupmacs.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "indicators.h"
#include "tc_series.h"

/* ---------------------------------------------------------------------
 * Reading inputs
 * --------------------------------------------------------------------- */

void
tc_series_read(ArrayType *arr, const char *argname, TcSeries *s)
{
	int			ndim = ARR_NDIM(arr);

	if (ndim > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", argname),
				 errdetail("The array has %d dimensions.", ndim)));
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be a float8[] array", argname)));
	s->n = ndim == 0 ? 0 : ARR_DIMS(arr)[0];
	s->lbound = ndim == 0 ? 1 : ARR_LBOUND(arr)[0];
	s->finite = true;

	if (!ARR_HASNULL(arr))
		s->v = tc_arr_data(arr);
	else
	{
		double	   *v = palloc(sizeof(double) * Max(s->n, 1));
		const bits8 *bm = ARR_NULLBITMAP(arr);
		const double *d = tc_arr_data(arr);

		for (int i = 0; i < s->n; i++)
			v[i] = (bm[i >> 3] & (1 << (i & 7))) ? *d++ : NAN;
		s->v = v;
		s->finite = false;
	}

	if (s->finite)
	{
		/*
		 * x - x is 0 for every finite x and NaN for NaN and +-Inf; the
		 * branch-free form lets the compiler vectorise the scan.
		 */
		const double *v = s->v;
		bool		bad = false;

		for (int i = 0; i < s->n; i++)
			bad |= (v[i] - v[i]) != 0.0;
		s->finite = !bad;
	}
}

/* ---------------------------------------------------------------------
 * Building results
 * --------------------------------------------------------------------- */

/* sets bits [from, n) of a null bitmap (bit set = not null), clears the rest */
static void
bitmap_set_from(bits8 *bm, int n, int from)
{
	int			nbytes = (n + 7) / 8;

	memset(bm, 0, nbytes);
	if (from >= n)
		return;
	for (int i = from; i < n && (i & 7); i++)
		bm[i >> 3] |= (1 << (i & 7));
	{
		int			b0 = (from + 7) / 8;
		int			b1 = n / 8;

		if (b1 > b0)
			memset(bm + b0, 0xFF, b1 - b0);
		for (int i = Max(b1 * 8, from); i < n; i++)
			bm[i >> 3] |= (1 << (i & 7));
	}
}

/*
 * Initialises a 1-D float8[] of n elements in the nbytes at p: the first
 * `nulls` elements NULL, *data receiving where the n - nulls values go.  With
 * nulls == 0 and !bitmap, the array has no null bitmap at all.
 */
ArrayType *
tc_array_init(void *p, Size nbytes, int n, int lbound, int nulls, bool bitmap,
			  double **data)
{
	ArrayType  *r = (ArrayType *) p;
	Size		overhead;

	if (nulls > n)
		nulls = n;
	if (nulls > 0)
		bitmap = true;
	overhead = bitmap ? ARR_OVERHEAD_WITHNULLS(1, n) : ARR_OVERHEAD_NONULLS(1);
	Assert(nbytes == overhead + (Size) (n - nulls) * sizeof(double));
	memset(r, 0, overhead);
	SET_VARSIZE(r, nbytes);
	r->ndim = 1;
	r->dataoffset = bitmap ? overhead : 0;
	r->elemtype = FLOAT8OID;
	ARR_DIMS(r)[0] = n;
	ARR_LBOUND(r)[0] = lbound;
	if (bitmap)
		bitmap_set_from(ARR_NULLBITMAP(r), n, nulls);
	*data = tc_arr_data(r);
	return r;
}

/*
 * A palloc'd 1-D float8[] of n elements whose first `nulls` are NULL; see
 * tc_array_init.
 */
ArrayType *
tc_result_alloc(int n, int lbound, int nulls, bool bitmap, double **data)
{
	Size		nbytes;

	if (nulls > n)
		nulls = n;
	if (nulls > 0)
		bitmap = true;
	nbytes = (bitmap ? ARR_OVERHEAD_WITHNULLS(1, n) : ARR_OVERHEAD_NONULLS(1)) +
		(Size) (n - nulls) * sizeof(double);
	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("indicator result of %d elements is too large", n)));
	return tc_array_init(palloc(nbytes), nbytes, n, lbound, nulls, bitmap, data);
}

/* true if any of the n values is NaN (branch-free, so it vectorises) */
static bool
any_nan(const double *d, int n)
{
	bool		nan = false;

	for (int i = 0; i < n; i++)
		nan |= d[i] != d[i];
	return nan;
}

/*
 * Turns the NaN values of an array that has a null bitmap into NULLs, in
 * place: the array can only shrink.
 */
void
tc_array_nan_to_null(ArrayType *r)
{
	int			n = ARR_DIMS(r)[0];
	double	   *d = tc_arr_data(r);
	int			nvals = (VARSIZE(r) - tc_arr_data_offset(r)) / sizeof(double);
	bits8	   *bm = ARR_NULLBITMAP(r);
	int			w = 0,
				j = 0;

	Assert(ARR_HASNULL(r));
	if (!any_nan(d, nvals))
		return;
	/* walk the elements, dropping NaN values and clearing their bits */
	for (int i = 0; i < n; i++)
	{
		if (!(bm[i >> 3] & (1 << (i & 7))))
			continue;
		if (isnan(d[j]))
			bm[i >> 3] &= ~(1 << (i & 7));
		else
			d[w++] = d[j];
		j++;
	}
	SET_VARSIZE(r, tc_arr_data_offset(r) + (Size) w * sizeof(double));
}

/*
 * Turns NaN values of a result from tc_result_alloc into NULLs.  Returns the
 * array to use, which is new only when r had no bitmap and needs one.
 */
ArrayType *
tc_result_finish(ArrayType *r)
{
	if (!ARR_HASNULL(r))
	{
		int			n = ARR_DIMS(r)[0];
		double	   *d = tc_arr_data(r);
		double	   *nd;
		ArrayType  *b;

		if (!any_nan(d, n))
			return r;
		/* rare: an undefined value where no NULL was expected */
		b = tc_result_alloc(n, ARR_LBOUND(r)[0], 0, true, &nd);
		memcpy(nd, d, sizeof(double) * n);
		pfree(r);
		r = b;
	}
	tc_array_nan_to_null(r);
	return r;
}

/* ---------------------------------------------------------------------
 * The generic driver: inputs -> kernel (per finite run) -> result arrays
 * --------------------------------------------------------------------- */

static inline bool
missing_at(const TcSeries *in, int nin, int i)
{
	for (int k = 0; k < nin; k++)
		if (!isfinite(in[k].v[i]))
			return true;
	return false;
}

/*
 * Checks that the inputs have one length; returns whether every input is
 * finite (then the kernel runs once over the whole series).
 */
bool
tc_inputs_check(const TcKernel *kern, const TcSeries *in)
{
	bool		finite = true;

	for (int k = 1; k < kern->nin; k++)
		if (in[k].n != in[0].n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("input arrays must have the same length"),
					 errdetail("%s has %d elements, %s has %d.",
							   kern->argnames[0], in[0].n, kern->argnames[k], in[k].n)));
	for (int k = 0; k < kern->nin; k++)
		finite &= in[k].finite;
	return finite;
}

/* positions of output j that are warm-up when the kernel runs over finite input */
static inline int
warmup(const TcKernel *kern, int j)
{
	int64		w = (int64) kern->lookback + kern->extra[j];

	return w < PG_INT32_MAX ? (int) w : PG_INT32_MAX;
}

/*
 * Runs the kernel into data[j], the value areas of the result arrays.  With
 * finite input, data[j] holds n - warm-up values (the arrays were allocated
 * with their warm-up NULL); otherwise it holds n values, set here to NaN
 * wherever the kernel writes nothing, and tc_result_finish turns NaN into
 * NULL.  Returns false when no value can be NaN (nothing to turn into NULL).
 */
bool
tc_run(const TcKernel *kern, const TcSeries *in, bool finite, double *const *data)
{
	int			n = in[0].n;
	const double *ip[TC_MAX_IO];
	double	   *op[TC_MAX_IO];

	if (finite)
	{
		/* one run over the whole series, straight into the results */
		for (int k = 0; k < kern->nin; k++)
			ip[k] = in[k].v;
		return n > kern->lookback && kern->run(kern, ip, n, data);
	}

	/* gaps: run the kernel on every maximal finite run */
	for (int j = 0; j < kern->nout; j++)
		for (int t = 0; t < n; t++)
			data[j][t] = NAN;
	for (int i = 0; i < n;)
	{
		int			s;

		while (i < n && missing_at(in, kern->nin, i))
			i++;
		s = i;
		while (i < n && !missing_at(in, kern->nin, i))
			i++;
		if (i - s > kern->lookback)
		{
			for (int k = 0; k < kern->nin; k++)
				ip[k] = in[k].v + s;
			for (int j = 0; j < kern->nout; j++)
				op[j] = data[j] + Min(s + warmup(kern, j), i);
			kern->run(kern, ip, i - s, op);
		}
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

void
tc_compute(const TcKernel *kern, const TcSeries *in, ArrayType **outs)
{
	int			n = in[0].n;
	bool		finite = tc_inputs_check(kern, in);
	double	   *data[TC_MAX_IO];

	if (n == 0)
	{
		for (int j = 0; j < kern->nout; j++)
			outs[j] = construct_empty_array(FLOAT8OID);
		return;
	}
	for (int j = 0; j < kern->nout; j++)
		outs[j] = tc_result_alloc(n, in[0].lbound, finite ? warmup(kern, j) : 0,
								  !finite, &data[j]);
	if (tc_run(kern, in, finite, data))
		for (int j = 0; j < kern->nout; j++)
			outs[j] = tc_result_finish(outs[j]);
}

/* ---------------------------------------------------------------------
 * Composite results (bollinger, macd) in one allocation
 *
 * heap_form_tuple would copy every result array into a freshly zeroed row:
 * for Bollinger over 1M bars, 40 MB zeroed and 40 MB copied after 40 MB
 * computed.  Instead the row is laid out first, the way heap_form_tuple lays
 * out a row of float8[] values (no NULL attributes, each array with a 4-byte
 * header at double alignment), and the kernel writes into the arrays inside
 * it.  Only when some value came out undefined (NaN) do arrays shrink, and
 * the ones after them move down.
 * --------------------------------------------------------------------- */

/*
 * A row this large is above glibc's largest mmap threshold (32 MB), so every
 * call gets fresh pages from the kernel, and faulting them in 4 kB at a time
 * cost four times the computation (Bollinger over 1M bars: 40 MB, 10,000
 * page faults, about 16 ms against 4 ms of arithmetic).  Asking for
 * transparent huge pages on the 2 MB-aligned part of the block, before it is
 * first written, makes that 20 faults.  It is only a hint: where THP is off
 * (or MADV_HUGEPAGE unknown) nothing changes but the speed.
 */
#define TC_HUGE_MIN ((Size) 16 * 1024 * 1024)

static void
hint_huge_pages(void *p, Size len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = 2 * 1024 * 1024;
	uintptr_t	start = ((uintptr_t) p + huge - 1) & ~(huge - 1);
	uintptr_t	end = ((uintptr_t) p + len) & ~(huge - 1);

	if (len >= TC_HUGE_MIN && end > start)
		(void) madvise((void *) start, end - start, MADV_HUGEPAGE);
#endif
}

typedef struct TcRow
{
	HeapTupleHeader td;
	int			natts;
	ArrayType  *arr[TC_MAX_IO];
} TcRow;

static void
row_alloc(TupleDesc desc, int n, int lbound, const int *nulls, TcRow *row,
		  double **data)
{
	Size		hoff = MAXALIGN(SizeofHeapTupleHeader);
	Size		off[TC_MAX_IO];
	Size		size[TC_MAX_IO];
	Size		len = hoff;
	char	   *base;

	for (int j = 0; j < row->natts; j++)
	{
		int			nn = Min(nulls[j], n);

		off[j] = att_align_nominal(len, TYPALIGN_DOUBLE);
		size[j] = ARR_OVERHEAD_WITHNULLS(1, n) + (Size) (n - nn) * sizeof(double);
		len = off[j] + size[j];
	}
	if (!AllocSizeIsValid(len))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("indicator result of %d elements is too large", n),
				 errdetail("The %d result arrays would take %zu bytes.", row->natts, len)));
	base = palloc(len);
	hint_huge_pages(base, len);
	row->td = (HeapTupleHeader) base;
	memset(base, 0, hoff);
	HeapTupleHeaderSetDatumLength(row->td, len);
	HeapTupleHeaderSetTypeId(row->td, desc->tdtypeid);
	HeapTupleHeaderSetTypMod(row->td, desc->tdtypmod);
	ItemPointerSetInvalid(&row->td->t_ctid);
	HeapTupleHeaderSetNatts(row->td, row->natts);
	row->td->t_hoff = hoff;
	row->td->t_infomask = HEAP_HASVARWIDTH;
#ifdef HEAP_IS_DATUM

	/*
	 * Recent minor releases mark datum tuples (heap_form_tuple does), and
	 * DatumGetHeapTupleHeader copies an unmarked one to mark it.
	 */
	HeapTupleHeaderSetDatum(row->td);
#endif

	for (int j = 0; j < row->natts; j++)
	{
		Size		prev_end = j == 0 ? hoff : off[j - 1] + size[j - 1];

		memset(base + prev_end, 0, off[j] - prev_end);	/* alignment padding */
		row->arr[j] = tc_array_init(base + off[j], size[j], n, lbound, nulls[j], true,
									&data[j]);
	}
}

/*
 * NaN -> NULL in every array (when the kernel may have written NaN), moving
 * arrays down behind any that shrank
 */
static Datum
row_finish(TcRow *row, bool nan)
{
	char	   *base = (char *) row->td;
	Size		len = row->td->t_hoff;

	if (!nan)
		return HeapTupleHeaderGetDatum(row->td);	/* laid out as allocated */
	for (int j = 0; j < row->natts; j++)
	{
		Size		off = att_align_nominal(len, TYPALIGN_DOUBLE);
		ArrayType  *a = row->arr[j];

		tc_array_nan_to_null(a);
		if (base + off != (char *) a)
		{
			memset(base + len, 0, off - len);
			memmove(base + off, a, VARSIZE(a));
		}
		len = off + VARSIZE(base + off);
	}
	HeapTupleHeaderSetDatumLength(row->td, len);
	return HeapTupleHeaderGetDatum(row->td);
}

static TupleDesc
composite_desc(FunctionCallInfo fcinfo, int nout)
{
	TupleDesc	td;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	/* the row layout above assumes the declared OUT parameters */
	if (td->natts != nout)
		elog(ERROR, "indicator result type has %d attributes, expected %d", td->natts, nout);
	for (int j = 0; j < nout; j++)
	{
		Form_pg_attribute att = TupleDescAttr(td, j);

		if (att->attisdropped || att->atttypid != FLOAT8ARRAYOID ||
			att->attlen != -1 || att->attalign != TYPALIGN_DOUBLE)
			elog(ERROR, "indicator result attribute %d is not float8[]", j + 1);
	}
	return BlessTupleDesc(td);
}

/* runs a kernel with several outputs and returns them as one composite row */
static Datum
composite_compute(FunctionCallInfo fcinfo, const TcKernel *kern, const TcSeries *in)
{
	TupleDesc	desc = composite_desc(fcinfo, kern->nout);
	int			n = in[0].n;
	bool		finite = tc_inputs_check(kern, in);
	int			nulls[TC_MAX_IO];
	double	   *data[TC_MAX_IO];
	TcRow		row;

	if (n == 0)
	{
		Datum		values[TC_MAX_IO];
		bool		isnull[TC_MAX_IO] = {0};

		for (int j = 0; j < kern->nout; j++)
			values[j] = PointerGetDatum(construct_empty_array(FLOAT8OID));
		return HeapTupleGetDatum(heap_form_tuple(desc, values, isnull));
	}
	for (int j = 0; j < kern->nout; j++)
		nulls[j] = finite ? warmup(kern, j) : 0;
	row.natts = kern->nout;
	row_alloc(desc, n, in[0].lbound, nulls, &row, data);
	return row_finish(&row, tc_run(kern, in, finite, data));
}

/* ---------------------------------------------------------------------
 * Parameter checks
 * --------------------------------------------------------------------- */

int
tc_check_period(int32 p, const char *name)
{
	if (p < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a positive integer, got %d", name, p)));
	return p;
}

/* ---------------------------------------------------------------------
 * Kernel adapters
 * --------------------------------------------------------------------- */

static bool
run_sma(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_sma(in[0], n, k->p[0], out[0]);
	return true;
}

static bool
run_ema(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_ema(in[0], n, k->p[0], out[0]);
	return true;
}

static bool
run_wma(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_wma(in[0], n, k->p[0], out[0]);
	return true;
}

static bool
run_rsi(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rsi(in[0], n, k->p[0], out[0]);
	return true;
}

static bool
run_stddev(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rolling_moments(in[0], n, k->p[0], NULL, out[0], NULL);
	return true;
}

static bool
run_zscore(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rolling_moments(in[0], n, k->p[0], NULL, NULL, out[0]);
	return true;
}

static bool
run_bollinger(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	return tc_bollinger(in[0], n, k->p[0], k->k, out[0], out[1], out[2], out[3], out[4]);
}

static bool
run_macd(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	return tc_macd(in[0], n, k->p[0], k->p[1], k->p[2], out[0], out[1], out[2]);
}

static bool
run_atr(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_atr(in[0], in[1], in[2], n, k->p[0], out[0]);
	return true;
}

static bool
run_obv(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_obv(in[0], in[1], n, out[0]);
	return true;
}

static bool
run_vwap(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_vwap(in[0], in[1], n, out[0]);
	return true;
}

static bool
run_vwap_rolling(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_vwap_rolling(in[0], in[1], n, k->p[0], out[0]);
	return true;
}

/* ---------------------------------------------------------------------
 * SQL-callable functions
 * --------------------------------------------------------------------- */

/* reads arguments 0..nin-1 as series named by kern->argnames */
static void
read_inputs(FunctionCallInfo fcinfo, const TcKernel *kern, TcSeries *in)
{
	for (int k = 0; k < kern->nin; k++)
		tc_series_read(PG_GETARG_ARRAYTYPE_P(k), kern->argnames[k], &in[k]);
}

static Datum
single_series(FunctionCallInfo fcinfo, TcKernel *kern)
{
	TcSeries	in[TC_MAX_IO];
	ArrayType  *out[1];

	read_inputs(fcinfo, kern, in);
	tc_compute(kern, in, out);
	PG_RETURN_ARRAYTYPE_P(out[0]);
}

#define PERIOD_ARG(argno) tc_check_period(PG_GETARG_INT32(argno), "period")

PG_FUNCTION_INFO_V1(tc_sql_sma);
Datum
tc_sql_sma(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_sma, 1, 1, tc_sma_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_ema);
Datum
tc_sql_ema(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_ema, 1, 1, tc_ema_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_wma);
Datum
tc_sql_wma(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_wma, 1, 1, tc_wma_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_rsi);
Datum
tc_sql_rsi(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_rsi, 1, 1, tc_rsi_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_rolling_stddev);
Datum
tc_sql_rolling_stddev(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_stddev, 1, 1, tc_stddev_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_zscore);
Datum
tc_sql_zscore(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_zscore, 1, 1, tc_stddev_lookback(p), {0}, {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_bollinger);
Datum
tc_sql_bollinger(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	double		mult = PG_GETARG_FLOAT8(2);
	TcKernel	k = {run_bollinger, 1, 5, tc_stddev_lookback(p), {0}, {p}, mult, {"series"}};
	TcSeries	in[1];

	if (!isfinite(mult) || mult < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("band width multiplier k must be a finite number >= 0, got %g", mult)));
	read_inputs(fcinfo, &k, in);
	return composite_compute(fcinfo, &k, in);
}

PG_FUNCTION_INFO_V1(tc_sql_macd);
Datum
tc_sql_macd(PG_FUNCTION_ARGS)
{
	int			fast = tc_check_period(PG_GETARG_INT32(1), "fast period");
	int			slow = tc_check_period(PG_GETARG_INT32(2), "slow period");
	int			sig = tc_check_period(PG_GETARG_INT32(3), "signal period");
	/* signal and histogram start signal_period - 1 bars after the line */
	TcKernel	k = {run_macd, 1, 3, tc_macd_lookback(slow), {0, sig - 1, sig - 1},
	{fast, slow, sig}, 0, {"series"}};
	TcSeries	in[1];

	if (fast >= slow)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fast period must be less than slow period, got %d and %d", fast, slow)));
	read_inputs(fcinfo, &k, in);
	return composite_compute(fcinfo, &k, in);
}

PG_FUNCTION_INFO_V1(tc_sql_atr);
Datum
tc_sql_atr(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(3);
	TcKernel	k = {run_atr, 3, 1, tc_atr_lookback(p), {0}, {p}, 0, {"high", "low", "close"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_obv);
Datum
tc_sql_obv(PG_FUNCTION_ARGS)
{
	TcKernel	k = {run_obv, 2, 1, 0, {0}, {0}, 0, {"close", "volume"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_vwap);
Datum
tc_sql_vwap(PG_FUNCTION_ARGS)
{
	TcKernel	k = {run_vwap, 2, 1, 0, {0}, {0}, 0, {"price", "volume"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_vwap_rolling);
Datum
tc_sql_vwap_rolling(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(2);
	TcKernel	k = {run_vwap_rolling, 2, 1, tc_sma_lookback(p), {0}, {p}, 0, {"price", "volume"}};

	return single_series(fcinfo, &k);
}

/*
 * realized_volatility(series, period): population stddev of the last `period`
 * log returns of the newest finite run of the series, per bar (not
 * annualised).  NULL when that run has fewer than period+1 prices or holds a
 * non-positive price.  Used by run_strategies for volatility-targeted sizing.
 */
PG_FUNCTION_INFO_V1(tc_sql_realized_volatility);
Datum
tc_sql_realized_volatility(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcSeries	in;
	int			start;
	double		sigma;

	tc_series_read(PG_GETARG_ARRAYTYPE_P(0), "series", &in);
	start = in.n;
	while (start > 0 && isfinite(in.v[start - 1]))
		start--;
	sigma = tc_log_return_sigma(in.v + start, in.n - start, p);
	if (isnan(sigma))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sigma);
}
