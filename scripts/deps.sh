#!/usr/bin/env bash
# Installs every system dependency tradecore needs on Debian 12, only when missing.
# Idempotent: a second run with everything present does no network I/O.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  postgresql-15 postgresql-client-15 postgresql-server-dev-15
  postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
  libcurl4-openssl-dev libssl-dev libpq-dev curl
  python3 python3-numpy
  util-linux procps
  nodejs npm
)
# Browser tests: Debian's Chromium (npm packages never download their own browser here).
# The main job (scripts/run.sh) needs node and npm to build the dashboard, not the browser.
if [ "${TRADECORE_WITH_BROWSER:-1}" = 1 ]; then
  PKGS+=(chromium)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node/npm may come from outside Debian (nodesource, nvm): accept any working binaries.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/#nodejs/}"); missing=("${missing[@]/#npm/}")
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done

if [ "${#filtered[@]}" -gt 0 ]; then
  echo "deps: installing ${filtered[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to apt-get install: ${filtered[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${filtered[@]}" >/dev/null
else
  echo "deps: all system packages present"
fi
