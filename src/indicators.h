/*
 * indicators.h
 *	  Pure numeric kernels of the technical indicators (no PostgreSQL calls,
 *	  no allocation): one pass over a contiguous run of finite inputs,
 *	  O(n) time, O(1) extra space.  src/indicators_sql.c wraps them for SQL
 *	  and src/strategies.c uses them on candle windows.
 *
 * Conventions (TA-Lib's, see docs/signals.md):
 *	- Every kernel has a lookback L (a function of its periods): the first L
 *	  positions of its output are warm-up and have no value.  A kernel writes
 *	  only the n - L values of positions L..n-1, compacted: out[i - L] is the
 *	  value at input position i.  Nothing is written when n <= L.
 *	- A value that is undefined although warm-up is over (a z-score over a
 *	  window with zero spread, a VWAP over zero volume) is written as NaN;
 *	  the SQL layer turns it into NULL.
 *	- Inputs must be finite; the SQL layer splits series at NULL, NaN and
 *	  infinite elements and runs the kernel on each finite run.
 *	- EMA is seeded with the simple mean of its first `period` inputs,
 *	  alpha = 2 / (period + 1).  RSI and ATR use Wilder smoothing
 *	  (alpha = 1 / period) seeded with the simple mean of the first `period`
 *	  changes / true ranges.  Standard deviations are population (divide by
 *	  period), as in TA-Lib and Bollinger's definition.
 *
 * Rolling sums drift when they are updated by adding and subtracting for
 * millions of bars; every kernel that keeps one re-derives it exactly from
 * the window every TC_RESYNC bars (amortised cost well under one addition
 * per bar), which keeps results within a few ulps of a direct computation.
 */
#ifndef TC_INDICATORS_H
#define TC_INDICATORS_H

#include <stdbool.h>

/* bars between two exact recomputations of a rolling sum */
#define TC_RESYNC 1024

/* lookbacks (warm-up lengths); periods are >= 1 */
static inline int tc_sma_lookback(int period) { return period - 1; }
static inline int tc_ema_lookback(int period) { return period - 1; }
static inline int tc_wma_lookback(int period) { return period - 1; }
static inline int tc_rsi_lookback(int period) { return period; }
static inline int tc_atr_lookback(int period) { return period; }
static inline int tc_stddev_lookback(int period) { return period - 1; }
static inline int tc_macd_lookback(int slow) { return slow - 1; }

extern void tc_sma(const double *x, int n, int period, double *out);
extern void tc_ema(const double *x, int n, int period, double *out);
extern void tc_wma(const double *x, int n, int period, double *out);
extern void tc_rsi(const double *x, int n, int period, double *out);

/*
 * Rolling mean and population standard deviation of each window; either
 * output may be NULL.  z (may be NULL) receives (x - mean) / sd, NaN when
 * sd is 0.
 */
extern void tc_rolling_moments(const double *x, int n, int period,
							   double *mean, double *sd, double *z);

/*
 * Bollinger bands: middle = SMA, upper/lower = middle +/- k * sd,
 * percent_b = (x - lower) / (upper - lower) (NaN when the bands touch),
 * bandwidth = (upper - lower) / middle (NaN when middle is 0).
 * Returns whether any output value is NaN.
 */
extern bool tc_bollinger(const double *x, int n, int period, double k,
						 double *middle, double *upper, double *lower,
						 double *percent_b, double *bandwidth);

/*
 * MACD with fast < slow: line = EMA(fast) - EMA(slow) from position slow-1
 * (lookback tc_macd_lookback); signal = EMA(signal_period) of the line,
 * seeded with the mean of the line's first signal_period values, and
 * histogram = line - signal, both from position slow-1 + signal_period-1
 * and compacted from there: signal[0] is the value at that position.
 * Returns whether any output value is NaN (only after an overflow).
 */
extern bool tc_macd(const double *x, int n, int fast, int slow, int signal_period,
					double *line, double *signal, double *histogram);

/* Average true range (Wilder); true range needs the previous close. */
extern void tc_atr(const double *high, const double *low, const double *close,
				   int n, int period, double *out);

/* On-balance volume, TA-Lib style: starts at volume[0]; lookback 0. */
extern void tc_obv(const double *close, const double *volume, int n, double *out);

/* Cumulative VWAP from the first bar; NaN while cumulative volume is 0. Lookback 0. */
extern void tc_vwap(const double *price, const double *volume, int n, double *out);

/* Rolling VWAP over `period` bars; NaN when the window's volume is 0. */
extern void tc_vwap_rolling(const double *price, const double *volume, int n,
							int period, double *out);

/*
 * Helpers for strategies and sizing.
 * tc_log_return_sigma: population stddev of the m log returns ending at
 *	 p[n-1] (uses m+1 prices); NaN if a price is not positive or n < m+1.
 * tc_ols: y = alpha + beta * x by least squares; false when x has no spread.
 * tc_adf_tstat: Dickey-Fuller t statistic of gamma in
 *	 d(s_t) = c + gamma * s_{t-1} + sum_{j=1..lags} phi_j d(s_{t-j}) + e_t.
 *	 Returns NaN when the regression is singular or too short.
 */
extern double tc_log_return_sigma(const double *p, int n, int m);
extern bool tc_ols(const double *x, const double *y, int n,
				   double *alpha, double *beta);
extern double tc_adf_tstat(const double *s, int n, int lags);

#endif							/* TC_INDICATORS_H */
