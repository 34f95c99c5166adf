# Helpers for bench/engine_throughput.sh (sourced, not run): the minimal server, the clients'
# commands and the parsing of their output. Every function that runs a client sets:
#   REQS (requests completed), RPS (requests/s), CPU_S (user+sys seconds), RSS_KB (peak RSS),
# and, for Stampede, RESULTS (the run's results.json).
# Needs: ROOT, TARGET_DIR, URL, WORK (a scratch directory) set by the caller.

# Prints an error and exits 2 (a missing tool or a failed build: nothing was measured).
die() {
    echo "bench: $*" >&2
    exit 2
}

# Dies unless the tools every engine bench runs are installed.
require_tools() {
    local tool
    for tool in wrk jq bc curl /usr/bin/time; do
        command -v "$tool" >/dev/null || die "$tool is missing (apt-get install wrk jq bc curl time)"
    done
}

# Builds bench/engine-server, the helper crates named as arguments (e.g. goose-bare) and stampede
# in release into $TARGET_DIR; sets STAMPEDE.
build_release() { # [HELPER...]
    local crate
    echo "building engine-server${*:+, $*} and stampede (release)..." >&2
    for crate in engine-server "$@"; do
        (cd "$ROOT/bench/$crate" && cargo build --release --quiet) || die "$crate did not build"
    done
    (cd "$ROOT" && cargo build --release --quiet -p stampede) || die "stampede did not build"
    STAMPEDE=$TARGET_DIR/release/stampede
}

# Starts bench/engine-server on a free port; sets URL and SERVER_PID.
start_server() {
    local log=$WORK/server.out
    "$TARGET_DIR/release/engine-bench-server" 127.0.0.1:0 >"$log" &
    SERVER_PID=$!
    local addr=""
    for _ in $(seq 100); do
        addr=$(sed -n 's|^listening on ||p' "$log")
        [ -n "$addr" ] && break
        sleep 0.05
    done
    [ -n "$addr" ] || die "engine-bench-server did not start"
    URL=$addr
    curl -fs "$URL/" >/dev/null || die "engine-bench-server does not answer on $URL"
}

# Starts nginx (Debian's, one worker, keep-alive without a request limit, no access log) serving a
# static 13-byte file on a free port of 127.0.0.1, with its config, pid, logs and temp files in
# $WORK/nginx; sets URL and NGINX_PID (the caller kills it). A server no one here wrote.
start_nginx() {
    command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx-light)"
    local dir=$WORK/nginx port
    # nginx's worker runs as www-data when started as root: its files must be readable by it.
    mkdir -p "$dir/www"
    chmod 755 "$WORK" "$dir"
    printf 'hello, world\n' >"$dir/www/index.html"
    chmod -R a+rX "$dir/www"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen 127.0.0.1:$port;
        root $dir/www;
        index index.html;
    }
}
EOF
    nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
    NGINX_PID=$!
    URL=http://127.0.0.1:$port
    for _ in $(seq 100); do
        curl -fs "$URL/" >/dev/null 2>&1 && break
        sleep 0.05
    done
    curl -fs "$URL/" >/dev/null || die "nginx does not answer on $URL: $(cat "$dir/error.log")"
}

# Runs "$@" under /usr/bin/time; sets OUT (its stdout), CPU_S, RSS_KB and STATUS (its exit code).
measure() {
    local tfile=$WORK/time.txt user sys
    STATUS=0
    OUT=$(/usr/bin/time -f '%U %S %M' -o "$tfile" "$@" 2>"$WORK/stderr.txt") || STATUS=$?
    # /usr/bin/time writes "Command exited with non-zero status N" first when the status is not 0.
    read -r user sys RSS_KB < <(tail -1 "$tfile")
    CPU_S=$(echo "$user + $sys" | bc -l)
}

run_wrk() { # DURATION_S
    measure wrk -t2 -c"$CONNECTIONS" -d"${1}s" "$URL/"
    RPS=$(echo "$OUT" | awk '/^Requests\/sec:/ {print $2}')
    REQS=$(echo "$OUT" | awk '/ requests in / {print $1}')
    [ -n "$RPS" ] && [ -n "$REQS" ] || die "could not read wrk's output: $OUT"
}

run_oha() { # DURATION_S
    measure "$OHA" -c "$CONNECTIONS" -z "${1}s" --no-tui --output-format json "$URL/"
    RPS=$(echo "$OUT" | jq -r '.summary.requestsPerSec')
    REQS=$(echo "$OUT" | jq -r '[.statusCodeDistribution[]] | add // 0')
    [ "$RPS" != null ] && [ -n "$REQS" ] || die "could not read oha's output"
}

run_goose() { # DURATION_S
    measure "$TARGET_DIR/release/goose-bare" "$URL" "$CONNECTIONS" "$1"
    local line
    line=$(echo "$OUT" | grep '^goose-bare ') || die "could not read goose-bare's output: $OUT"
    REQS=$(echo "$line" | sed 's/.* requests=\([0-9]*\).*/\1/')
    RPS=$(echo "$line" | sed 's/.* rps=\([0-9]*\).*/\1/')
}

# Writes a scenario for one model into $WORK and prints its path. MODEL is throughput, closed or
# open; LOAD_LINE the model's load key (connections = 64, users = 64, rate = "88000/s").
write_scenario() { # MODEL LOAD_LINE DURATION_S
    local file=$WORK/bench-$1.toml
    cat >"$file" <<EOF
# Written by bench/engine_throughput.sh: the $1 model, GET / on the minimal server.
name = "bench-$1"
kind = "custom"

[target]
url = "$URL"

[cache]
metrics_path = ""                   # the minimal server has no /metrics

[load]
model = "$1"
$2
duration = "${3}s"

[[journeys]]
name = "get"
[[journeys.steps]]
path = "/"
EOF
    echo "$file"
}

# The open model's [load] lines at RATE (requests/s): `connections` from OPEN_CONNECTIONS, by default
# CONNECTIONS (the same fixed set wrk and oha get), or none with OPEN_CONNECTIONS=auto.
open_load() { # RATE
    local conns=${OPEN_CONNECTIONS:-$CONNECTIONS}
    if [ "$conns" = auto ]; then
        echo "rate = \"$1/s\""
    else
        printf 'rate = "%s/s"\nconnections = %s' "$1" "$conns"
    fi
}

# Runs `stampede run` on the scenario; sets RESULTS and the common figures from its results.json
# (requests/s = totals.requests / duration_secs). A run marked invalid (exit 3, e.g. a saturated
# generator) is still measured; the caller prints its outcome.
run_stampede() { # SCENARIO
    local out=$WORK/out-$(basename "$1" .toml)
    rm -rf "$out"
    measure "$STAMPEDE" run "$1" --target "$URL" --out "$out" --quiet
    RESULTS=$out/results.json
    [ -s "$RESULTS" ] || die "stampede wrote no results (exit $STATUS): $(tail -5 "$WORK/stderr.txt")"
    REQS=$(jq -r '.totals.requests' "$RESULTS")
    RPS=$(jq -r '.totals.requests / .duration_secs' "$RESULTS")
}

# The outcome of the last Stampede run, with its reasons when it is not "completed".
stampede_outcome() {
    jq -r '.outcome.status + (if (.outcome.reasons | length) > 0 then " (" + (.outcome.reasons | join("; ")) + ")" else "" end)' "$RESULTS"
}

# Prints one row: NAME, requests/s, ratio to BASE_RPS, CPU per request, peak RSS.
row() { # LABEL NAME BASE_RPS
    local ratio cpu_us
    [ "${REQS:-0}" -gt 0 ] || die "$2 completed no request"
    ratio=$(echo "$RPS / $3" | bc -l)
    cpu_us=$(echo "$CPU_S * 1000000 / $REQS" | bc -l)
    printf '%-8s %-11s %9.0f req/s  %6.3f x wrk  %5.1f µs CPU/req  %5d MB\n' \
        "$1" "$2" "$RPS" "$ratio" "$cpu_us" $((RSS_KB / 1024))
    LAST_RATIO=$ratio
}

# The median of the numbers given as arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}
