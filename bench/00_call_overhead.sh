#!/usr/bin/env bash
# The cost of one call into the tradecore library from SQL, against a SQL constant
# expression over the same rows.  It is the floor every SQL-callable C function pays.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=2000000
c=$(sql_ms "SELECT tradecore.version() FROM generate_series(1, $n)")
b=$(sql_ms "SELECT '0.1.0'::text FROM generate_series(1, $n)")
report "C call tradecore.version()" calls $n "$c" "SQL constant" "$b"
