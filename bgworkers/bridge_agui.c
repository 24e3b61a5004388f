/*
 * bridge_agui.c
 *	  Outbox rows -> AG-UI events, with types and fields exactly as version 1.0
 *	  of @ag-ui/core defines them (EventType enum and the zod schemas in
 *	  @ag-ui/core/schemas; test/node/agui_schema.test.mjs validates every event
 *	  the bridge emits against them).
 *
 *	  outbox type        WebSocket stream                 AG-UI HTTP run (SSE)
 *	  run.started        RUN_STARTED {threadId, runId}    CUSTOM
 *	  run.finished       RUN_FINISHED {threadId, runId}   CUSTOM
 *	  run.error          RUN_ERROR {message, code}        CUSTOM
 *	    (with strategy_id: one strategy failed, the run goes on: CUSTOM)
 *	  run.step           STEP_STARTED / STEP_FINISHED     CUSTOM
 *	    (status started|finished: that one; no status: a finished step, both;
 *	     stepName from payload step, else strategy)
 *	  agent.message      TEXT_MESSAGE_START/CONTENT/END   same
 *	  anything else      CUSTOM {name: type, value: payload}
 *
 * Inside an HttpAgent run the stream is itself one AG-UI run, and the
 * protocol's verifier refuses a nested RUN_STARTED or a STEP_FINISHED whose
 * STEP_STARTED came before the run; so there, strategy runs travel as CUSTOM.
 * A run.* row without the fields its AG-UI event needs (run_id; step and
 * status for run.step) also travels as CUSTOM rather than as an invalid event.
 *
 * Every event carries timestamp (ms) and metadata.tradecore = {eventId, type,
 * topic}, the outbox row it came from; clients resume from the highest eventId.
 */
#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "bridge.h"

int64
bridge_now_ms(void)
{
	TimestampTz now = GetCurrentTimestamp();

	return now / 1000 + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

static void
begin_event(StringInfo s, const char *type, int64 ts_ms)
{
	appendStringInfo(s, "{\"type\":\"%s\",\"timestamp\":" INT64_FORMAT, type, ts_ms);
}

static void
add_str(StringInfo s, const char *key, const char *val)
{
	appendStringInfo(s, ",\"%s\":", key);
	escape_json(s, val);
}

static void
end_event(StringInfo s, const BridgeEvent *e)
{
	if (e != NULL)
	{
		appendStringInfo(s, ",\"metadata\":{\"tradecore\":{\"eventId\":" INT64_FORMAT ",\"type\":", e->id);
		escape_json(s, e->type);
		appendStringInfoString(s, ",\"topic\":");
		escape_json(s, e->topic);
		appendStringInfoString(s, "}}");
	}
	appendStringInfoChar(s, '}');
}

static char *
custom_event(const BridgeEvent *e)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "CUSTOM", e->ts_ms);
	add_str(&s, "name", e->type);
	appendStringInfoString(&s, ",\"value\":");
	appendStringInfoString(&s, e->payload);
	end_event(&s, e);
	return s.data;
}

static const char *
thread_of(const BridgeEvent *e)
{
	return e->thread_id ? e->thread_id : "tradecore";
}

static bool
valid_text_role(const char *r)
{
	return r && (strcmp(r, "assistant") == 0 || strcmp(r, "user") == 0 ||
				 strcmp(r, "system") == 0 || strcmp(r, "developer") == 0);
}

List *
bridge_agui_from_event(const BridgeEvent *e, BridgeAguiMode mode, List *events)
{
	StringInfoData s;

	if (strcmp(e->type, "agent.message") == 0 && e->msg_content != NULL)
	{
		char		idbuf[32];
		const char *mid = e->message_id;

		if (mid == NULL)
		{
			snprintf(idbuf, sizeof(idbuf), "event-" INT64_FORMAT, e->id);
			mid = idbuf;
		}
		initStringInfo(&s);
		begin_event(&s, "TEXT_MESSAGE_START", e->ts_ms);
		add_str(&s, "messageId", mid);
		add_str(&s, "role", valid_text_role(e->msg_role) ? e->msg_role : "assistant");
		end_event(&s, e);
		events = lappend(events, s.data);
		if (e->msg_content[0] != '\0')
		{
			initStringInfo(&s);
			begin_event(&s, "TEXT_MESSAGE_CONTENT", e->ts_ms);
			add_str(&s, "messageId", mid);
			add_str(&s, "delta", e->msg_content);
			end_event(&s, e);
			events = lappend(events, s.data);
		}
		initStringInfo(&s);
		begin_event(&s, "TEXT_MESSAGE_END", e->ts_ms);
		add_str(&s, "messageId", mid);
		end_event(&s, e);
		return lappend(events, s.data);
	}

	if (mode == AGUI_MODE_WS && strncmp(e->type, "run.", 4) == 0)
	{
		const char *kind = e->type + 4;

		if (strcmp(kind, "started") == 0 && e->run_id)
		{
			initStringInfo(&s);
			begin_event(&s, "RUN_STARTED", e->ts_ms);
			add_str(&s, "threadId", thread_of(e));
			add_str(&s, "runId", e->run_id);
			end_event(&s, e);
			return lappend(events, s.data);
		}
		if (strcmp(kind, "finished") == 0 && e->run_id)
		{
			initStringInfo(&s);
			begin_event(&s, "RUN_FINISHED", e->ts_ms);
			add_str(&s, "threadId", thread_of(e));
			add_str(&s, "runId", e->run_id);
			appendStringInfoString(&s, ",\"result\":");
			appendStringInfoString(&s, e->payload);
			end_event(&s, e);
			return lappend(events, s.data);
		}
		/* a strategy's error inside a run that goes on is not the run's error */
		if (strcmp(kind, "error") == 0 && !e->has_strategy)
		{
			initStringInfo(&s);
			begin_event(&s, "RUN_ERROR", e->ts_ms);
			add_str(&s, "message", e->error ? e->error : "strategy run failed");
			add_str(&s, "code", "tradecore.run.error");
			end_event(&s, e);
			return lappend(events, s.data);
		}
		if (strcmp(kind, "step") == 0 && e->step)
		{
			bool		started = e->status && strcmp(e->status, "started") == 0;
			bool		finished = e->status && strcmp(e->status, "finished") == 0;

			/*
			 * A step reported with its status becomes that one event; a step
			 * reported once, when done (run_strategies' per-strategy summary),
			 * becomes a STEP_STARTED/STEP_FINISHED pair.
			 */
			if (started || e->status == NULL)
			{
				initStringInfo(&s);
				begin_event(&s, "STEP_STARTED", e->ts_ms);
				add_str(&s, "stepName", e->step);
				end_event(&s, e);
				events = lappend(events, s.data);
			}
			if (finished || e->status == NULL)
			{
				initStringInfo(&s);
				begin_event(&s, "STEP_FINISHED", e->ts_ms);
				add_str(&s, "stepName", e->step);
				end_event(&s, e);
				events = lappend(events, s.data);
			}
			if (events != NIL && (started || finished || e->status == NULL))
				return events;
		}
	}
	return lappend(events, custom_event(e));
}

/*
 * The state a client starts from:
 *   {"lastEventId": N, "role": "...", "latest": {topic: {id, type, ts}},
 *    "workers": [...], "tables": {wallets, positions, orders, alerts, goals,
 *    llm: current rows as the role sees them}, "truncated": bool}
 * STATE_DELTA then keeps lastEventId and latest current as JSON Patch.
 */
char *
bridge_agui_state_snapshot(int64 last_id, const char *role, const char *latest_json,
						   const char *workers_json, const char *tables_json, bool truncated)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "STATE_SNAPSHOT", bridge_now_ms());
	appendStringInfo(&s, ",\"snapshot\":{\"lastEventId\":" INT64_FORMAT ",\"role\":", last_id);
	escape_json(&s, role);
	appendStringInfo(&s, ",\"latest\":%s,\"workers\":%s,\"tables\":%s,\"truncated\":%s}",
					 latest_json ? latest_json : "{}",
					 workers_json ? workers_json : "[]",
					 tables_json ? tables_json : "{}",
					 truncated ? "true" : "false");
	end_event(&s, NULL);
	return s.data;
}

/* JSON Pointer escaping of one reference token (RFC 6901: ~ -> ~0, / -> ~1) */
static void
append_pointer_token(StringInfo s, const char *tok)
{
	StringInfoData t;

	initStringInfo(&t);
	for (const char *c = tok; *c; c++)
	{
		if (*c == '~')
			appendStringInfoString(&t, "~0");
		else if (*c == '/')
			appendStringInfoString(&t, "~1");
		else
			appendStringInfoChar(&t, *c);
	}
	escape_json(s, t.data);
	pfree(t.data);
}

char *
bridge_agui_state_delta(int64 last_id, const BridgeEvent *const *latest, int nlatest)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "STATE_DELTA", bridge_now_ms());
	appendStringInfo(&s, ",\"delta\":[{\"op\":\"replace\",\"path\":\"/lastEventId\",\"value\":" INT64_FORMAT "}",
					 last_id);
	for (int i = 0; i < nlatest; i++)
	{
		StringInfoData path;
		const BridgeEvent *e = latest[i];

		initStringInfo(&path);
		appendStringInfoString(&path, "/latest/");
		/* the pointer is built unescaped, then escaped as one JSON string */
		{
			StringInfoData tok;

			initStringInfo(&tok);
			append_pointer_token(&tok, e->topic);
			/* tok holds a quoted JSON string; splice its inside into the path */
			appendBinaryStringInfo(&path, tok.data + 1, tok.len - 2);
			pfree(tok.data);
		}
		appendStringInfoString(&s, ",{\"op\":\"add\",\"path\":\"");
		appendStringInfoString(&s, path.data);
		appendStringInfo(&s, "\",\"value\":{\"id\":" INT64_FORMAT ",\"type\":", e->id);
		escape_json(&s, e->type);
		appendStringInfo(&s, ",\"ts\":" INT64_FORMAT "}}", e->ts_ms);
		pfree(path.data);
	}
	appendStringInfoChar(&s, ']');
	end_event(&s, NULL);
	return s.data;
}

char *
bridge_agui_run_started(const char *thread_id, const char *run_id)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "RUN_STARTED", bridge_now_ms());
	add_str(&s, "threadId", thread_id);
	add_str(&s, "runId", run_id);
	end_event(&s, NULL);
	return s.data;
}

char *
bridge_agui_run_finished(const char *thread_id, const char *run_id, int64 last_id)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "RUN_FINISHED", bridge_now_ms());
	add_str(&s, "threadId", thread_id);
	add_str(&s, "runId", run_id);
	appendStringInfo(&s, ",\"result\":{\"lastEventId\":" INT64_FORMAT "}", last_id);
	appendStringInfoString(&s, ",\"outcome\":{\"type\":\"success\"}");
	end_event(&s, NULL);
	return s.data;
}

char *
bridge_agui_run_error(const char *message, const char *code)
{
	StringInfoData s;

	initStringInfo(&s);
	begin_event(&s, "RUN_ERROR", bridge_now_ms());
	add_str(&s, "message", message);
	if (code)
		add_str(&s, "code", code);
	end_event(&s, NULL);
	return s.data;
}
