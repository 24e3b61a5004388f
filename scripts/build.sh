#!/usr/bin/env bash
# Builds and installs the extension into the system PostgreSQL 15 (needs root for install).
set -euo pipefail
cd "$(dirname "$0")/.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" PG_CONFIG="$PG_CONFIG"
make -s install PG_CONFIG="$PG_CONFIG" >/dev/null
echo "build: tradecore $(sed -n "s/^default_version = '\(.*\)'/\1/p" tradecore.control) installed into $("$PG_CONFIG" --pkglibdir)"
