#!/usr/bin/env bash
# HTTP/2 speed: Stampede's throughput model over HTTP/2 against h2load (nghttp2's HTTP/2 load tool,
# the HTTP/2 counterpart of wrk), both against one nginx (Debian's, one worker, `return 200` of a
# 13-byte text) on a free port of 127.0.0.1, with the same connections and streams per connection:
#   h2load -c C -m M -t 2 -D D URL      vs     [load] model = "throughput", connections = C,
#                                              [target] http = "2", max_streams = M
# Rounds are interleaved (h2load, Stampede, h2load, Stampede, ...); each row prints requests/s, the
# ratio to h2load's in the same round, CPU per request (user+sys from /usr/bin/time / requests, so
# start-up included) and peak RSS; at the end the median ratio (target >= 0.8) and median CPU per
# request of each. Plain h2c by default (HTTP/2 without TLS on both sides); TLS=1 uses https with
# ALPN (a self-signed certificate; Stampede trusts it through `ca_file`).
#
# Usage: bench/h2_throughput.sh [ROUNDS [DURATION [CONNECTIONS [STREAMS]]]]
#   or   ROUNDS=3 DURATION=8 CONNECTIONS=16 STREAMS=10 TLS=0 bench/h2_throughput.sh (the defaults)
#   Smoke test: ROUNDS=1 DURATION=2 bench/h2_throughput.sh
# Needs nginx, h2load (apt-get install nginx nghttp2-client), jq, bc, curl, openssl (TLS=1 only) and
# /usr/bin/time. Builds stampede in release into $CARGO_TARGET_DIR (default target/).
# A benchmark, run by hand on a quiet machine; the figures go in notes, not in tests.
set -euo pipefail

ROUNDS=${1:-${ROUNDS:-3}}
DURATION=${2:-${DURATION:-8}}
CONNECTIONS=${3:-${CONNECTIONS:-16}}
STREAMS=${4:-${STREAMS:-10}}
TLS=${TLS:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CARGO_TARGET_DIR=$TARGET_DIR
WORK=$(mktemp -d)
chmod 755 "$WORK"
NGINX_PID=""
trap '[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# shellcheck source=bench/engine_lib.sh
source "$ROOT/bench/engine_lib.sh"

for n in "$ROUNDS" "$DURATION" "$CONNECTIONS" "$STREAMS"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "ROUNDS, DURATION, CONNECTIONS and STREAMS are whole numbers >= 1, got '$n'"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "nginx is missing (apt-get install nginx)"
for tool in h2load jq bc curl /usr/bin/time; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install nghttp2-client jq bc curl time)"
done

echo "building stampede (release)..." >&2
(cd "$ROOT" && cargo build --release --quiet -p stampede) || die "stampede did not build"
STAMPEDE=$TARGET_DIR/release/stampede

# nginx in the foreground, everything it writes in $WORK.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$TLS" = 1 ]; then
    command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
    LISTEN="listen 127.0.0.1:$PORT ssl http2; ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;"
    URL=https://127.0.0.1:$PORT
    TARGET_TLS="ca_file = \"$WORK/cert.pem\""
else
    LISTEN="listen 127.0.0.1:$PORT http2;"
    URL=http://127.0.0.1:$PORT
    TARGET_TLS=""
fi
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $WORK/body;
    default_type text/plain;
    server {
        $LISTEN
        location / { return 200 "Hello, World!"; }
    }
}
EOF
"$NGINX" -p "$WORK" -e "$WORK/error.log" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 100); do
    curl -fsk --http2-prior-knowledge "$URL/" >/dev/null 2>&1 && break
    sleep 0.05
done
curl -fsk --http2-prior-knowledge "$URL/" >/dev/null 2>&1 || die "nginx does not answer on $URL: $(cat "$WORK/error.log")"

SCENARIO=$WORK/bench-h2.toml
cat >"$SCENARIO" <<EOF
# Written by bench/h2_throughput.sh: the throughput model over HTTP/2 against nginx.
name = "bench-h2"
[target]
url = "$URL"
http = "2"
max_streams = $STREAMS
$TARGET_TLS
[cache]
header = ""
[load]
model = "throughput"
connections = $CONNECTIONS
duration = "${DURATION}s"
[[journeys]]
name = "get"
[[journeys.steps]]
path = "/"
EOF

run_h2load() {
    measure h2load -c "$CONNECTIONS" -m "$STREAMS" -t 2 -D "$DURATION" "$URL/"
    RPS=$(echo "$OUT" | sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p')
    REQS=$(echo "$OUT" | sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p')
    [ -n "$RPS" ] && [ -n "$REQS" ] || die "could not read h2load's output: $OUT"
}

# NAME BASE_RPS: one row; sets LAST_RATIO and LAST_CPU_US.
h2row() {
    [ "${REQS:-0}" -gt 0 ] || die "$1 completed no request"
    LAST_RATIO=$(echo "$RPS / $2" | bc -l)
    LAST_CPU_US=$(echo "$CPU_S * 1000000 / $REQS" | bc -l)
    printf '%-9s %-10s %9.0f req/s  %6.3f x h2load  %5.1f µs CPU/req  %5d MB\n' \
        "$ROUND" "$1" "$RPS" "$LAST_RATIO" "$LAST_CPU_US" $((RSS_KB / 1024))
}

echo "nginx $URL ($([ "$TLS" = 1 ] && echo TLS || echo h2c)); $ROUNDS round(s) of ${DURATION}s, $CONNECTIONS connections x $STREAMS streams" >&2
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ratios=() h2_cpu=() st_cpu=() h2_rps=()
for round in $(seq "$ROUNDS"); do
    ROUND="round $round"
    run_h2load
    base=$RPS
    h2_rps+=("$base")
    h2row h2load "$base"
    h2_cpu+=("$LAST_CPU_US")
    run_stampede "$SCENARIO"
    h2row stampede "$base"
    ratios+=("$LAST_RATIO")
    st_cpu+=("$LAST_CPU_US")
    protocols=$(jq -c '.totals.protocols' "$RESULTS")
    [ "$(jq -r .outcome.status "$RESULTS")" = completed ] || echo "          stampede run: $(stampede_outcome)"
    [ "$(jq -r .totals.failures "$RESULTS")" = 0 ] || echo "          stampede failures: $(jq -c .totals.errors "$RESULTS")"
    echo "          stampede protocols: $protocols"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "-- medians over $ROUNDS round(s)"
printf '%-30s %9.0f req/s\n' "h2load" "$(median "${h2_rps[@]}")"
printf '%-30s %6.3f  (target >= 0.8)\n' "stampede / h2load" "$(median "${ratios[@]}")"
printf '%-30s %6.1f µs (h2load) vs %6.1f µs (stampede)\n' "CPU per request" \
    "$(median "${h2_cpu[@]}")" "$(median "${st_cpu[@]}")"
