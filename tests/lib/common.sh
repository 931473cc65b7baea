# Shared helpers for end-to-end scenarios. Source it, then call tb_init.
#
# Every scenario runs in network namespaces it makes itself, named
# "<prefix>-<role>" with a prefix unique to the run, so scenarios (and
# helpers running in parallel) never collide. tb_init installs a trap that
# kills exactly the PIDs the scenario started (tb_bg) and deletes exactly
# the namespaces it made (tb_ns), whatever way the script ends.

TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# What the scenarios run; `make check SAN=1` points these at build-san/.
TB_BUILD=${TB_BUILD:-$TB_ROOT/build}
TB_MGW=${TB_MGW:-$TB_ROOT/mgw}
TB_MGWADM=${TB_MGWADM:-$TB_ROOT/mgwadm}
TB_PIDS=()
TB_NSS=()
TB_FAILED=0

tb_log() { printf '[%s %s] %s\n' "$(date +%T.%3N)" "${TB_NAME:-tb}" "$*" >&2; }

# tb_init NAME [SECONDS]: temp dir, unique prefix, cleanup trap, deadline.
tb_init() {
	TB_NAME=$1
	TB_DEADLINE=$(( $(date +%s) + ${2:-150} ))
	TB_DIR=$(mktemp -d "/tmp/mgw-$1.XXXXXX")
	chmod 755 "$TB_DIR"
	TB_P="${1:0:8}$$"
	TB_P=${TB_P//_/}
	trap tb_cleanup EXIT
	trap 'tb_log "interrupted"; exit 130' INT TERM
	[[ $EUID == 0 ]] || { echo "e2e tests need root (network namespaces)"; exit 1; }
}

tb_cleanup() {
	local rc=$?
	trap - EXIT
	local p
	for p in "${TB_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		local alive=0
		for p in "${TB_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || break
		sleep 0.2
	done
	for p in "${TB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${TB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	local ns
	for ns in "${TB_NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if ((rc != 0 || TB_FAILED)) && [[ -n ${TB_KEEP_LOGS:-} || -n ${CI:-} ]]; then
		local f
		for f in "$TB_DIR"/*.log; do
			[[ -s $f ]] || continue
			echo "----- ${f##*/} (last 40 lines)"; tail -n 40 "$f"
		done
	fi
	[[ -n ${TB_KEEP_DIR:-} ]] || rm -rf "$TB_DIR"
	exit $rc
}

# tb_ns ROLE: create namespace "$TB_P-ROLE" with lo up; prints nothing.
tb_ns() {
	local ns="$TB_P-$1"
	ip netns add "$ns" || return 1
	TB_NSS+=("$ns")
	ip -n "$ns" link set lo up
}

# tb_nsname ROLE: the full namespace name.
tb_nsname() { echo "$TB_P-$1"; }

# tb_x ROLE cmd...: run a command in a role's namespace.
tb_x() { local ns="$TB_P-$1"; shift; ip netns exec "$ns" "$@"; }

# tb_veth ROLE1 IF1 ROLE2 IF2: a veth pair between two namespaces, both up.
tb_veth() {
	ip link add name "$2" netns "$TB_P-$1" type veth peer name "$4" netns "$TB_P-$3" || return 1
	ip -n "$TB_P-$1" link set "$2" up
	ip -n "$TB_P-$3" link set "$4" up
}

# tb_bg ROLE LOGNAME cmd...: start cmd in the background in a namespace,
# output to $TB_DIR/LOGNAME.log; its PID is recorded for cleanup and left
# in TB_LAST_PID.
tb_bg() {
	local ns="$TB_P-$1" log="$TB_DIR/$2.log"; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	TB_LAST_PID=$!
	TB_PIDS+=("$TB_LAST_PID")
}

# tb_wait SECONDS cmd...: poll cmd every 0.1 s until it succeeds.
tb_wait() {
	local end=$(( $(date +%s%N) + $1 * 1000000000 )); shift
	while (( $(date +%s%N) < end )); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# tb_wait_check DESCRIPTION SECONDS cmd...: poll cmd every 0.1 s until it
# succeeds (FRR topotests' run_and_expect) and record the result like
# tb_check: "ok" with the time it took, or FAIL if it never did. Leaves the
# milliseconds waited in TB_WAITED_MS; returns cmd's last verdict. Use it
# instead of a tb_wait whose result is dropped followed by a re-query.
tb_wait_check() {
	local what=$1 secs=$2 t0 rc=0; shift 2
	t0=$(date +%s%N)
	tb_wait "$secs" "$@" || rc=1
	TB_WAITED_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	if ((rc == 0)); then
		tb_log "ok   - $what (after $TB_WAITED_MS ms)"
	else
		tb_log "FAIL - $what (not within $secs s)"
		TB_FAILED=1
	fi
	return $rc
}

tb_time_left() { echo $(( TB_DEADLINE - $(date +%s) )); }

# tb_check DESCRIPTION cmd...: run an assertion; record and print the result.
tb_check() {
	local what=$1; shift
	if "$@"; then
		tb_log "ok   - $what"
	else
		tb_log "FAIL - $what"
		TB_FAILED=1
	fi
}

# tb_expect_eq DESCRIPTION EXPECTED ACTUAL
tb_expect_eq() {
	if [[ "$2" == "$3" ]]; then
		tb_log "ok   - $1 ($3)"
	else
		tb_log "FAIL - $1: expected '$2', got '$3'"
		TB_FAILED=1
	fi
}

# tb_done: exit with the scenario's verdict.
tb_done() {
	if ((TB_FAILED)); then tb_log "scenario FAILED"; exit 1; fi
	tb_log "scenario passed"
	exit 0
}
