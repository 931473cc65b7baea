#!/usr/bin/env bash
# Runs the end-to-end scenarios: every tests/e2e/*/run.sh (or those named),
# one after another, each bounded in time. Prints a summary; fails if any fails.
# A scenario that fails is run once more (E2E_RETRIES=0 turns that off): this
# 2-core box is shared, and a scenario that timed something on a starved core
# must not hide the rest; it fails for real when it fails twice, and a pass
# on the second run is still named in the summary ("flaky") with the checks
# that failed the first time, so a flake is seen and tracked, not lost.
set -u
cd "$(dirname "$0")/.."
names=("$@")
if ((${#names[@]} == 0)); then
	for d in tests/e2e/*/; do [[ -x $d/run.sh ]] && names+=("$(basename "$d")"); done
fi
fail=(); pass=(); flaky=()
retries=${E2E_RETRIES:-1}
logs=$(mktemp -d /tmp/mgw-e2e-logs.XXXXXX)
trap 'rm -rf "$logs"' EXIT
# run_one NAME LOG: one run of a scenario; 0 if it passed.
run_one() {
	local n=$1 log=$2 ok san_dir=
	local limit
	limit=$(cat "tests/e2e/$n/TIMEOUT" 2>/dev/null || echo 180)
	san_env=()
	if [[ -n ${TB_SAN:-} ]]; then
		# Under `make check SAN=1` every sanitizer report of every process
		# the scenario runs (mgw, mgwadm, tools) lands in san_dir; one
		# report fails the scenario even if the script did not notice.
		san_dir=$(mktemp -d /tmp/mgw-san-$n.XXXXXX)
		chmod 777 "$san_dir"
		san_env=(ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$san_dir/asan"
			 UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$san_dir/ubsan"
			 TSAN_OPTIONS="${TSAN_OPTIONS:-}:log_path=$san_dir/tsan")
	fi
	# (into a file, then shown: a pipe to tee would wait for any process
	# a broken scenario left holding its output)
	timeout -k 10 "$limit" env "${san_env[@]}" "tests/e2e/$n/run.sh" >"$log" 2>&1
	local st=$?
	cat "$log"
	if ((st == 0)); then
		ok=1
	else
		echo "!! FAILED: $n (status $st)"
		ok=0
	fi
	if [[ -n ${TB_SAN:-} ]]; then
		if compgen -G "$san_dir/*" >/dev/null; then
			echo "!! sanitizer reports in $n:"
			cat "$san_dir"/*
			ok=0
		fi
		rm -rf "$san_dir"
	fi
	((ok))
}
# what_failed LOG: the failed checks and the last lines of a run.
what_failed() {
	grep -E "FAIL - |not ok|FAILED|timed out|sanitizer" "$1" | head -20
	echo "  ... last lines:"
	tail -8 "$1" | sed 's/^/  /'
}
for n in "${names[@]}"; do
	echo "== e2e: $n"
	start=$(date +%s)
	if run_one "$n" "$logs/$n.1"; then
		pass+=("$n($(( $(date +%s) - start ))s)")
		continue
	fi
	try=1 ok=0
	while ((try <= retries)); do
		try=$((try + 1))
		echo "== e2e: $n again (run $try)"
		if run_one "$n" "$logs/$n.$try"; then ok=1; break; fi
	done
	if ((ok)); then
		pass+=("$n($(( $(date +%s) - start ))s)")
		flaky+=("$n")
	else
		fail+=("$n")
	fi
done
echo "e2e passed: ${pass[*]:-none}"
for n in "${flaky[@]}" "${fail[@]}"; do
	[[ -n $n ]] || continue
	echo "-- $n, first run:"
	what_failed "$logs/$n.1"
done
((${#flaky[@]})) && echo "e2e flaky (failed, then passed): ${flaky[*]}"
if ((${#fail[@]})); then
	echo "e2e FAILED: ${fail[*]}"
	exit 1
fi
exit 0
