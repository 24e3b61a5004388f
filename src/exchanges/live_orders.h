/*
 * live_orders.h
 *	  Order requests to live venues (Binance spot, Coinbase Exchange, Kraken
 *	  spot): building a signed HTTP request for placing, canceling or looking
 *	  up an order by its client order id, and classifying the venue's answer.
 *
 * The classification is what keeps an order from being placed twice: an
 * answer is either about the order (OK, NOT_FOUND), a definite refusal
 * (REJECTED), a refusal before execution that is safe to retry (RETRY), or
 * UNKNOWN: the request may have been executed, so the order must be looked up
 * by its client order id before anything is sent again.
 */
#ifndef TRADECORE_LIVE_ORDERS_H
#define TRADECORE_LIVE_ORDERS_H

#include "postgres.h"

#include "venue.h"

typedef enum TcOrderAction
{
	TC_ORDER_PLACE,
	TC_ORDER_CANCEL,
	TC_ORDER_LOOKUP
} TcOrderAction;

typedef enum TcLiveOutcome
{
	TC_LIVE_OK,					/* the answer describes the order */
	TC_LIVE_NOT_FOUND,			/* the venue does not know the order */
	TC_LIVE_REJECTED,			/* refused for good (venue code and message) */
	TC_LIVE_RETRY,				/* refused before execution (rate limit, busy): retry */
	TC_LIVE_UNKNOWN				/* may have been executed: look up before resending */
} TcLiveOutcome;

typedef struct TcLiveOrder
{
	TcVenue		venue;
	const char *venue_symbol;
	const char *side;			/* buy | sell */
	const char *type;			/* limit | market */
	const char *time_in_force;	/* gtc | ioc | fok | post_only */
	const char *price;			/* decimal text, NULL for market orders */
	const char *qty;			/* decimal text */
	const char *client_id;		/* the venue client order id (a UUID) */
} TcLiveOrder;

typedef struct TcCredentials
{
	char	   *api_key;
	char	   *api_secret;
	char	   *passphrase;		/* Coinbase only */
} TcCredentials;

#define TC_LIVE_MAX_HEADERS 6

typedef struct TcHttpRequest
{
	const char *method;			/* GET, POST, DELETE */
	char	   *path;			/* path and query string, appended to the base URL */
	char	   *body;			/* "" when none */
	int			nheaders;
	char	   *headers[TC_LIVE_MAX_HEADERS];	/* "Name: value"; some carry the API key */
} TcHttpRequest;

typedef struct TcLiveResult
{
	TcLiveOutcome outcome;
	char	   *venue_order_id; /* NULL when unknown */
	char	   *status;			/* open, partially_filled, filled, canceled, rejected; NULL */
	char	   *filled_qty;		/* cumulative base quantity, decimal text, or NULL */
	char	   *filled_quote;	/* cumulative quote amount, decimal text, or NULL */
	char	   *filled_fee;		/* cumulative fee in the quote asset, decimal text, or
								 * NULL when the answer carries none (Binance) */
	char	   *code;			/* the venue's error code, or NULL */
	char	   *message;		/* the venue's message, or ours */
} TcLiveResult;

/* number of lookup requests a venue needs (Kraken: open orders, then closed ones) */
extern int	tc_live_lookup_steps(TcVenue v);

/*
 * Build the signed request.  now_ms is the wall clock in Unix milliseconds
 * (Binance timestamp, Coinbase CB-ACCESS-TIMESTAMP); nonce is Kraken's
 * strictly increasing nonce.  step selects the lookup request (0, 1, ...).
 */
extern void tc_live_build(const TcLiveOrder *o, TcOrderAction action, int step,
						  const TcCredentials *cred, int64 now_ms, const char *nonce,
						  TcHttpRequest *out);

/*
 * Classify an answer.  http_status 0 is never passed here: transport failures
 * are classified by the caller.  Never raises for a bad body: malformed JSON
 * on a placing request is UNKNOWN (the order may exist), elsewhere RETRY.
 */
extern void tc_live_parse(TcVenue v, TcOrderAction action, long http_status,
						  const char *body, size_t len, const char *client_id,
						  TcLiveResult *r);

extern const char *tc_live_outcome_name(TcLiveOutcome o);

#endif							/* TRADECORE_LIVE_ORDERS_H */
