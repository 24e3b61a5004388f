/*
 * tradecore.h
 *	  Shared declarations for the tradecore extension: GUC variables and the
 *	  entry points each subsystem exposes to _PG_init.
 */
#ifndef TRADECORE_H
#define TRADECORE_H

#include "postgres.h"

#ifndef TRADECORE_VERSION
#define TRADECORE_VERSION "unknown"
#endif

/* true when the library was loaded through shared_preload_libraries */
extern bool tradecore_preloaded;

/* GUCs (src/guc.c).  Strings are owned by the GUC machinery; never pfree them. */
extern char *tc_database_name;
extern bool tc_poller_enabled;
extern int	tc_poll_interval_ms;
extern bool tc_llm_enabled;
extern bool tc_bridge_enabled;
extern char *tc_bridge_listen_address;
extern int	tc_bridge_port;
extern char *tc_master_key_file;
extern int	tc_paper_seed;

/* exchanges: venue base URLs and the poller (issue 6) */
extern char *tc_binance_base_url;
extern char *tc_coinbase_base_url;
extern char *tc_kraken_base_url;
extern int	tc_poller_max_concurrency;
extern int	tc_poller_timeout_ms;
extern int	tc_poller_max_backoff_ms;
extern int	tc_poller_candle_interval_ms;
/* AG-UI bridge (bgworkers/bridge*.c); all reloadable with SIGHUP */
extern char *tc_bridge_web_dir;
extern int	tc_bridge_max_clients;
extern int	tc_bridge_max_frame_kb;
extern int	tc_bridge_max_message_kb;
extern int	tc_bridge_client_queue_kb;
extern int	tc_bridge_ping_interval_s;
extern int	tc_bridge_idle_timeout_s;
extern int	tc_bridge_poll_ms;
extern int	tc_bridge_gap_timeout_ms;
/* live orders: kill switch and order sender (bgworkers/order_sender.c); all SIGHUP */
extern bool tc_live_trading;
extern int	tc_order_timeout_ms;
extern int	tc_order_max_attempts;
extern int	tc_order_max_backoff_ms;
extern int	tc_order_lookup_delay_ms;
extern int	tc_order_sync_interval_ms;

extern void tradecore_define_gucs(void);

/* bgworkers/workers.c */
extern void tradecore_register_workers(void);

#endif							/* TRADECORE_H */
