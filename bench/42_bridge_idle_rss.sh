#!/usr/bin/env bash
# Memory of the bridge worker with 1,000 idle WebSocket clients, against the same worker with
# none (measured in the same run).  VmRSS counts the shared buffers the process has touched;
# RssAnon is its private memory.
set -euo pipefail
source "$TRADECORE_ROOT/bench/lib.sh"
source "$TRADECORE_ROOT/bench/bridge_setup.sh"
N=${BENCH_IDLE_CLIENTS:-1000}
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$BRIDGE_PID/status"; }
base_rss=$(rss VmRSS); base_anon=$(rss RssAnon); base_shm=$(rss RssShmem)
fifo=$(mktemp -u); mkfifo "$fifo"
node "$TRADECORE_ROOT/bench/bridge_clients.mjs" idle "$N" <"$fifo" >"$fifo.out" &
pid=$!
exec 7>"$fifo"
for _ in $(seq 1 300); do grep -q ready "$fifo.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$fifo.out" || { echo "bench: $N clients did not connect" >&2; exec 7>&-; exit 1; }
sleep 1
clients=$(curl -sf "http://127.0.0.1:$BR_PORT/healthz" | sed -n 's/.*"clients":\([0-9]*\).*/\1/p')
rss_n=$(rss VmRSS); anon_n=$(rss RssAnon); shm_n=$(rss RssShmem)
exec 7>&-; wait $pid; rm -f "$fifo" "$fifo.out"
printf "%-44s VmRSS %8.1f MB  RssAnon %8.1f MB   baseline (0 clients) VmRSS %8.1f MB  RssAnon %8.1f MB   ratio %.2fx\n" \
  "bridge with $clients idle clients" "$(awk -v k="$rss_n" 'BEGIN{print k/1024}')" "$(awk -v k="$anon_n" 'BEGIN{print k/1024}')" \
  "$(awk -v k="$base_rss" 'BEGIN{print k/1024}')" "$(awk -v k="$base_anon" 'BEGIN{print k/1024}')" \
  "$(awk -v a="$rss_n" -v b="$base_rss" 'BEGIN{print a/b}')"
printf "%-44s %8.1f MB with clients, %8.1f MB without (PostgreSQL shared memory the worker touched, shared with every backend)\n" \
  "of VmRSS, RssShmem" "$(awk -v k="$shm_n" 'BEGIN{print k/1024}')" "$(awk -v k="$base_shm" 'BEGIN{print k/1024}')"
printf "%-44s %8.1f kB per client (RssAnon)\n" "private memory per idle client" "$(awk -v a="$anon_n" -v b="$base_anon" -v n="$clients" 'BEGIN{print (a-b)/n}')"
