#!/usr/bin/env bash
# Self-check: a detected fault takes the node out of the network; recovery
# brings it back. One mgw, its faults injected through the API:
# - fault injection refused (403) while debug.fault_injection is off; the
#   switch is restart-only (a PUT /config that flips it is a 400 and
#   changes nothing), so mgw is restarted with it on;
# - a stalled data lcore => state faulty (the reason names the lcore), its
#   state dumped by the watchdog, and the peers of both ports NO-CARRIER
#   within 1 s; the node stays down (recover: manual) until POST
#   /status/recover, after which the links are back and curl through the
#   VIP works;
# - mbuf pool exhaustion => the same; the mbufs given back, recovered;
# - recover: auto: a faked link-down => faulty (and stays so while the fault
#   lasts), cleared => back by itself after recover_after healthy checks; a
#   bounded stall soon after => the same, after twice as many (flap damping).
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init selfcheck 90

tb_topology 1
tb_http_backends 1
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 1) } ]" \
	'"selfcheck": { "interval_ms": 500, "recover": "manual" }, "debug": { "fault_injection": false },'
tb_mgw_start || exit 1
PEERS="$(tb_nsname c):c0 $(tb_nsname sw):s-lb"
CARRIER="$TB_PY $TB_ROOT/tests/lib/carrier.py"
API=http://127.0.0.1:8080/api/v1

state() { tb_api GET /api/v1/status | tb_json 'j["state"]'; }
reason() { tb_api GET /api/v1/status | tb_json 'j["state_reason"]'; }
http_ok() { [[ $(tb_client curl -s --max-time 2 "http://$TB_VIP/") == b1 ]]; }

# set_conf PYTHON: change the running config (as `j`) with PUT /config.
set_conf() {
	local new
	new=$(tb_api GET /api/v1/config | $TB_PY -c "import json,sys; j=json.load(sys.stdin); $1; print(json.dumps(j))")
	tb_api PUT /api/v1/config "$new" >/dev/null
	tb_expect_eq "PUT /config ($1)" 200 "$TB_HTTP_CODE"
}

# inject_measured WHAT BODY: inject a fault and measure until both peers
# lose their carrier; checks it is within 1 s.
inject_measured() {
	local out
	out=$($CARRIER --timeout 3 $PEERS --run ip netns exec "$(tb_nsname lb)" curl -s -o /dev/null \
		-X POST -H 'Content-Type: application/json' --data "$2" "$API/debug/fault")
	tb_log "$1: carrier lost after (ms): $(tr '\n' ' ' <<<"$out")"
	while read -r peer ms; do
		tb_check "$1: $peer NO-CARRIER within 1 s ($ms ms)" \
			$TB_PY -c "import sys; sys.exit(0 if float('$ms') < 1000 else 1)"
	done <<<"$(sed 's/timeout/1e9/' <<<"$out")"
}

recover_by_api() {
	tb_expect_eq "$1: POST /status/recover" online \
		"$(tb_api POST /api/v1/status/recover | tb_json 'j["state"]')"
	tb_check "$1: the peers have their carrier back" $CARRIER --up --timeout 3 $PEERS
	tb_wait_check "$1: traffic flows again through the VIP" 10 http_ok
}

tb_check "forwarding at start" http_ok

# Refused while off.
tb_api POST /api/v1/debug/fault '{"kind": "stall_lcore", "lcore": 1, "ms": 1000}' >/dev/null
tb_expect_eq "fault injection refused while off" 403 "$TB_HTTP_CODE"
tb_expect_eq "refusal names the switch" forbidden "$(tb_json 'j["error"]["code"]' <"$TB_DIR/api.out")"
sleep 1.2
tb_expect_eq "nothing was injected: still online" online "$(state)"

# restart-only: a PUT that flips it is refused, and injection stays off
new=$(tb_api GET /api/v1/config | $TB_PY -c "import json,sys; j=json.load(sys.stdin); j['debug']['fault_injection'] = True; print(json.dumps(j))")
tb_api PUT /api/v1/config "$new" >"$TB_DIR/last.json"
tb_expect_eq "PUT /config turning fault_injection on: 400 on that field" "400 debug.fault_injection" \
	"$TB_HTTP_CODE $(tb_json 'j["error"]["field"]' <"$TB_DIR/last.json")"
tb_api POST /api/v1/debug/fault '{"kind": "stall_lcore", "lcore": 1, "ms": 1000}' >/dev/null
tb_expect_eq "... and injection is still refused" 403 "$TB_HTTP_CODE"
tb_mgw_stop
sed -i 's/"fault_injection": false/"fault_injection": true/' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1
tb_api POST /api/v1/debug/fault '{"kind": "meteor"}' >/dev/null
tb_expect_eq "unknown fault kind: 400" 400 "$TB_HTTP_CODE"
tb_api POST /api/v1/debug/fault '{"kind": "stall_lcore", "lcore": 7}' >/dev/null
tb_expect_eq "stall of a lcore that is not a data lcore: 400" 400 "$TB_HTTP_CODE"

# A stalled lcore (manual recovery).
inject_measured "stall" '{"kind": "stall_lcore", "lcore": 1, "ms": 2500}'
tb_expect_eq "stall: state faulty" faulty "$(state)"
tb_check "stall: the reason names the lcore ($(reason))" grep -q "data lcore 0 made no loop" <<<"$(reason)"
tb_check "stall: warned after one period" grep -q "watchdog: data lcore 0 (EAL lcore 1) made no loop" "$TB_DIR/mgw.log"
tb_check "stall: the lcore's state dumped" grep -q "watchdog: data lcore 0 (EAL lcore 1) stuck: loops" "$TB_DIR/mgw.log"
tb_expect_eq "stall: logged once" 1 "$(grep -c 'self-check failed: data lcore 0' "$TB_DIR/mgw.log")"
tb_check "stall: no traffic while faulty" bash -c "! ip netns exec $(tb_nsname c) curl -s --max-time 1 http://$TB_VIP/"
sleep 2.5
tb_expect_eq "stall over: still faulty (recover: manual)" faulty "$(state)"
recover_by_api "stall"
tb_api POST /api/v1/status/recover >/dev/null
tb_expect_eq "recover when not faulty: 409" 409 "$TB_HTTP_CODE"

# mbuf exhaustion (manual recovery).
inject_measured "exhaust" '{"kind": "exhaust_mbufs"}'
tb_expect_eq "exhaust: state faulty" faulty "$(state)"
tb_check "exhaust: the reason names the pool ($(reason))" grep -q "mbuf pool" <<<"$(reason)"
tb_api POST /api/v1/debug/fault '{"kind": "clear"}' >/dev/null
tb_expect_eq "exhaust: clear" 200 "$TB_HTTP_CODE"
recover_by_api "exhaust"

# Auto recovery.
set_conf 'j["selfcheck"].update(recover="auto", recover_after=2)'
inject_measured "link_down" '{"kind": "link_down", "port": "wan"}'
tb_expect_eq "link_down: state faulty" faulty "$(state)"
tb_check "link_down: the reason names the port ($(reason))" grep -q "port wan: link down" <<<"$(reason)"
sleep 1.5
tb_expect_eq "link_down: still faulty while the fault lasts" faulty "$(state)"
out=$($CARRIER --up --timeout 5 $PEERS --run ip netns exec "$(tb_nsname lb)" curl -s -o /dev/null \
	-X POST --data '{"kind": "clear"}' "$API/debug/fault")
tb_log "auto recovery: carrier back after (ms): $(tr '\n' ' ' <<<"$out")"
tb_expect_eq "link_down cleared: both peers' carrier back by itself" 2 "$(grep -cv timeout <<<"$out")"
tb_expect_eq "link_down cleared: online again" online "$(state)"
tb_wait_check "auto: traffic flows again" 10 http_ok

inject_measured "auto stall" '{"kind": "stall_lcore", "lcore": 1, "ms": 1500}'
# Faulty again soon after an automatic recovery: a flap, so it now waits for
# twice recover_after healthy checks.
tb_wait_check "auto stall: back online by itself" 10 bash -c "[[ \$(ip netns exec $(tb_nsname lb) curl -s $API/status | $TB_PY -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])') == online ]]"
tb_check "auto stall: flap damping logged" grep -q "auto recovery now waits for 4 healthy checks" "$TB_DIR/mgw.log"
tb_check "auto stall: the peers' carrier back" $CARRIER --up --timeout 3 $PEERS
tb_wait_check "auto stall: traffic flows again" 10 http_ok

# Nor can it be switched off while running (restart-only both ways).
new=$(tb_api GET /api/v1/config | $TB_PY -c "import json,sys; j=json.load(sys.stdin); j['debug']['fault_injection'] = False; print(json.dumps(j))")
tb_api PUT /api/v1/config "$new" >/dev/null
tb_expect_eq "PUT /config turning fault_injection off: 400" 400 "$TB_HTTP_CODE"

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
