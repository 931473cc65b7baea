# The synced cluster testbed shared by the failover scenarios: TB_NODES
# (default 2) mgw nodes behind BIRD (OSPF or BGP, ECMP, see tb_cluster), session
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
# SC_ROUTING=bgp: the nodes and the router speak BGP (AS 65001 / 65000)
# instead of OSPF.
sc_setup() {
	local services routing extra proto
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
		[[ ${SC_ROUTING:-ospf} == bgp ]] &&
			routing="{ \"bgp\": { \"local_as\": 65001, \"hold_s\": 3, \"peers\": [ { \"ip\": \"10.201.$k.1\", \"as\": 65000 } ] } }"
		tb_node_config $k "$services" "$routing" "$extra"
	done
	if [[ ${SC_ROUTING:-ospf} == bgp ]]; then
		proto='template bgp lbnode {
  local as 65000;
  hold time 3; keepalive time 1;
  connect retry time 2; error wait time 1, 5;
  ipv4 { import all; export none; };
}'
		for ((k = 1; k <= ${TB_NODES:-2}; k++)); do
			proto+=$'\n'"protocol bgp n$k from lbnode { neighbor 10.201.$k.2 as 65001; }"
		done
	else
		proto='protocol ospf v2 up {
  ecmp yes limit 16;
  ipv4 { import all; export none; };
  area 0 { interface "r-n*" { type ptp; hello 1; dead 3; }; };
}'
	fi
	cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; merge paths yes limit 16; }
$proto
CONF
	tb_bg r bird bird -f -c "$TB_DIR/bird.conf" -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid"
}

sc_cluster() { TB_LB=$1 tb_api GET /api/v1/cluster; }
sc_cl() { sc_cluster "$1" | tb_json "$2"; }
sc_state() { ip netns exec "$(tb_nsname "$1")" curl -s --max-time 2 http://127.0.0.1:8080/api/v1/status |
	$TB_PY -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null; }
sc_state_is() { [[ $(sc_state "$1") == "$2" ]]; }
# sc_sync_cut / sc_sync_mend: drop the sync datagrams between the nodes in
# the server LAN's switch (a split brain: both alive, neither heard), and
# let them through again. sc_sync_cut waits until each side sees the other
# down.
sc_peer_down() { [[ $(sc_cl "$1" 'j["sync"]["peers"][0]["state"]') == down ]]; }
sc_sync_cut() {
	tb_x sw nft add table bridge split
	tb_x sw nft add chain bridge split f '{ type filter hook forward priority 0; }'
	tb_x sw nft add rule bridge split f udp dport 8848 drop
	tb_check "sync cut: node 1 sees node 2 down" tb_wait 5 sc_peer_down lb1
	tb_check "and node 2 node 1" tb_wait 5 sc_peer_down lb2
}
sc_sync_mend() { tb_x sw nft delete table bridge split; }

# sc_stat NODE COUNTER: a counter of its /stats totals
sc_stat() { TB_LB=$1 tb_api GET /api/v1/stats | tb_json "j['totals'].get('$2', 0)"; }
# sc_drops NODE: its non-zero drop counters and its ports' rx losses
sc_drops() {
	TB_LB=$1 tb_api GET /api/v1/stats | tb_json '(
		{k: v for k, v in j["totals"]["drops"].items() if v},
		{p["name"]: p.get("imissed", 0) for p in j["ports"]})'
}
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

# --- who holds a local IP, and where the servers send its packets ---
sc_mac_of() { tb_x "$1" cat /sys/class/net/lan/address; }
sc_lip_state() {   # sc_lip_state NODE IP: idle | probing | held | ...
	sc_cl "$1" "[l for l in j['sync']['failover']['localips'] if l['ip']=='$2'][0]['state']"
}
sc_holds() { [[ $(sc_lip_state "$1" "$2") == held ]]; }
# sc_arp_is IP MAC: backend 1's neighbour entry for IP is MAC (asking for it first)
sc_arp_is() {
	tb_x b1 bash -c "echo > /dev/udp/$1/9" 2>/dev/null
	[[ $(tb_x b1 ip neigh show "$1" dev eth0 |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }') == "$2" ]]
}
sc_arp_dump() { tb_log "backend 1's neighbours: $(tb_x b1 ip neigh show | tr '\n' ';')"; }

# --- long-lived flows through the VIP (tests/lib/flows.py) ---
# sc_flows_start TAG [FLOWS.PY ARGS]: NTCP TCP connections and NUDP UDP
# flows (SC_FLOWS_PID), checked open.
sc_flows_start() {
	local tag=$1; shift
	rm -f "$TB_DIR/stop-$tag"
	tb_bg c "flows-$tag" $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp "$NTCP" --udp "$NUDP" \
		--open-rate 200 --stall-limit 12 --ports "$TB_DIR/ports-$tag" --stop "$TB_DIR/stop-$tag" \
		--result "$TB_DIR/flows-$tag.json" "$@"
	SC_FLOWS_PID=$TB_LAST_PID
	tb_check "$((NTCP + NUDP)) flows open" tb_wait 30 bash -c \
		"[[ \$(wc -l <'$TB_DIR/ports-$tag' 2>/dev/null) -ge $((NTCP + NUDP)) ]]"
}
# sc_flows_stop TAG WHAT: stop them; none broke; the longest stall printed
sc_flows_stop() {
	touch "$TB_DIR/stop-$1"; wait "$SC_FLOWS_PID"
	tb_log "flows ($2): $(cat "$TB_DIR/flows-$1.json")"
	tb_expect_eq "no TCP connection and no UDP flow broke ($2)" "0 0" \
		"$(tb_json 'j["tcp_broken"], j["udp_broken"]' <"$TB_DIR/flows-$1.json" | tr -d '(),')"
	tb_log "longest stall ($2): $(tb_json 'j["max_stall_ms"], j["p99_stall_ms"]' <"$TB_DIR/flows-$1.json") ms (max, p99)"
}
# sc_agree MIN [SLACK]: (two nodes) each node's own sessions = the other's
# copies (within SLACK), MIN in all
sc_agree() {
	local a b c d t=${2:-0}
	a=$(sc_cl lb1 'j["sync"]["sessions_local"]'); b=$(sc_cl lb1 'j["sync"]["sessions_from_peers"]')
	c=$(sc_cl lb2 'j["sync"]["sessions_local"]'); d=$(sc_cl lb2 'j["sync"]["sessions_from_peers"]')
	(( a - d <= t && d - a <= t && c - b <= t && b - c <= t && a + c >= $1 ))
}
