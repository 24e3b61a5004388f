/*
 * indicators_agg.c
 *	  Aggregate forms of the recursive indicators, for SQL users who keep
 *	  bars as rows: tradecore.ema_agg(x, period) and tradecore.rsi_agg(x,
 *	  period) used as window functions with ORDER BY and the default frame
 *	  give the running indicator row by row in O(n), the same values as
 *	  tradecore.ema / tradecore.rsi over the array of those rows.  (Moving
 *	  averages and deviations need no aggregate: a ROWS frame does it.)
 *
 * The state lives in the aggregate's memory context; the final functions
 * only read it, so the window machinery may call them after every row.
 * NULL inputs are skipped by the strict transition functions; NaN and
 * infinite inputs are skipped too.  Used as a plain aggregate, the result
 * is the indicator's value at the last row.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"

#include "indicators.h"
#include "tc_series.h"

typedef struct TcEmaState
{
	int64		n;				/* finite values seen */
	int			period;
	double		acc;			/* running sum during warm-up, then the EMA */
} TcEmaState;

typedef struct TcRsiState
{
	int64		n;				/* finite values seen */
	int			period;
	double		prev;
	double		gain;			/* sums during warm-up, then Wilder averages */
	double		loss;
} TcRsiState;

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *name)
{
	MemoryContext ctx;

	if (!AggCheckCallContext(fcinfo, &ctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", name)));
	return ctx;
}

/* the period argument (third) of both aggregates, read once per group */
static int
agg_period(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("period must not be NULL")));
	return tc_check_period(PG_GETARG_INT32(2), "period");
}

PG_FUNCTION_INFO_V1(tc_ema_agg_trans);
Datum
tc_ema_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo, "ema_agg");
	TcEmaState *st = PG_ARGISNULL(0) ? NULL : (TcEmaState *) PG_GETARG_POINTER(0);
	double		x;

	if (st == NULL)
	{
		st = (TcEmaState *) MemoryContextAllocZero(ctx, sizeof(TcEmaState));
		st->period = agg_period(fcinfo);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	if (!isfinite(x))
		PG_RETURN_POINTER(st);
	st->n++;
	if (st->n < st->period)
		st->acc += x;
	else if (st->n == st->period)
		st->acc = (st->acc + x) / st->period;
	else
	{
		double		alpha = 2.0 / (st->period + 1.0);

		st->acc = (1.0 - alpha) * st->acc + alpha * x;
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(tc_ema_agg_final);
Datum
tc_ema_agg_final(PG_FUNCTION_ARGS)
{
	TcEmaState *st = PG_ARGISNULL(0) ? NULL : (TcEmaState *) PG_GETARG_POINTER(0);

	/* NaN only after an overflow to infinity; the array form turns it into NULL too */
	if (st == NULL || st->n < st->period || isnan(st->acc))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(st->acc);
}

PG_FUNCTION_INFO_V1(tc_rsi_agg_trans);
Datum
tc_rsi_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext ctx = agg_context(fcinfo, "rsi_agg");
	TcRsiState *st = PG_ARGISNULL(0) ? NULL : (TcRsiState *) PG_GETARG_POINTER(0);
	double		x,
				d,
				up,
				dn;

	if (st == NULL)
	{
		st = (TcRsiState *) MemoryContextAllocZero(ctx, sizeof(TcRsiState));
		st->period = agg_period(fcinfo);
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	x = PG_GETARG_FLOAT8(1);
	if (!isfinite(x))
		PG_RETURN_POINTER(st);
	st->n++;
	if (st->n == 1)
	{
		st->prev = x;
		PG_RETURN_POINTER(st);
	}
	d = x - st->prev;
	st->prev = x;
	up = d > 0 ? d : 0.0;
	dn = d < 0 ? -d : 0.0;
	if (st->n <= st->period)
	{
		st->gain += up;
		st->loss += dn;
	}
	else if (st->n == st->period + 1)
	{
		st->gain = (st->gain + up) / st->period;
		st->loss = (st->loss + dn) / st->period;
	}
	else
	{
		st->gain = st->gain * ((st->period - 1.0) / st->period) + up * (1.0 / st->period);
		st->loss = st->loss * ((st->period - 1.0) / st->period) + dn * (1.0 / st->period);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(tc_rsi_agg_final);
Datum
tc_rsi_agg_final(PG_FUNCTION_ARGS)
{
	TcRsiState *st = PG_ARGISNULL(0) ? NULL : (TcRsiState *) PG_GETARG_POINTER(0);
	double		t;

	if (st == NULL || st->n <= st->period)
		PG_RETURN_NULL();
	t = st->gain + st->loss;
	if (isnan(t) || isinf(t))	/* overflowed changes: as in the array form, no value */
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(t > 0.0 ? 100.0 * (st->gain / t) : 50.0);
}
