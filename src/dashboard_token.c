/*
 * dashboard_token.c
 *	  Tokens that let a browser or an AG-UI client talk to the bridge as one
 *	  database role.
 *
 *	  token   = "tc1." b64url(payload) "." b64url(HMAC-SHA256(key, "tc1." b64url(payload)))
 *	  payload = expires_unix ":" nonce(16 hex) ":" role name
 *
 * The key is 32 random bytes in tradecore.dashboard_keys, readable only by the
 * extension's owner (and whoever it grants); issue_dashboard_token is SECURITY
 * DEFINER so that it can read it, and checks the caller itself: a caller may
 * only obtain a token for a role it is a member of, so a token never carries
 * more privilege than its issuer.  Roles that bypass RLS (superusers,
 * BYPASSRLS) are refused, because the dashboard's visibility rests on RLS.
 * Rotating the key (rotate_dashboard_key) invalidates every token.
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "dashboard_token.h"

#define TOKEN_PREFIX "tc1."
#define TOKEN_MAX_TTL_SECONDS (7 * 86400)

/* base64url without padding (RFC 4648 section 5), through OpenSSL's base64 */
static char *
b64url_encode(const unsigned char *data, int len)
{
	char	   *out = palloc(4 * ((len + 2) / 3) + 1);
	int			n = EVP_EncodeBlock((unsigned char *) out, data, len);

	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (int i = 0; i < n; i++)
	{
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

/* returns the decoded length, or -1 if s is not base64url */
static int
b64url_decode(const char *s, int slen, unsigned char *out, int outcap)
{
	char	   *tmp;
	int			padded = slen + (4 - slen % 4) % 4;
	int			n;
	int			pad = padded - slen;

	if (slen % 4 == 1 || 3 * (padded / 4) > outcap + 3)
		return -1;
	tmp = palloc(padded + 1);
	for (int i = 0; i < slen; i++)
	{
		char		c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
		{
			pfree(tmp);
			return -1;
		}
		tmp[i] = c;
	}
	for (int i = slen; i < padded; i++)
		tmp[i] = '=';
	tmp[padded] = '\0';
	{
		unsigned char *buf = palloc(3 * (padded / 4) + 1);

		n = EVP_DecodeBlock(buf, (unsigned char *) tmp, padded);
		if (n < 0 || n - pad > outcap)
		{
			pfree(buf);
			pfree(tmp);
			return -1;
		}
		n -= pad;				/* EVP_DecodeBlock counts the padding's zero bytes */
		memcpy(out, buf, n);
		pfree(buf);
	}
	pfree(tmp);
	return n;
}

static void
token_mac(const unsigned char *key, const char *msg, int msglen, unsigned char *mac)
{
	unsigned int maclen = 0;

	if (HMAC(EVP_sha256(), key, TC_TOKEN_KEY_LEN, (const unsigned char *) msg, msglen,
			 mac, &maclen) == NULL || maclen != 32)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the HMAC of a dashboard token")));
}

char *
tc_token_make(const unsigned char *key, const char *role, int64 expires_unix)
{
	unsigned char nonce[8];
	char		nonce_hex[17];
	StringInfoData payload;
	StringInfoData tok;
	unsigned char mac[32];

	if (!pg_strong_random(nonce, sizeof(nonce)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes for a dashboard token")));
	for (int i = 0; i < 8; i++)
		snprintf(nonce_hex + 2 * i, 3, "%02x", nonce[i]);

	initStringInfo(&payload);
	appendStringInfo(&payload, INT64_FORMAT ":%s:%s", expires_unix, nonce_hex, role);

	initStringInfo(&tok);
	appendStringInfoString(&tok, TOKEN_PREFIX);
	appendStringInfoString(&tok, b64url_encode((unsigned char *) payload.data, payload.len));
	token_mac(key, tok.data, tok.len, mac);
	appendStringInfoChar(&tok, '.');
	appendStringInfoString(&tok, b64url_encode(mac, sizeof(mac)));
	return tok.data;
}

/*
 * Checks the signature (in constant time) and splits the payload.  Expiry and
 * the role's existence are the caller's business.
 */
TcTokenCheck
tc_token_check(const unsigned char *key, const char *token, char *role_out, int64 *expires_unix)
{
	const char *dot;
	int			signed_len;
	unsigned char mac[32];
	unsigned char given[40];
	unsigned char payload[256];
	int			plen;
	char	   *end;
	const char *p;
	const char *colon;
	int64		exp;

	if (token == NULL || strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 ||
		strlen(token) > 1024)
		return TC_TOKEN_MALFORMED;
	dot = strchr(token + strlen(TOKEN_PREFIX), '.');
	if (dot == NULL)
		return TC_TOKEN_MALFORMED;
	signed_len = dot - token;
	if (b64url_decode(dot + 1, strlen(dot + 1), given, sizeof(given)) != 32)
		return TC_TOKEN_MALFORMED;
	token_mac(key, token, signed_len, mac);
	if (CRYPTO_memcmp(mac, given, 32) != 0)
		return TC_TOKEN_BAD_SIGNATURE;

	/* the payload is ours from here on, but parse it defensively anyway */
	plen = b64url_decode(token + strlen(TOKEN_PREFIX), signed_len - strlen(TOKEN_PREFIX),
						 payload, sizeof(payload) - 1);
	if (plen <= 0)
		return TC_TOKEN_MALFORMED;
	payload[plen] = '\0';
	errno = 0;
	exp = strtoll((char *) payload, &end, 10);
	if (errno != 0 || *end != ':')
		return TC_TOKEN_MALFORMED;
	p = end + 1;
	colon = strchr(p, ':');
	if (colon == NULL || colon - p != 16)
		return TC_TOKEN_MALFORMED;
	p = colon + 1;
	if (strlen(p) == 0 || strlen(p) >= NAMEDATALEN)
		return TC_TOKEN_MALFORMED;
	strlcpy(role_out, p, NAMEDATALEN);
	*expires_unix = exp;
	return TC_TOKEN_VALID;
}

bool
tc_dashboard_key_load(unsigned char *key)
{
	bool		found = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect failed")));
	if (SPI_execute("SELECT key FROM tradecore.dashboard_keys WHERE id = 1", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			bytea	   *b = DatumGetByteaPP(d);

			if (VARSIZE_ANY_EXHDR(b) == TC_TOKEN_KEY_LEN)
			{
				memcpy(key, VARDATA_ANY(b), TC_TOKEN_KEY_LEN);
				found = true;
			}
		}
	}
	SPI_finish();
	return found;
}

/* a role whose rows the dashboard may stream: exists, is not a superuser, honours RLS */
static Oid
token_role_checked(const char *rolename)
{
	HeapTuple	tup;
	Form_pg_authid form;
	Oid			roleid;

	tup = SearchSysCache1(AUTHNAME, CStringGetDatum(rolename));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" does not exist", rolename)));
	form = (Form_pg_authid) GETSTRUCT(tup);
	roleid = form->oid;
	if (form->rolsuper || form->rolbypassrls)
	{
		ReleaseSysCache(tup);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot issue a dashboard token for role \"%s\"", rolename),
				 errdetail("The role is a superuser or has BYPASSRLS, so row-level security would not limit what the dashboard shows."),
				 errhint("Issue the token for tradecore_viewer, tradecore_operator or an agent role.")));
	}
	ReleaseSysCache(tup);
	return roleid;
}

PG_FUNCTION_INFO_V1(tradecore_issue_dashboard_token);

/*
 * tradecore.issue_dashboard_token(role name, ttl interval) returns text.
 * SECURITY DEFINER; the caller is GetOuterUserId() (current_user outside the
 * definer's context, after any SET ROLE).
 */
Datum
tradecore_issue_dashboard_token(PG_FUNCTION_ARGS)
{
	Name		role = PG_GETARG_NAME(0);
	Interval   *ttl = PG_GETARG_INTERVAL_P(1);
	Oid			roleid;
	Oid			caller = GetOuterUserId();
	double		seconds;
	unsigned char key[TC_TOKEN_KEY_LEN];
	int64		exp;
	char	   *tok;

	seconds = (double) ttl->time / USECS_PER_SEC + (double) ttl->day * SECS_PER_DAY +
		(double) ttl->month * DAYS_PER_MONTH * SECS_PER_DAY;
	if (!(seconds >= 1 && seconds <= TOKEN_MAX_TTL_SECONDS))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dashboard token lifetime must be between 1 second and 7 days"),
				 errhint("Issue short-lived tokens and issue a new one when it expires.")));

	roleid = token_role_checked(NameStr(*role));
	if (!is_member_of_role(caller, roleid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to issue a dashboard token for role \"%s\"", NameStr(*role)),
				 errdetail("A token can only be issued for a role the caller is a member of.")));

	if (!tc_dashboard_key_load(key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the dashboard key is missing"),
				 errhint("An administrator can create one with SELECT tradecore.rotate_dashboard_key().")));

	exp = (int64) (GetCurrentTransactionStartTimestamp() / USECS_PER_SEC) +
		((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) + (int64) seconds;
	tok = tc_token_make(key, NameStr(*role), exp);
	explicit_bzero(key, sizeof(key));
	PG_RETURN_TEXT_P(cstring_to_text(tok));
}

PG_FUNCTION_INFO_V1(tradecore_verify_dashboard_token);

/*
 * tradecore.verify_dashboard_token(token text, OUT role name, OUT expires_at
 * timestamptz): the bridge's verdict on a token, for scripts and tests.
 * Raises an error saying why a token is refused.
 */
Datum
tradecore_verify_dashboard_token(PG_FUNCTION_ARGS)
{
	char	   *token = text_to_cstring(PG_GETARG_TEXT_PP(0));
	unsigned char key[TC_TOKEN_KEY_LEN];
	char		rolename[NAMEDATALEN];
	int64		exp;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	TimestampTz exp_ts;
	NameData	rn;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!tc_dashboard_key_load(key))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the dashboard key is missing")));
	switch (tc_token_check(key, token, rolename, &exp))
	{
		case TC_TOKEN_MALFORMED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("malformed dashboard token")));
			break;
		case TC_TOKEN_BAD_SIGNATURE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("dashboard token signature does not match"),
					 errhint("The token was altered or the key was rotated; issue a new token.")));
			break;
		case TC_TOKEN_VALID:
			break;
	}
	explicit_bzero(key, sizeof(key));
	exp_ts = (TimestampTz) (exp - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) * USECS_PER_SEC;
	if (exp_ts <= GetCurrentTimestamp())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("dashboard token expired"),
				 errhint("Issue a new token with tradecore.issue_dashboard_token().")));
	(void) token_role_checked(rolename);
	namestrcpy(&rn, rolename);
	values[0] = NameGetDatum(&rn);
	values[1] = TimestampTzGetDatum(exp_ts);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(tradecore_rotate_dashboard_key);

/*
 * tradecore.rotate_dashboard_key(): a new random key; every token issued
 * before stops working.  Runs with the caller's rights, so only roles that may
 * write tradecore.dashboard_keys can rotate.
 */
Datum
tradecore_rotate_dashboard_key(PG_FUNCTION_ARGS)
{
	unsigned char key[TC_TOKEN_KEY_LEN];
	bytea	   *b;
	Oid			argtypes[1] = {BYTEAOID};
	Datum		values[1];

	if (!pg_strong_random(key, sizeof(key)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random dashboard key")));
	b = palloc(VARHDRSZ + TC_TOKEN_KEY_LEN);
	SET_VARSIZE(b, VARHDRSZ + TC_TOKEN_KEY_LEN);
	memcpy(VARDATA(b), key, TC_TOKEN_KEY_LEN);
	explicit_bzero(key, sizeof(key));
	values[0] = PointerGetDatum(b);

	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("SPI_connect failed")));
	if (SPI_execute_with_args("INSERT INTO tradecore.dashboard_keys (id, key, created_at) "
							  "VALUES (1, $1, now()) ON CONFLICT (id) DO UPDATE "
							  "SET key = EXCLUDED.key, created_at = EXCLUDED.created_at",
							  1, argtypes, values, NULL, false, 0) != SPI_OK_INSERT)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not store the dashboard key")));
	SPI_finish();
	explicit_bzero(VARDATA(b), TC_TOKEN_KEY_LEN);
	PG_RETURN_VOID();
}
