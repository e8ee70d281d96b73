#!/usr/bin/env bash
# Benchmarks socket-tracer against an untraced nginx, a bpftrace floor, strace and a
# bpftrace peer: sets up (scripts/setup.sh), builds (scripts/build.sh), then runs
# bench/bench.py with the build's binary. Results go to stdout and docs/performance.md.
#
#   bench/run.sh [--quick] [bench.py options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec python3 bench/bench.py --tracer "${BUILD_DIR:-build}/socket-tracer" "$@"
