#!/usr/bin/env bash
# Runs each cmocka unit-test binary given; fails if any fails.
set -u
fail=0
for t in "$@"; do
	echo "== unit: ${t##*/}"
	if ! timeout 300 "$t"; then
		echo "!! FAILED: ${t##*/}"
		fail=1
	fi
done
exit $fail
