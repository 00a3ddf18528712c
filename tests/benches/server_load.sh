#!/usr/bin/env bash
# Load benchmark of the generated server (not a test): POST /checkout_sessions (create session,
# API-Version 2026-04-17) against two servers built from tests/examples/bench_server.rs:
#
#   bare  a plain axum route answering 201 with the fixed session JSON (no parsing, no rules)
#   full  the generated checkout router + a trivial merchant behind AcpServer (bearer auth,
#         API-Version, idempotency in a MemoryStore, request parsing and validation)
#
# and prints requests/s and p99 latency of each, and the ratios full/bare.
#
# Every request carries a unique Idempotency-Key (wrk + server_load.lua), so the full stack
# creates a session each time instead of replaying one. A run with any response other than a
# fresh 201, or any socket error, is reported INVALID and the script exits 1.
#
# Usage: tests/benches/server_load.sh
# Environment (all optional):
#   BENCH_DURATION=10      seconds of measured load per mode
#   BENCH_WARMUP=2         seconds of unmeasured load before it (0: none)
#   BENCH_THREADS=2        load generator threads
#   BENCH_CONNECTIONS=32   open connections
#   BENCH_PORT=18471       loopback port of the server
#   BENCH_MODES="bare full"
#   TOKIO_WORKER_THREADS   server worker threads (tokio's default: one per CPU)
#
# Needs wrk (installed with apt-get when missing and running as root); without it, falls back
# to oha (cargo install oha --locked), which cannot vary headers per request: every request
# then shares one Idempotency-Key and the full mode measures idempotent replays instead.
set -euo pipefail

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PORT=${BENCH_PORT:-18471}
MODES=${BENCH_MODES:-bare full}
TOKEN=sk_bench_$$
HOST=127.0.0.1

for value in "$DURATION" "$WARMUP" "$THREADS" "$CONNECTIONS" "$PORT"; do
  [[ $value =~ ^[0-9]+$ ]] || { echo "server_load: not a number: $value" >&2; exit 2; }
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_server
WORK=$(mktemp -d)
SERVER_PID=""

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "server_load: $*" >&2; }

# --- the load generator --------------------------------------------------------------------
TOOL=""
if command -v wrk >/dev/null; then
  TOOL=wrk
elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  log "installing wrk (apt-get)"
  if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
    >"$WORK/apt.log" 2>&1 && command -v wrk >/dev/null; then
    TOOL=wrk
  else
    log "apt-get install wrk failed (see below); trying oha"
    tail -n 5 "$WORK/apt.log" >&2 || true
  fi
fi
if [[ -z $TOOL ]]; then
  if ! command -v oha >/dev/null; then
    log "installing oha (cargo install oha --locked)"
    cargo install oha --locked
  fi
  command -v oha >/dev/null || { log "no load generator (wrk or oha) available"; exit 1; }
  command -v jq >/dev/null || command -v python3 >/dev/null \
    || { log "oha's JSON report needs jq or python3"; exit 1; }
  TOOL=oha
fi

# --- the server ------------------------------------------------------------------------------
log "building bench_server (release)"
(cd "$ROOT" && cargo build --release --quiet -p acp-e2e --example bench_server)
[[ -x $BIN ]] || { log "no binary at $BIN"; exit 1; }
"$BIN" --print-request >"$WORK/body.json"

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

start_server() {
  local mode=$1
  if port_open; then
    log "$HOST:$PORT is already in use (set BENCH_PORT)"
    exit 1
  fi
  "$BIN" --mode "$mode" --port "$PORT" --token "$TOKEN" 2>"$WORK/server-$mode.log" &
  SERVER_PID=$!
  local tries
  for ((tries = 0; tries < 300; tries++)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "the $mode server exited:"
      cat "$WORK/server-$mode.log" >&2
      SERVER_PID=""
      exit 1
    fi
    port_open && return 0
    sleep 0.1
  done
  log "the $mode server did not accept connections within 30 s"
  exit 1
}

# --- one load run: sets R_RPS R_P99_MS R_P50_MS R_REQUESTS R_PROBLEMS ---------------------------
run_wrk() { # mode seconds
  local mode=$1 seconds=$2
  BENCH_BODY_FILE="$WORK/body.json" BENCH_TOKEN="$TOKEN" BENCH_VERSION=2026-04-17 \
    BENCH_KEY_PREFIX="bench-$$-$mode-$seconds-$RANDOM" \
    timeout --kill-after=5 $((seconds + 60)) \
    wrk --threads "$THREADS" --connections "$CONNECTIONS" --duration "${seconds}s" \
    --timeout 10s --latency --script "$BENCH_DIR/server_load.lua" "http://$HOST:$PORT" \
    >"$WORK/wrk-$mode.out" 2>&1 || { cat "$WORK/wrk-$mode.out" >&2; return 1; }
  local line
  line=$(grep '^BENCH ' "$WORK/wrk-$mode.out" | tail -n 1) \
    || { cat "$WORK/wrk-$mode.out" >&2; return 1; }
  local -A r=()
  local pair pairs
  read -ra pairs <<<"${line#BENCH }"
  for pair in "${pairs[@]}"; do r[${pair%%=*}]=${pair#*=}; done
  R_REQUESTS=${r[requests]}
  R_RPS=${r[rps]}
  R_P50_MS=$(awk -v us="${r[p50_us]}" 'BEGIN { printf "%.3f", us / 1000 }')
  R_P99_MS=$(awk -v us="${r[p99_us]}" 'BEGIN { printf "%.3f", us / 1000 }')
  R_PROBLEMS=""
  [[ ${r[requests]} -gt 0 ]] || R_PROBLEMS+=" no-requests"
  [[ ${r[non201]} -eq 0 ]] || R_PROBLEMS+=" non-201=${r[non201]}"
  [[ ${r[replayed]} -eq 0 ]] || R_PROBLEMS+=" replayed=${r[replayed]}"
  local kind
  for kind in connect_errors read_errors write_errors timeouts; do
    [[ ${r[$kind]} -eq 0 ]] || R_PROBLEMS+=" $kind=${r[$kind]}"
  done
  if grep -q '^BENCH_FIRST_BAD ' "$WORK/wrk-$mode.out"; then
    log "$mode: first bad response: $(grep '^BENCH_FIRST_BAD ' "$WORK/wrk-$mode.out" | head -n 1)"
  fi
}

run_oha() { # mode seconds
  local mode=$1 seconds=$2 report
  report="$WORK/oha-$mode.json"
  # Older oha spells it --json, newer --output-format json.
  local format=(--output-format json)
  oha --help 2>&1 | grep -q -- '--output-format' || format=(--json)
  timeout --kill-after=5 $((seconds + 60)) \
    oha --no-tui "${format[@]}" -z "${seconds}s" -c "$CONNECTIONS" -m POST \
    -H "Authorization: Bearer $TOKEN" -H "API-Version: 2026-04-17" \
    -H "Content-Type: application/json" -H "Idempotency-Key: bench-$$-$mode-$RANDOM" \
    -D "$WORK/body.json" "http://$HOST:$PORT/checkout_sessions" >"$report" \
    || { cat "$report" >&2; return 1; }
  local fields
  if command -v jq >/dev/null; then
    fields=$(jq -r '[(.summary.requestsPerSec), (.latencyPercentiles.p50 // 0),
      (.latencyPercentiles.p99 // 0),
      ([.statusCodeDistribution | to_entries[] | .value] | add // 0),
      ((.statusCodeDistribution["201"]) // 0),
      ([.errorDistribution | to_entries[] | .value] | add // 0)] | @tsv' "$report")
  else
    fields=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get("statusCodeDistribution") or {}
p = r.get("latencyPercentiles") or {}
print("\t".join(str(x) for x in [r["summary"]["requestsPerSec"], p.get("p50") or 0,
      p.get("p99") or 0, sum(codes.values()), codes.get("201", 0),
      sum((r.get("errorDistribution") or {}).values())]))' "$report")
  fi
  local rps p50 p99 total created errors
  IFS=$'\t' read -r rps p50 p99 total created errors <<<"$fields"
  R_REQUESTS=$total
  R_RPS=$(awk -v x="$rps" 'BEGIN { printf "%.1f", x }')
  R_P50_MS=$(awk -v s="$p50" 'BEGIN { printf "%.3f", s * 1000 }')
  R_P99_MS=$(awk -v s="$p99" 'BEGIN { printf "%.3f", s * 1000 }')
  R_PROBLEMS=""
  [[ $total -gt 0 ]] || R_PROBLEMS+=" no-requests"
  [[ $created -eq $total ]] || R_PROBLEMS+=" non-201=$((total - created))"
  [[ $errors -eq 0 ]] || R_PROBLEMS+=" errors=$errors"
}

run_load() { if [[ $TOOL == wrk ]]; then run_wrk "$@"; else run_oha "$@"; fi; }

# --- the benchmark ---------------------------------------------------------------------------
log "load generator: $TOOL; $DURATION s per mode (after ${WARMUP} s warm-up), $THREADS threads," \
  "$CONNECTIONS connections, $HOST:$PORT, $(nproc) CPUs shared by server and load generator"
[[ $TOOL == wrk ]] || log "NOTE: oha sends one Idempotency-Key with every request:" \
  "the full mode measures idempotent replays, not session creation"

declare -A RPS=() P99=() P50=() REQS=() STATUS=()
INVALID=0
for mode in $MODES; do
  case $mode in full | bare) ;; *) log "unknown mode: $mode"; exit 2 ;; esac
  start_server "$mode"
  if [[ $WARMUP -gt 0 ]]; then
    log "$mode: warm-up ${WARMUP} s"
    run_load "$mode" "$WARMUP"
    [[ -z $R_PROBLEMS ]] || log "$mode: warm-up problems:$R_PROBLEMS"
  fi
  log "$mode: measuring ${DURATION} s"
  run_load "$mode" "$DURATION"
  stop_server
  RPS[$mode]=$R_RPS
  P99[$mode]=$R_P99_MS
  P50[$mode]=$R_P50_MS
  REQS[$mode]=$R_REQUESTS
  if [[ -n $R_PROBLEMS ]]; then
    STATUS[$mode]="INVALID:$R_PROBLEMS"
    INVALID=1
  else
    STATUS[$mode]=ok
  fi
done

echo
echo "server_load: POST /checkout_sessions, API-Version 2026-04-17, ${DURATION} s," \
  "$THREADS threads, $CONNECTIONS connections ($TOOL)"
printf '%-5s %12s %12s %12s %10s  %s\n' mode requests/s "p50 (ms)" "p99 (ms)" requests status
for mode in $MODES; do
  printf '%-5s %12s %12s %12s %10s  %s\n' "$mode" "${RPS[$mode]}" "${P50[$mode]}" \
    "${P99[$mode]}" "${REQS[$mode]}" "${STATUS[$mode]}"
done
if [[ -n ${RPS[full]:-} && -n ${RPS[bare]:-} ]]; then
  awk -v fr="${RPS[full]}" -v br="${RPS[bare]}" -v fp="${P99[full]}" -v bp="${P99[bare]}" '
    BEGIN {
      printf "full/bare: requests/s %.3f (full serves %.1f%% of bare), p99 latency %.2fx\n",
        fr / br, 100 * fr / br, (bp > 0 ? fp / bp : 0)
    }'
fi
if [[ $INVALID -ne 0 ]]; then
  echo "server_load: INVALID run: some responses were not fresh 201s or sockets failed"
  exit 1
fi
