#!/usr/bin/env bash
# Sets up the machine, builds, and runs the whole test suite: the unit tests
# under AddressSanitizer and UndefinedBehaviorSanitizer, a bounded libFuzzer
# run of every protocol decoder and of the whole pipeline (clang, ASan,
# UBSan), then unit and integration tests on the normal build. The
# fuzzers and sanitizer unit tests run side by side (each is one process);
# the integration tests one at a time, as each counts exact totals.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=build-sanitize bash scripts/build.sh -DSOCKET_TRACER_SANITIZE=ON
CC=clang BUILD_DIR=build-fuzz bash scripts/build.sh -DSOCKET_TRACER_FUZZ=ON

status=0
echo "== sanitizer build: unit tests"
ctest --test-dir build-sanitize -L unit -j "$(nproc)" --output-on-failure || status=1
echo "== fuzzers: each decoder, and the whole pipeline"
ctest --test-dir build-fuzz -L fuzz -j "$(nproc)" --output-on-failure || status=1
echo "== all tests"
ctest --test-dir build --output-on-failure || status=1
exit $status
