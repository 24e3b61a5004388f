-- AES-256-GCM sealing of secrets (OpenSSL EVP): round trip, fresh nonces, and refusal of
-- a wrong key, another purpose (aad), tampered or truncated ciphertexts.
\set k1 '\'\\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\'::bytea'
\set k2 '\'\\x1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100\'::bytea'
CREATE TEMP TABLE sealed AS
SELECT tradecore.aes_gcm_encrypt(convert_to('my-api-secret', 'UTF8'), :k1, 'binance:api_secret') AS s;
SELECT length(s) = 1 + 12 + 16 + length('my-api-secret') AS layout_is_version_nonce_tag_ciphertext,
       get_byte(s, 0) AS version,
       position(convert_to('my-api-secret', 'UTF8') IN s) = 0 AS plaintext_not_visible
  FROM sealed;
SELECT convert_from(tradecore.aes_gcm_decrypt(s, :k1, 'binance:api_secret'), 'UTF8') AS round_trip FROM sealed;
-- a fresh random nonce each time: the same secret never seals to the same bytes
SELECT tradecore.aes_gcm_encrypt('\x00'::bytea, :k1, 'a') <> tradecore.aes_gcm_encrypt('\x00'::bytea, :k1, 'a') AS nonces_differ;
-- wrong key, other purpose
SELECT tradecore.aes_gcm_decrypt(s, :k2, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_decrypt(s, :k1, 'kraken:api_secret') FROM sealed;
-- one flipped bit in the nonce, the tag, or the ciphertext
SELECT tradecore.aes_gcm_decrypt(set_byte(s, 5, get_byte(s, 5) # 1), :k1, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_decrypt(set_byte(s, 20, get_byte(s, 20) # 1), :k1, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_decrypt(set_byte(s, 30, get_byte(s, 30) # 128), :k1, 'binance:api_secret') FROM sealed;
-- truncated, empty, wrong version, wrong key length
SELECT tradecore.aes_gcm_decrypt(substring(s FROM 1 FOR length(s) - 1), :k1, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_decrypt(substring(s FROM 1 FOR 10), :k1, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_decrypt(set_byte(s, 0, 2), :k1, 'binance:api_secret') FROM sealed;
SELECT tradecore.aes_gcm_encrypt('\x00'::bytea, '\x0001'::bytea, 'a');
-- an empty secret is still authenticated
SELECT length(tradecore.aes_gcm_decrypt(tradecore.aes_gcm_encrypt(''::bytea, :k1, 'x'), :k1, 'x')) AS empty_round_trip;
-- the sealing functions are not for PUBLIC
CREATE ROLE tc_regress_nobody NOLOGIN;
GRANT USAGE ON SCHEMA tradecore TO tc_regress_nobody;
SET ROLE tc_regress_nobody;
SELECT tradecore.aes_gcm_decrypt('\x01'::bytea, :k1, 'binance:api_secret');
SELECT tradecore.open_secret('\x00'::bytea, 'x');
SELECT tradecore.sign_request('binance', 'secret', 'GET', '/', 'a=1', NULL);
RESET ROLE;
REVOKE USAGE ON SCHEMA tradecore FROM tc_regress_nobody;
DROP ROLE tc_regress_nobody;
-- no master key file configured in the test cluster: a clear error, no fallback key
SELECT tradecore.seal_secret('x', 'y');
