#!/usr/bin/env bash
# Runs every bench/NN_*.sh against a throwaway cluster and prints, for each figure,
# the rate beside a baseline measured in the same run and their ratio.
#   bash bench/run.sh            all benchmarks
#   bash bench/run.sh 10_foo     only those whose file name starts with 10_foo
# BENCH_CLUSTER / BENCH_PORT / BENCH_BRIDGE_PORT pick another cluster (default bench,
# 54350, 54351) so that several worktrees can benchmark at once.  The test lock is held
# only while building and installing: a started cluster keeps the library it loaded.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bash scripts/deps.sh
bash scripts/reserve_ports.sh
cluster=${BENCH_CLUSTER:-bench}
export TRADECORE_BENCH_BRIDGE_PORT=${BENCH_BRIDGE_PORT:-54351}
exec 9>/var/lock/tradecore-test.lock; flock 9
bash scripts/build.sh
trap 'bash scripts/cluster.sh stop "$cluster" >/dev/null 2>&1 || true' EXIT
TRADECORE_BRIDGE_PORT=${BENCH_BRIDGE_PORT:-54351} bash scripts/cluster.sh start "$cluster" "${BENCH_PORT:-54350}"
eval "$(bash scripts/cluster.sh env "$cluster")"
export PGHOST PGPORT TRADECORE_ROOT="$ROOT"
source bench/lib.sh
# CREATE EXTENSION loads the installed files, so it must happen before the lock is released
bq -c "CREATE EXTENSION IF NOT EXISTS tradecore" >/dev/null
flock -u 9; exec 9>&-
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m); $(date -u +%FT%TZ)"
for b in bench/[0-9]*.sh; do
  case "$(basename "$b")" in ${1:-}*) ;; *) continue ;; esac
  echo "---- $(basename "$b" .sh)"
  bash "$b"
done
