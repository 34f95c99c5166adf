#!/usr/bin/env bash
# The open model's speed and latency (the aim: 80% of wrk's maximum rate with under 1% of the
# starts dropped, at a CPU cost per request close to the throughput model's). ROUNDS rounds; each
# runs back to back against each target (nginx: Debian's, one worker, a static file; server: the
# minimal axum server of bench/engine-server):
#   wrk -t2 -cN (the maximum rate of this round);
#   Stampede's throughput model on N connections (its CPU per request is the bar);
#   Stampede's open model at each of FRACTIONS of that round's wrk rate, on N fixed connections
#   (`connections = N`, like wrk2 -cN) and with connections opened on demand (no `connections`),
#   with the binary built here and, with BASELINE set, an older binary too, the two alternating
#   which goes first from round to round.
# Each run prints: the rate asked, answered/s, dropped starts (% of scheduled), the outcome (valid
# or why not), latency p50/p95/p99 from the intended start and from the send, and CPU per request
# (user + sys of the stampede process from /usr/bin/time, start-up included, ÷ requests). At the
# end, per target, the medians over the rounds as a table, with each open run's CPU per request
# as a multiple of the throughput model's (same binary), and the load average.
#
# Usage: bench/engine_open.sh [ROUNDS [DURATION [CONNECTIONS]]]   (defaults 3, 8, 64)
#   TARGET=nginx (default) | server | both
#   FRACTIONS="0.5 0.8"        fractions of the round's wrk rate (default both)
#   MODES="fixed auto"         fixed connections, on demand (default both)
#   BASELINE=/path/to/stampede an older build, run interleaved with this one (e.g. main's)
#   STAMPEDE=/path/to/stampede use this build instead of building one
#   Smoke test: FRACTIONS=0.5 MODES=fixed bench/engine_open.sh 1 2
# One round at the defaults with BASELINE takes about 2 minutes per target.
# Needs wrk, jq, bc, curl, /usr/bin/time and, for nginx, nginx and python3 (apt-get install wrk jq
# bc curl time nginx-light). A benchmark, run by hand on a quiet machine; figures go in notes.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-8}}
CONNECTIONS=${3:-${CONNECTIONS:-64}}
TARGET=${TARGET:-nginx}
FRACTIONS=${FRACTIONS:-0.5 0.8}
MODES=${MODES:-fixed auto}
BASELINE=${BASELINE:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
SERVER_PID="" NGINX_PID=""
stop_servers() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
    SERVER_PID="" NGINX_PID=""
}
trap 'stop_servers; rm -rf "$WORK"' EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

require_tools
for n in "$ROUNDS" "$DURATION" "$CONNECTIONS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, DURATION and CONNECTIONS are whole numbers >= 1, got '$n'"
done
for f in $FRACTIONS; do
    [[ $f =~ ^(0?\.[0-9]+|1(\.0*)?)$ ]] || die "FRACTIONS are numbers in (0, 1], got '$f'"
done
for m in $MODES; do
    [[ $m =~ ^(fixed|auto)$ ]] || die "MODES are fixed and/or auto, got '$m'"
done
case $TARGET in
nginx | server) TARGETS=$TARGET ;;
both) TARGETS="nginx server" ;;
*) die "TARGET is nginx, server or both, got '$TARGET'" ;;
esac
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "BASELINE '$BASELINE' is not an executable"

if [ -n "${STAMPEDE:-}" ]; then
    [ -x "$STAMPEDE" ] || die "STAMPEDE '$STAMPEDE' is not an executable"
    NEW=$STAMPEDE
elif [[ " $TARGETS " == *" server "* ]]; then
    build_release
    NEW=$STAMPEDE
else
    echo "building stampede (release)..." >&2
    (cd "$ROOT" && cargo build --release --quiet -p stampede) || die "stampede did not build"
    NEW=$TARGET_DIR/release/stampede
fi
# The binaries compared, by label.
declare -A BIN=([new]=$NEW)
[ -z "$BASELINE" ] || BIN[base]=$BASELINE

# One line per run, tab-separated:
# target label kind fraction mode rate answered dropped% valid p50i p95i p99i p50s p95s p99s cpu_us
RUNS=$WORK/runs.tsv
: >"$RUNS"
LOADS=()

# The order the binaries run in, alternating with the round.
order() { # ROUND
    if [ -z "$BASELINE" ]; then echo new; elif (($1 % 2)); then echo "base new"; else echo "new base"; fi
}

ms() { # MICROSECONDS
    echo "scale=2; $1 / 1000" | bc -l | sed 's/^\./0./'
}

# Runs the open model with binary LABEL at RATE; prints its row and appends it to $RUNS.
run_open() { # TARGET LABEL FRACTION MODE RATE
    local conns=$CONNECTIONS
    [ "$4" = fixed ] || conns=auto
    local scenario
    scenario=$(OPEN_CONNECTIONS=$conns write_scenario open "$(OPEN_CONNECTIONS=$conns open_load "$5")" "$DURATION")
    STAMPEDE=${BIN[$2]}
    run_stampede "$scenario"
    local fields
    fields=$(jq -r '[
        (.generator | if .scheduled > 0 then .dropped * 100 / .scheduled else 0 end),
        (if .outcome.status == "completed" then 1 else 0 end),
        .totals.latency.p50_us, .totals.latency.p95_us, .totals.latency.p99_us,
        (.totals.send_latency.p50_us // 0), (.totals.send_latency.p95_us // 0),
        (.totals.send_latency.p99_us // 0)] | map(tostring) | join("\t")' "$RESULTS")
    local cpu_us
    cpu_us=$(echo "$CPU_S * 1000000 / $REQS" | bc -l)
    printf '%s\t%s\topen\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$RPS" "$fields" "$cpu_us" >>"$RUNS"
    local d v p50i p95i p99i p50s p95s p99s
    IFS=$'\t' read -r d v p50i p95i p99i p50s p95s p99s <<<"$fields"
    printf '  %-4s open %-5s %6s/s  %8.0f/s  dropped %5.2f%%  intended %s/%s/%s ms  send %s/%s/%s ms  %5.1f µs CPU/req  %s\n' \
        "$2" "$4" "$5" "$RPS" "$d" "$(ms "$p50i")" "$(ms "$p95i")" "$(ms "$p99i")" \
        "$(ms "$p50s")" "$(ms "$p95s")" "$(ms "$p99s")" "$cpu_us" "$(stampede_outcome)"
}

# The median of column COL over the rows of $RUNS whose first fields match TARGET LABEL KIND
# [FRACTION MODE].
col() { # COL TARGET LABEL KIND [FRACTION MODE]
    local c=$1
    shift
    local key
    key=$(printf '%s\t' "$@")
    median $(awk -F'\t' -v k="$key" -v n=$# -v c="$c" '{
        s = ""; for (i = 1; i <= n; i++) s = s $i "\t"
        if (s == k) print $c }' "$RUNS")
}

summary() { # TARGET
    local t=$1 label f m
    echo "-- $t: medians over $ROUNDS round(s), ${DURATION}s each, $CONNECTIONS connections (fixed) or on demand"
    printf '   wrk %.0f req/s\n' "$(col 7 "$t" wrk wrk)"
    for label in $(order 1); do
        printf '   %-4s throughput model %.0f req/s (%.3f × wrk), %.1f µs CPU/req\n' "$label" \
            "$(col 7 "$t" "$label" throughput)" "$(col 4 "$t" "$label" throughput)" \
            "$(col 16 "$t" "$label" throughput)"
    done
    echo
    echo "| binary | rate | connections | answered | dropped starts | valid | intended p50 / p95 / p99 | send p50 / p95 / p99 | CPU/req | ÷ throughput |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for f in $FRACTIONS; do
        for m in $MODES; do
            for label in $(order 1); do
                local valid n thr cpu
                valid=$(awk -F'\t' -v t="$t" -v l="$label" -v f="$f" -v m="$m" \
                    '$1 == t && $2 == l && $3 == "open" && $4 == f && $5 == m { n++; v += $9 } END { printf "%d/%d", v, n }' "$RUNS")
                thr=$(col 16 "$t" "$label" throughput)
                cpu=$(col 16 "$t" "$label" open "$f" "$m")
                printf '| %s | %.0f/s (%s× wrk) | %s | %.1fk/s | %.2f%% | %s | %s / %s / %s ms | %s / %s / %s ms | %.1f µs | %.2f× |\n' \
                    "$label" "$(col 6 "$t" "$label" open "$f" "$m")" "$f" \
                    "$([ "$m" = fixed ] && echo "$CONNECTIONS fixed" || echo "on demand")" \
                    "$(echo "$(col 7 "$t" "$label" open "$f" "$m") / 1000" | bc -l)" \
                    "$(col 8 "$t" "$label" open "$f" "$m")" "$valid" \
                    "$(ms "$(col 10 "$t" "$label" open "$f" "$m")")" "$(ms "$(col 11 "$t" "$label" open "$f" "$m")")" \
                    "$(ms "$(col 12 "$t" "$label" open "$f" "$m")")" "$(ms "$(col 13 "$t" "$label" open "$f" "$m")")" \
                    "$(ms "$(col 14 "$t" "$label" open "$f" "$m")")" "$(ms "$(col 15 "$t" "$label" open "$f" "$m")")" \
                    "$cpu" "$(echo "$cpu / $thr" | bc -l)"
            done
        done
    done
    echo
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in $TARGETS; do
    if [ "$t" = nginx ]; then start_nginx; else start_server; fi
    echo "== $t $URL; $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections; open model at $FRACTIONS of wrk ($MODES)${BASELINE:+; base = $BASELINE}" >&2
    THROUGHPUT=$(write_scenario throughput "connections = $CONNECTIONS" "$DURATION")
    for round in $(seq "$ROUNDS"); do
        echo "-- $t round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
        run_wrk "$DURATION"
        wrk_rps=$RPS
        row "  wrk" "" "$wrk_rps"
        printf '%s\twrk\twrk\t1\t-\t-\t%s\n' "$t" "$wrk_rps" >>"$RUNS"
        for label in $(order "$round"); do
            STAMPEDE=${BIN[$label]}
            run_stampede "$THROUGHPUT"
            row "  $label" throughput "$wrk_rps"
            printf '%s\t%s\tthroughput\t%s\t-\t-\t%s\t\t\t\t\t\t\t\t\t%s\n' "$t" "$label" "$LAST_RATIO" "$RPS" \
                "$(echo "$CPU_S * 1000000 / $REQS" | bc -l)" >>"$RUNS"
        done
        for f in $FRACTIONS; do
            rate=$(echo "$wrk_rps * $f / 1" | bc)
            for m in $MODES; do
                for label in $(order "$round"); do
                    run_open "$t" "$label" "$f" "$m" "$rate"
                done
            done
        done
    done
    stop_servers
done

for t in $TARGETS; do
    summary "$t"
done
echo "load average at the start of each round: ${LOADS[*]}; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
