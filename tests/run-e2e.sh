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
	if timeout -k 10 "$limit" env "${san_env[@]}" "tests/e2e/$n/run.sh"; then
		ok=1
	else
		echo "!! FAILED: $n (status $?)"
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
	if ((ok)); then
		pass+=("$n($(( $(date +%s) - start ))s)")
	else
		fail+=("$n")
	fi
done
echo "e2e passed: ${pass[*]:-none}"
if ((${#fail[@]})); then
	echo "e2e FAILED: ${fail[*]}"
	exit 1
fi
