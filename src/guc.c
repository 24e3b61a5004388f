/*
 * guc.c
 *	  All tradecore.* configuration parameters, defined in one place so the
 *	  README's configuration table can be checked against a single file.
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "utils/guc.h"

#include "tradecore.h"

char	   *tc_database_name = NULL;
bool		tc_poller_enabled = true;
int			tc_poll_interval_ms = 1000;
bool		tc_llm_enabled = true;
bool		tc_bridge_enabled = true;
char	   *tc_bridge_listen_address = NULL;
int			tc_bridge_port = 8787;
char	   *tc_master_key_file = NULL;
int			tc_paper_seed = 42;

/* exchanges: venue base URLs and the poller */
char	   *tc_binance_base_url = NULL;
char	   *tc_coinbase_base_url = NULL;
char	   *tc_kraken_base_url = NULL;
int			tc_poller_max_concurrency = 8;
int			tc_poller_timeout_ms = 5000;
int			tc_poller_max_backoff_ms = 60000;
int			tc_poller_candle_interval_ms = 60000;

void
tradecore_define_gucs(void)
{
	DefineCustomBoolVariable("tradecore.poller_enabled",
							 "Whether the exchange poller worker polls venues.",
							 NULL,
							 &tc_poller_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("tradecore.poll_interval_ms",
							"Interval between two polls of one venue.",
							NULL,
							&tc_poll_interval_ms,
							1000, 50, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("tradecore.llm_enabled",
							 "Whether the LLM worker processes queued LLM requests.",
							 NULL,
							 &tc_llm_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("tradecore.master_key_file",
							   "File holding the 32-byte master key that encrypts exchange secrets.",
							   "The key is never stored in the database.",
							   &tc_master_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("tradecore.paper_seed",
							"Seed of the paper exchange's simulated market.",
							"The same seed gives the same prices and fills.",
							&tc_paper_seed,
							42, 0, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);

	/* ---- exchanges: venue base URLs and the poller ---- */
	DefineCustomStringVariable("tradecore.binance_base_url",
							   "Base URL of the Binance spot REST API.",
							   "Tests point it at the local fake exchange.",
							   &tc_binance_base_url,
							   "https://api.binance.com",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tradecore.coinbase_base_url",
							   "Base URL of the Coinbase Exchange REST API.",
							   NULL,
							   &tc_coinbase_base_url,
							   "https://api.exchange.coinbase.com",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("tradecore.kraken_base_url",
							   "Base URL of the Kraken spot REST API.",
							   NULL,
							   &tc_kraken_base_url,
							   "https://api.kraken.com",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.poller_max_concurrency",
							"Most HTTP requests the poller keeps in flight at once.",
							NULL,
							&tc_poller_max_concurrency,
							8, 1, 64,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.poller_timeout_ms",
							"Timeout of one poller HTTP request, connection included.",
							NULL,
							&tc_poller_timeout_ms,
							5000, 100, 120000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.poller_max_backoff_ms",
							"Longest pause of a failing venue (exponential backoff with jitter).",
							NULL,
							&tc_poller_max_backoff_ms,
							60000, 100, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.poller_candle_interval_ms",
							"Interval between two candle polls of one instrument.",
							NULL,
							&tc_poller_candle_interval_ms,
							60000, 100, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	/*
	 * PGC_POSTMASTER parameters can only be defined while the postmaster loads
	 * shared_preload_libraries (PostgreSQL refuses them later with FATAL).  They
	 * configure the workers, which exist only in that case anyway.
	 */
	if (process_shared_preload_libraries_in_progress)
	{
		DefineCustomStringVariable("tradecore.database_name",
								   "Database in which the tradecore background workers run.",
								   "The extension must be created in this database.",
								   &tc_database_name,
								   "postgres",
								   PGC_POSTMASTER,
								   GUC_SUPERUSER_ONLY,
								   NULL, NULL, NULL);

		DefineCustomBoolVariable("tradecore.bridge_enabled",
								 "Whether the WebSocket/AG-UI bridge worker is started.",
								 NULL,
								 &tc_bridge_enabled,
								 true,
								 PGC_POSTMASTER,
								 0,
								 NULL, NULL, NULL);

		DefineCustomStringVariable("tradecore.bridge_listen_address",
								   "Address the bridge listens on.",
								   "Loopback by default; expose it only behind a TLS proxy.",
								   &tc_bridge_listen_address,
								   "127.0.0.1",
								   PGC_POSTMASTER,
								   0,
								   NULL, NULL, NULL);

		DefineCustomIntVariable("tradecore.bridge_port",
								"TCP port of the bridge (WebSocket, AG-UI HTTP and dashboard).",
								NULL,
								&tc_bridge_port,
								8787, 1, 65535,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);
	}

	MarkGUCPrefixReserved("tradecore");
}
