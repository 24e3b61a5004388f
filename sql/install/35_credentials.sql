-- 35_credentials.sql: exchange API credentials sealed with AES-256-GCM under the master
-- key (tradecore.master_key_file, outside the database).  The sealed value's parts go to
-- exchange_credentials' nonce, tag and ciphertext columns; the additional authenticated
-- data binds them to their venue and label, so a row copied elsewhere does not open.

CREATE FUNCTION tradecore.store_credentials(exchange text, api_key text, api_secret text,
                                            passphrase text DEFAULT NULL, label text DEFAULT 'default')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_role   name := tradecore.calling_role();
    v_ex     integer;
    v_sealed bytea;
    v_id     bigint;
BEGIN
    IF NOT (coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = v_role), false)
            OR pg_has_role(v_role, 'tradecore_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'only tradecore_admin may store exchange credentials' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT e.id INTO v_ex FROM tradecore.exchanges e WHERE e.code = store_credentials.exchange;
    IF v_ex IS NULL THEN
        RAISE EXCEPTION 'unknown exchange "%"', store_credentials.exchange USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(store_credentials.api_key, '') = '' OR coalesce(store_credentials.api_secret, '') = '' THEN
        RAISE EXCEPTION 'api_key and api_secret must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_sealed := tradecore.seal_secret(
        jsonb_build_object('api_key', store_credentials.api_key, 'api_secret', store_credentials.api_secret,
                           'passphrase', store_credentials.passphrase)::text,
        'exchange_credentials:' || v_ex || ':' || store_credentials.label);
    INSERT INTO tradecore.exchange_credentials AS c
           (exchange_id, label, api_key_hint, secret_ciphertext, secret_nonce, secret_tag, key_version, active)
    VALUES (v_ex, store_credentials.label, right(store_credentials.api_key, 4),
            substring(v_sealed FROM 30), substring(v_sealed FROM 2 FOR 12), substring(v_sealed FROM 14 FOR 16), 1, true)
    ON CONFLICT ON CONSTRAINT exchange_credentials_exchange_id_label_key DO UPDATE
       SET api_key_hint = EXCLUDED.api_key_hint, secret_ciphertext = EXCLUDED.secret_ciphertext,
           secret_nonce = EXCLUDED.secret_nonce, secret_tag = EXCLUDED.secret_tag,
           key_version = EXCLUDED.key_version, active = true
    RETURNING c.id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION tradecore.store_credentials(text, text, text, text, text) IS
    'Stores (or rotates) a venue''s API key, secret and passphrase sealed with AES-256-GCM under the master key; tradecore_admin only.';
REVOKE ALL ON FUNCTION tradecore.store_credentials(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.store_credentials(text, text, text, text, text) TO tradecore_admin;

CREATE FUNCTION tradecore.credentials(exchange text, label text DEFAULT 'default') RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_role name := tradecore.calling_role();
    c      tradecore.exchange_credentials;
BEGIN
    IF NOT (coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = v_role), false)
            OR pg_has_role(v_role, 'tradecore_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'only tradecore_admin may read exchange credentials' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT x.* INTO c FROM tradecore.exchange_credentials x JOIN tradecore.exchanges e ON e.id = x.exchange_id
     WHERE e.code = credentials.exchange AND x.label = credentials.label AND x.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active credentials for exchange "%" label "%"', credentials.exchange, credentials.label
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN tradecore.open_secret('\x01'::bytea || c.secret_nonce || c.secret_tag || c.secret_ciphertext,
                                 'exchange_credentials:' || c.exchange_id || ':' || c.label)::jsonb;
END
$$;
COMMENT ON FUNCTION tradecore.credentials(text, text) IS
    'The decrypted key material of a venue (api_key, api_secret, passphrase); tradecore_admin only, for signing requests.';
REVOKE ALL ON FUNCTION tradecore.credentials(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.credentials(text, text) TO tradecore_admin;
