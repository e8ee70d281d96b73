#!/usr/bin/env bash
# Sets up the machine, builds, and traces until Ctrl-C. Arguments go to
# socket-tracer (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec ./build/socket-tracer "$@"
