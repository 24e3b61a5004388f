/*
 * bridge.c
 *	  AG-UI bridge: WebSocket/HTTP server pushing outbox events to the dashboard.
 *
 * Placeholder until its issue lands: the worker is registered, shows in
 * pg_stat_activity, sleeps on its latch and exits on SIGTERM.
 */
#include "postgres.h"

#include "pgstat.h"

#include "workers.h"

void
tradecore_bridge_main(Datum main_arg)
{
	tc_worker_idle_loop("tradecore bridge", PG_WAIT_EXTENSION);
}
