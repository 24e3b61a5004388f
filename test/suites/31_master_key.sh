#!/usr/bin/env bash
# Secrets sealed under the master key read from tradecore.master_key_file: a clear error
# when the file is missing, has loose permissions or the wrong format; a round trip with
# the right key; refusal after the key changes; no access for roles without the grant.
set -euo pipefail
WORK=${TRADECORE_WORK:-/tmp}
key=$(mktemp -d "$WORK/tc-key.XXXXXX")
chown postgres "$key"; chmod 700 "$key"
fail=0
check() { if eval "$2"; then echo "ok - $1"; else echo "not ok - $1"; fail=1; fi; }
q() { runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -d tradecore -c "$1" 2>&1 || true; }
setkey() { q "ALTER SYSTEM SET tradecore.master_key_file = '$1'" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; sleep 0.3; }
cleanup() { q "ALTER SYSTEM RESET tradecore.master_key_file" >/dev/null; q "SELECT pg_reload_conf()" >/dev/null; rm -rf "$key"; }
trap cleanup EXIT

out=$(q "SELECT tradecore.seal_secret('s', 'binance:api_secret')")
check "without a key file: a clear error" 'grep -q "tradecore.master_key_file is not set" <<<"$out"'

setkey "$key/missing.key"
out=$(q "SELECT tradecore.seal_secret('s', 'binance:api_secret')")
check "a missing key file is an error naming the file" 'grep -q "could not open master key file" <<<"$out"'

python3 -c "import secrets; print(secrets.token_hex(32))" > "$key/master.key"; chown postgres "$key/master.key"; chmod 644 "$key/master.key"
setkey "$key/master.key"
out=$(q "SELECT tradecore.seal_secret('s', 'binance:api_secret')")
check "a key file readable by others is refused" 'grep -q "has group or world access" <<<"$out"'

chmod 600 "$key/master.key"
echo "short" > "$key/bad.key"; chown postgres "$key/bad.key"; chmod 600 "$key/bad.key"
setkey "$key/bad.key"
out=$(q "SELECT tradecore.seal_secret('s', 'binance:api_secret')")
check "a key file without 64 hex digits is refused" 'grep -q "must hold exactly 64 hex digits" <<<"$out"'

setkey "$key/master.key"
sealed=$(q "SELECT encode(tradecore.seal_secret('my-venue-secret', 'binance:api_secret'), 'hex')")
check "seal_secret works with a good key file" '[[ "$sealed" =~ ^01[0-9a-f]+$ ]]'
secret_hex=$(printf %s my-venue-secret | od -An -tx1 | tr -d " \n")
check "the sealed value does not contain the secret" '! grep -q "$secret_hex" <<<"$sealed"'
out=$(q "SELECT tradecore.open_secret(decode('$sealed', 'hex'), 'binance:api_secret')")
check "open_secret returns the secret with the same key and purpose" '[ "$out" = my-venue-secret ]'
out=$(q "SELECT tradecore.open_secret(decode('$sealed', 'hex'), 'kraken:api_secret')")
check "another purpose cannot open it" 'grep -q "wrong key or tampered ciphertext" <<<"$out"'

python3 -c "import secrets; print(secrets.token_hex(32))" > "$key/other.key"; chown postgres "$key/other.key"; chmod 600 "$key/other.key"
setkey "$key/other.key"
out=$(q "SELECT tradecore.open_secret(decode('$sealed', 'hex'), 'binance:api_secret')")
check "after the master key changes the old secret is refused" 'grep -q "wrong key or tampered ciphertext" <<<"$out"'

setkey "$key/master.key"
# exchange credentials: stored sealed, readable back by admins only
q "INSERT INTO tradecore.exchanges (code, name, kind, enabled) VALUES ('t31venue', 'suite venue', 'live', false) ON CONFLICT DO NOTHING" >/dev/null
cid=$(q "SELECT tradecore.store_credentials('t31venue', 'AKIA-key-1234', 'super-secret-value', 'pass-phrase')")
check "store_credentials stores a row" '[[ "$cid" =~ ^[0-9]+$ ]]'
row=$(q "SELECT api_key_hint || ' ' || length(secret_nonce) || ' ' || length(secret_tag) || ' ' || (position(convert_to('super-secret-value', 'UTF8') IN secret_ciphertext) = 0) FROM tradecore.exchange_credentials WHERE id = $cid")
check "the row holds a 4-character hint, a 12-byte nonce, a 16-byte tag and no plaintext" '[ "$row" = "1234 12 16 true" ]'
out=$(q "SELECT tradecore.credentials('t31venue')->>'api_secret'")
check "credentials() opens it for an admin" '[ "$out" = super-secret-value ]'
q "UPDATE tradecore.exchange_credentials SET secret_tag = set_byte(secret_tag, 0, get_byte(secret_tag, 0) # 1) WHERE id = $cid" >/dev/null
out=$(q "SELECT tradecore.credentials('t31venue')")
check "a tampered stored credential is refused" 'grep -q "wrong key or tampered ciphertext" <<<"$out"'
q "DROP ROLE IF EXISTS tc_suite_viewer; CREATE ROLE tc_suite_viewer LOGIN; GRANT USAGE ON SCHEMA tradecore TO tc_suite_viewer" >/dev/null
out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -U tc_suite_viewer -d tradecore \
      -c "SELECT tradecore.open_secret(decode('$sealed', 'hex'), 'binance:api_secret')" 2>&1 || true)
check "a role without the grant cannot call open_secret" 'grep -q "permission denied for function open_secret" <<<"$out"'
out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -U tc_suite_viewer -d tradecore \
      -c "SHOW tradecore.master_key_file" 2>&1 || true)
check "a role without superuser cannot even see the key file's path" 'grep -q "must be superuser\|permission denied\|must have privileges" <<<"$out"'
for r in tradecore_viewer tradecore_operator tradecore_agent; do
  q "GRANT $r TO tc_suite_viewer" >/dev/null
  out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -U tc_suite_viewer -d tradecore \
        -c "SET ROLE $r" -c "SELECT secret_ciphertext FROM tradecore.exchange_credentials" 2>&1 || true)
  check "$r cannot read exchange_credentials" 'grep -q "permission denied" <<<"$out"'
  out=$(runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" psql -qAtX -U tc_suite_viewer -d tradecore \
        -c "SET ROLE $r" -c "SELECT tradecore.credentials('t31venue')" 2>&1 || true)
  check "$r cannot call credentials()" 'grep -q "permission denied" <<<"$out"'
  q "REVOKE $r FROM tc_suite_viewer" >/dev/null
done
q "DELETE FROM tradecore.exchanges WHERE code = 't31venue'" >/dev/null
q "DROP ROLE tc_suite_viewer" >/dev/null
exit $fail
