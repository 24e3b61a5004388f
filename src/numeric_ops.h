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

/*
 * Decimals kept by an average price folded in fill by fill ((old average *
 * old qty + price * qty) / new qty: a position's average entry price, a
 * maker's average fill price).  numeric division keeps at least the
 * dividend's scale, which holds the old average's scale plus the quantity's,
 * so unrounded the scale grew by the quantity's decimals with every fill, to
 * numeric's 1,000-digit cap.  16 decimals keep 16 significant digits of a
 * price of 1, 11 of a price of 0.00001.
 */
#define TC_AVG_PRICE_SCALE 16

static inline Numeric
n_round(Numeric a, int scale)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(a), Int32GetDatum(scale)));
}

static inline int
n_cmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

#endif							/* TC_NUMERIC_OPS_H */
