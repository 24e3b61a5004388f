#!/usr/bin/env bash
# Emit-to-client latency through the bridge: 1,000 events/s (one per committed transaction,
# paced by one session) for 5 s to 100 connected WebSocket clients, p50/p99 over every
# (event, client) pair; the baseline is the same load with 1 client.  Loopback, bounded.
set -euo pipefail
source "$TRADECORE_ROOT/bench/lib.sh"
source "$TRADECORE_ROOT/bench/bridge_setup.sh"
RATE=${BENCH_RATE:-1000}; SECS=${BENCH_SECONDS:-5}

run() {  # run CLIENTS -> JSON line
  local fifo; fifo=$(mktemp -u); mkfifo "$fifo"
  node "$TRADECORE_ROOT/bench/bridge_clients.mjs" latency "$1" <"$fifo" >"$fifo.out" &
  local pid=$!
  exec 7>"$fifo"
  for _ in $(seq 1 100); do grep -q ready "$fifo.out" 2>/dev/null && break; sleep 0.1; done
  emit_at "$RATE" "$SECS"
  sleep 0.5
  exec 7>&-
  wait $pid
  tail -1 "$fifo.out"; rm -f "$fifo" "$fifo.out"
}
one=$(run 1)
hundred=$(run 100)
field() { sed -n "s/.*\"$2\":\([0-9.e-]*\).*/\1/p" <<<"$1"; }
printf "%-52s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%s of %s deliveries)\n" \
  "latency, $RATE ev/s, 100 clients" "$(field "$hundred" p50_ms)" "$(field "$hundred" p99_ms)" "$(field "$hundred" max_ms)" "$(field "$hundred" n)" "$((RATE * SECS * 100))"
printf "%-52s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%s of %s deliveries)\n" \
  "baseline: same load, 1 client" "$(field "$one" p50_ms)" "$(field "$one" p99_ms)" "$(field "$one" max_ms)" "$(field "$one" n)" "$((RATE * SECS))"
awk -v a="$(field "$hundred" p50_ms)" -v b="$(field "$one" p50_ms)" -v c="$(field "$hundred" p99_ms)" -v d="$(field "$one" p99_ms)" \
  'BEGIN { printf "%-52s p50 %.2fx  p99 %.2fx   (targets: p50 < 2 ms, p99 < 10 ms)\n", "ratio 100 clients / 1 client", a / b, c / d }'
