/*
 * poller.c
 *	  Exchange poller: polls venues with libcurl multi and writes market data.
 *
 * Placeholder until its issue lands: the worker is registered, shows in
 * pg_stat_activity, sleeps on its latch and exits on SIGTERM.
 */
#include "postgres.h"

#include "pgstat.h"

#include "workers.h"

void
tradecore_poller_main(Datum main_arg)
{
	tc_worker_idle_loop("tradecore poller", PG_WAIT_EXTENSION);
}
