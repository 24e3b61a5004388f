#!/usr/bin/env bash
# The cost of one call into the tradecore library from SQL, against one call into a core
# PostgreSQL C function over the same rows: both STABLE, so both run once per row (an
# IMMUTABLE call would be folded to a constant at plan time).  A ratio near 1 says the
# library adds nothing to the fmgr call every SQL-callable C function pays.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=2000000
c=$(sql_ms "SELECT tradecore.is_preloaded() FROM generate_series(1, $n)")
b=$(sql_ms "SELECT pg_catalog.pg_backend_pid() FROM generate_series(1, $n)")
report "C call tradecore.is_preloaded()" calls $n "$c" "core C call pg_backend_pid()" "$b"
