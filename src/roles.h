/*
 * roles.h
 *	  Who is calling, for C callers (src/roles.c).
 */
#ifndef TC_ROLES_H
#define TC_ROLES_H

extern bool tc_role_is_staff(Oid roleid);
extern void tc_authorize_debit(int64 wallet_id, bool wallet_null);

#endif
