#!/usr/bin/env bash
# What the client's web features (cookie jar, redirect following, Accept-Encoding and decoding)
# cost a step that uses none of them, against a server no one here wrote: nginx (Debian), one
# worker, a static 13-byte file, keep-alive. Each round runs back to back, interleaved:
#   wrk -t2 -cN;
#   Stampede's throughput model (N connections), the target's defaults (cookies on, redirects
#   followed, Accept-Encoding sent): the step reads no body, gets no cookie and no redirect;
#   the same with all three off (cookies = false, redirects = 0, accept_encoding = "");
# and prints each one's requests/s, ratio to wrk in the same round, CPU per request and peak RSS;
# at the end the median ratios, and defaults / off (1.00 = the features cost nothing unused).
#
# Usage: bench/http_features.sh [ROUNDS [DURATION [CONNECTIONS]]]   (defaults 3, 8, 64)
#   Smoke test: bench/http_features.sh 1 2
# Needs nginx, wrk, jq, bc, curl, /usr/bin/time (apt-get install nginx-light wrk jq bc curl time).
# Builds stampede in release into $CARGO_TARGET_DIR (default target/). Run by hand on a quiet
# machine; the figures go in notes, not in tests.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-8}}
CONNECTIONS=${3:-${CONNECTIONS:-64}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
NGINX_PID=""
trap '[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

require_tools
for n in "$ROUNDS" "$DURATION" "$CONNECTIONS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, DURATION and CONNECTIONS are whole numbers >= 1, got '$n'"
done

echo "building stampede (release)..." >&2
(cd "$ROOT" && cargo build --release --quiet -p stampede) || die "stampede did not build"
STAMPEDE=$TARGET_DIR/release/stampede

start_nginx
echo "nginx $URL; $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections" >&2

# A throughput-model scenario; TARGET_LINES go in [target].
scenario() { # NAME TARGET_LINES
    local file=$WORK/$1.toml
    cat >"$file" <<EOF
name = "http-features-$1"
[target]
url = "$URL"
$2
[load]
model = "throughput"
connections = $CONNECTIONS
duration = "${DURATION}s"
[[journeys]]
name = "get"
[[journeys.steps]]
path = "/"
EOF
    echo "$file"
}
DEFAULTS=$(scenario defaults "")
OFF=$(scenario off $'cookies = false\nredirects = 0\naccept_encoding = ""')

wrk_rps=() on_r=() off_r=() on_off=()
for round in $(seq "$ROUNDS"); do
    echo "-- round $round"
    run_wrk "$DURATION"
    base=$RPS
    wrk_rps+=("$base")
    row "round $round" wrk "$base"

    run_stampede "$DEFAULTS"
    on_rps=$RPS
    row "round $round" defaults "$base"
    on_r+=("$LAST_RATIO")

    run_stampede "$OFF"
    row "round $round" all-off "$base"
    off_r+=("$LAST_RATIO")
    on_off+=("$(echo "$on_rps / $RPS" | bc -l)")
done

echo "-- median ratios over $ROUNDS round(s)"
printf '%-34s %9.0f req/s\n' "wrk" "$(median "${wrk_rps[@]}")"
printf '%-34s %6.3f  (target >= 0.9)\n' "throughput, defaults / wrk" "$(median "${on_r[@]}")"
printf '%-34s %6.3f\n' "throughput, features off / wrk" "$(median "${off_r[@]}")"
printf '%-34s %6.3f  (1.00: unused features cost nothing)\n' "defaults / features off" "$(median "${on_off[@]}")"
