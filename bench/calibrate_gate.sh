#!/usr/bin/env bash
# Calibrates the regression gate on this machine: RUNS live A/A gates (one SalesHub against itself)
# and RUNS live A/B gates against a SalesHub made ~10% slower with --inject-delay, all with the
# default gate settings (8 trials per side, alpha 0.0025, minimum effects 5% p50 / 10% p95), and
# prints the false alarms (A/A not passing) and the detections (A/B regressed).
#
# Usage: bench/calibrate_gate.sh [RUNS]            (default 20; about 30 s per gate in a debug build)
# Environment:
#   STAMPEDE   the stampede binary              (default target/release/stampede, else target/debug/stampede)
#   RATE       arrival rate of each trial       (default 200/s)
#   TRIAL      measured length of each trial    (default 1s; CI scenarios use 10s)
#   WARMUP     warm-up before each trial        (default 500ms)
#   BASE_DELAY delay injected into BOTH sides   (default 5ms) -- see below
#   EXTRA      delay added on the slow side     (default 1ms)
#
# Why both sides get a delay: SalesHub's --inject-delay is a tokio sleep, whose granularity is about
# a millisecond, so a sub-millisecond "10%" on a 3 ms request cannot be injected. Instead A gets
# BASE_DELAY and B gets BASE_DELAY + EXTRA; with a ~3-4 ms request (debug build) plus 5 ms, the extra
# 1 ms is about +10% of p50. The script prints the measured median change so the figure is known.
#
# The traffic is regression.toml's mix: a contact list then that contact (3 of 4 journeys), or a
# search (1 of 4). At 200/s a 1 s trial has ~350 requests: the list and the contact (~150 each)
# are gated per endpoint at alpha / 2, search (~50) is shown but too rare to gate. p95 is gated
# with 200 requests per trial behind it (min_requests_p99 = 1000) because the short trials cannot
# reach the default 2,000; all other settings are the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-20}
BIN=${STAMPEDE:-}
if [ -z "$BIN" ]; then
  if [ -x target/release/stampede ]; then BIN=target/release/stampede; else BIN=target/debug/stampede; fi
fi
BIN=$(realpath "$BIN")
RATE=${RATE:-200/s}
TRIAL=${TRIAL:-1s}
WARMUP=${WARMUP:-500ms}
BASE_DELAY=${BASE_DELAY:-5ms}
EXTRA=${EXTRA:-1ms}
SLOW_DELAY=$(awk -v a="$BASE_DELAY" -v b="$EXTRA" 'function ms(x){ if (x ~ /ms$/) return x+0; if (x ~ /us$/) return x/1000; return x*1000 } BEGIN { printf "%gus", (ms(a)+ms(b))*1000 }')

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# serve NAME DELAY: starts a seeded SalesHub on a free port; sets URL.
serve() {
  local name=$1 delay=$2
  "$BIN" saleshub serve --addr 127.0.0.1:0 --seed --seed-config fixtures/seed-small.toml \
    --data-dir "$work/$name-data" --cache redis --inject-delay "$delay" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  URL=""
  for _ in $(seq 1 240); do
    URL=$(grep -o 'SalesHub listening on http://[0-9.:]*' "$work/$name.log" | sed 's/.* on //' || true)
    [ -n "$URL" ] && return 0
    sleep 0.5
  done
  echo "SalesHub $name did not start:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

serve a "$BASE_DELAY"; URL_A=$URL
serve b "$SLOW_DELAY"; URL_B=$URL

cat >"$work/calibrate.toml" <<TOML
name = "calibrate"
kind = "regression"
[target]
url = "$URL_A"
timeout = "5s"
[load]
model = "open"
rate = "$RATE"
duration = "$TRIAL"
warmup = "$WARMUP"
[regression]
min_requests_p99 = 1000
[feeders.users]
file = "$(pwd)/fixtures/users.csv"
[[journeys]]
name = "sign in"
setup = true
[[journeys.steps]]
name = "login"
method = "POST"
path = "/api/auth/login"
json = { email = "\${users.email}", password = "\${users.password}" }
checks = [{ status = 200 }]
extract = { token = "/token" }
[[journeys]]
name = "browse"
weight = 3
[[journeys.steps]]
name = "contacts"
path = "/api/contacts?offset=\${random.int(0, 9)}&limit=20"
headers = { Authorization = "Bearer \${token}" }
checks = [{ status = 200 }]
extract = { contact_id = "/items/0/id" }
[[journeys.steps]]
name = "contact"
path = "/api/contacts/\${contact_id}"
headers = { Authorization = "Bearer \${token}" }
checks = [{ status = 200 }]
[[journeys]]
name = "find"
weight = 1
[[journeys.steps]]
name = "search"
path = "/api/search?q=\${random.pick(smith, johnson, garcia, miller)}&type=contact"
headers = { Authorization = "Bearer \${token}" }
checks = [{ status = 200 }]
TOML

echo "calibrate_gate: $RUNS A/A + $RUNS A/B live gates; $BIN; rate $RATE, trials 8 x $TRIAL after $WARMUP"
echo "calibrate_gate: A = $URL_A (inject-delay $BASE_DELAY), B = $URL_B (inject-delay $SLOW_DELAY)"

# gate KIND N URL_A URL_B: one live gate; prints a line and appends "KIND VERDICT P50CHANGE" to results.
gate() {
  local kind=$1 n=$2 a=$3 b=$4 out="$work/${1//\//}-$2"
  local status=0
  "$BIN" compare --live --a "$a" --b "$b" "$work/calibrate.toml" --gate --quiet --out "$out" \
    >"$out.stdout" 2>"$out.stderr" || status=$?
  local verdict change line
  verdict=$(grep -o '^gate: [A-Z]*' "$out.stdout" | sed 's/gate: //' | tr 'A-Z' 'a-z' || true)
  [ -n "$verdict" ] || verdict="error(exit $status)"
  change=$(grep -m1 -E '│ overall +│ p50 ' "$out.stdout" | awk -F'│' '{gsub(/ /,"",$6); print $6}' || true)
  line=$(grep -m1 '^verdict:' "$out.stdout" | cut -c1-160 || true)
  printf '%s %2d/%d: %-12s p50 %-8s %s\n' "$kind" "$n" "$RUNS" "$verdict" "$change" "$line"
  echo "$kind $verdict $change" >>"$work/results"
}

for i in $(seq 1 "$RUNS"); do gate A/A "$i" "$URL_A" "$URL_A"; done
for i in $(seq 1 "$RUNS"); do gate A/B "$i" "$URL_A" "$URL_B"; done

count() { grep -c "^$1 $2 " "$work/results" || true; }
false_alarms=$(count A/A regressed)
aa_improved=$(count A/A improved)
aa_inconclusive=$(count A/A inconclusive)
detections=$(count A/B regressed)
ab_inconclusive=$(count A/B inconclusive)
median_change=$(grep '^A/B ' "$work/results" | awk 'NF == 3 {print $3}' | tr -d '%+' | sort -g | awk '{v[NR]=$1} END { if (NR) printf "%+.1f%%", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2) }')
echo
echo "A/A: $false_alarms false alarms (regressed) of $RUNS; also $aa_improved 'improved', $aa_inconclusive inconclusive"
echo "A/B: $detections of $RUNS slowdowns detected (regressed); $ab_inconclusive inconclusive; median p50 change $median_change"
