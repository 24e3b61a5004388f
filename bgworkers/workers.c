/*
 * workers.c
 *	  Registration of every tradecore background worker, in one place.
 *
 * Workers share max_worker_processes with parallel query and pg_cron, so the
 * README asks for headroom.  Each worker restarts 10 s after a crash; a clean
 * exit(0) would unregister it, so workers only exit(0) when told to stop.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "postmaster/bgworker.h"

#include "tradecore.h"
#include "workers.h"

static void
register_one(const char *name, const char *function)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 10;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "tradecore");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "tradecore %s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "tradecore %s", name);
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

void
tradecore_register_workers(void)
{
	register_one("poller", "tradecore_poller_main");
	register_one("llm", "tradecore_llm_main");
	register_one("order sender", "tradecore_order_sender_main");
	if (tc_bridge_enabled)
		register_one("bridge", "tradecore_bridge_main");
}
