/*
 * bridge.h
 *	  Shared declarations of the AG-UI bridge worker's files:
 *
 *	  bridge.c         worker main, the WaitEventSet loop, client lifecycle, timeouts
 *	  bridge_http.c    HTTP/1.1 request parsing, static files of web/, responses, SSE framing
 *	  bridge_ws.c      RFC 6455: handshake, frame parsing and encoding
 *	  bridge_outbox.c  reading tradecore.events through SPI, per role (RLS), gap handling
 *	  bridge_listen.c  libpq connection to our own server that LISTENs for wake-ups
 *	  bridge_agui.c    outbox rows -> AG-UI 1.0 event JSON
 *	  bridge_auth.c    dashboard token verification
 */
#ifndef TRADECORE_BRIDGE_H
#define TRADECORE_BRIDGE_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"

/* ---- limits that are not worth a GUC ---- */
#define BRIDGE_MAX_HEADER_BYTES		16384	/* request line + headers */
#define BRIDGE_MAX_BODY_BYTES		(1024 * 1024)	/* POST RunAgentInput */
#define BRIDGE_MAX_HEADERS			48
#define BRIDGE_MAX_TOPICS			32
#define BRIDGE_MAX_BACKFILL			10000	/* events replayed on resume */
#define BRIDGE_FETCH_BATCH			5000	/* events read per pass */
#define BRIDGE_MAX_SSE_FOLLOW_MS	(5 * 60 * 1000)

typedef enum BridgeClientState
{
	BC_HTTP,					/* reading an HTTP request */
	BC_WS,						/* WebSocket open */
	BC_SSE,						/* AG-UI HTTP run streaming text/event-stream */
	BC_CLOSING					/* flushing the last bytes, then close */
} BridgeClientState;

/* one parsed HTTP request; pointers point into the client's input buffer */
typedef struct BridgeHttpRequest
{
	char	   *method;
	char	   *path;			/* decoded path, without the query */
	char	   *query;			/* raw query string or NULL */
	int			minor_version;	/* HTTP/1.x */
	int			nheaders;
	char	   *hname[BRIDGE_MAX_HEADERS];
	char	   *hvalue[BRIDGE_MAX_HEADERS];
	char	   *body;
	int			body_len;
	int			total_len;		/* bytes of the input buffer the request used */
} BridgeHttpRequest;

typedef struct BridgeClient
{
	int			id;				/* for log lines */
	int			sock;
	BridgeClientState state;
	MemoryContext cxt;			/* everything this client owns; deleted on close */

	/* input buffer */
	char	   *in;
	int			in_len;
	int			in_cap;

	/* output queue: bytes [out_head, out_len) are pending */
	char	   *out;
	size_t		out_head;
	size_t		out_len;
	size_t		out_cap;
	bool		want_write;		/* registered for WL_SOCKET_WRITEABLE */

	/* WebSocket message being reassembled from fragments */
	StringInfoData msg;
	int			msg_opcode;		/* 0 = none in progress */

	/* who it is and what it wants */
	bool		authenticated;
	Oid			role;
	char		rolename[NAMEDATALEN];
	int64		last_id;		/* highest outbox id delivered (or skipped) */
	int64		token_expires;	/* unix seconds; the stream is closed then */
	int			ntopics;		/* 0 = every topic */
	char		topics[BRIDGE_MAX_TOPICS][64];

	/* AG-UI HTTP transport: the run this stream belongs to */
	char	   *thread_id;
	char	   *run_id;
	TimestampTz sse_deadline;

	/* liveness */
	TimestampTz last_recv;
	TimestampTz ping_sent;		/* 0 when no ping is outstanding */
	TimestampTz closing_since;

	/* counters for bridge_status */
	int64		events_sent;
} BridgeClient;

/* one outbox row, as the bridge needs it */
typedef struct BridgeEvent
{
	int64		id;
	int64		ts_ms;
	char	   *type;
	char	   *topic;
	char	   *payload;		/* JSON text */
	/* fields pulled from the payload for the AG-UI mapping (NULL if absent) */
	char	   *run_id;
	char	   *thread_id;
	char	   *step;
	char	   *status;
	char	   *msg_role;
	char	   *msg_content;
	char	   *message_id;
	char	   *error;
	bool		has_strategy;	/* payload names a strategy_id */
} BridgeEvent;

typedef struct BridgeEventList
{
	int			n;
	int			cap;
	BridgeEvent *ev;
	bool		failed;			/* the query failed for this role (privileges) */
	char	   *error;
} BridgeEventList;

/* ---- bridge_http.c ---- */
typedef enum
{
	HTTP_PARSE_INCOMPLETE,
	HTTP_PARSE_OK,
	HTTP_PARSE_ERROR
} BridgeHttpParse;

extern BridgeHttpParse bridge_http_parse(char *buf, int len, BridgeHttpRequest *req,
										 int *status, const char **why);
extern const char *bridge_http_header(const BridgeHttpRequest *req, const char *name);
extern bool bridge_http_header_has_token(const BridgeHttpRequest *req, const char *name,
										 const char *token);
extern char *bridge_query_param(const char *query, const char *name);
extern void bridge_http_response(StringInfo out, int status, const char *content_type,
								 const char *body, int body_len, const char *extra_headers);
extern void bridge_http_error(StringInfo out, int status, const char *message);
extern bool bridge_http_static(StringInfo out, const char *web_dir, const char *path, bool head_only);
extern void bridge_sse_headers(StringInfo out);
extern void bridge_sse_event(StringInfo out, int64 id, const char *json, int len);
extern const char *bridge_http_reason(int status);

/* ---- bridge_ws.c ---- */
typedef struct BridgeWsFrame
{
	bool		fin;
	int			opcode;
	uint64		payload_len;
	char	   *payload;		/* unmasked in place */
	size_t		frame_len;		/* header + payload bytes consumed */
} BridgeWsFrame;

typedef enum
{
	WS_FRAME_INCOMPLETE,
	WS_FRAME_OK,
	WS_FRAME_ERROR
} BridgeWsParse;

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BIN	0x2
#define WS_OP_CLOSE 0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xA

#define WS_CLOSE_NORMAL			1000
#define WS_CLOSE_GOING_AWAY		1001
#define WS_CLOSE_PROTOCOL		1002
#define WS_CLOSE_UNSUPPORTED	1003
#define WS_CLOSE_BAD_DATA		1007
#define WS_CLOSE_POLICY			1008
#define WS_CLOSE_TOO_BIG		1009
#define WS_CLOSE_INTERNAL		1011
#define WS_CLOSE_TRY_AGAIN		1013

extern bool bridge_ws_accept_key(const char *client_key, char *accept_out, size_t outlen);
extern BridgeWsParse bridge_ws_parse(char *buf, size_t len, size_t max_payload,
									 BridgeWsFrame *f, int *close_code, const char **why);
extern void bridge_ws_frame(StringInfo out, int opcode, const char *payload, size_t len);
extern void bridge_ws_close_frame(StringInfo out, int code, const char *reason);
extern bool bridge_ws_close_code_valid(int code);
extern bool bridge_utf8_valid(const char *s, size_t len);

/* ---- bridge_agui.c ---- */
typedef enum
{
	AGUI_MODE_WS,				/* domain runs become RUN_* / STEP_* */
	AGUI_MODE_SSE				/* inside one HttpAgent run: domain runs become CUSTOM */
} BridgeAguiMode;

/* appends one JSON object per AG-UI event to *events (a List of char *) */
extern List *bridge_agui_from_event(const BridgeEvent *e, BridgeAguiMode mode, List *events);
extern char *bridge_agui_state_snapshot(int64 last_id, const char *role, const char *latest_json,
										const char *workers_json, const char *tables_json, bool truncated);
extern char *bridge_agui_state_delta(int64 last_id, const BridgeEvent *const *latest, int nlatest);
extern char *bridge_agui_run_started(const char *thread_id, const char *run_id);
extern char *bridge_agui_run_finished(const char *thread_id, const char *run_id, int64 last_id);
extern char *bridge_agui_run_error(const char *message, const char *code);
extern int64 bridge_now_ms(void);

/* ---- bridge_outbox.c ---- */
extern bool bridge_outbox_advance(int64 hwm, int64 *new_hwm, int gap_timeout_ms);
extern BridgeEventList *bridge_outbox_fetch(Oid role, int64 after, int64 upto, int limit);
extern int64 bridge_outbox_max_id(void);
extern bool bridge_outbox_gap_pending(void);
extern char *bridge_outbox_latest_json(Oid role, int64 upto);
extern char *bridge_outbox_workers_json(void);
extern char *bridge_outbox_tables_json(Oid role);

/* ---- bridge_listen.c ---- */
extern void bridge_listen_connect(void);
extern int	bridge_listen_socket(void);
extern bool bridge_listen_consume(int64 *max_id);
extern bool bridge_listen_ok(void);
extern void bridge_listen_close(void);

/* ---- bridge_auth.c ---- */
typedef enum
{
	TOKEN_OK,
	TOKEN_MISSING,
	TOKEN_MALFORMED,
	TOKEN_BAD_SIGNATURE,
	TOKEN_EXPIRED,
	TOKEN_UNKNOWN_ROLE,
	TOKEN_PRIVILEGED_ROLE,
	TOKEN_NO_KEY
} BridgeTokenResult;

extern BridgeTokenResult bridge_token_verify(const char *token, Oid *role, char *rolename,
											 int64 *expires_unix);
extern const char *bridge_token_result_text(BridgeTokenResult r);

#endif							/* TRADECORE_BRIDGE_H */
