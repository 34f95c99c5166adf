#!/usr/bin/env bash
# Throughput of Stampede's throughput model against wrk, back to back, on one minimal local server
# (bench/engine-server: GET / -> 13-byte text, axum). Prints, per round, each client's requests/s,
# its ratio to wrk's in the same round, CPU per request and peak RSS; then the median ratio.
#
# Usage: bench/engine_throughput.sh [ROUNDS=3] [DURATION=15] [CONNECTIONS=64]
# Needs wrk (Debian: apt-get install wrk). Runs by hand; figures go in notes, not in tests.
# Until `stampede run` drives the engines, the throughput model runs through an ignored test of the
# library (`engine::model_tests::bench_throughput_model`), in release, recording every request.
set -euo pipefail

ROUNDS=${1:-3}
DURATION=${2:-15}
CONNECTIONS=${3:-64}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PORT=${BENCH_PORT:-18080}
URL="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }

echo "building the server and the throughput model (release)..." >&2
(cd "$ROOT/bench/engine-server" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --quiet)
SERVER=$TARGET_DIR/release/engine-bench-server
TEST_BIN=$(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET_DIR cargo test --release -p stampede --lib --no-run \
    --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[ -x "$TEST_BIN" ] || { echo "could not build the stampede test binary" >&2; exit 2; }

"$SERVER" "127.0.0.1:$PORT" >/dev/null &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    curl -fs "$URL/" >/dev/null 2>&1 && break
    sleep 0.1
done

# Runs "$@" under /usr/bin/time; sets OUT (its stdout), CPU_S (user+sys seconds), RSS_KB.
measure() {
    local tfile
    tfile=$(mktemp)
    OUT=$(/usr/bin/time -f '%U %S %M' -o "$tfile" "$@" 2>/dev/null)
    read -r user sys RSS_KB <"$tfile"
    CPU_S=$(echo "$user + $sys" | bc -l)
    rm -f "$tfile"
}

ratios=()
for round in $(seq "$ROUNDS"); do
    measure wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "$URL/"
    wrk_rps=$(echo "$OUT" | awk '/^Requests\/sec:/ {print $2}')
    wrk_reqs=$(echo "$OUT" | awk '/requests in/ {print $1}')
    wrk_cpu_us=$(echo "$CPU_S * 1000000 / $wrk_reqs" | bc -l)
    printf 'round %d  wrk         %9.0f req/s  1.000  %5.1f µs CPU/req  %4d MB\n' \
        "$round" "$wrk_rps" "$wrk_cpu_us" $((RSS_KB / 1024))

    measure env STAMPEDE_BENCH_URL="$URL" STAMPEDE_BENCH_CONNECTIONS="$CONNECTIONS" \
        STAMPEDE_BENCH_DURATION="${DURATION}s" \
        "$TEST_BIN" --ignored --exact engine::model_tests::bench_throughput_model --nocapture --test-threads 1
    line=$(echo "$OUT" | grep -o 'stampede-throughput.*')
    st_rps=$(echo "$line" | sed 's/.* rps=\([0-9]*\).*/\1/')
    st_reqs=$(echo "$line" | sed 's/.* requests=\([0-9]*\).*/\1/')
    st_cpu_us=$(echo "$CPU_S * 1000000 / $st_reqs" | bc -l)
    ratio=$(echo "$st_rps / $wrk_rps" | bc -l)
    ratios+=("$ratio")
    printf 'round %d  throughput  %9.0f req/s  %.3f  %5.1f µs CPU/req  %4d MB\n' \
        "$round" "$st_rps" "$ratio" "$st_cpu_us" $((RSS_KB / 1024))
done

median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
printf 'median ratio, throughput model / wrk: %.3f (target >= 0.9)\n' "$median"
