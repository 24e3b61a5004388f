/*
 * bridge_listen.c
 *	  The bridge's wake-up channel: a libpq connection to its own server that
 *	  LISTENs on tradecore_events.
 *
 * PostgreSQL refuses LISTEN inside a background worker, so the worker opens an
 * ordinary client connection (over the first Unix socket directory, as the
 * bootstrap superuser, to tradecore.database_name) and waits on its socket in
 * the same WaitEventSet as its latch and its clients.  It never blocks on it:
 * PQconsumeInput only reads what has arrived.  The notification's payload (an
 * event id) is only a hint; the outbox is read afterwards.  If the connection
 * is lost the bridge keeps working by polling every tradecore.bridge_poll_ms
 * and reconnects with a back-off.
 */
#include "postgres.h"

#include "libpq-fe.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "tradecore.h"
#include "bridge.h"

static PGconn *listen_conn = NULL;
static TimestampTz next_attempt = 0;
static bool failure_logged = false;
static char *superuser_name = NULL;

/* the bootstrap superuser's name; catalog access needs a transaction */
static const char *
listen_user(void)
{
	if (superuser_name == NULL)
	{
		char	   *n;

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		n = GetUserNameFromId(BOOTSTRAP_SUPERUSERID, false);
		superuser_name = MemoryContextStrdup(TopMemoryContext, n);
		CommitTransactionCommand();
	}
	return superuser_name;
}

static void
listen_fail(const char *what)
{
	if (!failure_logged)
		ereport(LOG,
				(errmsg("tradecore bridge: LISTEN connection %s: %s", what,
						listen_conn ? PQerrorMessage(listen_conn) : "no connection"),
				 errdetail("The bridge polls tradecore.events every tradecore.bridge_poll_ms until it reconnects."),
				 errhint("The bridge connects over the Unix socket as the bootstrap superuser; pg_hba.conf must allow it (peer or trust for local).")));
	failure_logged = true;
	if (listen_conn)
		PQfinish(listen_conn);
	listen_conn = NULL;
	next_attempt = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 5000);
}

/* (re)connects when there is no connection and the back-off allows it */
void
bridge_listen_connect(void)
{
	const char *keys[8];
	const char *vals[8];
	char		port[16];
	char	   *sockdir;
	char	   *comma;
	PGresult   *res;

	if (listen_conn != NULL || GetCurrentTimestamp() < next_attempt)
		return;

	sockdir = pstrdup(Unix_socket_directories ? Unix_socket_directories : "/tmp");
	comma = strchr(sockdir, ',');
	if (comma)
		*comma = '\0';
	while (*sockdir == ' ')
		sockdir++;
	snprintf(port, sizeof(port), "%d", PostPortNumber);

	keys[0] = "host";
	vals[0] = sockdir;
	keys[1] = "port";
	vals[1] = port;
	keys[2] = "dbname";
	vals[2] = tc_database_name;
	keys[3] = "user";
	vals[3] = listen_user();
	keys[4] = "application_name";
	vals[4] = "tradecore bridge listener";
	keys[5] = "connect_timeout";
	vals[5] = "5";
	keys[6] = NULL;
	vals[6] = NULL;

	listen_conn = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(listen_conn) != CONNECTION_OK)
	{
		listen_fail("failed");
		return;
	}
	res = PQexec(listen_conn, "LISTEN tradecore_events");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		PQclear(res);
		listen_fail("could not LISTEN");
		return;
	}
	PQclear(res);
	if (PQsetnonblocking(listen_conn, 1) != 0)
	{
		listen_fail("could not be made non-blocking");
		return;
	}
	if (failure_logged)
		ereport(LOG, (errmsg("tradecore bridge: LISTEN connection restored")));
	failure_logged = false;
}

int
bridge_listen_socket(void)
{
	return listen_conn ? PQsocket(listen_conn) : -1;
}

bool
bridge_listen_ok(void)
{
	return listen_conn != NULL;
}

/*
 * Reads what arrived; true when at least one notification came.  *max_id is
 * raised to the highest event id the notifications carried, so the caller
 * knows whether its hwm has caught up with them.
 */
bool
bridge_listen_consume(int64 *max_id)
{
	PGnotify   *n;
	bool		got = false;

	if (listen_conn == NULL)
		return false;
	if (!PQconsumeInput(listen_conn) || PQstatus(listen_conn) != CONNECTION_OK)
	{
		listen_fail("lost");
		return true;			/* read the outbox once: something may have been missed */
	}
	while ((n = PQnotifies(listen_conn)) != NULL)
	{
		char	   *end;
		long long	id = strtoll(n->extra, &end, 10);

		if (*end == '\0' && id > *max_id)
			*max_id = id;
		got = true;
		PQfreemem(n);
	}
	return got;
}

void
bridge_listen_close(void)
{
	if (listen_conn)
		PQfinish(listen_conn);
	listen_conn = NULL;
}
