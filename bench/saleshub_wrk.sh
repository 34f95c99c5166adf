#!/usr/bin/env bash
# SalesHub under wrk: requests/s and p50/p99 for a cached GET /api/contacts/{id}, the same with
# --cache off, search, and the dashboard cached and uncached; the seeding time; SalesHub's RSS after
# the runs. A benchmark, run by hand; the figures go in notes. Load stays on 127.0.0.1.
#
#   bash bench/saleshub_wrk.sh            # 15 s per run, 32 connections
#   DURATION=5s CONNECTIONS=16 bash bench/saleshub_wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
DATA="${DATA:-.data/bench}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"

for tool in wrk redis-server curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk redis-server curl)"; exit 2; }
done

cargo build --release -q -p saleshub
BIN=target/release/saleshub

echo "== seeding (default sizes from fixtures/seed.toml)"
start=$(date +%s.%N)
"$BIN" seed --force --data-dir "$DATA"
end=$(date +%s.%N)
echo "seed + index: $(python3 -c "print(f'{$end - $start:.1f}')") s"

server_pid=""
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; server_pid=""; }
trap stop_server EXIT

start_server() { # $1 = cache backend
  "$BIN" serve --addr "127.0.0.1:$PORT" --data-dir "$DATA" --cache "$1" >/dev/null 2>.data/bench-server.log &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "$BASE/health" >/dev/null && return; sleep 0.1; done
  echo "bench: SalesHub did not start; see .data/bench-server.log"; exit 1
}

password=$(awk -F, '$1=="admin@saleshub.test"{print $2}' fixtures/users.csv)
login() {
  curl -fs -X POST "$BASE/api/auth/login" -H 'content-type: application/json' \
    -d "{\"email\":\"admin@saleshub.test\",\"password\":\"$password\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

run_wrk() { # $1 = label, $2 = path
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$BASE$2")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  local errors
  errors=$(awk '/Non-2xx/{print $5}' <<<"$out")
  printf '%-34s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}

echo "== cache: redis (private redis-server)"
start_server redis
TOKEN=$(login)
CONTACT="/api/contacts/1"
run_wrk "GET /api/contacts/{id} (cached)" "$CONTACT"
run_wrk "GET /api/search?q=smith (cached)" "/api/search?q=smith"
run_wrk "GET /api/analytics/dashboard (cached)" "/api/analytics/dashboard"
echo "SalesHub RSS after the runs: $(ps -o rss= -p "$server_pid" | awk '{printf "%.1f MB", $1/1024}')"
stop_server

echo "== cache: off"
start_server off
TOKEN=$(login)
run_wrk "GET /api/contacts/{id} (uncached)" "$CONTACT"
run_wrk "GET /api/search?q=smith (uncached)" "/api/search?q=smith"
run_wrk "GET /api/analytics/dashboard (uncached)" "/api/analytics/dashboard"
echo "SalesHub RSS after the runs: $(ps -o rss= -p "$server_pid" | awk '{printf "%.1f MB", $1/1024}')"
