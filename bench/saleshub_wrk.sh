#!/usr/bin/env bash
# SalesHub under wrk: requests/s and p50/p99 for a cached GET /api/contacts/{id}, search, the
# dashboard and a contact list (cached, also with `Accept-Encoding: gzip`), and the same reads with
# --cache off; the seeding time; SalesHub's RSS after each server's runs; the server's CPU time per
# request (user + system from /proc/PID/stat over the wrk run, divided by the requests: steadier than
# requests/s on a shared machine, since it does not count the time the server waited for a core).
# A benchmark, run by hand; the figures go in notes. Load stays on 127.0.0.1.
#
#   bash bench/saleshub_wrk.sh                         # this tree's release build, 1 round
#   DURATION=5s CONNECTIONS=16 bash bench/saleshub_wrk.sh
#
# Two builds side by side (e.g. before and after a change): the rounds are interleaved, A B, B A,
# A B, ... so that drift of a busy machine hits both alike; each scenario's median over the rounds
# and the ratio B/A are printed at the end, with the spread (min..max) of each side.
#
#   git worktree add /tmp/base main && (cd /tmp/base && cargo build --release -p saleshub)
#   BIN_A=/tmp/base/target/release/saleshub BIN_B=target/release/saleshub ROUNDS=5 \
#     bash bench/saleshub_wrk.sh
#
# ONLY=regex runs only the scenarios whose label matches (e.g. ONLY='contact|gzip'). ARGS_A and
# ARGS_B add serve flags to one side (e.g. ARGS_B='--compression off'); the same binary may be
# both sides, to compare flags.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
DATA="${DATA:-.data/bench}"
PORT="${PORT:-18080}"
ROUNDS="${ROUNDS:-1}"
ONLY="${ONLY:-.}"
BASE="http://127.0.0.1:$PORT"

for tool in wrk redis-server curl python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install wrk redis-server curl)"; exit 2; }
done

if [ -z "${BIN_A:-}" ]; then
  cargo build --release -q -p saleshub
  BIN_A=target/release/saleshub
fi
BINS=("$BIN_A")
[ -n "${BIN_B:-}" ] && BINS+=("$BIN_B")
for bin in "${BINS[@]}"; do [ -x "$bin" ] || { echo "bench: $bin is not an executable"; exit 2; }; done

mkdir -p .data
RESULTS=$(mktemp)
echo "== seeding with $BIN_A (default sizes from fixtures/seed.toml)"
start=$(date +%s.%N)
"$BIN_A" seed --force --data-dir "$DATA"
end=$(date +%s.%N)
echo "seed + index: $(python3 -c "print(f'{$end - $start:.1f}')") s"

server_pid=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; server_pid=""; }
trap 'stop_server; rm -f "$RESULTS"' EXIT

start_server() { # $1 = side, $2 = binary, $3 = cache backend
  local extra=()
  if [ "$1" = A ]; then read -ra extra <<<"${ARGS_A:-}"; else read -ra extra <<<"${ARGS_B:-}"; fi
  "$2" serve --addr "127.0.0.1:$PORT" --data-dir "$DATA" --cache "$3" "${extra[@]}" >/dev/null 2>.data/bench-server.log &
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

to_ms() { # wrk's latency ("812.00us", "4.01ms", "1.20s") in ms
  python3 -c "
import sys; v=sys.argv[1]
for unit, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
    if v.endswith(unit): print(f'{float(v[:-len(unit)])*f:.3f}'); break
else: print('nan')" "$1"
}

cpu_ticks() { # the server's user + system CPU time so far, in clock ticks
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$server_pid/stat"
}

run_wrk() { # $1 = side (A/B), $2 = label, $3 = path, $4 = extra header (optional)
  [[ "$2" =~ $ONLY ]] || return 0
  local out rps p50 p99 errors requests before after us
  local args=(-t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN")
  [ -n "${4:-}" ] && args+=(-H "$4")
  before=$(cpu_ticks)
  out=$(wrk "${args[@]}" "$BASE$3")
  after=$(cpu_ticks)
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/{print $5}' <<<"$out")
  requests=$(awk '/requests in/{print $1}' <<<"$out")
  us=$(python3 -c "print(f'{($after - $before) * 1e6 / $(getconf CLK_TCK) / max($requests, 1):.1f}')")
  printf '%s %-44s %10s req/s   p50 %8s   p99 %8s   cpu %6s us/req   non-2xx %s\n' "$1" "$2" "$rps" "$p50" "$p99" "$us" "${errors:-0}"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" "$us" >>"$RESULTS"
}

rss() { ps -o rss= -p "$server_pid" | awk '{printf "%.1f MB", $1/1024}'; }

CONTACT="/api/contacts/1"
run_side() { # $1 = side, $2 = binary
  echo "-- $1: $2, cache: redis (private redis-server)"
  start_server "$1" "$2" redis
  TOKEN=$(login)
  run_wrk "$1" "GET /api/contacts/{id} (cached)" "$CONTACT"
  run_wrk "$1" "GET /api/search?q=smith (cached)" "/api/search?q=smith"
  run_wrk "$1" "GET /api/analytics/dashboard (cached)" "/api/analytics/dashboard"
  run_wrk "$1" "GET /api/contacts?limit=50 (cached)" "/api/contacts?limit=50"
  run_wrk "$1" "GET /api/contacts?limit=50 (cached, gzip)" "/api/contacts?limit=50" "Accept-Encoding: gzip"
  run_wrk "$1" "GET /api/search?q=smith (cached, gzip)" "/api/search?q=smith" "Accept-Encoding: gzip"
  echo "   RSS after the runs: $(rss)"
  stop_server
  echo "-- $1: $2, cache: off"
  start_server "$1" "$2" off
  TOKEN=$(login)
  run_wrk "$1" "GET /api/contacts/{id} (uncached)" "$CONTACT"
  run_wrk "$1" "GET /api/search?q=smith (uncached)" "/api/search?q=smith"
  run_wrk "$1" "GET /api/analytics/dashboard (uncached)" "/api/analytics/dashboard"
  echo "   RSS after the runs: $(rss)"
  stop_server
}

for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS"
  if [ "${#BINS[@]}" -eq 1 ]; then
    run_side A "$BIN_A"
  elif [ $((round % 2)) -eq 1 ]; then
    run_side A "$BIN_A"; run_side B "$BIN_B"
  else
    run_side B "$BIN_B"; run_side A "$BIN_A"
  fi
done

echo
echo "== medians over $ROUNDS round(s); A = $BIN_A${BIN_B:+, B = $BIN_B}"
python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
labels = list(dict.fromkeys(r[1] for r in rows))
sides = sorted({r[0] for r in rows})
def values(side, label, col):
    return [float(r[col]) for r in rows if r[0] == side and r[1] == label]
head = f"{'scenario':44} " + " ".join(f"{s + ' req/s':>12} {s + ' spread':>14} {s + ' p99 ms':>9} {s + ' us/req':>9}" for s in sides)
if len(sides) == 2:
    head += f" {'B/A req/s':>9} {'B/A p99':>8} {'B/A cpu':>8}"
print(head)
for label in labels:
    line = f"{label:44} "
    med = {}
    for s in sides:
        rps, p99, cpu = values(s, label, 2), values(s, label, 4), values(s, label, 5)
        med[s] = (statistics.median(rps), statistics.median(p99), statistics.median(cpu))
        spread = f"{min(rps):.0f}..{max(rps):.0f}"
        line += f"{med[s][0]:12.0f} {spread:>14} {med[s][1]:9.2f} {med[s][2]:9.1f} "
    if len(sides) == 2:
        line += f"{med['B'][0] / med['A'][0]:9.3f} {med['B'][1] / med['A'][1]:8.3f} {med['B'][2] / med['A'][2]:8.3f}"
    print(line)
EOF
