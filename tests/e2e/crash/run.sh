#!/usr/bin/env bash
# Crash handler: a fatal signal takes the node out of the network at once.
# For SIGSEGV, SIGABRT and SIGBUS in turn, on a running mgw that forwards:
# - the veth peers of both data ports show NO-CARRIER within 100 ms of the
#   signal (measured by polling their flags every 0.5 ms);
# - mgw dies by that very signal (wait status 128 + signal number);
# - its stderr holds exactly one line from the handler;
# - the next start brings the ports' kernel interfaces back up.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init crash 90
ulimit -c 0   # the handler keeps the core dump; this test does not want 3 of them

tb_topology 1
tb_http_backends 1
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 1) } ]"
PEERS="$(tb_nsname c):c0 $(tb_nsname sw):s-lb"

# stdout and stderr apart: the handler's line is looked for in stderr.
start_mgw() {
	ip netns exec "$(tb_nsname lb)" "$TB_MGW" -c "$TB_DIR/mgw.json" \
		>"$TB_DIR/mgw-$1.log" 2>"$TB_DIR/mgw-$1.err" &
	MGW_PID=$!
	TB_PIDS+=("$MGW_PID")
	tb_wait 20 tb_mgw_online
}

for sig in SEGV ABRT BUS; do
	num=$(kill -l "$sig")
	start_mgw "$sig" || { tb_log "mgw did not come online"; cat "$TB_DIR/mgw-$sig.err" >&2; exit 1; }
	tb_check "SIG$sig: ports' peers have carrier after start" \
		$TB_PY "$TB_ROOT/tests/lib/carrier.py" --up --timeout 5 $PEERS
	tb_expect_eq "SIG$sig: forwarding before the crash" b1 \
		"$(tb_client curl -s --max-time 5 "http://$TB_VIP/")"

	out=$($TB_PY "$TB_ROOT/tests/lib/carrier.py" --kill "$MGW_PID" "$sig" --timeout 2 $PEERS)
	tb_log "SIG$sig: carrier lost after (ms): $(tr '\n' ' ' <<<"$out")"
	while read -r peer ms; do
		tb_check "SIG$sig: $peer NO-CARRIER within 100 ms ($ms ms)" \
			$TB_PY -c "import sys; sys.exit(0 if float('$ms') < 100 else 1)"
	done <<<"$(sed 's/timeout/1e9/' <<<"$out")"
	tb_check "SIG$sig: ip link shows NO-CARRIER" \
		bash -c "ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"

	rc=0
	wait "$MGW_PID" || rc=$?
	tb_expect_eq "SIG$sig: mgw killed by SIG$sig (wait status)" $((128 + num)) "$rc"
	tb_expect_eq "SIG$sig: one line from the handler in stderr" 1 \
		"$(grep -c '^mgw: fatal ' "$TB_DIR/mgw-$sig.err")"
	tb_check "SIG$sig: the line names the signal" grep -q "^mgw: fatal SIG$sig ($num)" \
		"$TB_DIR/mgw-$sig.err"
	tb_log "SIG$sig: $(grep '^mgw: fatal' "$TB_DIR/mgw-$sig.err")"
done
tb_done
