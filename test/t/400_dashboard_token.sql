-- Dashboard tokens: issue, verify, refusals; the key is not readable by others.
BEGIN;
SELECT plan(14);

CREATE ROLE tc_t400_viewer NOLOGIN;
CREATE ROLE tc_t400_other NOLOGIN;
CREATE ROLE tc_t400_issuer NOLOGIN IN ROLE tc_t400_viewer;
CREATE ROLE tc_t400_bypass NOLOGIN BYPASSRLS;

SELECT matches(tradecore.issue_dashboard_token('tc_t400_viewer', '1 hour'), '^tc1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$',
    'a token is tc1.<payload>.<HMAC-SHA256>, base64url');
SELECT is((tradecore.verify_dashboard_token(tradecore.issue_dashboard_token('tc_t400_viewer', '1 hour'))).role,
    'tc_t400_viewer'::name, 'verify returns the role');
SELECT cmp_ok((tradecore.verify_dashboard_token(tradecore.issue_dashboard_token('tc_t400_viewer', '10 minutes'))).expires_at,
    '<=', now() + interval '10 minutes' + interval '1 second', 'and the expiry');
SELECT isnt(tradecore.issue_dashboard_token('tc_t400_viewer'), tradecore.issue_dashboard_token('tc_t400_viewer'),
    'two tokens differ (random nonce)');

SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('tc_t400_viewer', '0 seconds')$$, '22023', NULL, 'zero lifetime refused');
SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('tc_t400_viewer', '8 days')$$, '22023', NULL, 'over 7 days refused');
SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('no_such_role_t400')$$, '42704', NULL, 'unknown role refused');
SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('postgres')$$, '42501', NULL, 'superuser role refused');
SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('tc_t400_bypass')$$, '42501', NULL, 'BYPASSRLS role refused');

SELECT throws_ok($$SELECT tradecore.verify_dashboard_token('tc1.abc.def')$$, '28000', 'malformed dashboard token', 'malformed token refused');
SELECT throws_ok(format($$SELECT tradecore.verify_dashboard_token(%L)$$,
    regexp_replace(tradecore.issue_dashboard_token('tc_t400_viewer'), '.....$', 'AAAAA')),
    '28000', 'dashboard token signature does not match', 'altered signature refused');

GRANT USAGE ON SCHEMA tradecore TO tc_t400_issuer;
SET LOCAL ROLE tc_t400_issuer;
SELECT lives_ok($$SELECT tradecore.issue_dashboard_token('tc_t400_viewer')$$, 'a member may issue for its role');
SELECT throws_ok($$SELECT tradecore.issue_dashboard_token('tc_t400_other')$$, '42501', NULL,
    'but not for a role it is not a member of');
SELECT throws_ok($$SELECT key FROM tradecore.dashboard_keys$$, '42501', NULL, 'the key is not readable');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
