#!/usr/bin/env bash
# The open model's speed, on its own (the aim: 80% of wrk's maximum rate with under 1% of the
# starts dropped): ROUNDS rounds, each runs back to back against the minimal server of
# bench/engine-server: wrk -t2 -cN (the maximum), Stampede's throughput model (N connections), and
# Stampede's open model at FRACTION (default 0.8) of that round's wrk rate on N connections
# (OPEN_CONNECTIONS=auto: as many as it opens on demand); prints requests/s,
# ratios to wrk, CPU per request, peak RSS, and the open model's dropped starts and schedule lag
# p99. Faster to iterate on than the whole bench/engine_throughput.sh (which ends with one open
# run); same helpers (bench/engine_lib.sh).
#
# Usage: bench/engine_open.sh [ROUNDS [DURATION [CONNECTIONS]]]   (defaults 3, 10, 64)
#        FRACTION=0.9 bench/engine_open.sh
#        OPEN_CONNECTIONS=auto bench/engine_open.sh
# Needs wrk, jq, bc, curl, /usr/bin/time. A benchmark, run by hand on a quiet machine.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-10}}
CONNECTIONS=${3:-${CONNECTIONS:-64}}
FRACTION=${FRACTION:-0.8}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

require_tools
for n in "$ROUNDS" "$DURATION" "$CONNECTIONS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, DURATION and CONNECTIONS are whole numbers >= 1, got '$n'"
done
[[ $FRACTION =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "FRACTION is a number in (0, 1], got '$FRACTION'"

build_release

start_server
echo "server $URL; $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections; open model at $FRACTION of wrk" >&2
THROUGHPUT=$(write_scenario throughput "connections = $CONNECTIONS" "$DURATION")

dropped_pct=() open_r=() thr_r=()
for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    run_wrk "$DURATION"
    base=$RPS
    row "round $round" wrk "$base"

    run_stampede "$THROUGHPUT"
    row "round $round" throughput "$base"
    thr_r+=("$LAST_RATIO")

    rate=$(echo "$base * $FRACTION / 1" | bc)
    OPEN=$(write_scenario open "$(open_load "$rate")" "$DURATION")
    run_stampede "$OPEN"
    row "round $round" "open $rate/s" "$base"
    open_r+=("$LAST_RATIO")
    pct=$(jq -r '.generator | if .scheduled > 0 then .dropped * 100 / .scheduled else 0 end' "$RESULTS")
    dropped_pct+=("$pct")
    jq -r '.generator | "         dropped \(.dropped) of \(.scheduled) = \(if .scheduled > 0 then (.dropped * 10000 / .scheduled | round / 100) else 0 end)%; schedule lag p99 \(.schedule_lag.p99_us // "n/a") µs"' "$RESULTS"
    echo "         outcome: $(stampede_outcome)"
done

echo "-- medians over $ROUNDS round(s)"
printf '%-28s %6.3f  (target >= 0.9)\n' "throughput model / wrk" "$(median "${thr_r[@]}")"
printf '%-28s %6.3f  (offered: %s)\n' "open model answered / wrk" "$(median "${open_r[@]}")" "$FRACTION"
printf '%-28s %6.2f%%  (target < 1%%)\n' "open model dropped starts" "$(median "${dropped_pct[@]}")"
