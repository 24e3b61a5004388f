/*
 * matching.h
 *	  A limit order book with price-time priority, in plain C.
 *
 * Prices are integer ticks and quantities integer lots: the SQL layer turns
 * numeric prices into ticks with the instrument's tick_size (refusing prices
 * off the grid), so the hot path compares int64s and never rounds money.
 * Fees are computed per fill in units of tick * lot with 128-bit arithmetic,
 * rounded up (the venue's favour), from rates in millionths (bps * 100).
 *
 * One book is one instrument.  A book is not shared between backends; the
 * paper exchange rebuilds it from the orders table when needed.
 */
#ifndef TRADECORE_MATCHING_H
#define TRADECORE_MATCHING_H

#include "postgres.h"

typedef enum TcSide
{
	TC_BUY = 0,
	TC_SELL = 1
} TcSide;

typedef enum TcOrderType
{
	TC_LIMIT = 0,
	TC_MARKET = 1
} TcOrderType;

typedef enum TcTif
{
	TC_GTC = 0,
	TC_IOC = 1,
	TC_FOK = 2,
	TC_POST_ONLY = 3
} TcTif;

/* what happened to a submitted order */
typedef enum TcOutcome
{
	TC_OUT_RESTING = 0,			/* no fill, rests on the book */
	TC_OUT_PARTIAL_RESTING,		/* some fills, remainder rests */
	TC_OUT_FILLED,				/* fully filled */
	TC_OUT_CANCELED,			/* IOC/market remainder canceled (maybe after fills) */
	TC_OUT_REJECTED_POST_ONLY,	/* post-only that would have taken liquidity */
	TC_OUT_REJECTED_FOK,		/* FOK that could not fill completely */
	TC_OUT_REJECTED_DUPLICATE,	/* an order with this id is already on the book */
	TC_OUT_REJECTED_INVALID		/* bad price / quantity */
} TcOutcome;

typedef struct TcOrderReq
{
	int64		id;
	TcSide		side;
	TcOrderType type;
	TcTif		tif;
	int64		price;			/* ticks; ignored for market orders */
	int64		qty;			/* lots, > 0 */
} TcOrderReq;

typedef struct TcFill
{
	int64		taker_id;
	int64		maker_id;
	int64		price;			/* the maker's price, in ticks */
	int64		qty;			/* lots */
	int64		maker_left;		/* maker quantity still resting after this fill */
	int64		taker_fee;		/* tick*lot units, rounded up */
	int64		maker_fee;
} TcFill;

typedef struct TcSubmitResult
{
	TcOutcome	outcome;
	int64		filled;			/* lots filled by this order */
	int64		left;			/* lots resting (0 unless *_RESTING) */
	int			nfills;			/* fills produced; read them with tc_book_fills() */
} TcSubmitResult;

typedef struct TcBook TcBook;

/* fee rates in millionths of notional: 10 bps = 1000 */
extern TcBook *tc_book_create(MemoryContext parent, int64 maker_fee_ppm, int64 taker_fee_ppm);
extern void tc_book_destroy(TcBook *b);
extern void tc_book_submit(TcBook *b, const TcOrderReq *req, TcSubmitResult *res);
extern const TcFill *tc_book_fills(TcBook *b);

/* true and the quantity left if the order was resting and is now canceled */
extern bool tc_book_cancel(TcBook *b, int64 id, int64 *left);

/*
 * Restores a resting order without matching (book rebuilt after a restart);
 * the caller passes orders in their original time order.
 */
extern bool tc_book_restore(TcBook *b, int64 id, TcSide side, int64 price, int64 left);

/* best price and total lots at it; false when that side is empty */
extern bool tc_book_best(TcBook *b, TcSide side, int64 *price, int64 *qty);
/* number of price levels and of resting orders */
extern int	tc_book_levels(TcBook *b, TcSide side);
extern int64 tc_book_orders(TcBook *b);
/* the level-th (0 = best) level of a side */
extern bool tc_book_level(TcBook *b, TcSide side, int level, int64 *price, int64 *qty, int *count);

#endif							/* TRADECORE_MATCHING_H */
