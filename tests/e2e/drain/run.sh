#!/usr/bin/env bash
# Graceful stop. With node.drain_s = 3 and a client fetching through the VIP
# all the time:
# - SIGTERM: the API shows state "stopping" at once; traffic still flows and
#   the ports keep their links during the drain; mgw exits 0 after drain_s;
#   only then do the ports' peers lose their carrier;
# - SIGINT: no drain, exit 0 at once, links down as well;
# - SIGKILL cannot be caught: the links stay up until the supervisor's
#   `mgw --down-ports -c FILE` (ExecStopPost= in packaging/mgw.service)
#   sets them down; the next start brings them up again.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init drain 60

tb_topology 1
tb_http_backends 1
MGW_DRAIN_S=3 tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80,
    \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 1) } ]"
tb_mgw_start || exit 1
PEERS="$(tb_nsname c):c0 $(tb_nsname sw):s-lb"
CARRIER="$TB_PY $TB_ROOT/tests/lib/carrier.py"
now_ms() { date +%s%3N; }

# The client: one request every 50 ms, "<epoch ms> <http code>" per line.
tb_bg c traffic bash -c "while :; do
	c=\$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://$TB_VIP/)
	echo \"\$(date +%s%3N) \$c\"; sleep 0.05; done"
tb_wait 5 grep -q ' 200$' "$TB_DIR/traffic.log" || { tb_log "no traffic"; exit 1; }

t0=$(now_ms)
$CARRIER --timeout 10 --kill "$MGW_PID" TERM $PEERS >"$TB_DIR/carrier.out" &
cpid=$!
stopping() { [[ $(tb_api GET /api/v1/status | tb_json 'j["state"]') == stopping ]]; }
tb_wait_check "SIGTERM: the API shows stopping" 1 stopping
while (($(now_ms) < t0 + 2000)); do sleep 0.05; done
tb_check "2 s into the drain: the client's link still has its carrier" \
	bash -c "! ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"
rc=0
wait "$MGW_PID" || rc=$?
t1=$(now_ms)
wait "$cpid"
tb_expect_eq "SIGTERM: exit status 0" 0 "$rc"
tb_log "SIGTERM: exited after $((t1 - t0)) ms; carrier lost after (ms): $(tr '\n' ' ' <"$TB_DIR/carrier.out")"
tb_check "SIGTERM: exit after drain_s ($((t1 - t0)) ms)" [ $((t1 - t0)) -ge 3000 ]
while read -r peer ms; do
	tb_check "SIGTERM: $peer loses its carrier only at the end ($ms ms)" \
		$TB_PY -c "import sys; sys.exit(0 if 3000 <= float('$ms') < 6000 else 1)"
done <"$TB_DIR/carrier.out"
tb_check "SIGTERM: ip link shows NO-CARRIER after the exit" \
	bash -c "ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"

# Requests answered during the drain (before the links go down at ~3 s).
read -r ok bad < <(awk -v a="$t0" -v b="$((t0 + 2800))" \
	'$1 >= a && $1 < b { if ($2 == 200) ok++; else bad++ } END { print ok + 0, bad + 0 }' \
	"$TB_DIR/traffic.log")
tb_log "during the drain: $ok requests answered, $bad failed"
tb_check "traffic flows during the drain ($ok answered)" [ "$ok" -ge 10 ]
tb_expect_eq "no request failed during the drain" 0 "$bad"

# SIGINT: at once.
tb_mgw_start || exit 1
t0=$(now_ms)
kill -INT "$MGW_PID"
rc=0
wait "$MGW_PID" || rc=$?
t1=$(now_ms)
tb_expect_eq "SIGINT: exit status 0" 0 "$rc"
tb_check "SIGINT: no drain ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 2500 ]
tb_check "SIGINT: links down" bash -c "ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"

# SIGKILL, then what the supervisor runs.
tb_mgw_start || exit 1
tb_check "restart: the peers have their carrier back" $CARRIER --up --timeout 3 $PEERS
kill -KILL "$MGW_PID"
wait "$MGW_PID" 2>/dev/null
tb_check "SIGKILL: the links stay up (nobody left to down them)" \
	bash -c "! ip -n $(tb_nsname c) link show c0 | grep -q NO-CARRIER"
out=$($CARRIER --timeout 3 $PEERS --run ip netns exec "$(tb_nsname lb)" "$TB_MGW" --down-ports \
	-c "$TB_DIR/mgw.json")
tb_log "mgw --down-ports: carrier lost after (ms): $(tr '\n' ' ' <<<"$out")"
tb_expect_eq "mgw --down-ports: both peers NO-CARRIER" 2 "$(grep -cv timeout <<<"$out")"
tb_expect_eq "mgw --down-ports: exit 0 and a count" "2 kernel interfaces down" \
	"$(tb_x lb "$TB_MGW" --down-ports -c "$TB_DIR/mgw.json" 2>/dev/null)"
tb_done
