#!/usr/bin/env bash
# One distributed run on Kubernetes, from a scenario file to a merged report on this machine:
#   ci/k8s/run.sh SCENARIO.toml [FEEDER.csv ...]
# Creates the scenario ConfigMap (the scenario and the files it reads), stamps a common start
# START_IN seconds ahead, applies the results volume, the workers' Indexed Job and the merge Job,
# waits for the merge and copies the merged run directory to ./OUT.
#
# Settings (environment): WORKERS (3), IMAGE (ghcr.io/example/stampede:latest), START_IN (60 s:
# long enough for every pod to be scheduled, pull the image and prepare), NAMESPACE (the
# context's), OUT (stampede-k8s-<run id>), TIMEOUT (3600 s for the whole run).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
scenario="${1:?usage: ci/k8s/run.sh SCENARIO.toml [FILE ...] (feeder files the scenario reads)}"
shift
workers="${WORKERS:-3}"
image="${IMAGE:-ghcr.io/example/stampede:latest}"
start_in="${START_IN:-60}"
timeout="${TIMEOUT:-3600}"
run_id="run-$(date -u +%Y%m%d-%H%M%S)"
out="${OUT:-stampede-k8s-$run_id}"
kube=(kubectl)
[ -n "${NAMESPACE:-}" ] && kube+=(--namespace "$NAMESPACE")

# Fail here, not in the pods: the scenario must be valid (needs a local stampede on PATH).
if command -v stampede >/dev/null 2>&1; then
  stampede validate "$scenario"
fi

echo "run.sh: scenario ConfigMap"
files=(--from-file=scenario.toml="$scenario")
for f in "$@"; do files+=(--from-file="$f"); done
"${kube[@]}" create configmap stampede-scenario "${files[@]}" --dry-run=client -o yaml \
  | "${kube[@]}" apply -f -

echo "run.sh: results volume"
"${kube[@]}" apply -f "$here/results-pvc.yaml"
# Jobs of a previous run share the names: remove them (their results stay on the volume).
"${kube[@]}" delete job stampede-workers stampede-merge --ignore-not-found --wait=true

start="$(date -u -d "+${start_in} seconds" +%Y-%m-%dT%H:%M:%SZ)"
echo "run.sh: $workers workers start at $start (run $run_id)"
# Stamp N, the start and the run id into the manifests.
sed -e "s|^  completions: 3|  completions: $workers|" \
    -e "s|^  parallelism: 3|  parallelism: $workers|" \
    -e "s|auto/3|auto/$workers|" \
    -e "s|\"2026-01-01T00:00:00Z\"|\"$start\"|" \
    -e "s|value: \"run\"|value: \"$run_id\"|" \
    -e "s|ghcr.io/example/stampede:latest|$image|" \
    "$here/workers-job.yaml" | "${kube[@]}" apply -f -
sed -e "s|value: \"3\"|value: \"$workers\"|" \
    -e "s|value: \"run\"|value: \"$run_id\"|" \
    -e "s|value: \"3600\"|value: \"$timeout\"|" \
    -e "s|ghcr.io/example/stampede:latest|$image|" \
    "$here/merge-job.yaml" | "${kube[@]}" apply -f -

echo "run.sh: waiting for the merge (the workers' logs: kubectl logs -f -l app.kubernetes.io/component=worker)"
deadline=$(( $(date +%s) + timeout + start_in ))
pod=""
until [ -n "$pod" ] && "${kube[@]}" logs "$pod" 2>/dev/null | grep -q '^merge: done'; do
  if [ "$(date +%s)" -gt "$deadline" ]; then
    echo "run.sh: no merged report after ${timeout}s" >&2
    exit 1
  fi
  sleep 5
  pod="$("${kube[@]}" get pods -l job-name=stampede-merge -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)"
done
"${kube[@]}" logs "$pod"

echo "run.sh: copying the merged report to $out"
"${kube[@]}" cp "$pod:/results/merged" "$out"
code="$("${kube[@]}" logs "$pod" | sed -n 's/^merge: done (exit \([0-9]*\))$/\1/p')"
echo "run.sh: merged results in $out (results.json, latency.hlog; render: stampede report $out); stampede merge exited $code"
exit "${code:-1}"
