/*
 * indicators.c
 *	  Technical indicator kernels: plain C over double arrays, one pass, no
 *	  allocation.  Contract and conventions are in indicators.h.
 *
 * Loops are written so that the common case (no resync due) is a straight
 * add/subtract per bar; resyncs are done in a separate outer loop rather
 * than with a modulo test in the inner one.
 */
#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "indicators.h"

#define TC_ADF_MAXK 12			/* regressors in the ADF regression: c, gamma, lags */

/* exact (well, naive-summation) sum of x[0..len-1] */
static inline double
window_sum(const double *x, int len)
{
	double		s = 0.0;

	for (int j = 0; j < len; j++)
		s += x[j];
	return s;
}

void
tc_sma(const double *x, int n, int period, double *out)
{
	const int	lb = period - 1;
	const double inv = 1.0 / period;
	int			i;

	if (n <= lb)
		return;

	/*
	 * Position i's window is x[i-period+1 .. i].  Each block of TC_RESYNC
	 * positions starts from an exact sum and then slides.
	 */
	for (i = lb; i < n;)
	{
		int			end = i + TC_RESYNC < n ? i + TC_RESYNC : n;
		double		s = window_sum(x + i - lb, period);

		out[i - lb] = s * inv;
		for (i++; i < end; i++)
		{
			s += x[i] - x[i - period];
			out[i - lb] = s * inv;
		}
	}
}

/*
 * Linear recurrences split into independent chains.
 *
 * An EMA step e = b * e + a * x waits for the previous e: a multiply and an
 * add of latency each, about 8 cycles a bar, while the CPU could retire
 * several such steps at once.  The recurrence is linear, so a segment of the
 * series can be run from e = 0 and fixed afterwards by adding the term its
 * true start value E contributes, b^(t+1) * E at offset t.  The series is cut
 * into TC_CHAINS segments run interleaved in one loop (TC_CHAINS independent
 * dependency chains), then each segment but the first gets that term, in
 * order, until b^(t+1) falls below 2^-60: beyond that the term is under a
 * hundredth of an ulp of E, less than the rounding of the plain recurrence.
 * Results differ from the sequential loop by a few ulps at most.
 */
#define TC_CHAINS 16
#define TC_CHAIN_MIN 512		/* bars per segment below which splitting does not pay */

/* steps after which a start value multiplied by b^t is below 2^-60 of itself */
static int
decay_steps(double b)
{
	double		t;

	if (!(b > 0.0))
		return 1;
	if (!(b < 1.0))
		return INT_MAX;
	t = ceil(60.0 * M_LN2 / -log(b));
	return t < (double) INT_MAX ? (int) t : INT_MAX;
}

/*
 * out[t] = e_t with e_t = b * e_{t-1} + a * x[t] for t = 0..n-1, e_{-1} = e0.
 * Returns e_{n-1} (e0 when n is 0).
 */
static double
ema_recurrence(const double *restrict x, int n, double a, double b, double e0,
			   double *restrict out)
{
	double		e = e0;
	int			done = 0;

	if (n >= TC_CHAINS * TC_CHAIN_MIN)
	{
		const int	len = n / TC_CHAINS;
		const int	steps = decay_steps(b);
		double		z[TC_CHAINS];

		z[0] = e0;
		for (int c = 1; c < TC_CHAINS; c++)
			z[c] = 0.0;
		for (int t = 0; t < len; t++)
		{
			for (int c = 0; c < TC_CHAINS; c++)
			{
				z[c] = b * z[c] + a * x[c * len + t];
				out[c * len + t] = z[c];
			}
		}
		/* segment c started from 0 instead of the end of segment c - 1 */
		for (int c = 1; c < TC_CHAINS; c++)
		{
			double	   *o = out + c * len;
			const double start = o[-1];
			int			m = steps < len ? steps : len;

			/*
			 * q = b^(t+1) * start by repeated multiplication, re-derived with
			 * pow() every TC_RESYNC steps so that slow decays (long periods)
			 * do not accumulate rounding
			 */
			for (int t0 = 0; t0 < m; t0 += TC_RESYNC)
			{
				int			t1 = t0 + TC_RESYNC < m ? t0 + TC_RESYNC : m;
				double		q = start * pow(b, t0);

				for (int t = t0; t < t1; t++)
				{
					q *= b;
					o[t] += q;
				}
			}
		}
		done = TC_CHAINS * len;
		e = out[done - 1];
	}
	for (int t = done; t < n; t++)
	{
		e = b * e + a * x[t];
		out[t] = e;
	}
	return e;
}

void
tc_ema(const double *x, int n, int period, double *out)
{
	const int	lb = period - 1;
	const double alpha = 2.0 / (period + 1.0);
	double		e;

	if (n <= lb)
		return;
	e = window_sum(x, period) / period;
	out[0] = e;

	/*
	 * beta * e + alpha * x rather than e + alpha * (x - e): the product
	 * alpha * x is off the loop-carried dependency.
	 */
	ema_recurrence(x + period, n - period, alpha, 1.0 - alpha, e, out + 1);
}

void
tc_wma(const double *x, int n, int period, double *out)
{
	const int	lb = period - 1;
	const double denom = (double) period * (period + 1.0) / 2.0;
	int			i;

	if (n <= lb)
		return;

	/*
	 * Weights 1..period, the newest bar weighing period.  Sliding by one bar:
	 * every weight drops by one (subtract the plain window sum) and the new
	 * bar enters with weight period.
	 */
	for (i = lb; i < n;)
	{
		int			end = i + TC_RESYNC < n ? i + TC_RESYNC : n;
		const double *w = x + i - lb;
		double		s = 0.0,
					ws = 0.0;

		for (int j = 0; j < period; j++)
		{
			s += w[j];
			ws += (j + 1.0) * w[j];
		}
		out[i - lb] = ws / denom;
		for (i++; i < end; i++)
		{
			ws += period * x[i] - s;
			s += x[i] - x[i - period];
			out[i - lb] = ws / denom;
		}
	}
}

/* RSI from Wilder-smoothed average gain g and loss l; 50 when the market is flat */
static inline double
rsi_value(double g, double l)
{
	double		t = g + l;

	return t > 0.0 ? 100.0 * (g / t) : 50.0;
}

void
tc_rsi(const double *x, int n, int period, double *out)
{
	const int	lb = period;
	double		g = 0.0,
				l = 0.0;

	if (n <= lb)
		return;
	for (int i = 1; i <= period; i++)
	{
		double		d = x[i] - x[i - 1];

		if (d > 0)
			g += d;
		else
			l -= d;
	}
	g /= period;
	l /= period;
	out[0] = rsi_value(g, l);
	{
		/* Wilder: avg = (avg * (p - 1) + v) / p, with the division hoisted out */
		const double keep = (period - 1.0) / period,
					take = 1.0 / period;

		for (int i = period + 1; i < n; i++)
		{
			double		d = x[i] - x[i - 1];
			double		up = d > 0 ? d : 0.0;
			double		dn = d < 0 ? -d : 0.0;

			g = g * keep + up * take;
			l = l * keep + dn * take;
			out[i - lb] = rsi_value(g, l);
		}
	}
}

/*
 * Shifted window sums for the rolling mean and deviation: sums of (x - c)
 * and (x - c)^2 with c the first value of a block of TC_RESYNC outputs.
 * Shifting by a value near the data keeps s2 - s1^2/p free of the
 * cancellation that plain sums of squares suffer at price levels, and
 * recomputing them at every block start bounds the drift of the sliding
 * updates.
 */
typedef struct ShiftedSums
{
	double		c;
	double		s1;
	double		s2;
} ShiftedSums;

static inline ShiftedSums
shifted_sums(const double *w, int period)
{
	ShiftedSums ss = {w[0], 0.0, 0.0};

	for (int j = 0; j < period; j++)
	{
		double		d = w[j] - ss.c;

		ss.s1 += d;
		ss.s2 += d * d;
	}
	return ss;
}

/* the window moves on by one: add the value entering, drop the one leaving */
static inline void
shifted_slide(ShiftedSums *ss, double in, double out)
{
	double		a = in - ss->c,
				b = out - ss->c;

	ss->s1 += a - b;
	ss->s2 += a * a - b * b;
}

void
tc_rolling_moments(const double *x, int n, int period,
				   double *mean, double *sd, double *z)
{
	const int	lb = period - 1;
	const double inv = 1.0 / period;
	int			i;

	if (n <= lb)
		return;

	for (i = lb; i < n;)
	{
		int			end = i + TC_RESYNC < n ? i + TC_RESYNC : n;
		ShiftedSums ss = shifted_sums(x + i - lb, period);
		const double k = ss.c;

		for (;;)
		{
			double		m = ss.s1 * inv;
			double		var = ss.s2 * inv - m * m;
			double		s = var > 0.0 ? sqrt(var) : 0.0;
			int			o = i - lb;

			if (mean)
				mean[o] = k + m;
			if (sd)
				sd[o] = s;
			if (z)
				z[o] = s > 0.0 ? (x[i] - (k + m)) / s : NAN;
			if (++i >= end)
				break;
			shifted_slide(&ss, x[i], x[i - period]);
		}
	}
}

bool
tc_bollinger(const double *x, int n, int period, double k,
			 double *middle, double *upper, double *lower,
			 double *percent_b, double *bandwidth)
{
	const int	lb = period - 1;
	const double inv = 1.0 / period;
	bool		nan = false;
	int			i;

	if (n <= lb)
		return false;

	/*
	 * The moments of tc_rolling_moments and the bands in the same pass, so
	 * that the five outputs are each written once and never read back.
	 */
	for (i = lb; i < n;)
	{
		int			end = i + TC_RESYNC < n ? i + TC_RESYNC : n;
		ShiftedSums ss = shifted_sums(x + i - lb, period);
		const double c = ss.c;

		for (;;)
		{
			double		m = ss.s1 * inv;
			double		var = ss.s2 * inv - m * m;
			double		sd = var > 0.0 ? sqrt(var) : 0.0;
			double		mid = c + m;
			double		width = k * sd;
			double		up = mid + width,
						lo = mid - width;
			int			o = i - lb;
			double		pb = up > lo ? (x[i] - lo) / (up - lo) : NAN;
			double		bw = mid != 0.0 ? (up - lo) / mid : NAN;

			middle[o] = mid;
			upper[o] = up;
			lower[o] = lo;
			percent_b[o] = pb;
			bandwidth[o] = bw;
			/* a NaN anywhere in the row makes %b or bandwidth NaN */
			nan |= (pb + bw) != (pb + bw);
			if (++i >= end)
				break;
			shifted_slide(&ss, x[i], x[i - period]);
		}
	}
	return nan;
}

bool
tc_macd(const double *x, int n, int fast, int slow, int signal_period,
		double *line, double *signal, double *histogram)
{
	const int	lb = slow - 1;
	const double af = 2.0 / (fast + 1.0),
				as = 2.0 / (slow + 1.0),
				asig = 2.0 / (signal_period + 1.0),
				bf = 1.0 - af,
				bs = 1.0 - as,
				bsig = 1.0 - asig;
	double		ef,
				es,
				sig = 0.0;
	bool		nan = false;
	int			i;

	if (n <= lb)
		return false;
	/* fast EMA up to position slow-1, slow EMA seeded at slow-1 */
	ef = window_sum(x, fast) / fast;
	for (i = fast; i < slow; i++)
		ef = bf * ef + af * x[i];
	es = window_sum(x, slow) / slow;

	/* the line's first signal_period values: the signal's warm-up and seed */
	for (i = lb; i < n && i - lb < signal_period; i++)
	{
		if (i > lb)
		{
			ef = bf * ef + af * x[i];
			es = bs * es + as * x[i];
		}
		line[i - lb] = ef - es;
		nan |= (ef - es) != (ef - es);
		sig += ef - es;
	}
	if (i - lb < signal_period)
		return nan;
	sig /= signal_period;
	signal[0] = sig;
	histogram[0] = line[signal_period - 1] - sig;
	nan |= histogram[0] != histogram[0];

	for (; i < n; i++)
	{
		double		v;

		ef = bf * ef + af * x[i];
		es = bs * es + as * x[i];
		v = ef - es;
		sig = bsig * sig + asig * v;
		line[i - lb] = v;
		signal[i - lb - signal_period + 1] = sig;
		histogram[i - lb - signal_period + 1] = v - sig;
		/* NaN in the line or the signal makes the histogram NaN */
		nan |= (v - sig) != (v - sig);
	}
	return nan;
}

static inline double
true_range(double h, double l, double prev_close)
{
	double		tr = h - l,
				a = fabs(h - prev_close),
				b = fabs(l - prev_close);

	if (a > tr)
		tr = a;
	if (b > tr)
		tr = b;
	return tr;
}

void
tc_atr(const double *high, const double *low, const double *close,
	   int n, int period, double *out)
{
	const int	lb = period;
	double		a = 0.0;

	if (n <= lb)
		return;
	for (int i = 1; i <= period; i++)
		a += true_range(high[i], low[i], close[i - 1]);
	a /= period;
	out[0] = a;
	{
		const double keep = (period - 1.0) / period,
					take = 1.0 / period;

		for (int i = period + 1; i < n; i++)
		{
			a = a * keep + true_range(high[i], low[i], close[i - 1]) * take;
			out[i - lb] = a;
		}
	}
}

void
tc_obv(const double *close, const double *volume, int n, double *out)
{
	double		v;

	if (n <= 0)
		return;
	v = volume[0];
	out[0] = v;
	for (int i = 1; i < n; i++)
	{
		if (close[i] > close[i - 1])
			v += volume[i];
		else if (close[i] < close[i - 1])
			v -= volume[i];
		out[i] = v;
	}
}

void
tc_vwap(const double *price, const double *volume, int n, double *out)
{
	double		pv = 0.0,
				vol = 0.0;

	for (int i = 0; i < n; i++)
	{
		pv += price[i] * volume[i];
		vol += volume[i];
		out[i] = vol != 0.0 ? pv / vol : NAN;
	}
}

void
tc_vwap_rolling(const double *price, const double *volume, int n,
				int period, double *out)
{
	const int	lb = period - 1;
	int			i;

	if (n <= lb)
		return;
	for (i = lb; i < n;)
	{
		int			end = i + TC_RESYNC < n ? i + TC_RESYNC : n;
		double		pv = 0.0,
					vol = 0.0;

		for (int j = i - lb; j <= i; j++)
		{
			pv += price[j] * volume[j];
			vol += volume[j];
		}
		for (;;)
		{
			out[i - lb] = vol != 0.0 ? pv / vol : NAN;
			if (++i >= end)
				break;
			pv += price[i] * volume[i] - price[i - period] * volume[i - period];
			vol += volume[i] - volume[i - period];
		}
	}
}

double
tc_log_return_sigma(const double *p, int n, int m)
{
	double		s1 = 0.0,
				s2 = 0.0;

	if (m < 1 || n < m + 1)
		return NAN;
	for (int t = n - m; t < n; t++)
	{
		double		r;

		if (!(p[t] > 0.0 && p[t - 1] > 0.0))
			return NAN;
		r = log(p[t] / p[t - 1]);
		s1 += r;
		s2 += r * r;
	}
	s1 /= m;
	s2 = s2 / m - s1 * s1;
	return s2 > 0.0 ? sqrt(s2) : 0.0;
}

bool
tc_ols(const double *x, const double *y, int n, double *alpha, double *beta)
{
	double		mx = 0.0,
				my = 0.0,
				sxx = 0.0,
				sxy = 0.0;

	if (n < 2)
		return false;
	for (int i = 0; i < n; i++)
	{
		mx += x[i];
		my += y[i];
	}
	mx /= n;
	my /= n;
	for (int i = 0; i < n; i++)
	{
		double		dx = x[i] - mx;

		sxx += dx * dx;
		sxy += dx * (y[i] - my);
	}
	if (!(sxx > 0.0))
		return false;
	*beta = sxy / sxx;
	*alpha = my - *beta * mx;
	return true;
}

/*
 * Solves the symmetric positive definite system a * b = r (k x k, row-major)
 * by Cholesky, in place, and returns the diagonal element (A^-1)[idx][idx]
 * needed for the coefficient's standard error.  false when singular.
 */
static bool
spd_solve(double *a, double *r, int k, int idx, double *inv_diag)
{
	double		e[TC_ADF_MAXK];

	for (int j = 0; j < k; j++)
	{
		double		d = a[j * k + j];

		for (int p = 0; p < j; p++)
			d -= a[j * k + p] * a[j * k + p];
		if (!(d > 1e-12 * (fabs(a[j * k + j]) + 1e-300)))
			return false;
		d = sqrt(d);
		a[j * k + j] = d;
		for (int i = j + 1; i < k; i++)
		{
			double		s = a[i * k + j];

			for (int p = 0; p < j; p++)
				s -= a[i * k + p] * a[j * k + p];
			a[i * k + j] = s / d;
		}
	}
	/* forward then backward substitution for the coefficients */
	for (int i = 0; i < k; i++)
	{
		double		s = r[i];

		for (int p = 0; p < i; p++)
			s -= a[i * k + p] * r[p];
		r[i] = s / a[i * k + i];
	}
	for (int i = k - 1; i >= 0; i--)
	{
		double		s = r[i];

		for (int p = i + 1; p < k; p++)
			s -= a[p * k + i] * r[p];
		r[i] = s / a[i * k + i];
	}
	/* (A^-1)[idx][idx] = |L^-1 e_idx|^2 */
	for (int i = 0; i < k; i++)
	{
		double		s = (i == idx) ? 1.0 : 0.0;

		for (int p = 0; p < i; p++)
			s -= a[i * k + p] * e[p];
		e[i] = (i < idx) ? 0.0 : s / a[i * k + i];
	}
	*inv_diag = 0.0;
	for (int i = idx; i < k; i++)
		*inv_diag += e[i] * e[i];
	return true;
}

double
tc_adf_tstat(const double *s, int n, int lags)
{
	int			k = 2 + lags;
	int			first = lags + 1;	/* first t with all regressors available */
	int			m = n - first;		/* observations */
	double		xtx[TC_ADF_MAXK * TC_ADF_MAXK] = {0};
	double		xty[TC_ADF_MAXK] = {0};
	double		coef[TC_ADF_MAXK];
	double		row[TC_ADF_MAXK];
	double		inv_diag,
				ssr = 0.0;

	if (lags < 0 || k > TC_ADF_MAXK || m <= k + 1)
		return NAN;

	/* regressors: 1, s_{t-1}, d(s_{t-1}) .. d(s_{t-lags}); target d(s_t) */
	for (int t = first; t < n; t++)
	{
		double		y = s[t] - s[t - 1];

		row[0] = 1.0;
		row[1] = s[t - 1];
		for (int j = 1; j <= lags; j++)
			row[1 + j] = s[t - j] - s[t - j - 1];
		for (int a = 0; a < k; a++)
		{
			xty[a] += row[a] * y;
			for (int b = 0; b <= a; b++)
				xtx[a * k + b] += row[a] * row[b];
		}
	}
	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++)
			xtx[a * k + b] = xtx[b * k + a];
	for (int a = 0; a < k; a++)
		coef[a] = xty[a];
	if (!spd_solve(xtx, coef, k, 1, &inv_diag))
		return NAN;

	for (int t = first; t < n; t++)
	{
		double		fit = coef[0] + coef[1] * s[t - 1];

		for (int j = 1; j <= lags; j++)
			fit += coef[1 + j] * (s[t - j] - s[t - j - 1]);
		fit -= s[t] - s[t - 1];
		ssr += fit * fit;
	}
	{
		double		sigma2 = ssr / (m - k);
		double		se = sqrt(sigma2 * inv_diag);

		if (!(se > 0.0))
			return NAN;
		return coef[1] / se;
	}
}
