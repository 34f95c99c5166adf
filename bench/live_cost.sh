#!/usr/bin/env bash
# What watching a run live costs: Stampede's throughput model against the minimal local server
# (bench/engine-server), plain and with --dashboard (a page following it: curl on the event
# stream, so every frame is rendered) plus --output prometheus=URL (a real Prometheus with its
# remote-write receiver), interleaved ABBA so drift hits both alike. Prints each run's requests/s
# and CPU per request, then the medians of the watched/plain ratios of both. On a shared machine the
# CPU per request is the steadier figure: throughput moves with whatever else runs.
#
# Usage: bench/live_cost.sh [ROUNDS [DURATION [CONNECTIONS]]]      (defaults 3, 15, 64)
# Needs wrk, jq, bc, curl, /usr/bin/time (engine_lib.sh's tools) and prometheus (Debian package).
# A benchmark, run by hand on a quiet machine; the figures go in notes, not in tests.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-15}}
CONNECTIONS=${3:-${CONNECTIONS:-64}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
SERVER_PID="" PROM_PID="" CURL_PID=""
cleanup() {
    for pid in $SERVER_PID $PROM_PID $CURL_PID; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

require_tools
command -v prometheus >/dev/null || die "prometheus is missing (apt-get install prometheus)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

build_release
start_server
PROM_PORT=$(free_port)
printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver \
    >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null || die "prometheus did not start"
SCENARIO=$(write_scenario throughput "connections = $CONNECTIONS" "$DURATION")
echo "server $URL, prometheus :$PROM_PORT; $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections" >&2

plain() {
    run_stampede "$SCENARIO"
}

watched() {
    local port out=$WORK/out-watched
    port=$(free_port)
    rm -rf "$out"
    # A page follows the run: curl reads the event stream as a browser would.
    ( for _ in $(seq 100); do curl -sN "http://127.0.0.1:$port/events" >/dev/null 2>&1 && break; sleep 0.1; done ) &
    CURL_PID=$!
    measure "$STAMPEDE" run "$SCENARIO" --target "$URL" --out "$out" --quiet \
        --dashboard="127.0.0.1:$port" --output "prometheus=http://127.0.0.1:$PROM_PORT/api/v1/write"
    kill "$CURL_PID" 2>/dev/null || true
    wait "$CURL_PID" 2>/dev/null || true
    CURL_PID=""
    RESULTS=$out/results.json
    [ -s "$RESULTS" ] || die "stampede wrote no results (exit $STATUS): $(tail -5 "$WORK/stderr.txt")"
    grep -q "pushes failed" "$WORK/stderr.txt" && echo "         warning: $(grep 'pushes failed' "$WORK/stderr.txt")"
    REQS=$(jq -r '.totals.requests' "$RESULTS")
    RPS=$(jq -r '.totals.requests / .duration_secs' "$RESULTS")
}

ratios=()
cpu_ratios=()
for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    if [ $((round % 2)) -eq 1 ]; then order="plain watched"; else order="watched plain"; fi
    for side in $order; do
        "$side"
        cpu=$(echo "$CPU_S * 1000000 / $REQS" | bc -l)
        if [ "$side" = plain ]; then base=$RPS base_cpu=$cpu; else with=$RPS with_cpu=$cpu; fi
        printf '%-8s %-8s %9.0f req/s  %5.1f µs CPU/req  %5d MB\n' "round $round" "$side" "$RPS" \
            "$cpu" $((RSS_KB / 1024))
    done
    ratio=$(echo "$with / $base" | bc -l)
    cpu_ratio=$(echo "$with_cpu / $base_cpu" | bc -l)
    printf '%-8s watched/plain throughput %.3f, CPU per request %.3f\n' "round $round" "$ratio" "$cpu_ratio"
    ratios+=("$ratio")
    cpu_ratios+=("$cpu_ratio")
done
printf 'median watched/plain: throughput %.3f, CPU per request %.3f (of %d rounds; load average %s)\n' \
    "$(median "${ratios[@]}")" "$(median "${cpu_ratios[@]}")" "$ROUNDS" "$(cut -d' ' -f1-3 /proc/loadavg)"
