/*
 * worker_common.c
 *	  Signal handling and the latch loop shared by tradecore's workers,
 *	  following the worker_spi pattern: SIGTERM ends the loop through
 *	  die() / CHECK_FOR_INTERRUPTS, SIGHUP sets a flag read between passes,
 *	  SIGUSR1 stays with procsignal so DROP DATABASE never waits on us.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"

#include "tradecore.h"
#include "workers.h"

volatile sig_atomic_t tc_got_sighup = false;

static void
tc_sighup_handler(SIGNAL_ARGS)
{
	int			save_errno = errno;

	tc_got_sighup = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

void
tc_worker_setup_signals(void)
{
	pqsignal(SIGHUP, tc_sighup_handler);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
}

/*
 * The loop of a worker whose capability has not landed yet: it connects (so
 * it shows in pg_stat_activity), then sleeps on its latch, reloading the
 * configuration on SIGHUP, until SIGTERM.
 */
void
tc_worker_idle_loop(const char *name, uint32 wait_event_info)
{
	tc_worker_setup_signals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname(name);

	ereport(LOG, (errmsg("%s started", name)));

	for (;;)
	{
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 60 * 1000L,
						 wait_event_info);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();

		if (tc_got_sighup)
		{
			tc_got_sighup = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}
