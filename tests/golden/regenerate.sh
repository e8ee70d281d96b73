#!/usr/bin/env bash
# Writes the golden tests' expected outputs anew from the recordings, with
# the tracer as built now: run it after a change to the output that is
# meant, review `git diff tests/golden/expected`, commit. No root needed.
#
#   tests/golden/regenerate.sh [TRACER]   (default build/socket-tracer)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tracer=${1:-${SOCKET_TRACER:-$here/../../build/socket-tracer}}
mkdir -p "$here/expected"
rm -f "$here"/expected/*.out "$here"/expected/*.status
exec "$here/run.sh" "$tracer" --regenerate
