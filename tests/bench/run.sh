#!/usr/bin/env bash
# tests/bench/run.sh — `make bench`: the in-process data-plane benchmark
# (build/bench), then, when a netns testbed can be made, the API at scale
# (tests/bench/api.sh) and requests through the VIP (tests/bench/vip.sh).
# Prints numbers, asserts none; the last line is one JSON object with every
# number (docs/bench.md says what each one means).
#
# Hugepages: 1 GB pages if it can have them, else 2 MB pages; when fewer
# than the run needs are free it raises the pool for the run and puts the
# old value back (before the API part, and on any exit). If it cannot, the
# bench runs on 4 KB pages (--no-huge) and says so.
#
#   BENCH_ARGS="--quick"   small tables, short runs
#   BENCH_API=0            skip the API numbers
#   BENCH_VIP=0            skip the requests through the VIP
#   BENCH_LCORE=1          the core the data core runs on
#   BENCH_ARGS="--wrap-secs 60"   the ports-wrapping run's length
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
bin=build/bench
mem_mb=${BENCH_MEM_MB:-1600}
lcore=${BENCH_LCORE:-1}
out=$(mktemp /tmp/mgw-bench.XXXXXX)
hp1g=/sys/kernel/mm/hugepages/hugepages-1048576kB
hp2m=/sys/kernel/mm/hugepages/hugepages-2048kB
hp_restore=()   # "file value" pairs to put back

hp_give_back() {
	local i
	for ((i = 0; i < ${#hp_restore[@]}; i += 2)); do
		echo "${hp_restore[i + 1]}" >"${hp_restore[i]}" 2>/dev/null
		echo "bench: ${hp_restore[i]} back to ${hp_restore[i + 1]}"
	done
	hp_restore=()
}

cleanup() {
	hp_give_back
	rm -f "$out" "$out.api" "$out.vip"
}
trap cleanup EXIT

# hp_get DIR PAGES: make PAGES pages of that size free (raising the pool
# for the run if it can); 0 when they are.
hp_get() {
	local dir=$1 want=$2 free nr
	[[ -d $dir ]] || return 1
	free=$(cat "$dir/free_hugepages")
	((free >= want)) && return 0
	[[ -w $dir/nr_hugepages ]] || return 1
	nr=$(cat "$dir/nr_hugepages")
	echo $((nr + want - free)) >"$dir/nr_hugepages" 2>/dev/null
	if (($(cat "$dir/free_hugepages") < want)); then
		echo "$nr" >"$dir/nr_hugepages" 2>/dev/null   # not enough: all back
		return 1
	fi
	hp_restore+=("$dir/nr_hugepages" "$nr")
	echo "bench: $dir/nr_hugepages $nr -> $(cat "$dir/nr_hugepages") for the run"
}

eal=(-l "$lcore" --log-level='*:warning')
# 1 GB pages first: one TLB entry covers a gigabyte of the session table
# (10 M sessions: 10 % faster here). Then 2 MB pages. -m reserves the
# memory at start, so nothing else takes the pages meanwhile.
if hp_get "$hp1g" $(((mem_mb + 1023) / 1024)); then
	eal+=(--in-memory -m $(((mem_mb + 1023) / 1024 * 1024)))
	huge="--hugepages 1G"
elif hp_get "$hp2m" $(((mem_mb + 1) / 2 + 8)); then
	eal+=(--in-memory -m "$mem_mb")
	huge="--hugepages 2M"
else
	echo "bench: no $mem_mb MB of hugepages; running on 4 KB pages"
	eal+=(--no-huge -m "$mem_mb" --file-prefix="mgw-bench$$")
	huge=""
fi

start=$(date +%s)
# The exception path as mgw has it: a TAP, made in a network namespace of
# the bench's own (unshare: nothing appears in this one, and it goes with
# the process); IPv6 off there, so the kernel sends nothing on it.
wrap=()
tap=""
if ((EUID == 0)) && command -v unshare >/dev/null && [[ -c /dev/net/tun ]]; then
	wrap=(unshare -n sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 && exec "$0" "$@"')
	tap="--tap"
fi
# shellcheck disable=SC2086
"${wrap[@]}" "$bin" "${eal[@]}" -- $huge $tap ${BENCH_ARGS:-} | tee "$out"
rc=${PIPESTATUS[0]}
# The pages are no longer needed: give them back before the API part.
hp_give_back
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
vip="{}"
if [[ ${BENCH_VIP:-1} != 0 ]]; then
	if tests/bench/vip.sh >"$out.vip" 2>&1; then
		vip=$(tail -n 1 "$out.vip")
		grep -E "^(Requests|vip:)" "$out.vip"
	else
		echo "bench: requests through the VIP not measured:"
		tail -n 5 "$out.vip"
	fi
fi
echo "bench: $(($(date +%s) - start)) s in all"
/usr/bin/python3 - "$(tail -n 1 "$out")" "$api" "$vip" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
for k, v in json.loads(sys.argv[2]).items():
    r["api_" + k if not k.startswith("api_") else k] = v
r.update(json.loads(sys.argv[3]))
print(json.dumps(r, separators=(",", ":")))
PY
