/*
 * dashboard_token.h
 *	  Dashboard tokens: HMAC-SHA256 signed, role-bound, expiring.  Issued by SQL
 *	  (tradecore.issue_dashboard_token), verified by the bridge worker.
 */
#ifndef TRADECORE_DASHBOARD_TOKEN_H
#define TRADECORE_DASHBOARD_TOKEN_H

#include "postgres.h"

#define TC_TOKEN_KEY_LEN 32

typedef enum
{
	TC_TOKEN_VALID,
	TC_TOKEN_MALFORMED,
	TC_TOKEN_BAD_SIGNATURE
} TcTokenCheck;

/* load the server key (SPI; caller must be in a transaction and allowed to read it) */
extern bool tc_dashboard_key_load(unsigned char *key);
extern char *tc_token_make(const unsigned char *key, const char *role, int64 expires_unix);
extern TcTokenCheck tc_token_check(const unsigned char *key, const char *token,
								   char *role_out, int64 *expires_unix);

#endif							/* TRADECORE_DASHBOARD_TOKEN_H */
