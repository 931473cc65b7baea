#!/usr/bin/env bash
# Runs the end-to-end scenarios: every tests/e2e/*/run.sh (or those named),
# one after another, each bounded in time. Prints a summary; fails if any fails.
set -u
cd "$(dirname "$0")/.."
names=("$@")
if ((${#names[@]} == 0)); then
	for d in tests/e2e/*/; do [[ -x $d/run.sh ]] && names+=("$(basename "$d")"); done
fi
fail=(); pass=()
for n in "${names[@]}"; do
	echo "== e2e: $n"
	start=$(date +%s)
	limit=$(cat "tests/e2e/$n/TIMEOUT" 2>/dev/null || echo 180)
	if timeout -k 10 "$limit" "tests/e2e/$n/run.sh"; then
		pass+=("$n($(( $(date +%s) - start ))s)")
	else
		echo "!! FAILED: $n (status $?)"
		fail+=("$n")
	fi
done
echo "e2e passed: ${pass[*]:-none}"
if ((${#fail[@]})); then
	echo "e2e FAILED: ${fail[*]}"
	exit 1
fi
