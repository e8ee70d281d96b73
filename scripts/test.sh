#!/usr/bin/env bash
# Sets up the machine, builds, and runs the whole test suite: unit and
# integration tests on the normal build, then the unit tests again under
# AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=build-sanitize bash scripts/build.sh -DSOCKET_TRACER_SANITIZE=ON

status=0
echo "== sanitizer build: unit tests"
ctest --test-dir build-sanitize -L unit --output-on-failure || status=1
echo "== all tests"
ctest --test-dir build --output-on-failure || status=1
exit $status
