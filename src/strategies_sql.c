/*
 * strategies_sql.c
 *	  SQL wrappers of the strategies: float8[] windows (numeric[] through the
 *	  implicit cast) in, tradecore.strategy_signal out.
 *
 * Windows with NULL, NaN or infinite elements: a strategy looks at the
 * newest bars, so it uses the longest tail of the window in which every
 * input is finite (reported as "bars_used" in the reason when shorter
 * than the window).  Windows of different lengths raise 2202E; bad
 * parameters raise 22023.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "strategies.h"
#include "tc_series.h"

static Datum
signal_datum(FunctionCallInfo fcinfo, TcSignal *s)
{
	TupleDesc	td;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("function returning record called in context that cannot accept type record")));
	td = BlessTupleDesc(td);
	appendStringInfoChar(&s->reason, '}');
	values[0] = Int16GetDatum((int16) s->direction);
	values[1] = Float8GetDatum(s->strength);
	values[2] = Float8GetDatum(s->confidence);
	values[3] = DirectFunctionCall1(jsonb_in, CStringGetDatum(s->reason.data));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/*
 * Reads k equally long windows and returns the index where their common
 * finite tail starts.
 */
static int
read_windows(FunctionCallInfo fcinfo, int k, const char *const *names, TcSeries *in)
{
	bool		finite = true;
	int			n,
				start;

	for (int j = 0; j < k; j++)
	{
		tc_series_read(PG_GETARG_ARRAYTYPE_P(j), names[j], &in[j]);
		finite &= in[j].finite;
		if (in[j].n != in[0].n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("input arrays must have the same length"),
					 errdetail("%s has %d elements, %s has %d.",
							   names[0], in[0].n, names[j], in[j].n)));
	}
	n = in[0].n;
	if (finite)
		return 0;
	start = n;
	while (start > 0)
	{
		bool		ok = true;

		for (int j = 0; j < k; j++)
			ok &= isfinite(in[j].v[start - 1]);
		if (!ok)
			break;
		start--;
	}
	return start;
}

static void
note_tail(TcSignal *s, int start, int n)
{
	if (start > 0)
		tc_reason_int(s, "bars_used", n - start);
}

PG_FUNCTION_INFO_V1(tc_sql_momentum);
Datum
tc_sql_momentum(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"close", "volume"};
	TcSeries	in[2];
	TcSignal	s;
	int			st = read_windows(fcinfo, 2, names, in);

	tc_signal_init(&s, "momentum");
	note_tail(&s, st, in[0].n);
	tc_momentum(in[0].v + st, in[1].v + st, in[0].n - st, PG_GETARG_JSONB_P(2), &s);
	return signal_datum(fcinfo, &s);
}

PG_FUNCTION_INFO_V1(tc_sql_mean_reversion);
Datum
tc_sql_mean_reversion(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"close"};
	TcSeries	in[1];
	TcSignal	s;
	int			st = read_windows(fcinfo, 1, names, in);

	tc_signal_init(&s, "mean_reversion");
	note_tail(&s, st, in[0].n);
	tc_mean_reversion(in[0].v + st, in[0].n - st, PG_GETARG_JSONB_P(1), &s);
	return signal_datum(fcinfo, &s);
}

PG_FUNCTION_INFO_V1(tc_sql_pairs);
Datum
tc_sql_pairs(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"a", "b"};
	TcSeries	in[2];
	TcSignal	s;
	int			st = read_windows(fcinfo, 2, names, in);

	tc_signal_init(&s, "pairs");
	note_tail(&s, st, in[0].n);
	tc_pairs(in[0].v + st, in[1].v + st, in[0].n - st, PG_GETARG_JSONB_P(2), &s);
	return signal_datum(fcinfo, &s);
}

PG_FUNCTION_INFO_V1(tc_sql_market_making);
Datum
tc_sql_market_making(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"mid"};
	TcSeries	in[1];
	TcSignal	s;
	int			st = read_windows(fcinfo, 1, names, in);

	tc_signal_init(&s, "market_making");
	note_tail(&s, st, in[0].n);
	tc_market_making(in[0].v + st, in[0].n - st, PG_GETARG_FLOAT8(1),
					 PG_GETARG_JSONB_P(2), &s);
	return signal_datum(fcinfo, &s);
}

/*
 * Arbitrage takes one element per venue, not a time window: NULL quotes or
 * fees leave that venue out instead of cutting the arrays.
 */
PG_FUNCTION_INFO_V1(tc_sql_arbitrage);
Datum
tc_sql_arbitrage(PG_FUNCTION_ARGS)
{
	static const char *const names[] = {"bids", "asks", "fee_bps", "transfer_bps"};
	TcSeries	in[4];
	TcSignal	s;

	for (int j = 0; j < 4; j++)
	{
		tc_series_read(PG_GETARG_ARRAYTYPE_P(j), names[j], &in[j]);
		if (in[j].n != in[0].n)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("input arrays must have the same length"),
					 errdetail("bids has %d elements, %s has %d.", in[0].n, names[j], in[j].n)));
	}
	tc_signal_init(&s, "arbitrage");
	tc_arbitrage(in[0].v, in[1].v, in[2].v, in[3].v, in[0].n, PG_GETARG_INT32(4),
				 PG_GETARG_JSONB_P(5), &s);
	return signal_datum(fcinfo, &s);
}

/*
 * vol_target_size(score, risk_budget, sigma, price, cap, lot): the quantity
 * |score| * risk_budget / (sigma * price), at most 1e15, rounded down to whole
 * lots (lot NULL or 0: 1e-8); NULL when an input is NULL, sigma or price is
 * not positive or the budget is negative.  cap is applied by the caller.
 *
 * In C because run_strategies sizes every non-flat signal and decision with
 * it: as a SQL function with its own search_path it could not be inlined and
 * cost a function executor per row.  The arithmetic is PostgreSQL's own,
 * operation by operation: float8 multiply/divide with their range checks,
 * least() ordering NaN last, then numeric divide, floor and multiply.
 */
PG_FUNCTION_INFO_V1(tc_sql_vol_target_size);
Datum
tc_sql_vol_target_size(PG_FUNCTION_ARGS)
{
	float8		score,
				budget,
				sigma,
				price,
				q;
	Datum		lot,
				n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	score = PG_GETARG_FLOAT8(0);
	budget = PG_GETARG_FLOAT8(1);
	sigma = PG_GETARG_FLOAT8(2);
	price = PG_GETARG_FLOAT8(3);
	if (!float8_gt(sigma, 0.0) || !float8_gt(price, 0.0) || !float8_ge(budget, 0.0))
		PG_RETURN_NULL();
	q = float8_div(float8_mul(fabs(score), budget), float8_mul(sigma, price));
	if (!float8_lt(q, 1e15))
		q = 1e15;
	if (PG_ARGISNULL(5) ||
		DatumGetBool(DirectFunctionCall2(numeric_eq, PG_GETARG_DATUM(5),
										 NumericGetDatum(int64_to_numeric(0)))))
		lot = DirectFunctionCall3(numeric_in, CStringGetDatum("1e-8"),
								  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	else
		lot = PG_GETARG_DATUM(5);
	n = DirectFunctionCall1(float8_numeric, Float8GetDatum(q));
	n = DirectFunctionCall2(numeric_div, n, lot);
	n = DirectFunctionCall1(numeric_floor, n);
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_mul, n, lot));
}
