#!/usr/bin/env bash
# Consistent placement as a second net (issue 13), on the synced cluster
# testbed (tests/lib/sync_cluster.sh) with session sync cut between the two
# nodes, so that neither knows the other's sessions — what a flow meets
# when sync or a takeover has missed it:
# - mh: UDP flows from 60 client addresses through node 1, then the same
#   flows through node 2 (the router steered by a policy route): every flow
#   reaches the same server on both nodes (their Maglev tables are the
#   same: mh_digest), and both servers take flows;
# - a TCP connection opened through node 1 whose next request reaches node
#   2, which has no session for it: dropped and counted (no_session), no
#   RST; steered back to node 1, the client's retransmission finds the
#   session and the connection carries on.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/sync_cluster.sh"
tb_init fo_mh 200

sc_setup
sc_start_both
tb_check "router: VIP with two nexthops" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2

# Sync cut (as a split brain): no session reaches the other node.
sc_sync_cut
sleep 3
tb_expect_eq "node 2 did not take node 1's local IP" idle "$(sc_lip_state lb2 10.1.0.100)"

# The client's packets through one node: a policy route in the router.
via() { tb_x r ip route replace "$TB_CVIP/32" via "$1" table 100; }
via 10.201.1.2
tb_x r ip rule add iif r-c lookup 100 pref 100
drop_of() { TB_LB=$1 tb_api GET /api/v1/stats | tb_json "j['totals']['drops'].get('$2', 0)"; }

# ---- mh: the same server from either node ----
digest() { TB_LB=$1 tb_api GET /api/v1/services | tb_json "[s['mh_digest'] for s in j if s['port'] == 53][0]"; }
tb_expect_eq "both nodes have the same Maglev table" "$(digest lb1)" "$(digest lb2)"
for ((i = 10; i < 70; i++)); do tb_x c ip addr add 10.9.0.$i/24 dev c0; done
tb_x c $TB_PY "$TB_ROOT/tests/lib/mh_probe.py" udp $TB_CVIP 60 10.9.0.10 >"$TB_DIR/mh1.txt"
via 10.201.2.2
tb_x c $TB_PY "$TB_ROOT/tests/lib/mh_probe.py" udp $TB_CVIP 60 10.9.0.10 >"$TB_DIR/mh2.txt"
n1=$(awk '$2 != "-"' "$TB_DIR/mh1.txt" | wc -l); n2=$(awk '$2 != "-"' "$TB_DIR/mh2.txt" | wc -l)
tb_expect_eq "60 UDP flows answered through node 1" 60 "$n1"
tb_expect_eq "the same 60 answered through node 2" 60 "$n2"
same=$(paste "$TB_DIR/mh1.txt" "$TB_DIR/mh2.txt" | awk '$2 == $4 && $2 != "-"' | wc -l)
spread=$(awk '{ print $2 }' "$TB_DIR/mh1.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
tb_log "servers through node 1: $spread; the same server through node 2: $same of 60"
tb_expect_eq "every flow reaches the same server through either node" 60 "$same"
tb_check "both servers take flows" [ "$(awk '{ print $2 }' "$TB_DIR/mh1.txt" | sort -u | wc -l)" -eq 2 ]
s1=$(sc_cl lb1 'j["sync"]["sessions_from_peers"]'); s2=$(sc_cl lb2 'j["sync"]["sessions_from_peers"]')
tb_expect_eq "and neither node had the other's sessions" "0 0" "$s1 $s2"

# ---- a mid-connection TCP packet with no session: dropped, counted, no RST ----
via 10.201.1.2
rm -f "$TB_DIR/go"
tb_bg c mhtcp $TB_PY "$TB_ROOT/tests/lib/mh_probe.py" tcp $TB_CVIP "$TB_DIR/go" "$TB_DIR/tcp.out"
tcp_pid=$TB_LAST_PID
first_ok() { grep -q '^first ok' "$TB_DIR/tcp.out"; }
tb_check "a keep-alive connection through node 1 answers" tb_wait 10 first_ok
ns0=$(drop_of lb2 no_session)
via 10.201.2.2
touch "$TB_DIR/go"
more_drops() { (( $(drop_of lb2 no_session) > ns0 )); }
tb_check "node 2, with no session for it, drops its next request (counted)" tb_wait 5 more_drops
sleep 1
ns1=$(drop_of lb2 no_session)
tb_log "node 2 no_session drops: $ns0 -> $ns1 (the request and its retransmissions)"
tb_check "no answer yet, no reset" [ "$(grep -c '^second' "$TB_DIR/tcp.out")" -eq 0 ]
via 10.201.1.2
second_done() { grep -q '^second' "$TB_DIR/tcp.out"; }
tb_check "back through node 1 the retransmission finds the session" tb_wait 20 second_done
tb_expect_eq "the second request answered on the same connection" "second ok" \
	"$(grep '^second' "$TB_DIR/tcp.out")"
wait "$tcp_pid" 2>/dev/null

tb_x r ip rule del pref 100
sc_sync_mend
tb_done
