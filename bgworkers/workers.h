/*
 * workers.h
 *	  Background worker entry points and the small loop helpers they share.
 */
#ifndef TRADECORE_WORKERS_H
#define TRADECORE_WORKERS_H

#include "postgres.h"

#include <signal.h>

/* set by the SIGHUP handler installed by tc_worker_setup_signals() */
extern volatile sig_atomic_t tc_got_sighup;

extern void tc_worker_setup_signals(void);
extern void tc_worker_wait_for_database(const char *probe_name);
extern void tc_worker_idle_loop(const char *name, uint32 wait_event_info);

PGDLLEXPORT void tradecore_poller_main(Datum main_arg);
PGDLLEXPORT void tradecore_llm_main(Datum main_arg);
PGDLLEXPORT void tradecore_bridge_main(Datum main_arg);
PGDLLEXPORT void tradecore_order_sender_main(Datum main_arg);

#endif							/* TRADECORE_WORKERS_H */
