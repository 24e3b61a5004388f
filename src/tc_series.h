/*
 * tc_series.h
 *	  float8[] <-> double series plumbing shared by the indicator and
 *	  strategy SQL wrappers (src/indicators_sql.c).
 */
#ifndef TC_SERIES_H
#define TC_SERIES_H

#include "postgres.h"

#include "utils/array.h"

#define TC_MAX_IO 5

/* one input series, read without copying when it has no NULLs */
typedef struct TcSeries
{
	const double *v;			/* n values; NaN where the array had NULL */
	int			n;
	int			lbound;
	bool		finite;			/* every element finite (no NULL, NaN, Inf) */
} TcSeries;

typedef struct TcKernel TcKernel;

/*
 * runs the kernel on a finite run of n bars; out[j] are compacted from
 * lookback + extra[j].  Returns false only if no output value is NaN (true:
 * the results are scanned for NaN, which become NULL).
 */
typedef bool (*TcKernelRun) (const TcKernel *k, const double *const *in, int n,
							 double *const *out);

struct TcKernel
{
	TcKernelRun run;
	int			nin;
	int			nout;
	int			lookback;
	int			extra[TC_MAX_IO];	/* output j's warm-up beyond lookback (MACD's signal) */
	int			p[3];			/* periods */
	double		k;				/* a real parameter (Bollinger's multiplier) */
	const char *argnames[TC_MAX_IO];	/* input names for error messages */
};

/*
 * ARR_DATA_OFFSET/ARR_DATA_PTR mix int32 and size_t in a ?: and trip
 * -Wsign-compare under -Wextra; these are the same computation, typed.
 */
static inline Size
tc_arr_data_offset(const ArrayType *a)
{
	return ARR_HASNULL(a) ? (Size) a->dataoffset : (Size) ARR_OVERHEAD_NONULLS(ARR_NDIM(a));
}

static inline double *
tc_arr_data(ArrayType *a)
{
	return (double *) ((char *) a + tc_arr_data_offset(a));
}

extern void tc_series_read(ArrayType *arr, const char *argname, TcSeries *s);
extern ArrayType *tc_array_init(void *p, Size nbytes, int n, int lbound, int nulls,
								bool bitmap, double **data);
extern ArrayType *tc_result_alloc(int n, int lbound, int nulls, bool bitmap, double **data);
extern void tc_array_nan_to_null(ArrayType *r);
extern ArrayType *tc_result_finish(ArrayType *r);
extern bool tc_inputs_check(const TcKernel *kern, const TcSeries *in);
extern bool tc_run(const TcKernel *kern, const TcSeries *in, bool finite, double *const *data);
extern void tc_compute(const TcKernel *kern, const TcSeries *in, ArrayType **outs);
extern int	tc_check_period(int32 p, const char *name);

#endif							/* TC_SERIES_H */
