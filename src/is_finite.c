/*
 * is_finite.c
 *	  tradecore.is_finite(numeric): the NaN/Infinity test behind the CHECK
 *	  constraints on every money and quantity column.
 *
 * It was a SQL function ($1 > '-Infinity' AND $1 < 'Infinity').  Declared
 * STRICT with an AND in its body, the planner could never inline it, so every
 * CHECK evaluated it through the SQL-function executor: a fresh executor per
 * call, about 2 us each, a dozen times per order.  In C it is one look at the
 * numeric's header flags.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/numeric.h"

PG_FUNCTION_INFO_V1(tc_is_finite);

Datum
tc_is_finite(PG_FUNCTION_ARGS)
{
	Numeric		n = PG_GETARG_NUMERIC(0);

	PG_RETURN_BOOL(!numeric_is_nan(n) && !numeric_is_inf(n));
}
