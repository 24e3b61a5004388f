/*
 * crypto.c
 *	  HMAC-SHA256/512, SHA-256, base64 and AES-256-GCM through OpenSSL EVP,
 *	  and the master key that seals exchange secrets.
 *
 * The master key lives in the file named by tradecore.master_key_file, never
 * in the database: a dump or a replica of the database alone cannot reveal a
 * venue secret.  The file holds 64 hex digits (optionally followed by a
 * newline) and must not be readable by group or others, the same rule
 * PostgreSQL applies to its ssl_key_file.
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "crypto.h"
#include "tradecore.h"

#define TC_SEAL_VERSION 1
#define TC_GCM_NONCE_LEN 12
#define TC_GCM_TAG_LEN 16
#define TC_SEAL_HEADER (1 + TC_GCM_NONCE_LEN + TC_GCM_TAG_LEN)

int
tc_hmac(TcHmacAlg alg, const unsigned char *key, size_t keylen,
		const unsigned char *data, size_t datalen, unsigned char *out)
{
	unsigned int outlen = 0;
	const EVP_MD *md = (alg == TC_HMAC_SHA512) ? EVP_sha512() : EVP_sha256();

	/* HMAC() with a NULL key pointer would use a static zero-length key */
	if (HMAC(md, keylen > 0 ? key : (const unsigned char *) "", (int) keylen,
			 data, datalen, out, &outlen) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC with OpenSSL")));
	return (int) outlen;
}

void
tc_sha256(const unsigned char *data, size_t len, unsigned char *out)
{
	unsigned int outlen = 0;

	if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute SHA-256 with OpenSSL")));
}

char *
tc_hex_encode(const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char	   *out = palloc(len * 2 + 1);

	for (size_t i = 0; i < len; i++)
	{
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xf];
	}
	out[len * 2] = '\0';
	return out;
}

char *
tc_base64_encode(const unsigned char *data, size_t len)
{
	char	   *out = palloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *) out, data, (int) len);
	return out;
}

/*
 * EVP_DecodeBlock skips white space and does not report padding, so the
 * input is checked against the strict alphabet first and the padding bytes
 * are taken off its result.
 */
unsigned char *
tc_base64_decode(const char *in, size_t inlen, size_t *outlen, const char *what)
{
	unsigned char *out;
	size_t		pad = 0;
	int			n;

	if (inlen == 0 || inlen % 4 != 0 || inlen > MaxAllocSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not valid base64", what),
				 errdetail("Its length %zu is not a positive multiple of 4.", inlen)));
	for (size_t i = 0; i < inlen; i++)
	{
		char		c = in[i];

		if (c == '=' && i >= inlen - 2)
		{
			pad++;
			continue;
		}
		if (pad > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
						 (c >= '0' && c <= '9') || c == '+' || c == '/'))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is not valid base64", what),
					 errdetail("Unexpected character at offset %zu.", i)));
	}
	out = palloc(inlen / 4 * 3 + 1);
	n = EVP_DecodeBlock(out, (const unsigned char *) in, (int) inlen);
	if (n < 0 || (size_t) n < pad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not valid base64", what)));
	*outlen = (size_t) n - pad;
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads the master key into key[TC_AES_KEY_LEN].  Every failure is an ERROR
 * that names the file but never prints its content.
 */
static void
load_master_key(unsigned char *key)
{
	const char *path = tc_master_key_file;
	char		buf[130];
	struct stat st;
	ssize_t		n;
	int			fd;

	if (path == NULL || path[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("tradecore.master_key_file is not set"),
				 errhint("Write 64 hex digits (openssl rand -hex 32) to a file readable only by the server's OS user and set tradecore.master_key_file to its path.")));
	fd = open(path, O_RDONLY | PG_BINARY, 0);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open master key file \"%s\": %m", path)));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("master key file \"%s\" is not a regular file", path)));
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
	{
		close(fd);
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("master key file \"%s\" has group or world access", path),
				 errdetail("The file must be readable only by the server's OS user."),
				 errhint("chmod 600 \"%s\"", path)));
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read master key file \"%s\": %m", path)));
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n != 2 * TC_AES_KEY_LEN)
	{
		OPENSSL_cleanse(buf, sizeof(buf));
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("master key file \"%s\" must hold exactly 64 hex digits", path)));
	}
	for (int i = 0; i < TC_AES_KEY_LEN; i++)
	{
		int			hi = hexval(buf[2 * i]);
		int			lo = hexval(buf[2 * i + 1]);

		if (hi < 0 || lo < 0)
		{
			OPENSSL_cleanse(buf, sizeof(buf));
			OPENSSL_cleanse(key, TC_AES_KEY_LEN);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIG_FILE_ERROR),
					 errmsg("master key file \"%s\" must hold exactly 64 hex digits", path)));
		}
		key[i] = (unsigned char) (hi << 4 | lo);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
}

bytea *
tc_seal_with_key(const unsigned char *key, const unsigned char *plain, size_t len,
				 const char *aad)
{
	EVP_CIPHER_CTX *ctx;
	bytea	   *out;
	unsigned char *p;
	int			n = 0,
				fin = 0;
	bool		ok;

	if (len > MaxAllocSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("secret too large to encrypt")));
	out = palloc(VARHDRSZ + TC_SEAL_HEADER + len);
	SET_VARSIZE(out, VARHDRSZ + TC_SEAL_HEADER + len);
	p = (unsigned char *) VARDATA(out);
	p[0] = TC_SEAL_VERSION;
	if (RAND_bytes(p + 1, TC_GCM_NONCE_LEN) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random nonce")));

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TC_GCM_NONCE_LEN, NULL) == 1 &&
		EVP_EncryptInit_ex(ctx, NULL, NULL, key, p + 1) == 1 &&
		EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *) aad, (int) strlen(aad)) == 1 &&
		EVP_EncryptUpdate(ctx, p + TC_SEAL_HEADER, &n, plain, (int) len) == 1 &&
		EVP_EncryptFinal_ex(ctx, p + TC_SEAL_HEADER + n, &fin) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TC_GCM_TAG_LEN,
							p + 1 + TC_GCM_NONCE_LEN) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("AES-256-GCM encryption failed")));
	return out;
}

unsigned char *
tc_open_with_key(const unsigned char *key, const bytea *sealed, const char *aad, size_t *len)
{
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(sealed);
	size_t		total = VARSIZE_ANY_EXHDR(sealed);
	size_t		clen;
	unsigned char *out;
	EVP_CIPHER_CTX *ctx;
	int			n = 0,
				fin = 0;
	bool		ok;

	if (total < TC_SEAL_HEADER || p[0] != TC_SEAL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("encrypted secret is malformed"),
				 errdetail("Expected a version %d sealed value of at least %d bytes.",
						   TC_SEAL_VERSION, TC_SEAL_HEADER)));
	clen = total - TC_SEAL_HEADER;
	out = palloc(clen + 1);

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, TC_GCM_NONCE_LEN, NULL) == 1 &&
		EVP_DecryptInit_ex(ctx, NULL, NULL, key, p + 1) == 1 &&
		EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *) aad, (int) strlen(aad)) == 1 &&
		EVP_DecryptUpdate(ctx, out, &n, p + TC_SEAL_HEADER, (int) clen) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TC_GCM_TAG_LEN,
							(void *) (p + 1 + TC_GCM_NONCE_LEN)) == 1 &&
		EVP_DecryptFinal_ex(ctx, out + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
	{
		OPENSSL_cleanse(out, clen + 1);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PASSWORD),
				 errmsg("could not decrypt secret: wrong key or tampered ciphertext"),
				 errdetail("AES-256-GCM authentication failed.")));
	}
	out[clen] = '\0';
	*len = clen;
	return out;
}

bytea *
tc_seal(const unsigned char *plain, size_t len, const char *aad)
{
	unsigned char key[TC_AES_KEY_LEN];
	bytea	   *volatile out = NULL;

	load_master_key(key);
	PG_TRY();
	{
		out = tc_seal_with_key(key, plain, len, aad);
	}
	PG_FINALLY();
	{
		OPENSSL_cleanse(key, sizeof(key));
	}
	PG_END_TRY();
	return out;
}

unsigned char *
tc_open(const bytea *sealed, const char *aad, size_t *len)
{
	unsigned char key[TC_AES_KEY_LEN];
	unsigned char *volatile out = NULL;

	load_master_key(key);
	PG_TRY();
	{
		out = tc_open_with_key(key, sealed, aad, len);
	}
	PG_FINALLY();
	{
		OPENSSL_cleanse(key, sizeof(key));
	}
	PG_END_TRY();
	return out;
}

static const unsigned char *
key_arg(bytea *k)
{
	if (VARSIZE_ANY_EXHDR(k) != TC_AES_KEY_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("AES-256-GCM key must be 32 bytes, got %zu",
						(size_t) VARSIZE_ANY_EXHDR(k))));
	return (const unsigned char *) VARDATA_ANY(k);
}

static bytea *
bytes_to_bytea(const unsigned char *p, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), p, len);
	return b;
}

PG_FUNCTION_INFO_V1(tc_aes_gcm_encrypt);
/* tradecore.aes_gcm_encrypt(plain bytea, key bytea, aad text) */
Datum
tc_aes_gcm_encrypt(PG_FUNCTION_ARGS)
{
	bytea	   *plain = PG_GETARG_BYTEA_PP(0);
	const unsigned char *key = key_arg(PG_GETARG_BYTEA_PP(1));
	char	   *aad = text_to_cstring(PG_GETARG_TEXT_PP(2));

	PG_RETURN_BYTEA_P(tc_seal_with_key(key, (unsigned char *) VARDATA_ANY(plain),
									   VARSIZE_ANY_EXHDR(plain), aad));
}

PG_FUNCTION_INFO_V1(tc_aes_gcm_decrypt);
/* tradecore.aes_gcm_decrypt(sealed bytea, key bytea, aad text) */
Datum
tc_aes_gcm_decrypt(PG_FUNCTION_ARGS)
{
	bytea	   *sealed = PG_GETARG_BYTEA_PP(0);
	const unsigned char *key = key_arg(PG_GETARG_BYTEA_PP(1));
	char	   *aad = text_to_cstring(PG_GETARG_TEXT_PP(2));
	size_t		len;
	unsigned char *plain = tc_open_with_key(key, sealed, aad, &len);

	PG_RETURN_BYTEA_P(bytes_to_bytea(plain, len));
}

PG_FUNCTION_INFO_V1(tc_seal_secret);
/* tradecore.seal_secret(secret text, purpose text): sealed under the master key */
Datum
tc_seal_secret(PG_FUNCTION_ARGS)
{
	text	   *secret = PG_GETARG_TEXT_PP(0);
	char	   *aad = text_to_cstring(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BYTEA_P(tc_seal((unsigned char *) VARDATA_ANY(secret),
							  VARSIZE_ANY_EXHDR(secret), aad));
}

PG_FUNCTION_INFO_V1(tc_open_secret);
/* tradecore.open_secret(sealed bytea, purpose text): the secret, for admins only */
Datum
tc_open_secret(PG_FUNCTION_ARGS)
{
	bytea	   *sealed = PG_GETARG_BYTEA_PP(0);
	char	   *aad = text_to_cstring(PG_GETARG_TEXT_PP(1));
	size_t		len;
	unsigned char *plain = tc_open(sealed, aad, &len);
	text	   *t = cstring_to_text_with_len((char *) plain, (int) len);

	OPENSSL_cleanse(plain, len);
	PG_RETURN_TEXT_P(t);
}
