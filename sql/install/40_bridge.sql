-- 40_bridge.sql: the AG-UI bridge's SQL side: the dashboard token key and the token functions.
-- The bridge worker itself (bgworkers/bridge*.c) reads tradecore.events; see docs/bridge.md.

CREATE TABLE tradecore.dashboard_keys (
    id          smallint PRIMARY KEY CHECK (id = 1),
    key         bytea NOT NULL CHECK (length(key) = 32),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tradecore.dashboard_keys IS
    'The HMAC-SHA256 key that signs dashboard tokens (one row). Readable only by the extension owner; rotate with tradecore.rotate_dashboard_key().';
COMMENT ON COLUMN tradecore.dashboard_keys.id IS 'Always 1: there is one current key.';
COMMENT ON COLUMN tradecore.dashboard_keys.key IS '32 random bytes (pg_strong_random); the HMAC-SHA256 key of every dashboard token.';
COMMENT ON COLUMN tradecore.dashboard_keys.created_at IS 'When the key was generated; tokens issued before a rotation stop working.';
REVOKE ALL ON tradecore.dashboard_keys FROM PUBLIC;
-- administrators may read and rotate it; nobody else (operators, agents, viewers) may read it
GRANT SELECT, INSERT, UPDATE ON tradecore.dashboard_keys TO tradecore_admin;

CREATE FUNCTION tradecore.rotate_dashboard_key() RETURNS void
    AS 'MODULE_PATHNAME', 'tradecore_rotate_dashboard_key'
    LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION tradecore.rotate_dashboard_key() IS
    'Replaces the dashboard token key with 32 fresh random bytes; every token issued before stops working.';
REVOKE ALL ON FUNCTION tradecore.rotate_dashboard_key() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tradecore.rotate_dashboard_key() TO tradecore_admin;

SELECT tradecore.rotate_dashboard_key();

CREATE FUNCTION tradecore.issue_dashboard_token(role name, ttl interval DEFAULT interval '1 hour')
RETURNS text
    AS 'MODULE_PATHNAME', 'tradecore_issue_dashboard_token'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tradecore.issue_dashboard_token(name, interval) IS
    'A token for the bridge (WebSocket, AG-UI HTTP, dashboard) acting as ROLE for TTL (1 s .. 7 days). The caller must be a member of ROLE; superuser and BYPASSRLS roles are refused, since row-level security decides what a client sees.';

CREATE FUNCTION tradecore.verify_dashboard_token(token text, OUT role name, OUT expires_at timestamptz)
    AS 'MODULE_PATHNAME', 'tradecore_verify_dashboard_token'
    LANGUAGE C VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION tradecore.verify_dashboard_token(text) IS
    'The role and expiry of a valid dashboard token; raises an error saying why an invalid one is refused (the bridge applies the same checks).';
