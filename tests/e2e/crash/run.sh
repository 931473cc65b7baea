#!/usr/bin/env bash
# Crash handler: a fatal signal takes the node out of the network at once.
# For SIGSEGV, SIGABRT and SIGBUS sent with kill, then for a data lcore that
# really crashes (fault injection: its stack overrun — only a handler on an
# alternate stack can run then — and a NULL write), on a mgw that forwards:
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
    \"servers\": $(tb_servers_json 8080 1) } ]" '"debug": { "fault_injection": true },'
PEERS="$(tb_nsname c):c0 $(tb_nsname sw):s-lb"

# stdout and stderr apart: the handler's line is looked for in stderr.
start_mgw() {
	ip netns exec "$(tb_nsname lb)" "$TB_MGW" -c "$TB_DIR/mgw.json" \
		>"$TB_DIR/mgw-$1.log" 2>"$TB_DIR/mgw-$1.err" &
	MGW_PID=$!
	TB_PIDS+=("$MGW_PID")
	tb_wait 20 tb_mgw_online
}

for how in SEGV ABRT BUS overflow null; do
	case $how in
	overflow|null)
		sig=SEGV
		trigger=(--run ip netns exec "$(tb_nsname lb)" curl -s -o /dev/null -X POST
			 --data "{\"kind\": \"crash_lcore\", \"lcore\": 1, \"how\": \"$how\"}"
			 http://127.0.0.1:8080/api/v1/debug/fault) ;;
	*)
		sig=$how ;;
	esac
	num=$(kill -l "$sig")
	start_mgw "$how" || { tb_log "mgw did not come online"; cat "$TB_DIR/mgw-$how.err" >&2; exit 1; }
	[[ $how == "$sig" ]] && trigger=(--kill "$MGW_PID" "$sig")
	tb_check "$how: ports' peers have carrier after start" \
		$TB_PY "$TB_ROOT/tests/lib/carrier.py" --up --timeout 5 $PEERS
	tb_expect_eq "$how: forwarding before the crash" b1 \
		"$(tb_client curl -s --max-time 5 "http://$TB_VIP/")"

	out=$($TB_PY "$TB_ROOT/tests/lib/carrier.py" --timeout 2 $PEERS "${trigger[@]}")
	tb_log "$how: carrier lost after (ms): $(tr '\n' ' ' <<<"$out")"
	while read -r peer ms; do
		tb_check "$how: $peer NO-CARRIER within 100 ms ($ms ms)" \
			$TB_PY -c "import sys; sys.exit(0 if float('$ms') < 100 else 1)"
	done <<<"$(sed 's/timeout/1e9/' <<<"$out")"
	tb_check "$how: ip link shows NO-CARRIER" \
		bash -c "ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"

	rc=0
	wait "$MGW_PID" || rc=$?
	tb_expect_eq "$how: mgw killed by SIG$sig (wait status)" $((128 + num)) "$rc"
	tb_expect_eq "$how: one line from the handler in stderr" 1 \
		"$(grep -c '^mgw: fatal ' "$TB_DIR/mgw-$how.err")"
	tb_check "$how: the line names the signal" grep -q "^mgw: fatal SIG$sig ($num)" \
		"$TB_DIR/mgw-$how.err"
	tb_log "$how: $(grep '^mgw: fatal' "$TB_DIR/mgw-$how.err")"
	if [[ $how != "$sig" ]]; then
		tb_check "$how: a fault in the data lcore, not a signal sent" \
			grep -q "^mgw: fatal SIGSEGV (11) at 0x[0-9a-f]* in thread [0-9]* (rte-worker-" \
			"$TB_DIR/mgw-$how.err"
	fi
done
tb_done
