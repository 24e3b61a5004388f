/*
 * paper_market.c
 *	  The paper exchange's simulated market: a seeded geometric Brownian
 *	  motion path, the same for the same seed on every machine.
 *
 * S(t+dt) = S(t) * exp((mu - sigma^2 / 2) dt + sigma sqrt(dt) Z), Z ~ N(0, 1)
 * from pg_prng (xoroshiro128**) and the Box-Muller transform.  Prices are
 * simulation output, so float8 is right here; tradecore.paper_market_run()
 * puts them on the instrument's tick grid before any order sees them.
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

static double
normal(pg_prng_state *rng)
{
	double		u1,
				u2;

	do
		u1 = pg_prng_double(rng);
	while (u1 <= 0.0);
	u2 = pg_prng_double(rng);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

PG_FUNCTION_INFO_V1(tc_gbm_path);
/*
 * tradecore.gbm_path(s0, drift, volatility, steps, seed, dt) -> (step, price)
 * drift and volatility are annualised; dt is the step in years.
 */
Datum
tc_gbm_path(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		s = PG_GETARG_FLOAT8(0);
	double		mu = PG_GETARG_FLOAT8(1);
	double		sigma = PG_GETARG_FLOAT8(2);
	int32		steps = PG_GETARG_INT32(3);
	int64		seed = PG_GETARG_INT64(4);
	double		dt = PG_GETARG_FLOAT8(5);
	pg_prng_state rng;
	double		a,
				b;

	if (!isfinite(s) || s <= 0 || !isfinite(mu) || !isfinite(sigma) || sigma < 0 ||
		!isfinite(dt) || dt <= 0 || dt > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gbm_path needs s0 > 0, finite drift, volatility >= 0 and 0 < dt <= 1")));
	if (steps < 0 || steps > 10000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be between 0 and 10000000")));
	InitMaterializedSRF(fcinfo, 0);
	pg_prng_seed(&rng, (uint64) seed);
	a = (mu - 0.5 * sigma * sigma) * dt;
	b = sigma * sqrt(dt);
	for (int32 i = 0; i <= steps; i++)
	{
		Datum		v[2];
		bool		n[2] = {false, false};

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		v[0] = Int32GetDatum(i);
		v[1] = Float8GetDatum(s);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
		s *= exp(a + b * normal(&rng));
		if (!isfinite(s) || s <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("simulated price left the float8 range at step %d", i + 1)));
	}
	return (Datum) 0;
}
