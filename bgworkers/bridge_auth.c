/*
 * bridge_auth.c
 *	  Verifies the dashboard token a client presents (query parameter token=,
 *	  or Authorization: Bearer): HMAC under the server key (src/dashboard_token.c),
 *	  not expired, and naming a role that still exists and honours RLS.
 *	  Called inside a transaction; reads the key every time, so a rotation
 *	  takes effect for the next connection without a restart.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "dashboard_token.h"
#include "bridge.h"

const char *
bridge_token_result_text(BridgeTokenResult r)
{
	switch (r)
	{
		case TOKEN_OK:
			return "ok";
		case TOKEN_MISSING:
			return "token required";
		case TOKEN_MALFORMED:
			return "malformed token";
		case TOKEN_BAD_SIGNATURE:
			return "invalid token signature";
		case TOKEN_EXPIRED:
			return "token expired";
		case TOKEN_UNKNOWN_ROLE:
			return "token role no longer exists";
		case TOKEN_PRIVILEGED_ROLE:
			return "token role bypasses row-level security";
		case TOKEN_NO_KEY:
			return "dashboard key missing";
	}
	return "invalid token";
}

BridgeTokenResult
bridge_token_verify(const char *token, Oid *role, char *rolename)
{
	unsigned char key[TC_TOKEN_KEY_LEN];
	int64		exp;
	TcTokenCheck c;
	HeapTuple	tup;
	Form_pg_authid form;
	int64		now_unix;

	if (token == NULL || token[0] == '\0')
		return TOKEN_MISSING;
	if (!tc_dashboard_key_load(key))
		return TOKEN_NO_KEY;
	c = tc_token_check(key, token, rolename, &exp);
	explicit_bzero(key, sizeof(key));
	if (c == TC_TOKEN_MALFORMED)
		return TOKEN_MALFORMED;
	if (c == TC_TOKEN_BAD_SIGNATURE)
		return TOKEN_BAD_SIGNATURE;
	now_unix = bridge_now_ms() / 1000;
	if (exp <= now_unix)
		return TOKEN_EXPIRED;
	tup = SearchSysCache1(AUTHNAME, CStringGetDatum(rolename));
	if (!HeapTupleIsValid(tup))
		return TOKEN_UNKNOWN_ROLE;
	form = (Form_pg_authid) GETSTRUCT(tup);
	*role = form->oid;
	if (form->rolsuper || form->rolbypassrls)
	{
		ReleaseSysCache(tup);
		return TOKEN_PRIVILEGED_ROLE;
	}
	ReleaseSysCache(tup);
	return TOKEN_OK;
}
