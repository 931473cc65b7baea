#!/usr/bin/env bash
# Failover (issue 13) on the synced cluster testbed routed by BGP instead of
# OSPF, with connections idle across the kill:
# - each node announces its own local IP at the low MED and its peer's at a
#   higher one (pre-announced by heir rank): BIRD's best route to each local
#   IP goes to its owner, and its second one to the heir;
# - tcp_established_s and udp_s 60: long-lived TCP connections and UDP flows
#   talk, then go silent for 50 s (the copies on the other node live on
#   the owner's timer plus the sync lease, not on packets), then node 1 is
#   SIGKILLed and its ports downed: node 2 takes its local IP, BIRD's route
#   to it moves to node 2, and when the flows talk again none of them is
#   broken — every one still talking 10 s later;
# - node 1 starts again, takes its local IP back, BIRD's routes return.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/sync_cluster.sh"
tb_init fo_bgp 260
NTCP=${FAILOVER_TCP:-200}
NUDP=${FAILOVER_UDP:-40}
IDLE_AFTER=8      # s after the flows' start they go silent
IDLE_FOR=54       # s they stay silent
KILL_AT=59        # s after the start node 1 is killed: 51 s of silence
SC_ROUTING=bgp

sc_setup '"timeouts": { "tcp_established_s": 60, "udp_s": 60 },'
sc_start_both
tb_check "node 1 holds 10.1.0.100" tb_wait 5 sc_holds lb1 10.1.0.100
tb_check "node 2 holds 10.1.0.101" tb_wait 5 sc_holds lb2 10.1.0.101
tb_check "router: VIP with two nexthops (BGP)" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2
tb_x r birdc -s "$TB_DIR/bird.ctl" show protocols >&2
# BIRD's routes to a local IP: "gateway med" per path, best first
lip_routes() {
	tb_x r birdc -s "$TB_DIR/bird.ctl" show route "$1/32" all | awk '
		$1 == "via" { gw = $2 }
		/BGP.med:/ { printf "%s%s %s", sep, gw, $2; sep = "," }'
}
only_via() { [[ $(lip_routes "$1") =~ ^$2\ [0-9]+$ ]]; }   # only_via IP GW: one path, via GW
r1=$(lip_routes 10.1.0.100); r2=$(lip_routes 10.1.0.101)
tb_log "BIRD's routes to the local IPs: 10.1.0.100 [$r1], 10.1.0.101 [$r2]"
med_order() {   # med_order IP OWNER HEIR: two paths, the owner's best with the lower MED
	local r; r=$(lip_routes "$1")
	[[ $r =~ ^$2\ ([0-9]+),$3\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] < BASH_REMATCH[2]))
}
tb_check "10.1.0.100: best via node 1, pre-announced by node 2 at a higher MED" \
	tb_wait 10 med_order 10.1.0.100 10.201.1.2 10.201.2.2
tb_check "10.1.0.101: best via node 2, pre-announced by node 1 at a higher MED" \
	tb_wait 10 med_order 10.1.0.101 10.201.2.2 10.201.1.2
tb_check "the router's kernel sends 10.1.0.100 to node 1" \
	tb_wait 5 bash -c "[[ \$(ip netns exec $(tb_nsname r) ip route show 10.1.0.100) == *'via 10.201.1.2'* ]]"

# ---- idle connections across a SIGKILL of node 1 ----
t_start=$(now_ms)
sc_flows_start idle --idle-after "$IDLE_AFTER" --idle-for "$IDLE_FOR"
tb_check "both nodes hold every session" tb_wait 10 sc_agree $((NTCP + NUDP))
s1=$(sc_cl lb1 'j["sync"]["sessions_local"]')
tb_log "sessions owned: node 1 $s1, node 2 $(sc_cl lb2 'j["sync"]["sessions_local"]')"
tb_check "node 1 owns flows too ($s1)" [ "$s1" -gt 0 ]
while (( $(now_ms) < t_start + KILL_AT * 1000 )); do sleep 0.2; done
# the flows have been silent since IDLE_AFTER: the copies are still there
tb_check "after 50 s of silence node 2 still holds node 1's sessions" sc_agree $((NTCP + NUDP))
tb_x lb2 "$TB_MGWADM" -L -n -c | grep -m 3 "synced from node 1" >&2
t0=$(now_ms)
kill -KILL "$MGW_PID_lb1"; wait "$MGW_PID_lb1" 2>/dev/null
tb_x lb1 "$TB_MGW" --down-ports -c "$TB_DIR/mgw-lb1.json" >&2
tb_log "node 1 killed $(( (t0 - t_start) / 1000 - IDLE_AFTER )) s into the silence"
tb_check "node 2 holds node 1's local IP" tb_wait 10 sc_holds lb2 10.1.0.100
tb_log "node 2 took 10.1.0.100 $(( $(now_ms) - t0 )) ms after the kill"
tb_check "BIRD's route to 10.1.0.100 moved to node 2" tb_wait 10 only_via 10.1.0.100 10.201.2.2
tb_log "BIRD's route to 10.1.0.100 after the kill: [$(lip_routes 10.1.0.100)] $(( $(now_ms) - t0 )) ms after it"
tb_check "the router has node 2 only for the VIP" tb_wait 10 sc_gw_is 10.201.2.2
ad=$(sc_cl lb2 'j["sync"]["failover"]["sessions_adopted"]')
tb_check "node 2 adopted node 1's sessions ($ad >= $s1)" [ "$ad" -ge "$s1" ]
# the flows talk again at IDLE_AFTER + IDLE_FOR; every one still talking 10 s later
while (( $(now_ms) < t_start + (IDLE_AFTER + IDLE_FOR + 10) * 1000 )); do sleep 0.2; done
sc_flows_stop idle "idle 51 s, then kill -9 of node 1"
tb_expect_eq "every flow talking at the end" 0 "$(tb_json 'j["silent_at_end"]' <"$TB_DIR/flows-idle.json")"
ans=$(tb_json 'j["answers"]' <"$TB_DIR/flows-idle.json")
tb_log "answers: $ans"

# ---- node 1 back ----
sc_run 1 b
tb_check "node 1 is back and online" tb_wait 30 sc_state_is lb1 online
tb_check "node 1 holds 10.1.0.100 again" tb_wait 10 sc_holds lb1 10.1.0.100
tb_check "BIRD's best route to 10.1.0.100 is node 1's again, node 2's behind it" \
	tb_wait 15 med_order 10.1.0.100 10.201.1.2 10.201.2.2
tb_check "router: two nexthops for the VIP again" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2
tb_done
