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
for k in 1 2 3; do
	tb_check "node $k holds 10.1.0.$((99 + k))" tb_wait 10 sc_holds lb$k 10.1.0.$((99 + k))
done

own() { sc_cl "$1" 'j["sync"]["sessions_local"]'; }
from() { sc_cl "$1" 'j["sync"]["sessions_from_peers"]'; }
every_node_holds_all() {   # each node: own + from peers = the total of owns
	local t=0 k
	for k in 1 2 3; do t=$((t + $(own lb$k))); done
	((t >= NTCP + NUDP)) || return 1
	for k in 1 2 3; do (( $(own lb$k) + $(from lb$k) == t )) || return 1; done
}
sc_flows_start kill
tb_check "every node holds every session" tb_wait 15 every_node_holds_all
o1=$(own lb1); o2=$(own lb2); o3=$(own lb3)
tb_log "sessions owned: node 1 $o1, node 2 $o2, node 3 $o3 (each holds $((o1 + o2 + o3)))"
tb_check "node 2 owns flows ($o2)" [ "$o2" -gt 0 ]
sleep 2

t0=$(now_ms)
kill -KILL "$MGW_PID_lb2"; wait "$MGW_PID_lb2" 2>/dev/null
tb_x lb2 "$TB_MGW" --down-ports -c "$TB_DIR/mgw-lb2.json" >&2
heir_found() { sc_holds lb1 10.1.0.101 || sc_holds lb3 10.1.0.101; }
tb_check "a survivor holds node 2's local IP" tb_wait 10 heir_found
s1=$(sc_lip_state lb1 10.1.0.101); s3=$(sc_lip_state lb3 10.1.0.101)
tb_log "node 2's local IP $(( $(now_ms) - t0 )) ms after the kill: node 1 $s1, node 3 $s3"
if [[ $s1 == held ]]; then heir=1; other=3; else heir=3; other=1; fi
sleep 1
tb_expect_eq "exactly one heir: node $other does not hold it" idle "$(sc_lip_state lb$other 10.1.0.101)"
tb_check "backend 1's ARP cache points at the heir, node $heir" tb_wait 5 sc_arp_is 10.1.0.101 "$(sc_mac_of lb$heir)"
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
sc_flows_stop kill "kill -9 of node 2"
tb_done
