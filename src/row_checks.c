/*
 * row_checks.c
 *	  The row rules of the tables every order writes (orders, fills,
 *	  trading_positions, events), each table's rules in one C function that
 *	  its one CHECK constraint calls.
 *
 * Why not one declarative CHECK per rule, as everywhere else: PostgreSQL 15
 * keeps no parsed form of a table's CHECK constraints between statements.
 * Every INSERT or UPDATE re-reads each constraint's stored expression
 * (stringToNode), plans it (expression_planner) and compiles it, once per
 * statement and table (ExecRelCheck).  The ten rules of orders, with their
 * constant text arrays serialised byte by byte, cost 14% of place_order, and
 * the rules of fills, positions and the outbox another 9% (perf, 8,000 orders;
 * bench/31 with and without them).  One call with the row's columns parses to
 * one small node.
 *
 * Each function checks exactly what the rules it replaces checked, with SQL's
 * CHECK semantics: a rule whose inputs are NULL passes (NOT NULL is a separate
 * constraint), and it raises check_violation (23514) naming the broken rule
 * instead of returning false, so that the message says which column is wrong
 * rather than only which constraint.  They return true otherwise.
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

/* text argument i equals one of the words (binary equality, as = on text) */
static bool
text_is_one_of(FunctionCallInfo fcinfo, int i, const char *const *words)
{
	text	   *t = PG_GETARG_TEXT_PP(i);
	const char *s = VARDATA_ANY(t);
	size_t		len = VARSIZE_ANY_EXHDR(t);

	for (; *words != NULL; words++)
		if (strlen(*words) == len && memcmp(*words, s, len) == 0)
			return true;
	return false;
}

static void
check_word(FunctionCallInfo fcinfo, int i, const char *table, const char *column,
		   const char *const *words, const char *allowed)
{
	if (PG_ARGISNULL(i) || text_is_one_of(fcinfo, i, words))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("%s.%s must be one of %s, not \"%s\"", table, column, allowed,
					text_to_cstring(PG_GETARG_TEXT_PP(i)))));
}

static int
sign_of(Numeric n)
{
	static const int64 zero = 0;

	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(zero))));
}

typedef enum
{
	FINITE,						/* tradecore.is_finite(x) */
	FINITE_NONNEGATIVE,			/* ... AND x >= 0 */
	FINITE_POSITIVE				/* ... AND x > 0 */
} AmountRule;

static void
check_amount(FunctionCallInfo fcinfo, int i, const char *table, const char *column, AmountRule rule)
{
	Numeric		n;

	if (PG_ARGISNULL(i))
		return;
	n = PG_GETARG_NUMERIC(i);
	if (numeric_is_nan(n) || numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s.%s must be a finite number, not %s", table, column,
						numeric_normalize(n))));
	if ((rule == FINITE_POSITIVE && sign_of(n) <= 0) || (rule == FINITE_NONNEGATIVE && sign_of(n) < 0))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s.%s must be %s, not %s", table, column,
						rule == FINITE_POSITIVE ? "positive" : "zero or positive", numeric_normalize(n))));
}

static const char *const sides[] = {"buy", "sell", NULL};
static const char *const types[] = {"limit", "market", NULL};
static const char *const tifs[] = {"gtc", "ioc", "fok", "post_only", NULL};
static const char *const statuses[] = {"new", "open", "partially_filled", "filled", "canceled", "rejected", NULL};
static const char *const liquidities[] = {"maker", "taker", NULL};

PG_FUNCTION_INFO_V1(tc_check_order_row);
/*
 * tradecore.check_order_row(side, type, time_in_force, price, qty,
 *     filled_qty, avg_fill_price, status): the rules of an orders row.
 */
Datum
tc_check_order_row(PG_FUNCTION_ARGS)
{
	check_word(fcinfo, 0, "orders", "side", sides, "buy, sell");
	check_word(fcinfo, 1, "orders", "type", types, "limit, market");
	check_word(fcinfo, 2, "orders", "time_in_force", tifs, "gtc, ioc, fok, post_only");
	check_amount(fcinfo, 3, "orders", "price", FINITE_POSITIVE);
	check_amount(fcinfo, 4, "orders", "qty", FINITE_POSITIVE);
	check_amount(fcinfo, 5, "orders", "filled_qty", FINITE_NONNEGATIVE);
	check_amount(fcinfo, 6, "orders", "avg_fill_price", FINITE_POSITIVE);
	check_word(fcinfo, 7, "orders", "status", statuses,
			   "new, open, partially_filled, filled, canceled, rejected");
	if (!PG_ARGISNULL(4) && !PG_ARGISNULL(5) &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, PG_GETARG_DATUM(5), PG_GETARG_DATUM(4))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("orders.filled_qty %s exceeds orders.qty %s",
						numeric_normalize(PG_GETARG_NUMERIC(5)), numeric_normalize(PG_GETARG_NUMERIC(4)))));
	/* type = 'market' OR price IS NOT NULL */
	if (!PG_ARGISNULL(1) && PG_ARGISNULL(3))
	{
		static const char *const market[] = {"market", NULL};

		if (!text_is_one_of(fcinfo, 1, market))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("a limit order must have a price")));
	}
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(tc_check_fill_row);
/* tradecore.check_fill_row(price, qty, fee, liquidity): the rules of a fills row */
Datum
tc_check_fill_row(PG_FUNCTION_ARGS)
{
	check_amount(fcinfo, 0, "fills", "price", FINITE_POSITIVE);
	check_amount(fcinfo, 1, "fills", "qty", FINITE_POSITIVE);
	check_amount(fcinfo, 2, "fills", "fee", FINITE);
	check_word(fcinfo, 3, "fills", "liquidity", liquidities, "maker, taker");
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(tc_check_position_row);
/*
 * tradecore.check_position_row(qty, avg_price, realized_pnl): the rules of a
 * trading_positions row
 */
Datum
tc_check_position_row(PG_FUNCTION_ARGS)
{
	check_amount(fcinfo, 0, "trading_positions", "qty", FINITE);
	check_amount(fcinfo, 1, "trading_positions", "avg_price", FINITE_NONNEGATIVE);
	check_amount(fcinfo, 2, "trading_positions", "realized_pnl", FINITE);
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(tc_check_event_type);
/*
 * tradecore.check_event_type(type): an events row's type is dotted lower-case
 * words, ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$, of at most 64 characters.
 * Matched by PostgreSQL's regex engine (compiled once per backend in its
 * cache), under the C collation so that [a-z] means ASCII letters whatever
 * the database's locale.
 */
Datum
tc_check_event_type(PG_FUNCTION_ARGS)
{
	text	   *type;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	type = PG_GETARG_TEXT_PP(0);
	if (DatumGetInt32(DirectFunctionCall1(textlen, PointerGetDatum(type))) > 64)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("event type must be at most 64 characters long")));
	if (!DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID, PointerGetDatum(type),
											  CStringGetTextDatum("^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$"))))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("event type \"%s\" is not dotted lower-case words", text_to_cstring(type)),
				 errhint("Types look like order.filled or signal: letters a-z, digits and _ in each part, "
						 "each part starting with a letter.")));
	PG_RETURN_BOOL(true);
}
