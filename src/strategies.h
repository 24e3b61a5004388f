/*
 * strategies.h
 *	  The five trading strategies as pure functions over candle windows
 *	  (src/strategies.c).  Each produces a TcSignal; the SQL layer returns it
 *	  as tradecore.strategy_signal.
 */
#ifndef TC_STRATEGIES_H
#define TC_STRATEGIES_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

typedef struct TcSignal
{
	int			direction;		/* -1 sell / short, 0 flat, 1 buy / long */
	double		strength;		/* 0..1: how far past its trigger the signal is */
	double		confidence;		/* 0..1: how well the confirming evidence agrees */
	StringInfoData reason;		/* a JSON object, built by tc_reason_* */
	bool		reason_open;
} TcSignal;

/* reason builders: a flat JSON object, numbers that are not finite become null */
extern void tc_signal_init(TcSignal *s, const char *strategy);
extern void tc_reason_num(TcSignal *s, const char *key, double v);
extern void tc_reason_int(TcSignal *s, const char *key, int64 v);
extern void tc_reason_str(TcSignal *s, const char *key, const char *v);
extern void tc_signal_flat(TcSignal *s, const char *status);

/* strategy parameters from a jsonb object, range-checked (SQLSTATE 22023) */
extern double tc_param_num(Jsonb *params, const char *key, double dflt, double lo, double hi);
extern int	tc_param_int(Jsonb *params, const char *key, int dflt, int lo, int hi);

/*
 * The strategies.  Arrays are the finite tails of the caller's windows
 * (oldest first); params may be NULL.  Each fills *sig completely.
 */
extern void tc_momentum(const double *close, const double *volume, int n,
						Jsonb *params, TcSignal *sig);
extern void tc_mean_reversion(const double *close, int n, Jsonb *params, TcSignal *sig);
extern void tc_arbitrage(const double *bid, const double *ask, const double *fee_bps,
						 const double *transfer_bps, int nvenues, int venue,
						 Jsonb *params, TcSignal *sig);
extern void tc_pairs(const double *a, const double *b, int n, Jsonb *params, TcSignal *sig);
extern void tc_market_making(const double *mid, int n, double inventory,
							 Jsonb *params, TcSignal *sig);

/*
 * Candle windows (src/candle_windows.c): the closed bars of `bars` bar slots
 * before at (at - (bars+1)*iv < ts <= at - iv) of each instrument, read in one
 * scan, oldest first.  Instrument ids[i] (sorted, distinct) has the bars
 * [start[i], end[i]) of ts/close/volume.  Allocated in the caller's memory
 * context; read_only as for SPI (true from STABLE callers).
 */
typedef struct TcWindows
{
	int			n;
	int64	   *ids;
	int64	   *start;
	int64	   *end;
	TimestampTz *ts;
	double	   *close;
	double	   *volume;
} TcWindows;

extern void tc_read_windows(const int64 *ids, int nids, const Interval *iv, int bars,
							TimestampTz at, bool read_only, TcWindows *w);
extern int	tc_windows_find(const TcWindows *w, int64 id);

#endif							/* TC_STRATEGIES_H */
