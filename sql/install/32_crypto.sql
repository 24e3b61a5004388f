-- 32_crypto.sql: AES-256-GCM sealing of exchange secrets (OpenSSL), master key outside the database.

CREATE FUNCTION tradecore.aes_gcm_encrypt(plain bytea, key bytea, aad text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'tc_aes_gcm_encrypt'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.aes_gcm_encrypt(bytea, bytea, text) IS
    'AES-256-GCM with a fresh random nonce: version || nonce || tag || ciphertext. aad binds the ciphertext to its purpose.';
REVOKE ALL ON FUNCTION tradecore.aes_gcm_encrypt(bytea, bytea, text) FROM PUBLIC;

CREATE FUNCTION tradecore.aes_gcm_decrypt(sealed bytea, key bytea, aad text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'tc_aes_gcm_decrypt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION tradecore.aes_gcm_decrypt(bytea, bytea, text) IS
    'Opens a value sealed by aes_gcm_encrypt; a wrong key, other aad or any tampered byte raises SQLSTATE 28P01.';
REVOKE ALL ON FUNCTION tradecore.aes_gcm_decrypt(bytea, bytea, text) FROM PUBLIC;

CREATE FUNCTION tradecore.seal_secret(secret text, purpose text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'tc_seal_secret'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.seal_secret(text, text) IS
    'Encrypts a secret under the master key read from tradecore.master_key_file (never stored in the database).';
REVOKE ALL ON FUNCTION tradecore.seal_secret(text, text) FROM PUBLIC;

CREATE FUNCTION tradecore.open_secret(sealed bytea, purpose text)
RETURNS text
AS 'MODULE_PATHNAME', 'tc_open_secret'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION tradecore.open_secret(bytea, text) IS
    'Decrypts a secret sealed by seal_secret with the same purpose; superuser only (EXECUTE revoked from PUBLIC).';
REVOKE ALL ON FUNCTION tradecore.open_secret(bytea, text) FROM PUBLIC;
