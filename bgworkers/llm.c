/*
 * llm.c
 *	  LLM worker: sends queued llm_requests to the configured providers.
 *
 * Placeholder until its issue lands: the worker is registered, shows in
 * pg_stat_activity, sleeps on its latch and exits on SIGTERM.
 */
#include "postgres.h"

#include "pgstat.h"

#include "workers.h"

void
tradecore_llm_main(Datum main_arg)
{
	tc_worker_idle_loop("tradecore llm", PG_WAIT_EXTENSION);
}
