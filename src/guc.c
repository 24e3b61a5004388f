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
/* AG-UI bridge */
char	   *tc_bridge_web_dir = NULL;
int			tc_bridge_max_clients = 1024;
int			tc_bridge_max_frame_kb = 64;
int			tc_bridge_max_message_kb = 256;
int			tc_bridge_client_queue_kb = 4096;
int			tc_bridge_ping_interval_s = 20;
int			tc_bridge_idle_timeout_s = 60;
int			tc_bridge_poll_ms = 1000;
int			tc_bridge_gap_timeout_ms = 2000;
/* live orders: the kill switch and the order sender (bgworkers/order_sender.c) */
bool		tc_live_trading = false;
int			tc_order_timeout_ms = 10000;
int			tc_order_max_attempts = 8;
int			tc_order_max_backoff_ms = 60000;
int			tc_order_lookup_delay_ms = 30000;
int			tc_order_sync_interval_ms = 10000;

/* the bridge's reloadable parameters (bgworkers/bridge*.c, docs/bridge.md) */
static void
define_bridge_gucs(void)
{
	DefineCustomStringVariable("tradecore.bridge_web_dir",
							   "Directory of the dashboard files the bridge serves (web/ with web/dist built).",
							   "Empty: no dashboard, the WebSocket and AG-UI endpoints still work.",
							   &tc_bridge_web_dir, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_max_clients",
							"Most concurrent bridge connections; more are answered 503.",
							NULL, &tc_bridge_max_clients, 1024, 1, 100000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_max_frame_kb",
							"Largest WebSocket frame a client may send (larger: close 1009).",
							NULL, &tc_bridge_max_frame_kb, 64, 1, 16384,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_max_message_kb",
							"Largest reassembled WebSocket message a client may send (larger: close 1009).",
							NULL, &tc_bridge_max_message_kb, 256, 1, 65536,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_client_queue_kb",
							"Cap of each client's unsent bytes; a client that falls further behind is dropped.",
							NULL, &tc_bridge_client_queue_kb, 4096, 16, 1048576,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_ping_interval_s",
							"Seconds of client silence after which the bridge sends a WebSocket ping.",
							NULL, &tc_bridge_ping_interval_s, 20, 1, 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_idle_timeout_s",
							"Seconds of client silence (no frame, no pong) after which the bridge closes with 1001.",
							NULL, &tc_bridge_idle_timeout_s, 60, 2, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_poll_ms",
							"Interval at which the bridge reads the outbox without a notification.",
							"A safety net: NOTIFY normally wakes it at once.",
							&tc_bridge_poll_ms, 1000, 10, 60000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.bridge_gap_timeout_ms",
							"How long the bridge waits for a missing event id before moving on.",
							"Ids can commit out of order; see docs/bridge.md.",
							&tc_bridge_gap_timeout_ms, 2000, 50, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

/* live orders (bgworkers/order_sender.c, sql/install/37_live_orders.sql, docs/exchanges.md) */
static void
define_live_order_gucs(void)
{
	DefineCustomBoolVariable("tradecore.live_trading",
							 "Kill switch: whether orders may be sent to live venues.",
							 "Off: place_order refuses live orders and the order sender sends nothing; queued requests wait.",
							 &tc_live_trading, false, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.order_timeout_ms",
							"Timeout of one order request to a live venue, connection included.",
							"A request that times out may have reached the venue: the order is looked up before it is sent again.",
							&tc_order_timeout_ms, 10000, 100, 120000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.order_max_attempts",
							"Attempts after which an order request that never reached a venue is given up.",
							"Lookups of an order whose fate is unknown are never given up.",
							&tc_order_max_attempts, 8, 1, 1000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.order_max_backoff_ms",
							"Longest pause between two attempts of one order request (exponential backoff with jitter).",
							NULL, &tc_order_max_backoff_ms, 60000, 100, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.order_lookup_delay_ms",
							"Wait after an order request with an unknown outcome before looking the order up by client id.",
							"At least the venue's acceptance window (Coinbase accepts a signed request for 30 s, Binance for our recvWindow of 5 s), so a late copy of the request cannot arrive after the lookup.",
							&tc_order_lookup_delay_ms, 30000, 0, 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("tradecore.order_sync_interval_ms",
							"Interval between two status lookups of each open live order (fills, final state); 0 turns the sync off.",
							NULL, &tc_order_sync_interval_ms, 10000, 0, 24 * 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
}

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
	define_bridge_gucs();
	define_live_order_gucs();

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
