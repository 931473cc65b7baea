#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: the in-process data-plane benchmark
# (build/bench), then, when a netns testbed can be made, the API at scale
# (tests/bench/api.sh). Prints numbers, asserts none; the last line is one
# JSON object with every number (README.md says what each one means).
#
# Hugepages: if fewer than the run needs are free, it raises
# vm.nr_hugepages for the run and puts the old value back at the end; if it
# cannot, the bench runs on 4 KB pages (--no-huge) and says so.
#
#   BENCH_ARGS="--quick"   small tables, short runs
#   BENCH_API=0            skip the API numbers
#   BENCH_LCORE=1          the core the data core runs on
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=build/bench
mem_mb=${BENCH_MEM_MB:-1600}
lcore=${BENCH_LCORE:-1}
out=$(mktemp /tmp/mgw-bench.XXXXXX)
hp_file=/proc/sys/vm/nr_hugepages
hp_old=""

cleanup() {
	if [[ -n $hp_old ]]; then
		echo "$hp_old" >"$hp_file" 2>/dev/null
		echo "bench: vm.nr_hugepages back to $hp_old"
	fi
	rm -f "$out" "$out.api"
}
trap cleanup EXIT

hp_free_mb() {
	awk '/^HugePages_Free:/ { f = $2 } /^Hugepagesize:/ { s = $2 }
	     END { print int(f * s / 1024) }' /proc/meminfo
}

eal=(-l "$lcore" --log-level='*:warning')
huge=""
if [[ $(hp_free_mb) -lt $mem_mb && -w $hp_file ]]; then
	hp_old=$(cat "$hp_file")
	size_kb=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
	want=$((hp_old + (mem_mb * 1024 + size_kb - 1) / size_kb + 8))
	echo "$want" >"$hp_file" 2>/dev/null
	echo "bench: vm.nr_hugepages $hp_old -> $(cat "$hp_file") for the run"
fi
if [[ $(hp_free_mb) -ge $mem_mb ]]; then
	# -m reserves the memory at start, so nothing else takes the pages
	# between now and when the tables are allocated.
	eal+=(--in-memory -m "$mem_mb")
	huge="--hugepages"
else
	echo "bench: no $mem_mb MB of hugepages; running on 4 KB pages"
	eal+=(--no-huge -m "$mem_mb" --file-prefix="mgw-bench$$")
fi

start=$(date +%s)
# shellcheck disable=SC2086
"$bin" "${eal[@]}" -- $huge ${BENCH_ARGS:-} | tee "$out"
rc=${PIPESTATUS[0]}
# The pages are no longer needed: give them back before the API part.
if [[ -n $hp_old ]]; then
	echo "$hp_old" >"$hp_file" 2>/dev/null
	echo "bench: vm.nr_hugepages back to $hp_old"
	hp_old=""
fi
((rc == 0)) || { echo "bench: build/bench failed ($rc)"; exit "$rc"; }

api="{}"
if [[ ${BENCH_API:-1} != 0 ]]; then
	if tests/bench/api.sh >"$out.api" 2>&1; then
		api=$(tail -n 1 "$out.api")
		grep -v '^{' "$out.api" | tail -n 5
	else
		echo "bench: API numbers not measured:"
		tail -n 5 "$out.api"
	fi
fi
echo "bench: $(($(date +%s) - start)) s in all"
/usr/bin/python3 - "$(tail -n 1 "$out")" "$api" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
for k, v in json.loads(sys.argv[2]).items():
    r["api_" + k if not k.startswith("api_") else k] = v
print(json.dumps(r, separators=(",", ":")))
PY
