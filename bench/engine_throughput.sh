#!/usr/bin/env bash
# The engine speed benchmark (how close the throughput model comes to wrk). Back to back against one minimal local server
# (bench/engine-server: GET / -> 13-byte text, axum), each round runs:
#   wrk -t2 -cN, oha -c N --no-tui, Stampede's throughput model (N connections), Stampede's
#   closed model (N users, no think time) and bare goose (bench/goose-bare: N users, one GET /),
# and prints each one's requests/s, its ratio to wrk's in the same round, CPU per request (user+sys
# from /usr/bin/time / requests) and peak RSS; at the end the median ratios. Then:
#   2. the open model at a fixed rate of 80% of wrk's median requests/s on N connections (like
#      wrk2 -cN or oha -c N -q RATE; OPEN_CONNECTIONS=auto lets it open connections as it needs
#      them): dropped starts (% of scheduled) and the schedule lag p99, from its results.json;
#   3. with LONG=1, a LONG_DURATION (5 min) throughput-model run's peak RSS beside oha's.
# Stampede runs through the real CLI (`stampede run SCENARIO --target URL --out DIR --quiet`) on
# scenarios this script writes; its requests/s is results.json's totals.requests / duration_secs.
#
# Usage: bench/engine_throughput.sh [ROUNDS [DURATION [CONNECTIONS]]]
#   or   ROUNDS=3 DURATION=15 CONNECTIONS=64 bench/engine_throughput.sh     (these are the defaults)
#   LONG=1 LONG_DURATION=300 bench/engine_throughput.sh    also the long RSS run (seconds)
#   Smoke test: ROUNDS=1 DURATION=2 LONG=1 LONG_DURATION=3 bench/engine_throughput.sh
# DURATION and LONG_DURATION are whole seconds. One round at the defaults takes about 80 s.
# Needs wrk, jq, bc, curl, /usr/bin/time (apt-get install wrk jq bc curl time) and oha: when oha is
# missing the script installs it with `cargo install oha --locked` (about 4.5 min). Builds the
# server, goose-bare and stampede in release into $CARGO_TARGET_DIR (default target/).
# A benchmark, run by hand on a quiet machine; the figures go in notes, not in tests.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-15}}
CONNECTIONS=${3:-${CONNECTIONS:-64}}
LONG=${LONG:-0}
LONG_DURATION=${LONG_DURATION:-300}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
SERVER_PID=""
trap '[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

require_tools
for n in "$ROUNDS" "$DURATION" "$CONNECTIONS" "$LONG_DURATION"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, DURATION, CONNECTIONS and LONG_DURATION are whole numbers >= 1, got '$n'"
done

OHA=$(command -v oha || echo "$HOME/.cargo/bin/oha")
if [ ! -x "$OHA" ]; then
    echo "oha is not installed: installing it with 'cargo install oha --locked' into $HOME/.cargo/bin (about 4.5 min)..." >&2
    cargo install oha --locked --quiet || die "cargo install oha failed"
fi

build_release goose-bare

start_server
echo "server $URL; $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections/users" >&2
THROUGHPUT=$(write_scenario throughput "connections = $CONNECTIONS" "$DURATION")
CLOSED=$(write_scenario closed "users = $CONNECTIONS" "$DURATION")

wrk_rps=() oha_r=() thr_r=() closed_r=() goose_r=() closed_goose=()
for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    run_wrk "$DURATION"
    base=$RPS
    wrk_rps+=("$base")
    row "round $round" wrk "$base"

    run_oha "$DURATION"
    row "round $round" oha "$base"
    oha_r+=("$LAST_RATIO")

    run_stampede "$THROUGHPUT"
    row "round $round" throughput "$base"
    thr_r+=("$LAST_RATIO")
    [ "$(jq -r .outcome.status "$RESULTS")" = completed ] || echo "         throughput run: $(stampede_outcome)"

    run_stampede "$CLOSED"
    closed_rps=$RPS
    row "round $round" closed "$base"
    closed_r+=("$LAST_RATIO")
    [ "$(jq -r .outcome.status "$RESULTS")" = completed ] || echo "         closed run: $(stampede_outcome)"

    run_goose "$DURATION"
    row "round $round" goose-bare "$base"
    goose_r+=("$LAST_RATIO")
    closed_goose+=("$(echo "$closed_rps / $RPS" | bc -l)")
done

echo "-- median ratios to wrk over $ROUNDS round(s)"
printf '%-28s %9.0f req/s\n' "wrk" "$(median "${wrk_rps[@]}")"
printf '%-28s %6.3f  (oha ~0.88 measured before)\n' "oha / wrk" "$(median "${oha_r[@]}")"
printf '%-28s %6.3f  (target >= 0.9)\n' "throughput model / wrk" "$(median "${thr_r[@]}")"
printf '%-28s %6.3f\n' "closed model / wrk" "$(median "${closed_r[@]}")"
printf '%-28s %6.3f  (goose ~0.43 measured before)\n' "goose-bare / wrk" "$(median "${goose_r[@]}")"
printf '%-28s %6.3f  (target >= 0.9: within 10%% of bare goose)\n' "closed model / goose-bare" \
    "$(median "${closed_goose[@]}")"

echo "-- open model at 80% of wrk's median"
rate=$(echo "$(median "${wrk_rps[@]}") * 0.8 / 1" | bc)
OPEN=$(write_scenario open "$(open_load "$rate")" "$DURATION")
run_stampede "$OPEN"
row "open" "$rate/s" "$(median "${wrk_rps[@]}")"
jq -r '.generator | "open     dropped \(.dropped) of \(.scheduled) scheduled starts = \(if .scheduled > 0 then (.dropped * 10000 / .scheduled | round / 100) else 0 end)% (target < 1%); schedule lag p99 \(.schedule_lag.p99_us // "n/a") µs"' "$RESULTS"
echo "open     outcome: $(stampede_outcome); latency p99 $(jq -r .totals.latency.p99_us "$RESULTS") µs from the intended start"

if [ "$LONG" = 1 ]; then
    echo "-- long run: peak RSS over ${LONG_DURATION}s"
    LONG_SCENARIO=$(write_scenario throughput "connections = $CONNECTIONS" "$LONG_DURATION")
    run_stampede "$LONG_SCENARIO"
    printf 'long     throughput  %9.0f req/s  %12d requests  peak RSS %5d MB\n' "$RPS" "$REQS" $((RSS_KB / 1024))
    run_oha "$LONG_DURATION"
    printf 'long     oha         %9.0f req/s  %12d requests  peak RSS %5d MB\n' "$RPS" "$REQS" $((RSS_KB / 1024))
fi
