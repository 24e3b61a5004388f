/*
 * strategies.c
 *	  The five strategies over candle windows.  Each returns a direction, a
 *	  strength and a confidence in 0..1 and a reason object saying which
 *	  numbers decided; the formulas are in docs/signals.md, which is the
 *	  reference a trader reads before trusting a signal.
 *
 * Every strategy needs a minimum window; with less it returns direction 0,
 * strength 0, confidence 0 and reason {"status": "insufficient_data"}.
 * Scratch memory is one palloc per call (never per bar), in the caller's
 * (per-call) memory context.
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "indicators.h"
#include "strategies.h"

/* ---------------------------------------------------------------------
 * Signal and reason
 * --------------------------------------------------------------------- */

static inline double
clamp01(double v)
{
	if (!(v > 0.0))				/* also NaN */
		return 0.0;
	return v < 1.0 ? v : 1.0;
}

void
tc_signal_init(TcSignal *s, const char *strategy)
{
	s->direction = 0;
	s->strength = 0.0;
	s->confidence = 0.0;
	initStringInfo(&s->reason);
	appendStringInfoString(&s->reason, "{\"strategy\": ");
	escape_json(&s->reason, strategy);
	s->reason_open = true;
}

static void
reason_key(TcSignal *s, const char *key)
{
	appendStringInfoString(&s->reason, ", ");
	escape_json(&s->reason, key);
	appendStringInfoString(&s->reason, ": ");
}

/*
 * Numbers in their shortest form that reads back as the same double (what
 * float8out prints by default): exact, and an order of magnitude cheaper than
 * printf's %g, which was a third of evaluating a strategy in run_strategies.
 */
void
tc_reason_num(TcSignal *s, const char *key, double v)
{
	reason_key(s, key);
	if (isfinite(v))
	{
		char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

		appendBinaryStringInfo(&s->reason, buf, double_to_shortest_decimal_buf(v, buf));
	}
	else
		appendStringInfoString(&s->reason, "null");
}

void
tc_reason_int(TcSignal *s, const char *key, int64 v)
{
	char		buf[MAXINT8LEN + 1];

	reason_key(s, key);
	appendBinaryStringInfo(&s->reason, buf, pg_lltoa(v, buf));
}

void
tc_reason_str(TcSignal *s, const char *key, const char *v)
{
	reason_key(s, key);
	escape_json(&s->reason, v);
}

/* a flat signal (direction, strength and confidence 0) with its status */
void
tc_signal_flat(TcSignal *s, const char *status)
{
	s->direction = 0;
	s->strength = 0.0;
	s->confidence = 0.0;
	tc_reason_str(s, "status", status);
}

static void
insufficient(TcSignal *s, int have, int need)
{
	tc_signal_flat(s, "insufficient_data");
	tc_reason_int(s, "bars", have);
	tc_reason_int(s, "needed", need);
}

/* ---------------------------------------------------------------------
 * Parameters
 * --------------------------------------------------------------------- */

static bool
param_lookup(Jsonb *params, const char *key, double *out)
{
	JsonbValue	v;

	if (params == NULL || !JB_ROOT_IS_OBJECT(params))
		return false;
	if (!getKeyJsonValueFromContainer(&params->root, key, strlen(key), &v))
		return false;
	if (v.type == jbvNull)
		return false;
	if (v.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy parameter \"%s\" must be a number", key)));
	*out = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
											  NumericGetDatum(v.val.numeric)));
	return true;
}

double
tc_param_num(Jsonb *params, const char *key, double dflt, double lo, double hi)
{
	double		v;

	if (!param_lookup(params, key, &v))
		return dflt;
	if (!(v >= lo && v <= hi))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy parameter \"%s\" must be between %g and %g, got %g",
						key, lo, hi, v)));
	return v;
}

int
tc_param_int(Jsonb *params, const char *key, int dflt, int lo, int hi)
{
	double		v;

	if (!param_lookup(params, key, &v))
		return dflt;
	if (!(v >= lo && v <= hi) || v != floor(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("strategy parameter \"%s\" must be an integer between %d and %d, got %g",
						key, lo, hi, v)));
	return (int) v;
}

/* ---------------------------------------------------------------------
 * Shared statistics
 * --------------------------------------------------------------------- */

static double
mean_of(const double *x, int m)
{
	double		s = 0.0;

	for (int i = 0; i < m; i++)
		s += x[i];
	return s / m;
}

/* ---------------------------------------------------------------------
 * Momentum: EMA trend and rate of change, confirmed by rising volume
 * --------------------------------------------------------------------- */

void
tc_momentum(const double *close, const double *volume, int n, Jsonb *params, TcSignal *sig)
{
	int			fast = tc_param_int(params, "fast", 10, 1, 10000);
	int			slow = tc_param_int(params, "slow", 30, 2, 10000);
	int			roc_period = tc_param_int(params, "roc_period", 10, 1, 10000);
	int			vp = tc_param_int(params, "volume_period", 10, 1, 10000);
	double		vthr = tc_param_num(params, "volume_ratio", 1.0, 0.0, 1e6);
	int			need;
	double		ef,
				es,
				trend,
				roc,
				sigma,
				vratio,
				vlong;
	double	   *buf;
	int			trend_dir;

	if (fast >= slow)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("momentum parameter \"fast\" must be less than \"slow\", got %d and %d",
						fast, slow)));
	need = Max(slow, roc_period + 1);
	need = Max(need, vp);
	need = Max(need, slow + 1);
	if (n < need)
	{
		insufficient(sig, n, need);
		return;
	}

	/* EMAs over the whole window: one scratch buffer for both */
	buf = palloc(sizeof(double) * n);
	tc_ema(close, n, fast, buf);
	ef = buf[n - 1 - tc_ema_lookback(fast)];
	tc_ema(close, n, slow, buf);
	es = buf[n - 1 - tc_ema_lookback(slow)];
	pfree(buf);

	trend = es != 0.0 ? (ef - es) / fabs(es) : 0.0;
	roc = close[n - 1 - roc_period] != 0.0 ?
		close[n - 1] / close[n - 1 - roc_period] - 1.0 : 0.0;
	sigma = tc_log_return_sigma(close, n, slow);
	vlong = mean_of(volume + n - slow, slow);
	vratio = vlong > 0.0 ? mean_of(volume + n - vp, vp) / vlong : 0.0;

	tc_reason_num(sig, "ema_fast", ef);
	tc_reason_num(sig, "ema_slow", es);
	tc_reason_num(sig, "trend", trend);
	tc_reason_num(sig, "roc", roc);
	tc_reason_num(sig, "sigma", sigma);
	tc_reason_num(sig, "volume_ratio", vratio);

	if (!isfinite(sigma))
	{
		tc_signal_flat(sig, "non_positive_prices");
		return;
	}
	trend_dir = (trend > 0 && roc > 0) ? 1 : (trend < 0 && roc < 0) ? -1 : 0;
	/* gap between the EMAs in units of the noise expected over the fast span */
	sig->strength = sigma > 0.0 ? clamp01(tanh(fabs(trend) / (sigma * sqrt((double) fast)))) : 0.0;
	sig->confidence = vthr > 0.0 ? clamp01(0.5 * vratio / vthr) : 1.0;
	if (trend_dir == 0 || sig->strength == 0.0)
	{
		tc_signal_flat(sig, "no_trend");
		return;
	}
	if (vratio < vthr)
	{
		/* the trend is there but volume does not back it */
		sig->strength = 0.0;
		tc_reason_str(sig, "status", "volume_unconfirmed");
		return;
	}
	sig->direction = trend_dir;
	tc_reason_str(sig, "status", trend_dir > 0 ? "uptrend" : "downtrend");
}

/* ---------------------------------------------------------------------
 * Mean reversion: close outside the Bollinger Bands, confirmed by RSI
 * --------------------------------------------------------------------- */

void
tc_mean_reversion(const double *close, int n, Jsonb *params, TcSignal *sig)
{
	int			period = tc_param_int(params, "period", 20, 2, 10000);
	double		k = tc_param_num(params, "k", 2.0, 0.01, 100.0);
	int			rp = tc_param_int(params, "rsi_period", 14, 1, 10000);
	double		oversold = tc_param_num(params, "oversold", 30.0, 0.0, 100.0);
	double		overbought = tc_param_num(params, "overbought", 70.0, 0.0, 100.0);
	int			need = Max(period, rp + 1);
	double		mean,
				sd,
				z,
				rsi,
				last;
	double	   *buf;

	if (oversold >= overbought)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("mean_reversion parameter \"oversold\" must be below \"overbought\"")));
	if (n < need)
	{
		insufficient(sig, n, need);
		return;
	}
	last = close[n - 1];
	buf = palloc(sizeof(double) * n);
	tc_rolling_moments(close + n - period, period, period, buf, buf + 1, NULL);
	mean = buf[0];
	sd = buf[1];
	tc_rsi(close, n, rp, buf);
	rsi = buf[n - 1 - tc_rsi_lookback(rp)];
	pfree(buf);
	z = sd > 0.0 ? (last - mean) / sd : 0.0;

	tc_reason_num(sig, "close", last);
	tc_reason_num(sig, "middle", mean);
	tc_reason_num(sig, "upper", mean + k * sd);
	tc_reason_num(sig, "lower", mean - k * sd);
	tc_reason_num(sig, "zscore", z);
	tc_reason_num(sig, "rsi", rsi);

	if (z <= -k || z >= k)
	{
		int			dir = z < 0 ? 1 : -1;	/* below the lower band: buy */
		bool		confirmed = dir > 0 ? rsi <= oversold : rsi >= overbought;

		sig->strength = clamp01(fabs(z) / (2.0 * k));
		sig->confidence = dir > 0 ?
			clamp01(0.5 + 0.5 * (oversold - rsi) / Max(oversold, 1e-9)) :
			clamp01(0.5 + 0.5 * (rsi - overbought) / Max(100.0 - overbought, 1e-9));
		if (!confirmed)
		{
			sig->strength = 0.0;
			sig->confidence = 0.0;
			tc_reason_str(sig, "status", "rsi_unconfirmed");
			return;
		}
		sig->direction = dir;
		tc_reason_str(sig, "status", dir > 0 ? "below_lower_band" : "above_upper_band");
		return;
	}
	tc_signal_flat(sig, "inside_bands");
}

/* ---------------------------------------------------------------------
 * Cross-exchange arbitrage: best bid / ask across venues, net of costs
 * --------------------------------------------------------------------- */

void
tc_arbitrage(const double *bid, const double *ask, const double *fee_bps,
			 const double *transfer_bps, int nv, int venue, Jsonb *params, TcSignal *sig)
{
	double		min_edge = tc_param_num(params, "min_edge_bps", 5.0, 0.0, 1e5);
	int			best_buy = -1,
				best_sell = -1;
	double		best_edge = -INFINITY;
	int			valid = 0;

	/*
	 * All ordered pairs (buy on i, sell on j): nv is the number of venues
	 * quoting one symbol, a handful, so O(nv^2) is the simple right choice.
	 */
	for (int i = 0; i < nv; i++)
	{
		double		cost;

		if (!(ask[i] > 0.0 && isfinite(ask[i]) && bid[i] > 0.0 && isfinite(bid[i])))
			continue;
		valid++;
		cost = ask[i] * (1.0 + fee_bps[i] / 1e4);
		for (int j = 0; j < nv; j++)
		{
			double		proceeds,
						edge;

			if (j == i || !(bid[j] > 0.0 && isfinite(bid[j]) && ask[j] > 0.0 && isfinite(ask[j])))
				continue;
			proceeds = bid[j] * (1.0 - fee_bps[j] / 1e4);
			edge = (proceeds - cost) / cost * 1e4 - transfer_bps[i];
			if (edge > best_edge)
			{
				best_edge = edge;
				best_buy = i;
				best_sell = j;
			}
		}
	}
	tc_reason_int(sig, "venues_quoting", valid);
	if (best_buy < 0)
	{
		insufficient(sig, valid, 2);
		return;
	}
	tc_reason_int(sig, "buy_venue", best_buy + 1);
	tc_reason_int(sig, "sell_venue", best_sell + 1);
	tc_reason_num(sig, "buy_price", ask[best_buy]);
	tc_reason_num(sig, "sell_price", bid[best_sell]);
	tc_reason_num(sig, "net_edge_bps", best_edge);
	tc_reason_num(sig, "min_edge_bps", min_edge);
	if (best_edge < min_edge || best_edge <= 0.0)
	{
		tc_signal_flat(sig, "no_edge");
		return;
	}
	sig->strength = clamp01(min_edge > 0 ? best_edge / (2.0 * min_edge) : 1.0);
	/* a crossed book on either leg (bid above its own ask) smells of a stale quote */
	sig->confidence = (bid[best_buy] <= ask[best_buy] && bid[best_sell] <= ask[best_sell]) ? 1.0 : 0.5;
	if (venue == best_buy + 1)
		sig->direction = 1;
	else if (venue == best_sell + 1)
		sig->direction = -1;
	else
		sig->direction = 0;
	tc_reason_str(sig, "status", sig->direction > 0 ? "buy_leg" :
				  sig->direction < 0 ? "sell_leg" : "opportunity_elsewhere");
	if (sig->direction == 0)
	{
		sig->strength = 0.0;
		sig->confidence = 0.0;
	}
}

/* ---------------------------------------------------------------------
 * Pairs: OLS hedge ratio, spread z-score, ADF stationarity gate
 * --------------------------------------------------------------------- */

void
tc_pairs(const double *a, const double *b, int n, Jsonb *params, TcSignal *sig)
{
	int			lookback = tc_param_int(params, "lookback", 0, 0, 100000000);
	double		entry = tc_param_num(params, "entry_z", 2.0, 0.0, 100.0);
	double		exit_z = tc_param_num(params, "exit_z", 0.5, 0.0, 100.0);
	int			lags = tc_param_int(params, "adf_lags", 1, 0, 10);
	double		crit = tc_param_num(params, "adf_critical", -2.86, -100.0, 0.0);
	bool		use_log = tc_param_int(params, "log_prices", 1, 0, 1) == 1;
	int			need = Max(lags + 30, 20);
	double	   *x,
			   *y,
			   *s;
	double		alpha,
				beta,
				sd = 0.0,
				z,
				t;
	int			m;

	if (exit_z > entry)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pairs parameter \"exit_z\" must not exceed \"entry_z\"")));
	m = (lookback > 0 && lookback < n) ? lookback : n;
	if (m < need)
	{
		insufficient(sig, m, need);
		return;
	}
	a += n - m;
	b += n - m;
	x = palloc(sizeof(double) * 3 * m);
	y = x + m;
	s = y + m;
	for (int i = 0; i < m; i++)
	{
		if (use_log && !(a[i] > 0.0 && b[i] > 0.0))
		{
			pfree(x);
			tc_signal_flat(sig, "non_positive_prices");
			return;
		}
		x[i] = use_log ? log(b[i]) : b[i];
		y[i] = use_log ? log(a[i]) : a[i];
	}
	if (!tc_ols(x, y, m, &alpha, &beta))
	{
		pfree(x);
		tc_signal_flat(sig, "hedge_leg_flat");
		return;
	}
	for (int i = 0; i < m; i++)
	{
		s[i] = y[i] - alpha - beta * x[i];
		sd += s[i] * s[i];
	}
	sd = sqrt(sd / m);			/* residuals of OLS with intercept have mean 0 */
	z = sd > 0.0 ? s[m - 1] / sd : 0.0;
	t = tc_adf_tstat(s, m, lags);
	pfree(x);

	tc_reason_num(sig, "hedge_ratio", beta);
	tc_reason_num(sig, "intercept", alpha);
	tc_reason_num(sig, "spread_z", z);
	tc_reason_num(sig, "adf_t", t);
	tc_reason_num(sig, "adf_critical", crit);
	tc_reason_int(sig, "bars", m);

	if (!(t < crit))
	{
		tc_signal_flat(sig, "not_stationary");
		return;
	}
	sig->confidence = clamp01(0.5 + 0.5 * (crit - t) / fabs(crit));
	if (fabs(z) >= entry && entry > 0.0)
	{
		/* spread rich: sell a, buy beta of b; the signal is for leg a */
		sig->direction = z > 0 ? -1 : 1;
		sig->strength = clamp01(fabs(z) / (2.0 * entry));
		tc_reason_str(sig, "status", z > 0 ? "spread_rich" : "spread_cheap");
		return;
	}
	sig->strength = 0.0;
	sig->confidence = 0.0;
	tc_reason_str(sig, "status", fabs(z) <= exit_z ? "exit" : "inside_band");
}

/* ---------------------------------------------------------------------
 * Market making: quotes around mid, spread from volatility, skew from inventory
 * --------------------------------------------------------------------- */

void
tc_market_making(const double *mid, int n, double inventory, Jsonb *params, TcSignal *sig)
{
	int			vp = tc_param_int(params, "vol_period", 30, 2, 100000);
	double		base_bps = tc_param_num(params, "base_spread_bps", 10.0, 0.0, 1e5);
	double		vmult = tc_param_num(params, "vol_multiplier", 2.0, 0.0, 1e3);
	double		max_inv = tc_param_num(params, "max_inventory", 1.0, 1e-12, 1e15);
	double		skew = tc_param_num(params, "skew", 1.0, 0.0, 10.0);
	double		min_lean = tc_param_num(params, "min_lean", 0.1, 0.0, 1.0);
	double		sigma,
				half,
				q,
				r,
				bid,
				ask,
				m;

	if (!isfinite(inventory))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("market_making inventory must be a finite number")));
	if (n < vp + 1)
	{
		insufficient(sig, n, vp + 1);
		return;
	}
	m = mid[n - 1];
	sigma = tc_log_return_sigma(mid, n, vp);
	if (!isfinite(sigma))
	{
		tc_signal_flat(sig, "non_positive_prices");
		return;
	}
	half = Max(base_bps / 2.0 / 1e4, vmult * sigma);
	q = inventory / max_inv;
	q = q > 1.0 ? 1.0 : q < -1.0 ? -1.0 : q;
	/* long inventory lowers both quotes so the ask fills first, and vice versa */
	r = m * (1.0 - skew * q * half);
	bid = r * (1.0 - half);
	ask = r * (1.0 + half);

	tc_reason_num(sig, "mid", m);
	tc_reason_num(sig, "bid", bid);
	tc_reason_num(sig, "ask", ask);
	tc_reason_num(sig, "reservation", r);
	tc_reason_num(sig, "half_spread_bps", half * 1e4);
	tc_reason_num(sig, "sigma_bps", sigma * 1e4);
	tc_reason_num(sig, "inventory", inventory);
	tc_reason_num(sig, "inventory_ratio", q);

	/* quotes whose spread dwarfs the noise are safe to leave resting */
	sig->confidence = clamp01(half / (half + sigma));
	if (fabs(q) < min_lean || q == 0.0)
	{
		sig->strength = 0.0;
		tc_reason_str(sig, "status", "quoting");
		return;
	}
	sig->direction = q > 0 ? -1 : 1;
	sig->strength = clamp01(fabs(q));
	tc_reason_str(sig, "status", q > 0 ? "reduce_long" : "reduce_short");
}
