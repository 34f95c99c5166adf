#!/usr/bin/env bash
# Times the rendering of a one-hour-sized results file (3,600 windows, ~10 endpoints, resource
# samples at 1 Hz, server cache scrapes every 5 s) into HTML, Markdown and JUnit, and prints the
# sizes. Release build (what users run). Usage: bench/report_render.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --test report_bench -- --ignored --nocapture --test-threads=1 2>&1 \
  | grep -E "one-hour|rendered|baseline|test result"
