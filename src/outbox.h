/*
 * outbox.h
 *	  The events outbox protocol (src/outbox.c), for C code that writes
 *	  tradecore.events rows without going through SQL's tradecore._emit_many.
 *
 * An emitting transaction announces itself with two transaction-scoped shared
 * advisory locks before its rows can become visible (docs/schema.md, "Resuming
 * after an id"); events_safe_horizon() reads them from pg_locks.  The keys are
 * reserved for tradecore.
 */
#ifndef TC_OUTBOX_H
#define TC_OUTBOX_H

#include "postgres.h"

#include "utils/array.h"

/* (TC_OUTBOX_ANNOUNCE_KEY, 0): held from before the transaction's first id */
#define TC_OUTBOX_ANNOUNCE_KEY	1952671745
/* (TC_OUTBOX_FIRST_ID_KEY, first id mod 2^31): held right after it */
#define TC_OUTBOX_FIRST_ID_KEY	1952671746
/* the channel every id is notified on */
#define TC_OUTBOX_CHANNEL		"tradecore_events"

/*
 * Allocates n (> 0) ids from tradecore.events_id_seq, in ascending order
 * (consecutive unless another backend allocates at the same moment), taking
 * the announcement locks around them when this is the transaction's first
 * emission (no live part of it holds them).  Returns a palloc'd array.
 */
extern int64 *tc_outbox_reserve(int n);

/* NOTIFY tradecore_events once per id, in the order given (id order) */
extern void tc_outbox_notify(const int64 *ids, int n);

/*
 * The whole of tradecore._emit_many: checks the arrays (one element per event;
 * types without NULLs; payloads, agent ids and wallet ids of the same length),
 * reserves the ids, inserts the rows with one statement and notifies.  Returns
 * the ids in array order as an int8[] (empty for no events).
 */
extern ArrayType *tc_outbox_emit(ArrayType *types, ArrayType *payloads,
								 ArrayType *agent_ids, ArrayType *wallet_ids);

#endif							/* TC_OUTBOX_H */
