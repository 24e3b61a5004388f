/*
 * tradecore.c
 *	  Module entry point: defines GUCs and, when preloaded, registers the
 *	  background workers.  Everything SQL-callable lives in its own file.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "tradecore.h"

PG_MODULE_MAGIC;

bool		tradecore_preloaded = false;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * GUCs are defined in every backend that loads us, preloaded or not, so
	 * that SHOW tradecore.* and ALTER SYSTEM work from any session.
	 */
	tradecore_define_gucs();

	/*
	 * Background workers can only be registered by the postmaster while it
	 * processes shared_preload_libraries.  Loaded later (CREATE EXTENSION in a
	 * plain backend) the SQL functions still work and the workers are simply
	 * absent; the install script raises a NOTICE saying how to enable them.
	 */
	if (!process_shared_preload_libraries_in_progress)
		return;

	tradecore_preloaded = true;
	tradecore_register_workers();
}

PG_FUNCTION_INFO_V1(tradecore_version);

/*
 * tradecore.version() returns the version the shared library was built as.
 * It can differ from pg_extension.extversion after an upgrade of the binary
 * without ALTER EXTENSION ... UPDATE; tradecore.status() reports both.
 */
Datum
tradecore_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(TRADECORE_VERSION));
}

PG_FUNCTION_INFO_V1(tradecore_is_preloaded);

/*
 * true when this backend inherited the library from shared_preload_libraries,
 * i.e. the background workers are registered.
 */
Datum
tradecore_is_preloaded(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tradecore_preloaded);
}
