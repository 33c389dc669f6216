#!/usr/bin/env bash
# bench/run.sh — throughput/latency comparison of ferrite-server and Debian's redis-server.
#
# Both servers run at the same time, each on its own free loopback port, both pinned to
# SERVER_CPU; Debian's redis-benchmark runs pinned to CLIENT_CPU.  For every round, test and
# pipeline depth, each server gets one redis-benchmark run; the order alternates per round
# (ferrite,redis / redis,ferrite / ...) so slow drift of the machine cancels out.  The summary
# reports medians over the rounds.  See bench/README.md for the methodology.
#
# Environment (all optional):
#   FERRITE_SERVER  ferrite binary               (default <repo>/build/ferrite-server)
#   REDIS_SERVER    reference binary             (default /usr/bin/redis-server)
#   REDIS_BENCHMARK redis-benchmark binary       (default /usr/bin/redis-benchmark)
#   TESTS           redis-benchmark -t names     (default set,get,incr)
#   DEPTHS          pipeline depths              (default "1 16")
#   CLIENTS         parallel connections, -c     (default 50)
#   ROUNDS          rounds per test and depth    (default 5)
#   REQUESTS        fixed -n for every run; unset = calibrate per test x depth so that one run
#                   against Redis lasts about TARGET_SECS
#   TARGET_SECS     target duration of one run   (default 1.5)
#   DATASIZE        -d value size in bytes       (default 3, redis-benchmark's default)
#   KEYSPACE        -r keyspace length           (default unset: one fixed key, as plain
#                                                 redis-benchmark does)
#   SERVER_CPU      CPU list for both servers    (default 0)
#   CLIENT_CPU      CPU list for the client      (default 1)
#   RESULTS_DIR     output directory             (default bench/results/<timestamp>)
#   EXTRA_FERRITE_ARGS / EXTRA_REDIS_ARGS  extra "--directive value" words for each server
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
PY=/usr/bin/python3

FERRITE_SERVER=${FERRITE_SERVER:-$REPO_DIR/build/ferrite-server}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-/usr/bin/redis-benchmark}
REDIS_CLI=${REDIS_CLI:-/usr/bin/redis-cli}
TESTS=${TESTS:-set,get,incr}
DEPTHS=${DEPTHS:-1 16}
CLIENTS=${CLIENTS:-50}
ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-}
TARGET_SECS=${TARGET_SECS:-1.5}
DATASIZE=${DATASIZE:-3}
KEYSPACE=${KEYSPACE:-}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results/$STAMP}
read -r -a EXTRA_F <<<"${EXTRA_FERRITE_ARGS:-}"
read -r -a EXTRA_R <<<"${EXTRA_REDIS_ARGS:-}"

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

for b in "$FERRITE_SERVER" "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
    [[ -x $b ]] || die "not executable: $b (build ferrite with 'make' or set FERRITE_SERVER)"
done
command -v taskset >/dev/null || die "taskset not found (util-linux)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ -z $REQUESTS || $REQUESTS =~ ^[1-9][0-9]*$ ]] || die "REQUESTS must be a positive integer"
ncpu=$(nproc --all)
if (( ncpu < 2 )); then
    log "WARNING: only $ncpu CPU; server and client share it, figures will be noisy"
    CLIENT_CPU=$SERVER_CPU
fi

load1=$(cut -d' ' -f1 /proc/loadavg)
if "$PY" -c "import sys; sys.exit(0 if float('$load1') > 0.5 else 1)"; then
    log "WARNING: load average is $load1; other work on this machine adds noise (see the paired min..max column)"
fi

mkdir -p "$RESULTS_DIR"
RAW="$RESULTS_DIR/raw.csv"
SUMMARY="$RESULTS_DIR/summary.txt"

# ---------------------------------------------------------------- servers
declare -A PID PORT
NAMES=(ferrite redis)

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for name in "${NAMES[@]}"; do
        local pid=${PID[$name]:-}
        [[ -n $pid ]] || continue
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    # Ask the kernel for a free port; never 6379 and never one already taken by the other server.
    local p
    while :; do
        p=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        [[ $p != 6379 && $p != "${PORT[ferrite]:-}" && $p != "${PORT[redis]:-}" ]] && break
    done
    echo "$p"
}

start_server() { # name binary extra-args...
    local name=$1 bin=$2; shift 2
    local port; port=$(free_port)
    local logf="$RESULTS_DIR/$name.log"
    taskset -c "$SERVER_CPU" "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        "$@" >"$logf" 2>&1 </dev/null &
    PID[$name]=$!
    PORT[$name]=$port
    for _ in $(seq 100); do
        if ! kill -0 "${PID[$name]}" 2>/dev/null; then
            tail -n 20 "$logf" >&2
            die "$name ($bin) exited during start-up; log: $logf"
        fi
        [[ $("$REDIS_CLI" -p "$port" ping 2>/dev/null) == PONG ]] && {
            log "$name: pid ${PID[$name]}, port $port, cpu $SERVER_CPU ($bin)"; return; }
        sleep 0.1
    done
    die "$name did not answer PING on port $port within 10 s; log: $logf"
}

start_server ferrite "$FERRITE_SERVER" "${EXTRA_F[@]}"
start_server redis "$REDIS_SERVER" "${EXTRA_R[@]}"

# ---------------------------------------------------------------- metadata
{
    echo "date: $(date -Iseconds)"
    echo "host: $(uname -n) $(uname -srm)"
    echo "loadavg at start: $(cat /proc/loadavg)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $ncpu"
    echo "ferrite: $FERRITE_SERVER ($(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo no-commit))"
    echo "redis: $("$REDIS_SERVER" --version)"
    echo "client: $("$REDIS_BENCHMARK" --version)"
    echo "tests=$TESTS depths='$DEPTHS' clients=$CLIENTS rounds=$ROUNDS requests=${REQUESTS:-auto}" \
         "target_secs=$TARGET_SECS datasize=$DATASIZE keyspace=${KEYSPACE:-none}" \
         "server_cpu=$SERVER_CPU client_cpu=$CLIENT_CPU"
} >"$RESULTS_DIR/meta.txt"

# ---------------------------------------------------------------- benchmark runs
IFS=, read -r -a TEST_LIST <<<"$TESTS"
read -r -a DEPTH_LIST <<<"$DEPTHS"

now_ns() { date +%s%N; }

# bench name test depth n -> prints redis-benchmark CSV data rows (header stripped)
bench() {
    local name=$1 test=$2 depth=$3 n=$4
    local args=(-h 127.0.0.1 -p "${PORT[$name]}" -c "$CLIENTS" -n "$n" -P "$depth"
                -d "$DATASIZE" -t "$test" --csv)
    [[ -n $KEYSPACE ]] && args+=(-r "$KEYSPACE")
    # A server that stops answering must not hang the harness forever.
    local out
    if ! out=$(timeout 300 taskset -c "$CLIENT_CPU" "$REDIS_BENCHMARK" "${args[@]}" 2>>"$RESULTS_DIR/benchmark.stderr"); then
        die "redis-benchmark failed against $name ($test, -P $depth, -n $n); see $RESULTS_DIR/benchmark.stderr"
    fi
    # Data rows only; redis-benchmark prints a header row starting with "test".
    out=$(grep -v '^"test"' <<<"$out" | grep '^"' || true)
    [[ -n $out ]] || die "redis-benchmark printed no result for $name ($test, -P $depth)"
    echo "$out"
}

flushall() { "$REDIS_CLI" -p "${PORT[$1]}" flushall >/dev/null; }

# CPU time (user + system, in clock ticks) the server process has used so far: with the
# client on its own CPU, ticks per request measure the server's cost per core even when the
# client is what limits requests per second.
server_ticks() { awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# Requests per run for (test, depth): fixed REQUESTS, or calibrated from one short run against
# Redis (and one against ferrite, which only serves as warm-up) so that a Redis run lasts about
# TARGET_SECS.  Wall time is used because some tests (lrange_*) print several rows.
declare -A NREQ
calibrate() {
    local test=$1 depth=$2 key="$1/$2"
    if [[ -n $REQUESTS ]]; then NREQ[$key]=$REQUESTS; return; fi
    local cal_n=$(( 20000 * depth )) t0 t1
    bench ferrite "$test" "$depth" "$cal_n" >/dev/null
    t0=$(now_ns)
    bench redis "$test" "$depth" "$cal_n" >/dev/null
    t1=$(now_ns)
    local unit=$(( CLIENTS * depth ))
    NREQ[$key]=$("$PY" -c "
import sys
cal_n, ns, target, unit = $cal_n, $((t1 - t0)), float('$TARGET_SECS'), $unit
n = cal_n * target / max(ns / 1e9, 1e-3)
n = max(unit, int(round(n / unit)) * unit)   # whole pipelines for every client
print(min(n, 50_000_000))")
}

echo 'server,round,depth,clients,requests,cpu_us_per_req,test,rps,avg_latency_ms,min_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,max_latency_ms' >"$RAW"

log "calibrating request counts (target ${TARGET_SECS}s per run)"
for test in "${TEST_LIST[@]}"; do
    for depth in "${DEPTH_LIST[@]}"; do
        calibrate "$test" "$depth"
        log "  $test -P $depth: -n ${NREQ[$test/$depth]}"
    done
done

total=$(( ROUNDS * ${#TEST_LIST[@]} * ${#DEPTH_LIST[@]} * 2 ))
done_runs=0
for (( round = 1; round <= ROUNDS; round++ )); do
    if (( round % 2 == 1 )); then order=(ferrite redis); else order=(redis ferrite); fi
    for name in "${order[@]}"; do flushall "$name"; done
    for test in "${TEST_LIST[@]}"; do
        for depth in "${DEPTH_LIST[@]}"; do
            n=${NREQ[$test/$depth]}
            for name in "${order[@]}"; do
                t0=$(server_ticks "$name")
                rows=$(bench "$name" "$test" "$depth" "$n")
                t1=$(server_ticks "$name")
                # Tests that print several rows (lrange_*) share one CPU figure per run.
                cpu=$(awk -v t="$((t1 - t0))" -v hz="$CLK_TCK" -v n="$n" -v k="$(wc -l <<<"$rows")" \
                      'BEGIN { printf "%.3f", t * 1e6 / hz / (n * k) }')
                while IFS= read -r row; do
                    echo "$name,$round,$depth,$CLIENTS,$n,$cpu,$row" >>"$RAW"
                done <<<"$rows"
                done_runs=$(( done_runs + 1 ))
                log "round $round/$ROUNDS  $test -P $depth  $name  ($done_runs/$total)  $(cut -d, -f1,2 <<<"${rows##*$'\n'}")"
            done
        done
    done
done

# ---------------------------------------------------------------- summary
"$PY" "$BENCH_DIR/summarize.py" "$RAW" | tee "$SUMMARY"
echo
echo "raw rows: $RAW"
echo "summary:  $SUMMARY"
