/*
 * numeric_ops.h
 *	  Money arithmetic in C with PostgreSQL's own numeric operators, so that C
 *	  code computes exactly what the same SQL expression would (scale, rounding
 *	  and errors included).  Static inline: each is one fmgr call.
 */
#ifndef TC_NUMERIC_OPS_H
#define TC_NUMERIC_OPS_H

#include "fmgr.h"
#include "utils/fmgrprotos.h"
#include "utils/numeric.h"

static inline Numeric
n_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline Numeric
n_sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline Numeric
n_mul(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline Numeric
n_div(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline Numeric
n_abs(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_abs, NumericGetDatum(a)));
}

static inline Numeric
n_neg(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_uminus, NumericGetDatum(a)));
}

static inline Numeric
n_sign(Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(numeric_sign, NumericGetDatum(a)));
}

static inline int
n_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

#endif							/* TC_NUMERIC_OPS_H */
