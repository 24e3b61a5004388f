/*
 * paper_exchange.h
 *	  The paper exchange's per-backend book cache (paper_exchange.c), shared
 *	  with the order router's paper path (place_order.c).
 */
#ifndef TRADECORE_PAPER_EXCHANGE_H
#define TRADECORE_PAPER_EXCHANGE_H

#include "postgres.h"

#include "access/transam.h"
#include "utils/numeric.h"

#include "matching.h"

typedef struct PaperBook
{
	int64		instrument_id;	/* hash key */
	int64		version;
	TcBook	   *book;
	Numeric		tick;
	Numeric		lot;
	int64		maker_ppm;
	int64		taker_ppm;
	/* the (sub)transaction that last gave the book a new version, see bump_version */
	FullTransactionId bumped_xact;
	SubTransactionId bumped_subxact;
	/* the (sub)transaction that last locked the book's paper_books row */
	FullTransactionId locked_xact;
	SubTransactionId locked_subxact;
} PaperBook;

extern PaperBook *tc_paper_current_book(int64 instrument_id, int32 exchange_id, int64 exclude_id,
										Numeric tick, Numeric lot, int64 maker_ppm, int64 taker_ppm,
										bool trust_lock);
extern void tc_paper_bump_version(PaperBook *pb, int64 instrument_id, int64 version_before);

#endif							/* TRADECORE_PAPER_EXCHANGE_H */
