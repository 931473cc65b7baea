# The synced cluster testbed shared by the failover scenarios: TB_NODES
# (default 2) mgw nodes behind BIRD (OSPF, ECMP, see tb_cluster), session
# sync between all of them over the server LAN, a TCP service on :80 and a
# UDP one on :53 (mh) in front of two backends. Source after common.sh and
# testbed.sh and tb_init; then sc_setup, sc_start_both (or sc_start_all).
#   node K: wan 10.201.K.2, lan 10.1.0.(K+1), local IP 10.1.0.(99+K), mgw-lbK.json

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

sc_sync_of() {   # sc_sync_of K: node K's sync section (its peers: every other node)
	local o peers=""
	for ((o = 1; o <= ${TB_NODES:-2}; o++)); do
		((o == $1)) && continue
		peers+="${peers:+, }{ \"id\": $o, \"ip\": \"10.1.0.$((o + 1))\", \"localips\": [ \"10.1.0.$((99 + o))\" ] }"
	done
	echo "\"sync\": { \"port\": \"lan\", \"key_file\": \"$TB_DIR/sync.key\", \"heartbeat_ms\": 100,
		\"dead_after_ms\": 1000, \"peers\": [ $peers ] },"
}

# sc_setup [EXTRA]: namespaces, backends, key, configs, the router.
# EXTRA: more top-level config members ("\"timeouts\": {...},"); the
# services in SC_MORE_SERVICES (", { ... }") are added to the two.
sc_setup() {
	local services routing extra
	tb_cluster 2
	tb_http_backends 2
	tb_udp_echo 1 53
	tb_udp_echo 2 53
	# A router drops the nexthops whose link is down at once.
	tb_x r sysctl -qw net.ipv4.conf.all.ignore_routes_with_linkdown=1
	head -c 32 /dev/urandom | base64 >"$TB_DIR/sync.key"
	chmod 600 "$TB_DIR/sync.key"
	services="[ { \"proto\": \"tcp\", \"vip\": \"$TB_CVIP\", \"port\": 80, \"scheduler\": \"mh\",
		\"servers\": $(tb_servers_json 8080 2) },
		{ \"proto\": \"udp\", \"vip\": \"$TB_CVIP\", \"port\": 53, \"scheduler\": \"mh\",
		\"servers\": $(tb_servers_json 53 2) } ${SC_MORE_SERVICES:-} ]"
	routing='{ "ospf": { "area": "0.0.0.0", "interfaces": [ { "port": "wan", "type": "ptp", "hello_s": 1, "dead_s": 3 } ] } }'
	# A shared 2-core box stalls the data lcores now and then: a node
	# must not turn faulty (links down) over it in the middle of a test.
	for ((k = 1; k <= ${TB_NODES:-2}; k++)); do
		extra="$(sc_sync_of $k) \"selfcheck\": { \"interval_ms\": 2000, \"recover\": \"auto\" }, ${1:-}"
		tb_node_config $k "$services" "$routing" "$extra"
	done
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
}

sc_cluster() { TB_LB=$1 tb_api GET /api/v1/cluster; }
sc_cl() { sc_cluster "$1" | tb_json "$2"; }
sc_state() { ip netns exec "$(tb_nsname "$1")" curl -s --max-time 2 http://127.0.0.1:8080/api/v1/status |
	$TB_PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null; }
sc_state_is() { [[ $(sc_state "$1") == "$2" ]]; }
sc_gw_is() { [[ $(tb_router_gateways $TB_CVIP) == "$1" ]]; }

# sc_run K [TAG]: start node K's mgw (MGW_PID_lbK).
sc_run() {
	tb_bg lb$1 "mgw-lb$1${2:-}" "$TB_MGW" -c "$TB_DIR/mgw-lb$1.json"
	eval "MGW_PID_lb$1=$TB_LAST_PID"
}

sc_start_all() {
	local k
	for ((k = 1; k <= ${TB_NODES:-2}; k++)); do sc_run $k; done
	for ((k = 1; k <= ${TB_NODES:-2}; k++)); do
		tb_check "node $k online" tb_wait 30 sc_state_is lb$k online
	done
}

sc_start_both() {
	sc_run 1
	sc_run 2
	tb_check "node 1 online" tb_wait 20 sc_state_is lb1 online
	tb_check "node 2 online" tb_wait 20 sc_state_is lb2 online
}
