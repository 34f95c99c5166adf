#!/usr/bin/env bash
# The README's test command: installs what the tests need (Debian packages, and httpbin in a
# virtual environment) when it is missing, then checks formatting and lints and runs the whole test
# suite against real components.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
# nginx is in /usr/sbin, which is not on every user's PATH.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
if [ "${#need[@]}" -gt 0 ]; then
  echo "ci/test.sh: installing ${need[*]} from the Debian packages"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# httpbin under gunicorn (the HTTP conformance tests start it on 127.0.0.1) and the OpenTelemetry
# protobuf classes (the OTLP output's test decodes with them): a virtual environment in
# target/httpbin-venv, from the pinned ci/httpbin-requirements.txt. The tests look there, or in
# $STAMPEDE_HTTPBIN_VENV.
venv="${STAMPEDE_HTTPBIN_VENV:-target/httpbin-venv}"
if [ ! -x "$venv/bin/gunicorn" ] || ! "$venv/bin/python" -c 'import httpbin, opentelemetry.proto' >/dev/null 2>&1; then
  echo "ci/test.sh: installing httpbin, gunicorn and opentelemetry-proto into $venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q -r ci/httpbin-requirements.txt
fi

echo "ci/test.sh: cargo fmt --check"
cargo fmt --all -- --check
echo "ci/test.sh: cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "ci/test.sh: cargo test"
cargo test --workspace --locked -- --test-threads="${STAMPEDE_TEST_THREADS:-2}"
