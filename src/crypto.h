/*
 * crypto.h
 *	  Hashes, HMACs, base64 and AES-256-GCM for tradecore, all through
 *	  OpenSSL's EVP interfaces.  Results are palloc'd in the current context.
 */
#ifndef TRADECORE_CRYPTO_H
#define TRADECORE_CRYPTO_H

#include "postgres.h"

#define TC_SHA256_LEN	32
#define TC_SHA512_LEN	64
#define TC_AES_KEY_LEN	32

typedef enum TcHmacAlg
{
	TC_HMAC_SHA256,
	TC_HMAC_SHA512
} TcHmacAlg;

/* out must hold TC_SHA512_LEN bytes; returns the MAC length */
extern int	tc_hmac(TcHmacAlg alg, const unsigned char *key, size_t keylen,
					const unsigned char *data, size_t datalen, unsigned char *out);
extern void tc_sha256(const unsigned char *data, size_t len, unsigned char *out);

extern char *tc_hex_encode(const unsigned char *data, size_t len);
extern char *tc_base64_encode(const unsigned char *data, size_t len);

/* strict standard base64 (padding required); ereports with what's label on bad input */
extern unsigned char *tc_base64_decode(const char *in, size_t inlen, size_t *outlen,
									   const char *what);

/*
 * AES-256-GCM under the master key.  The sealed form is
 *   version byte (1) || 12-byte nonce || 16-byte tag || ciphertext
 * and aad (e.g. "binance:api_secret") binds a ciphertext to its purpose, so a
 * secret copied into another row fails to decrypt.
 */
extern bytea *tc_seal(const unsigned char *plain, size_t len, const char *aad);
extern unsigned char *tc_open(const bytea *sealed, const char *aad, size_t *len);

/* the same with an explicit key (tests and the master-key loader use these) */
extern bytea *tc_seal_with_key(const unsigned char *key, const unsigned char *plain,
							   size_t len, const char *aad);
extern unsigned char *tc_open_with_key(const unsigned char *key, const bytea *sealed,
									   const char *aad, size_t *len);

#endif							/* TRADECORE_CRYPTO_H */
