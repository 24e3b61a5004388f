/*
 * roles.c
 *	  Who is calling: tradecore.calling_role(), tradecore.is_staff(name) and
 *	  tradecore.authorize_debit(wallet_id), the checks every order and every
 *	  movement of money runs first, and tc_authorize_debit() for C callers.
 *
 * They were PL/pgSQL functions, each with a SET search_path clause: three
 * function calls and three GUC save/restore cycles (fmgr_security_definer)
 * before an order did anything.  In C the role is GetOuterUserId(), the SET
 * ROLE target or else the session user, which SECURITY DEFINER does not
 * change and SQL cannot forge (PostgreSQL refuses SET ROLE inside a SECURITY
 * DEFINER function and checks membership on every SET ROLE); membership is
 * is_member_of_role(), what pg_has_role(..., 'MEMBER') asks.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "roles.h"

/* superuser, or a member of tradecore_admin or tradecore_operator */
bool
tc_role_is_staff(Oid roleid)
{
	Oid			admin = get_role_oid("tradecore_admin", true);
	Oid			operator = get_role_oid("tradecore_operator", true);

	return superuser_arg(roleid) ||
		(OidIsValid(admin) && is_member_of_role(roleid, admin)) ||
		(OidIsValid(operator) && is_member_of_role(roleid, operator));
}

/*
 * Raises 42501 unless the calling role is staff or the agent owning the
 * wallet.  The caller is connected to SPI.  The lookup runs as the current
 * user: inside tradecore's SECURITY DEFINER functions the owner, and for an
 * agent calling authorize_debit itself the agent, whose row-level security
 * shows it exactly its own agent row and wallets, which is all it asks about.
 */
void
tc_authorize_debit(int64 wallet_id, bool wallet_null)
{
	static SPIPlanPtr plan = NULL;
	Oid			role = GetOuterUserId();
	Datum		args[2];
	bool		isnull;

	if (tc_role_is_staff(role))
		return;
	if (!wallet_null)
	{
		if (plan == NULL)
		{
			Oid			types[2] = {INT8OID, NAMEOID};
			SPIPlanPtr	p = SPI_prepare_cursor("SELECT EXISTS (SELECT FROM tradecore.wallets w"
											   " JOIN tradecore.autonomous_agents a"
											   "   ON a.id OPERATOR(pg_catalog.=) w.agent_id"
											   " WHERE w.id OPERATOR(pg_catalog.=) $1"
											   "   AND a.role_name OPERATOR(pg_catalog.=) $2)",
											   2, types, CURSOR_OPT_GENERIC_PLAN);

			if (p == NULL)
				elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
			SPI_keepplan(p);
			plan = p;
		}
		args[0] = Int64GetDatum(wallet_id);
		args[1] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(role, false)));
		if (SPI_execute_plan(plan, args, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not look up the owner of wallet " INT64_FORMAT, wallet_id);
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("role %s may not move funds out of wallet %s", GetUserNameFromId(role, false),
					wallet_null ? "<NULL>" : psprintf(INT64_FORMAT, wallet_id)),
			 errhint("An agent may only debit the wallets it owns (wallets.agent_id).")));
}

PG_FUNCTION_INFO_V1(tc_calling_role);
/* tradecore.calling_role(): the SET ROLE target, else the session user */
Datum
tc_calling_role(PG_FUNCTION_ARGS)
{
	return DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetOuterUserId(), false)));
}

PG_FUNCTION_INFO_V1(tc_is_staff);
/* tradecore.is_staff(role_name): an unknown role is an error, as pg_has_role makes it */
Datum
tc_is_staff(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(tc_role_is_staff(get_role_oid(NameStr(*PG_GETARG_NAME(0)), false)));
}

PG_FUNCTION_INFO_V1(tc_authorize_debit_sql);
/* tradecore.authorize_debit(wallet_id) */
Datum
tc_authorize_debit_sql(PG_FUNCTION_ARGS)
{
	SPI_connect();
	tc_authorize_debit(PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0), PG_ARGISNULL(0));
	SPI_finish();
	PG_RETURN_VOID();
}
