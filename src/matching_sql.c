/*
 * matching_sql.c
 *	  SQL face of the matching engine that needs no tables:
 *	  tradecore.matching_replay() runs a script of orders through a fresh book
 *	  and returns every fill and outcome (the engine's exact, testable
 *	  semantics), and tradecore.bench_matching() times place-and-match in C.
 *	  Also the numeric <-> tick/lot conversions the paper exchange shares.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "common/pg_prng.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "matching.h"
#include "matching_sql.h"
#include "numeric_ops.h"

static void
check_finite_positive(Numeric n, const char *what)
{
	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite number", what)));
	if (n_cmp(n, int64_to_numeric(0)) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be positive", what)));
}

/* value as an exact multiple of unit; off-grid values are an error, never rounded */
int64
tc_numeric_to_units(Numeric value, Numeric unit, const char *what)
{
	Numeric		q;

	check_finite_positive(unit, "tick and lot sizes");
	check_finite_positive(value, what);
	q = DatumGetNumeric(DirectFunctionCall2(numeric_div_trunc, NumericGetDatum(value),
											NumericGetDatum(unit)));
	if (n_cmp(n_mul(q, unit), value) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %s is not a multiple of %s", what,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(value))),
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(unit))))));
	if (n_cmp(q, int64_to_numeric(INT64CONST(1000000000000000000))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s is too large for the order book", what)));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(q)));
}

Numeric
tc_units_to_numeric(int64 units, Numeric unit)
{
	return n_mul(int64_to_numeric(units), unit);
}

/* bps (numeric) to millionths of notional; finer than 0.01 bps is refused */
int64
tc_fee_bps_to_ppm(Numeric bps)
{
	Numeric		ppm;
	Numeric		t;

	if (numeric_is_nan(bps) || numeric_is_inf(bps))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fee rate must be a finite number of basis points")));
	ppm = n_mul(bps, int64_to_numeric(100));
	t = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(ppm), Int32GetDatum(0)));
	if (n_cmp(ppm, t) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("fee rate %s bps has more than two decimals",
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(bps))))));
	if (n_cmp(t, int64_to_numeric(-10000 * 100)) < 0 || n_cmp(t, int64_to_numeric(10000 * 100)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("fee rate must lie between -10000 and 10000 bps")));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(t)));
}

/* fee in tick*lot units to numeric quote currency */
Numeric
tc_fee_units_to_numeric(int64 units, Numeric tick, Numeric lot)
{
	return n_mul(int64_to_numeric(units), n_mul(tick, lot));
}

const char *
tc_outcome_name(TcOutcome o)
{
	switch (o)
	{
		case TC_OUT_RESTING:
			return "resting";
		case TC_OUT_PARTIAL_RESTING:
			return "partially_filled";
		case TC_OUT_FILLED:
			return "filled";
		case TC_OUT_CANCELED:
			return "canceled";
		case TC_OUT_REJECTED_POST_ONLY:
			return "rejected_post_only";
		case TC_OUT_REJECTED_FOK:
			return "rejected_fok";
		case TC_OUT_REJECTED_DUPLICATE:
			return "rejected_duplicate";
		case TC_OUT_REJECTED_INVALID:
			return "rejected_invalid";
	}
	return "unknown";
}

bool
tc_parse_side(const char *s, TcSide *side)
{
	if (strcmp(s, "buy") == 0)
		*side = TC_BUY;
	else if (strcmp(s, "sell") == 0)
		*side = TC_SELL;
	else
		return false;
	return true;
}

bool
tc_parse_type(const char *s, TcOrderType *type)
{
	if (strcmp(s, "limit") == 0)
		*type = TC_LIMIT;
	else if (strcmp(s, "market") == 0)
		*type = TC_MARKET;
	else
		return false;
	return true;
}

bool
tc_parse_tif(const char *s, TcTif *tif)
{
	if (strcmp(s, "gtc") == 0)
		*tif = TC_GTC;
	else if (strcmp(s, "ioc") == 0)
		*tif = TC_IOC;
	else if (strcmp(s, "fok") == 0)
		*tif = TC_FOK;
	else if (strcmp(s, "post_only") == 0)
		*tif = TC_POST_ONLY;
	else
		return false;
	return true;
}

/* ---- matching_replay ---- */

static char *
op_text(JsonbContainer *obj, const char *key, const char *dflt, int step)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);

	if (v == NULL)
	{
		if (dflt == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("step %d: missing \"%s\"", step, key)));
		return pstrdup(dflt);
	}
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	if (v->type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("step %d: \"%s\" must be a string or a number", step, key)));
	pg_unreachable();
}

static Numeric
text_numeric(const char *s)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

static void
put_row(ReturnSetInfo *rsinfo, int step, const char *event, int64 order_id,
		bool has_counter, int64 counter, Numeric price, Numeric qty,
		Numeric taker_fee, Numeric maker_fee)
{
	Datum		values[8];
	bool		nulls[8] = {0};

	values[0] = Int32GetDatum(step);
	values[1] = CStringGetTextDatum(event);
	values[2] = Int64GetDatum(order_id);
	values[3] = Int64GetDatum(counter);
	nulls[3] = !has_counter;
	values[4] = NumericGetDatum(price);
	nulls[4] = price == NULL;
	values[5] = NumericGetDatum(qty);
	nulls[5] = qty == NULL;
	values[6] = NumericGetDatum(taker_fee);
	nulls[6] = taker_fee == NULL;
	values[7] = NumericGetDatum(maker_fee);
	nulls[7] = maker_fee == NULL;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(tc_matching_replay);
/*
 * tradecore.matching_replay(ops jsonb, tick_size, lot_size, maker_fee_bps, taker_fee_bps)
 * ops: [{"id":1,"side":"buy","type":"limit","tif":"gtc","price":"100.5","qty":"2"},
 *       {"op":"cancel","id":1}, ...]
 */
Datum
tc_matching_replay(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *ops = PG_GETARG_JSONB_P(0);
	Numeric		tick = PG_GETARG_NUMERIC(1);
	Numeric		lot = PG_GETARG_NUMERIC(2);
	int64		maker_ppm = tc_fee_bps_to_ppm(PG_GETARG_NUMERIC(3));
	int64		taker_ppm = tc_fee_bps_to_ppm(PG_GETARG_NUMERIC(4));
	TcBook	   *book;
	int			n;

	if (!JB_ROOT_IS_ARRAY(ops) || JB_ROOT_IS_SCALAR(ops))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ops must be a JSON array of order objects")));
	check_finite_positive(tick, "tick_size");
	check_finite_positive(lot, "lot_size");
	InitMaterializedSRF(fcinfo, 0);
	book = tc_book_create(CurrentMemoryContext, maker_ppm, taker_ppm);
	n = (int) JsonContainerSize(&ops->root);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(&ops->root, (uint32) i);
		JsonbContainer *obj;
		char	   *op;
		int64		id;
		int			step = i + 1;

		CHECK_FOR_INTERRUPTS();
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("step %d is not a JSON object", step)));
		obj = v->val.binary.data;
		op = op_text(obj, "op", "new", step);
		id = pg_strtoint64(op_text(obj, "id", NULL, step));
		if (strcmp(op, "cancel") == 0)
		{
			int64		left;

			if (tc_book_cancel(book, id, &left))
				put_row(rsinfo, step, "canceled", id, false, 0, NULL,
						tc_units_to_numeric(left, lot), NULL, NULL);
			else
				put_row(rsinfo, step, "cancel_unknown", id, false, 0, NULL, NULL, NULL, NULL);
		}
		else if (strcmp(op, "new") == 0)
		{
			TcOrderReq	req;
			TcSubmitResult res;
			const TcFill *f;

			req.id = id;
			if (!tc_parse_side(op_text(obj, "side", NULL, step), &req.side) ||
				!tc_parse_type(op_text(obj, "type", "limit", step), &req.type) ||
				!tc_parse_tif(op_text(obj, "tif", "gtc", step), &req.tif))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("step %d: side must be buy|sell, type limit|market, tif gtc|ioc|fok|post_only", step)));
			req.price = req.type == TC_LIMIT
				? tc_numeric_to_units(text_numeric(op_text(obj, "price", NULL, step)), tick, "price") : 0;
			req.qty = tc_numeric_to_units(text_numeric(op_text(obj, "qty", NULL, step)), lot, "quantity");
			tc_book_submit(book, &req, &res);
			f = tc_book_fills(book);
			for (int k = 0; k < res.nfills; k++)
				put_row(rsinfo, step, "fill", f[k].taker_id, true, f[k].maker_id,
						tc_units_to_numeric(f[k].price, tick), tc_units_to_numeric(f[k].qty, lot),
						tc_fee_units_to_numeric(f[k].taker_fee, tick, lot),
						tc_fee_units_to_numeric(f[k].maker_fee, tick, lot));
			/* qty: what rests, what filled, what was canceled, what was refused */
			put_row(rsinfo, step, tc_outcome_name(res.outcome), id, false, 0,
					req.type == TC_LIMIT ? tc_units_to_numeric(req.price, tick) : NULL,
					tc_units_to_numeric(res.outcome == TC_OUT_RESTING || res.outcome == TC_OUT_PARTIAL_RESTING
										? res.left
										: res.outcome == TC_OUT_FILLED ? res.filled
										: req.qty - res.filled, lot),
					NULL, NULL);
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("step %d: op must be \"new\" or \"cancel\"", step)));
	}
	/* the final book, best first, one row per level */
	for (int s = 0; s < 2; s++)
	{
		int64		price,
					qty;
		int			count;

		for (int lvl = 0; tc_book_level(book, (TcSide) s, lvl, &price, &qty, &count); lvl++)
			put_row(rsinfo, n + 1, s == TC_BUY ? "book_bid" : "book_ask", count, false, 0,
					tc_units_to_numeric(price, tick), tc_units_to_numeric(qty, lot), NULL, NULL);
	}
	tc_book_destroy(book);
	return (Datum) 0;
}

/* ---- bench_matching ---- */

PG_FUNCTION_INFO_V1(tc_bench_matching);
/*
 * tradecore.bench_matching(n, seed): n orders from a seeded random flow
 * around a drifting mid price (limit GTC 80 %, IOC 8 %, FOK 4 %, post-only
 * 4 %, market 4 %; about 40 % marketable), with one cancel of a recent order
 * after every tenth order to keep the book at a realistic size.  The loop is
 * in C; elapsed time covers only the loop.  checksum hashes every fill
 * (taker, maker, price, qty) in order, so equal seeds must give equal sums.
 */
Datum
tc_bench_matching(PG_FUNCTION_ARGS)
{
	int64		n = PG_GETARG_INT64(0);
	int64		seed = PG_GETARG_INT64(1);
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};
	pg_prng_state rng;
	TcBook	   *book;
	int64		recent[1024];
	int64		fills = 0,
				canceled = 0,
				rejected = 0,
				cancels = 0,
				volume = 0;
	uint64		checksum = UINT64CONST(1469598103934665603);
	int64		mid = 1000000;
	instr_time	start,
				elapsed;
	double		ms;

	if (n < 1 || n > INT64CONST(100000000))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("n must be between 1 and 100000000")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	pg_prng_seed(&rng, (uint64) seed);
	memset(recent, 0, sizeof(recent));
	book = tc_book_create(CurrentMemoryContext, 1000, 2000);

	INSTR_TIME_SET_CURRENT(start);
	for (int64 i = 1; i <= n; i++)
	{
		TcOrderReq	req;
		TcSubmitResult res;
		uint32		r = pg_prng_uint32(&rng);
		uint32		kind = r % 100;
		const TcFill *f;

		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		if ((i & 15) == 0)
			mid += (int64) (pg_prng_uint32(&rng) % 3) - 1;

		req.id = i;
		req.side = (r >> 8) & 1 ? TC_SELL : TC_BUY;
		req.qty = 1 + (int64) ((r >> 9) % 100);
		req.type = kind < 4 ? TC_MARKET : TC_LIMIT;
		req.tif = kind < 84 ? TC_GTC : kind < 92 ? TC_IOC : kind < 96 ? TC_FOK : TC_POST_ONLY;
		if (req.type == TC_MARKET)
			req.tif = TC_IOC;
		{
			/* offset in [-30, 20): negative = passive side of the mid */
			int64		off = (int64) ((r >> 16) % 50) - 30;

			req.price = req.side == TC_BUY ? mid + off : mid - off;
		}
		tc_book_submit(book, &req, &res);
		f = tc_book_fills(book);
		for (int k = 0; k < res.nfills; k++)
		{
			checksum = (checksum ^ (uint64) f[k].taker_id) * UINT64CONST(1099511628211);
			checksum = (checksum ^ (uint64) f[k].maker_id) * UINT64CONST(1099511628211);
			checksum = (checksum ^ (uint64) f[k].price) * UINT64CONST(1099511628211);
			checksum = (checksum ^ (uint64) f[k].qty) * UINT64CONST(1099511628211);
			volume += f[k].qty;
		}
		fills += res.nfills;
		if (res.outcome == TC_OUT_CANCELED)
			canceled++;
		else if (res.outcome >= TC_OUT_REJECTED_POST_ONLY)
			rejected++;
		else if (res.outcome == TC_OUT_RESTING || res.outcome == TC_OUT_PARTIAL_RESTING)
			recent[i & 1023] = i;
		if (i % 10 == 0)
		{
			int64		victim = recent[pg_prng_uint32(&rng) & 1023];

			if (victim != 0 && tc_book_cancel(book, victim, NULL))
				cancels++;
		}
	}
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	ms = INSTR_TIME_GET_MILLISEC(elapsed);

	values[0] = Int64GetDatum(n);
	values[1] = Int64GetDatum(fills);
	values[2] = Int64GetDatum(volume);
	values[3] = Int64GetDatum(tc_book_orders(book));
	values[4] = Int64GetDatum(canceled);
	values[5] = Int64GetDatum(rejected);
	values[6] = Int64GetDatum(cancels);
	values[7] = Int64GetDatum((int64) checksum);
	values[8] = Float8GetDatum(ms);
	tc_book_destroy(book);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
