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

#include "access/htup_details.h"
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
 * A 1-D float8[] of n elements whose first `nulls` are NULL; *data receives
 * where the n - nulls values go.  With nulls == 0 and !bitmap, the array has
 * no null bitmap at all.
 */
ArrayType *
tc_result_alloc(int n, int lbound, int nulls, bool bitmap, double **data)
{
	Size		overhead,
				nbytes;
	ArrayType  *r;

	if (nulls > n)
		nulls = n;
	if (nulls > 0)
		bitmap = true;
	overhead = bitmap ? ARR_OVERHEAD_WITHNULLS(1, n) : ARR_OVERHEAD_NONULLS(1);
	nbytes = overhead + (Size) (n - nulls) * sizeof(double);
	if (!AllocSizeIsValid(nbytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("indicator result of %d elements is too large", n)));
	r = (ArrayType *) palloc(nbytes);
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
 * Turns NaN values of a result from tc_result_alloc into NULLs.  Returns the
 * array to use, which is new only when r had no bitmap and needs one.
 */
ArrayType *
tc_result_finish(ArrayType *r)
{
	int			n = ARR_DIMS(r)[0];
	double	   *d = tc_arr_data(r);
	int			nvals;
	bool		nan = false;
	bits8	   *bm;
	int			w;

	if (!ARR_HASNULL(r))
	{
		for (int i = 0; i < n; i++)
			nan |= isnan(d[i]);
		if (!nan)
			return r;
		/* rare: an undefined value where no NULL was expected */
		{
			double	   *nd;
			ArrayType  *b = tc_result_alloc(n, ARR_LBOUND(r)[0], 0, true, &nd);

			memcpy(nd, d, sizeof(double) * n);
			pfree(r);
			r = b;
			d = nd;
		}
	}

	bm = ARR_NULLBITMAP(r);
	nvals = (VARSIZE(r) - tc_arr_data_offset(r)) / sizeof(double);
	for (int j = 0; j < nvals; j++)
		nan |= isnan(d[j]);
	if (!nan)
		return r;

	/* walk the elements, dropping NaN values and clearing their bits */
	w = 0;
	{
		int			j = 0;

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
	}
	SET_VARSIZE(r, tc_arr_data_offset(r) + (Size) w * sizeof(double));
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

void
tc_compute(const TcKernel *kern, const TcSeries *in, ArrayType **outs)
{
	int			n = in[0].n;
	int			lbound = in[0].lbound;
	bool		finite = true;
	const double *ip[TC_MAX_IO];
	double	   *op[TC_MAX_IO];

	for (int k = 1; k < kern->nin; k++)
		if (in[k].n != n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("input arrays must have the same length"),
					 errdetail("%s has %d elements, %s has %d.",
							   kern->argnames[0], n, kern->argnames[k], in[k].n)));
	for (int k = 0; k < kern->nin; k++)
		finite &= in[k].finite;

	if (n == 0)
	{
		for (int j = 0; j < kern->nout; j++)
			outs[j] = construct_empty_array(FLOAT8OID);
		return;
	}

	if (finite)
	{
		/* one run over the whole series, straight into the results */
		for (int j = 0; j < kern->nout; j++)
			outs[j] = tc_result_alloc(n, lbound, kern->lookback, false, &op[j]);
		for (int k = 0; k < kern->nin; k++)
			ip[k] = in[k].v;
		if (n > kern->lookback)
			kern->run(kern, ip, n, op);
	}
	else
	{
		/* gaps: run the kernel on every maximal finite run */
		double	   *full[TC_MAX_IO];
		int			i = 0;

		for (int j = 0; j < kern->nout; j++)
		{
			outs[j] = tc_result_alloc(n, lbound, 0, true, &full[j]);
			for (int t = 0; t < n; t++)
				full[j][t] = NAN;
		}
		while (i < n)
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
					op[j] = full[j] + s + kern->lookback;
				kern->run(kern, ip, i - s, op);
			}
			CHECK_FOR_INTERRUPTS();
		}
	}
	for (int j = 0; j < kern->nout; j++)
		outs[j] = tc_result_finish(outs[j]);
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

static void
run_sma(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_sma(in[0], n, k->p[0], out[0]);
}

static void
run_ema(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_ema(in[0], n, k->p[0], out[0]);
}

static void
run_wma(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_wma(in[0], n, k->p[0], out[0]);
}

static void
run_rsi(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rsi(in[0], n, k->p[0], out[0]);
}

static void
run_stddev(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rolling_moments(in[0], n, k->p[0], NULL, out[0], NULL);
}

static void
run_zscore(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_rolling_moments(in[0], n, k->p[0], NULL, NULL, out[0]);
}

static void
run_bollinger(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_bollinger(in[0], n, k->p[0], k->k, out[0], out[1], out[2], out[3], out[4]);
}

static void
run_macd(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_macd(in[0], n, k->p[0], k->p[1], k->p[2], out[0], out[1], out[2]);
}

static void
run_atr(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_atr(in[0], in[1], in[2], n, k->p[0], out[0]);
}

static void
run_obv(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_obv(in[0], in[1], n, out[0]);
}

static void
run_vwap(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_vwap(in[0], in[1], n, out[0]);
}

static void
run_vwap_rolling(const TcKernel *k, const double *const *in, int n, double *const *out)
{
	tc_vwap_rolling(in[0], in[1], n, k->p[0], out[0]);
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

static Datum
composite_result(FunctionCallInfo fcinfo, ArrayType **outs, int nout)
{
	TupleDesc	td;
	Datum		values[TC_MAX_IO];
	bool		nulls[TC_MAX_IO] = {0};

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	td = BlessTupleDesc(td);
	for (int j = 0; j < nout; j++)
		values[j] = PointerGetDatum(outs[j]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

#define PERIOD_ARG(argno) tc_check_period(PG_GETARG_INT32(argno), "period")

PG_FUNCTION_INFO_V1(tc_sql_sma);
Datum
tc_sql_sma(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_sma, 1, 1, tc_sma_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_ema);
Datum
tc_sql_ema(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_ema, 1, 1, tc_ema_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_wma);
Datum
tc_sql_wma(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_wma, 1, 1, tc_wma_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_rsi);
Datum
tc_sql_rsi(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_rsi, 1, 1, tc_rsi_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_rolling_stddev);
Datum
tc_sql_rolling_stddev(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_stddev, 1, 1, tc_stddev_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_zscore);
Datum
tc_sql_zscore(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	TcKernel	k = {run_zscore, 1, 1, tc_stddev_lookback(p), {p}, 0, {"series"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_bollinger);
Datum
tc_sql_bollinger(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(1);
	double		mult = PG_GETARG_FLOAT8(2);
	TcKernel	k = {run_bollinger, 1, 5, tc_stddev_lookback(p), {p}, mult, {"series"}};
	TcSeries	in[1];
	ArrayType  *out[5];

	if (!isfinite(mult) || mult < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("band width multiplier k must be a finite number >= 0, got %g", mult)));
	read_inputs(fcinfo, &k, in);
	tc_compute(&k, in, out);
	return composite_result(fcinfo, out, 5);
}

PG_FUNCTION_INFO_V1(tc_sql_macd);
Datum
tc_sql_macd(PG_FUNCTION_ARGS)
{
	int			fast = tc_check_period(PG_GETARG_INT32(1), "fast period");
	int			slow = tc_check_period(PG_GETARG_INT32(2), "slow period");
	int			sig = tc_check_period(PG_GETARG_INT32(3), "signal period");
	TcKernel	k = {run_macd, 1, 3, tc_macd_lookback(slow), {fast, slow, sig}, 0, {"series"}};
	TcSeries	in[1];
	ArrayType  *out[3];

	if (fast >= slow)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fast period must be less than slow period, got %d and %d", fast, slow)));
	read_inputs(fcinfo, &k, in);
	tc_compute(&k, in, out);
	return composite_result(fcinfo, out, 3);
}

PG_FUNCTION_INFO_V1(tc_sql_atr);
Datum
tc_sql_atr(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(3);
	TcKernel	k = {run_atr, 3, 1, tc_atr_lookback(p), {p}, 0, {"high", "low", "close"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_obv);
Datum
tc_sql_obv(PG_FUNCTION_ARGS)
{
	TcKernel	k = {run_obv, 2, 1, 0, {0}, 0, {"close", "volume"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_vwap);
Datum
tc_sql_vwap(PG_FUNCTION_ARGS)
{
	TcKernel	k = {run_vwap, 2, 1, 0, {0}, 0, {"price", "volume"}};

	return single_series(fcinfo, &k);
}

PG_FUNCTION_INFO_V1(tc_sql_vwap_rolling);
Datum
tc_sql_vwap_rolling(PG_FUNCTION_ARGS)
{
	int			p = PERIOD_ARG(2);
	TcKernel	k = {run_vwap_rolling, 2, 1, tc_sma_lookback(p), {p}, 0, {"price", "volume"}};

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
