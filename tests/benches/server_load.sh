#!/usr/bin/env bash
# Load benchmark of the generated server (not a test): POST /checkout_sessions (create session,
# API-Version 2026-04-17) against servers built from tests/examples/bench_server.rs, all
# answering 201 with a session of the same shape and size (~4.4 KB) built per request:
#
#   fair      a hand-written axum endpoint doing the same work without the protocol pipeline:
#             bearer check, body parsed into plain serde structs, session built and serialized
#   memory    the generated checkout router + a trivial merchant behind AcpServer (bearer auth,
#             API-Version, idempotency in a MemoryStore, request parsing and validation)
#   sqlite    memory with a SqliteStore in a file (WAL, synchronous=NORMAL, one commit/request)
#   postgres  memory with a PostgresStore (one transaction per request)
#
# and prints one table: requests/s, p50 and p99 latency, the ratio to fair (requests/s) next to
# its target (memory >= 0.8x, sqlite >= 0.5x, postgres reported), the server's CPU time per
# request (utime+stime from /proc/PID/stat over the measured run) and its peak RSS (VmHWM from
# /proc/PID/status, read just before it is stopped); then, when sqlite ran, the ceiling of that
# mode: its store work alone, without HTTP (bench_server --sqlite-store-alone).
#
# Every request carries a unique Idempotency-Key (wrk + server_load.lua), so the stack
# creates a session each time instead of replaying one. A run with any response other than a
# fresh 201, or any socket error, is reported INVALID and the script exits 1. A missed target
# is reported, not an error.
#
# PostgreSQL: BENCH_POSTGRES_URL names the database (its table acp_idempotency is created if
# missing). Without it, when PostgreSQL is installed, scripts/test-postgres.sh starts a private
# cluster on BENCH_POSTGRES_PORT (not the tests' port, so a running test cluster is left alone)
# that is deleted at exit; otherwise the postgres mode is skipped with a note.
#
# Usage: tests/benches/server_load.sh
# Environment (all optional):
#   BENCH_DURATION=10      seconds of measured load per mode
#   BENCH_WARMUP=2         seconds of unmeasured load before it (0: none)
#   BENCH_THREADS=2        load generator threads
#   BENCH_CONNECTIONS=32   open connections
#   BENCH_PORT=18471       loopback port of the server
#   BENCH_MODES="fair memory sqlite postgres"
#   BENCH_POSTGRES_URL     database of the postgres mode (default: a private cluster, see above)
#   BENCH_POSTGRES_PORT=55491  port of that private cluster
#   TOKIO_WORKER_THREADS   server worker threads (tokio's default: one per CPU), for every mode
#
# Needs wrk (installed with apt-get when missing and running as root); without it, falls back
# to oha (cargo install oha --locked), which cannot vary headers per request: every request
# then shares one Idempotency-Key and the stack modes measure idempotent replays instead.
set -euo pipefail

DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PORT=${BENCH_PORT:-18471}
MODES=${BENCH_MODES:-fair memory sqlite postgres}
POSTGRES_URL=${BENCH_POSTGRES_URL:-}
POSTGRES_PORT=${BENCH_POSTGRES_PORT:-55491}
TOKEN=sk_bench_$$
HOST=127.0.0.1

for value in "$DURATION" "$WARMUP" "$THREADS" "$CONNECTIONS" "$PORT" "$POSTGRES_PORT"; do
  [[ $value =~ ^[0-9]+$ ]] || { echo "server_load: not a number: $value" >&2; exit 2; }
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/bench_server
WORK=$(mktemp -d)
SERVER_PID=""
PG_DIR=""

stop_server() {
  if [[ -n $SERVER_PID ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  if [[ -n $PG_DIR ]]; then
    ACP_TEST_POSTGRES_PORT=$POSTGRES_PORT ACP_TEST_POSTGRES_DIR=$PG_DIR \
      "$ROOT/scripts/test-postgres.sh" stop || true
  fi
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
  local extra=()
  case $mode in
    sqlite) extra=(--sqlite-path "$WORK/bench-$mode.sqlite") ;;
    postgres) extra=(--database-url "$POSTGRES_URL") ;;
  esac
  "$BIN" --mode "$mode" --port "$PORT" --token "$TOKEN" "${extra[@]}" \
    2>"$WORK/server-$mode.log" &
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

# CPU time of the server so far: "utime stime" in clock ticks.
server_cpu_ticks() {
  local stat fields
  stat=$(<"/proc/$SERVER_PID/stat")
  read -ra fields <<<"${stat##*) }" # after the command name: field 3 (state) is fields[0]
  echo "${fields[11]} ${fields[12]}"
}
# Busy and total CPU ticks of the whole machine so far: "busy total".
machine_busy_ticks() {
  awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i;
                     printf "%d %d", t - $5 - $6, t }' /proc/stat
}
# Peak resident set of the server (VmHWM), in MiB.
server_peak_rss_mib() {
  awk '$1 == "VmHWM:" { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status"
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
  "the stack modes measure idempotent replays, not session creation"

declare -A RPS=() P99=() P50=() REQS=() STATUS=() CPU=() BUSY=() RSS=()
declare -A TARGET=([memory]=0.8 [sqlite]=0.5)
CLK_TCK=$(getconf CLK_TCK)
INVALID=0
RUN_MODES=()
for mode in $MODES; do
  case $mode in fair | memory | sqlite | postgres) ;; *) log "unknown mode: $mode"; exit 2 ;; esac
done
if [[ " $MODES " == *" postgres "* && -z $POSTGRES_URL ]]; then
  if ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/acp-bench-postgres.XXXXXX")
    log "starting a private PostgreSQL cluster on port $POSTGRES_PORT (scripts/test-postgres.sh)"
    # Plain TCP on loopback, as the README's figures (the cluster also offers TLS).
    POSTGRES_URL="$(ACP_TEST_POSTGRES_PORT=$POSTGRES_PORT ACP_TEST_POSTGRES_DIR=$PG_DIR \
      "$ROOT/scripts/test-postgres.sh" start)?sslmode=disable"
  fi
fi
for mode in $MODES; do
  if [[ $mode == postgres && -z $POSTGRES_URL ]]; then
    echo "server_load: NOTE: postgres mode skipped: no BENCH_POSTGRES_URL and PostgreSQL" \
      "is not installed"
    continue
  fi
  RUN_MODES+=("$mode")
  start_server "$mode"
  if [[ $WARMUP -gt 0 ]]; then
    log "$mode: warm-up ${WARMUP} s"
    run_load "$mode" "$WARMUP"
    [[ -z $R_PROBLEMS ]] || log "$mode: warm-up problems:$R_PROBLEMS"
  fi
  log "$mode: measuring ${DURATION} s"
  cpu_before=$(server_cpu_ticks)
  busy_before=$(machine_busy_ticks)
  run_load "$mode" "$DURATION"
  busy_after=$(machine_busy_ticks)
  cpu_after=$(server_cpu_ticks)
  RSS[$mode]=$(server_peak_rss_mib)
  stop_server
  RPS[$mode]=$R_RPS
  P99[$mode]=$R_P99_MS
  P50[$mode]=$R_P50_MS
  REQS[$mode]=$R_REQUESTS
  read -r user_after sys_after <<<"$cpu_after"
  read -r user_before sys_before <<<"$cpu_before"
  CPU[$mode]=$(awk -v u=$((user_after - user_before)) -v s=$((sys_after - sys_before)) \
    -v hz="$CLK_TCK" -v n="$R_REQUESTS" \
    'BEGIN { n = (n > 0 ? n : 1); printf "%.1f+%.1f", 1e6 * u / hz / n, 1e6 * s / hz / n }')
  BUSY[$mode]=$(awk -v a="$busy_after" -v b="$busy_before" \
    'BEGIN { split(a, x); split(b, y); t = x[2] - y[2];
             printf "%.0f%%", (t > 0 ? 100 * (x[1] - y[1]) / t : 0) }')
  if [[ -n $R_PROBLEMS ]]; then
    STATUS[$mode]="INVALID:$R_PROBLEMS"
    INVALID=1
  else
    STATUS[$mode]=ok
  fi
done

echo
echo "server_load: POST /checkout_sessions, API-Version 2026-04-17, ${DURATION} s," \
  "$THREADS threads, $CONNECTIONS connections ($TOOL), $(nproc) CPUs shared by server and" \
  "load generator"
echo "(x fair: requests/s over fair's; server CPU: its user+system microseconds per request;" \
  "busy: share of all CPUs busy during the run, load generator and database included)"
printf '%-8s %10s %7s %7s %8s %6s %-15s %12s %5s %10s  %s\n' mode requests/s "p50 ms" \
  "p99 ms" requests "x fair" target "server CPU" busy "peak RSS" status
for mode in "${RUN_MODES[@]}"; do
  ratio="-" target="-"
  if [[ -n ${RPS[fair]:-} ]]; then
    ratio=$(awk -v r="${RPS[$mode]}" -v f="${RPS[fair]}" \
      'BEGIN { printf "%.2f", (f > 0 ? r / f : 0) }')
    if [[ -n ${TARGET[$mode]:-} ]]; then
      if awk -v r="$ratio" -v t="${TARGET[$mode]}" 'BEGIN { exit !(r >= t) }'; then
        target=">=${TARGET[$mode]}x met"
      else
        target=">=${TARGET[$mode]}x MISSED"
      fi
    elif [[ $mode == postgres ]]; then
      target="reported"
    fi
  fi
  printf '%-8s %10s %7s %7s %8s %6s %-15s %12s %5s %10s  %s\n' "$mode" "${RPS[$mode]}" \
    "${P50[$mode]}" "${P99[$mode]}" "${REQS[$mode]}" "$ratio" "$target" "${CPU[$mode]}" \
    "${BUSY[$mode]}" "${RSS[$mode]} MiB" "${STATUS[$mode]}"
done
# The ceiling under the sqlite mode: its store work alone, one claim after another on one
# thread with no HTTP, the machine otherwise idle. Requests in the sqlite mode do exactly this
# on the store's single writer, so this many per second is the most that mode can ever serve.
if [[ " ${RUN_MODES[*]} " == *" sqlite "* ]]; then
  "$BIN" --sqlite-store-alone "$DURATION" --sqlite-path "$WORK/store-alone.sqlite" \
    >"$WORK/store-alone.out"
  read -r claims seconds < <(sed -n 's/^BENCH_STORE claims=\([0-9]*\) seconds=\([0-9.]*\)$/\1 \2/p' \
    "$WORK/store-alone.out")
  alone=$(awk -v c="$claims" -v s="$seconds" 'BEGIN { printf "%.1f", c / s }')
  ratio="-"
  [[ -z ${RPS[fair]:-} ]] || ratio=$(awk -v r="$alone" -v f="${RPS[fair]}" \
    'BEGIN { printf "%.2f", (f > 0 ? r / f : 0) }')
  echo "sqlite store alone (no HTTP, one thread, claim + record + commit): $alone claims/s," \
    "x fair $ratio: the ceiling of the sqlite mode"
fi
if [[ $INVALID -ne 0 ]]; then
  echo "server_load: INVALID run: some responses were not fresh 201s or sockets failed"
  exit 1
fi
