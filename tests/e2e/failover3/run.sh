#!/usr/bin/env bash
# Three synced nodes (issues 12 and 13): every node holds every session of
# the two others; node 2 is SIGKILLed (its supervisor downs its ports):
# - exactly one heir takes its local IP (the other survivor stays idle, the
#   servers' ARP caches show the heir), and adopts its sessions;
# - no long-lived TCP connection or UDP flow breaks, the survivors' own
#   included;
# - the heir's adopted sessions reach the third node as the heir's.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/sync_cluster.sh"
tb_init failover3 300
TB_NODES=3
NTCP=${FAILOVER_TCP:-300}
NUDP=${FAILOVER_UDP:-30}

sc_setup
sc_start_all
gw3() { sc_gw_is 10.201.1.2,10.201.2.2,10.201.3.2; }
tb_check "router: VIP with three nexthops" tb_wait 40 gw3
lip_state() { sc_cl "$1" "[l for l in j['sync']['failover']['localips'] if l['ip']=='$2'][0]['state']"; }
holds() { [[ $(lip_state "$1" "$2") == held ]]; }
for k in 1 2 3; do
	tb_check "node $k holds 10.1.0.$((99 + k))" tb_wait 10 holds lb$k 10.1.0.$((99 + k))
done

own() { sc_cl "$1" 'j["sync"]["sessions_local"]'; }
from() { sc_cl "$1" 'j["sync"]["sessions_from_peers"]'; }
every_node_holds_all() {   # each node: own + from peers = the total of owns
	local t=0 k
	for k in 1 2 3; do t=$((t + $(own lb$k))); done
	((t >= NTCP + NUDP)) || return 1
	for k in 1 2 3; do (( $(own lb$k) + $(from lb$k) == t )) || return 1; done
}
rm -f "$TB_DIR/stop"
tb_bg c flows $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp "$NTCP" --udp "$NUDP" \
	--open-rate 200 --stall-limit 12 --ports "$TB_DIR/ports" --stop "$TB_DIR/stop" --result "$TB_DIR/flows.json"
flows_pid=$TB_LAST_PID
tb_check "$((NTCP + NUDP)) flows open" tb_wait 30 bash -c "[[ \$(wc -l <'$TB_DIR/ports' 2>/dev/null) -ge $((NTCP + NUDP)) ]]"
tb_check "every node holds every session" tb_wait 15 every_node_holds_all
o1=$(own lb1); o2=$(own lb2); o3=$(own lb3)
tb_log "sessions owned: node 1 $o1, node 2 $o2, node 3 $o3 (each holds $((o1 + o2 + o3)))"
tb_check "node 2 owns flows ($o2)" [ "$o2" -gt 0 ]
sleep 2

t0=$(now_ms)
kill -KILL "$MGW_PID_lb2"; wait "$MGW_PID_lb2" 2>/dev/null
tb_x lb2 "$TB_MGW" --down-ports -c "$TB_DIR/mgw-lb2.json" >&2
heir_found() { holds lb1 10.1.0.101 || holds lb3 10.1.0.101; }
tb_check "a survivor holds node 2's local IP" tb_wait 10 heir_found
s1=$(lip_state lb1 10.1.0.101); s3=$(lip_state lb3 10.1.0.101)
tb_log "node 2's local IP $(( $(now_ms) - t0 )) ms after the kill: node 1 $s1, node 3 $s3"
if [[ $s1 == held ]]; then heir=1; other=3; else heir=3; other=1; fi
sleep 1
tb_expect_eq "exactly one heir: node $other does not hold it" idle "$(lip_state lb$other 10.1.0.101)"
mac=$(tb_x lb$heir cat /sys/class/net/lan/address)
arp_is() { tb_x b1 bash -c "echo > /dev/udp/10.1.0.101/9" 2>/dev/null
	[[ $(tb_x b1 ip neigh show 10.1.0.101 dev eth0) == *"$mac"* ]]; }
tb_check "backend 1's ARP cache points at the heir, node $heir" tb_wait 5 arp_is
ad=$(sc_cl lb$heir 'j["sync"]["failover"]["sessions_adopted"]')
tb_check "the heir adopted node 2's sessions ($ad >= $o2)" [ "$ad" -ge "$o2" ]
tb_check "router: the two survivors" tb_wait 10 sc_gw_is 10.201.1.2,10.201.3.2
# the third node learns the heir owns them now (its records update its copies)
survivors_agree() {   # each survivor: own + from peers = the survivors' owns
	local t=$(( $(own lb1) + $(own lb3) ))
	(( $(own lb1) + $(from lb1) >= t && $(own lb3) + $(from lb3) >= t && t >= NTCP + NUDP ))
}
tb_check "the survivors hold every session between them" tb_wait 15 survivors_agree
sleep 8
touch "$TB_DIR/stop"; wait "$flows_pid"
tb_log "flows: $(cat "$TB_DIR/flows.json")"
tb_expect_eq "no TCP connection and no UDP flow broke" "0 0" \
	"$(tb_json 'j["tcp_broken"], j["udp_broken"]' <"$TB_DIR/flows.json" | tr -d '(),')"
tb_log "longest stall: $(tb_json 'j["max_stall_ms"], j["p99_stall_ms"]' <"$TB_DIR/flows.json") ms (max, p99)"
tb_done
