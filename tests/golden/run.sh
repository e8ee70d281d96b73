#!/usr/bin/env bash
# The golden tests: each case of cases.txt replayed and compared with its
# expected stdout and exit status. No root needed.
#
#   tests/golden/run.sh TRACER              compare (what ctest runs)
#   tests/golden/run.sh TRACER --regenerate write expected/ anew
#
# The exit summary (stderr) is not compared, but a replay that says it is
# out of step with its recording fails: record again (record.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tracer=${1:?usage: run.sh TRACER [--regenerate]}
mode=${2:-check}
# Human lines show local wall times: the same in every zone the tests run in.
export TZ=UTC LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
cases=0

while read -r name recording options; do
	case $name in '' | '#'*) continue ;; esac
	rec=$here/recordings/$recording.rec
	if [ ! -f "$rec" ]; then
		echo "golden: $name: no recording $rec (record.sh makes it)"
		failed=$((failed + 1))
		continue
	fi
	cases=$((cases + 1))
	# shellcheck disable=SC2086
	"$tracer" --replay "$rec" $options >"$tmp/out" 2>"$tmp/err"
	status=$?
	if grep -q "out of step" "$tmp/err"; then
		echo "golden: $name: $(grep "out of step" "$tmp/err")"
		failed=$((failed + 1))
		continue
	fi
	if [ "$mode" = --regenerate ]; then
		cp "$tmp/out" "$here/expected/$name.out"
		echo "$status" >"$here/expected/$name.status"
		continue
	fi
	expected_status=$(cat "$here/expected/$name.status" 2>/dev/null || echo missing)
	if [ "$status" != "$expected_status" ]; then
		echo "golden: $name: exit status $status, expected $expected_status"
		sed 's/^/golden:   stderr: /' "$tmp/err"
		failed=$((failed + 1))
	fi
	if ! diff -u --label "expected/$name.out" --label "replay $recording.rec $options" \
		"$here/expected/$name.out" "$tmp/out"; then
		echo "golden: $name: stdout differs from expected/$name.out (the diff above;" \
			"tests/golden/regenerate.sh if the change is meant)"
		failed=$((failed + 1))
	fi
done <"$here/cases.txt"

if [ "$mode" = --regenerate ]; then
	echo "golden: $cases expected outputs written to $here/expected"
else
	echo "golden: $cases cases, $failed failed"
fi
[ "$failed" = 0 ]
