/*
 * worker_common.c
 *	  Signal handling and the latch loop shared by tradecore's workers,
 *	  following the worker_spi pattern: SIGTERM ends the loop through
 *	  die() / CHECK_FOR_INTERRUPTS, SIGHUP sets a flag read between passes,
 *	  SIGUSR1 stays with procsignal so DROP DATABASE never waits on us.
 */
#include "postgres.h"

#include "libpq-fe.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "postmaster/postmaster.h"
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

/*
 * Waits, polling every 250 ms for at most a minute, until
 * tradecore.database_name exists, so that BackgroundWorkerInitializeConnection
 * does not fail (a FATAL in the log and a 10 s restart) when the server starts
 * before the database is created.  The probe connects
 * to template1 as the operating-system user (there is no catalog access yet to
 * learn the superuser's name); if that fails for any reason other than a
 * missing database, the worker simply goes on and lets the connection decide.
 */
void
tc_worker_wait_for_database(const char *probe_name)
{
	char		port[16];
	char	   *sockdir = pstrdup(Unix_socket_directories ? Unix_socket_directories : "/tmp");
	char	   *comma = strchr(sockdir, ',');

	if (comma)
		*comma = '\0';
	snprintf(port, sizeof(port), "%d", PostPortNumber);
	for (int attempt = 0; attempt < 240; attempt++)
	{
		const char *keys[] = {"host", "port", "dbname", "application_name", "connect_timeout", NULL};
		const char *vals[] = {sockdir, port, "template1", probe_name, "5", NULL};
		const char *params[1] = {tc_database_name};
		PGconn	   *conn = PQconnectdbParams(keys, vals, 0);
		bool		exists = true;

		if (PQstatus(conn) == CONNECTION_OK)
		{
			PGresult   *res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1",
										   1, NULL, params, NULL, NULL, 0);

			exists = !(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0);
			PQclear(res);
		}
		PQfinish(conn);
		if (exists)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 250, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}
