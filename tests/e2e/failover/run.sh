#!/usr/bin/env bash
# Failover with zero broken connections (issue 13) on the synced cluster
# testbed (tests/lib/sync_cluster.sh): two nodes behind BIRD, every node
# holding every session, each node's local IP inherited by the other.
# - both nodes claim their own local IPs once online; the servers' ARP
#   caches point at their owners;
# - long-lived TCP connections and UDP flows through both nodes; node 1 is
#   SIGKILLed and its supervisor runs `mgw --down-ports`: node 2 probes,
#   claims node 1's local IP (gratuitous ARP: the servers' caches move),
#   adopts its sessions, and no flow breaks (the longest stall printed);
# - node 1 starts again: pre-online until it holds the table, online, node
#   2 hands the local IP back, node 1 claims it, no flow breaks;
# - split brain: sync cut between two live nodes: each probes the other's
#   local IP, the probe is answered, nothing is claimed (counted);
# - rolling upgrade: SIGTERM and restart each node in turn under load: the
#   stopping node hands its local IP to its heir at the end of its drain,
#   no long-lived flow breaks and no new connection fails.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/sync_cluster.sh"
tb_init failover 400
NTCP=${FAILOVER_TCP:-500}
NUDP=${FAILOVER_UDP:-50}

sc_setup
sc_start_both
MAC1=$(sc_mac_of lb1); MAC2=$(sc_mac_of lb2)
tb_check "node 1 holds 10.1.0.100" tb_wait 5 sc_holds lb1 10.1.0.100
tb_check "node 2 holds 10.1.0.101" tb_wait 5 sc_holds lb2 10.1.0.101
tb_expect_eq "node 2 does not hold 10.1.0.100" idle "$(sc_lip_state lb2 10.1.0.100)"
tb_check "router: VIP with two nexthops" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2

# ---- SIGKILL of node 1 ----
sc_flows_start kill
tb_check "both nodes hold every session" tb_wait 10 sc_agree $((NTCP + NUDP))
s1=$(sc_cl lb1 'j["sync"]["sessions_local"]'); s2=$(sc_cl lb2 'j["sync"]["sessions_local"]')
tb_log "sessions owned: node 1 $s1, node 2 $s2"
tb_check "node 1 owns flows too ($s1)" [ "$s1" -gt 0 ]
nsync=$(tb_x lb2 "$TB_MGWADM" -L -n -c | grep -c "synced from node 1")
tb_check "mgwadm -L -n -c on node 2 marks node 1's sessions ($nsync of $s1)" [ "$nsync" -ge "$s1" ]
tb_check "backend 1 reaches 10.1.0.100 at node 1" tb_wait 3 sc_arp_is 10.1.0.100 "$MAC1"; sc_arp_is 10.1.0.100 "$MAC1" || sc_arp_dump
sleep 2
t0=$(now_ms)
kill -KILL "$MGW_PID_lb1"; wait "$MGW_PID_lb1" 2>/dev/null
tb_x lb1 "$TB_MGW" --down-ports -c "$TB_DIR/mgw-lb1.json" >&2
tb_check "node 2 holds node 1's local IP" tb_wait 10 sc_holds lb2 10.1.0.100
t1=$(now_ms)
tb_log "node 2 took 10.1.0.100 $((t1 - t0)) ms after the kill: $(sc_cl lb2 'j["sync"]["failover"]')"
tb_check "the router has node 2 only" tb_wait 10 sc_gw_is 10.201.2.2
tb_check "backend 1's ARP cache moved to node 2" tb_wait 5 sc_arp_is 10.1.0.100 "$MAC2"; sc_arp_is 10.1.0.100 "$MAC2" || sc_arp_dump
ad=$(sc_cl lb2 'j["sync"]["failover"]["sessions_adopted"]')
tb_log "node 2 adopted $ad sessions (node 1 owned $s1)"
tb_check "node 2 adopted node 1's sessions ($ad >= $s1)" [ "$ad" -ge "$s1" ]
# the same in /metrics, which promtool accepts
tb_x lb2 curl -s --max-time 3 http://127.0.0.1:8080/metrics >"$TB_DIR/metrics2.txt"
tb_check "metrics: node 2 holds 10.1.0.100 of node 1" \
	grep -q 'mgw_sync_localip_held{localip="10.1.0.100",owner="1"} 1' "$TB_DIR/metrics2.txt"
promtool check metrics <"$TB_DIR/metrics2.txt" >"$TB_DIR/promtool.out" 2>&1
tb_expect_eq "promtool check metrics (a synced node)" "0 0" "$? $(wc -c <"$TB_DIR/promtool.out")"
cat "$TB_DIR/promtool.out" >&2
sleep 8

# ---- node 1 back: pre-online, online, hand-back ----
t0=$(now_ms)
sc_run 1 b
tb_check "node 1 is back and online" tb_wait 30 sc_state_is lb1 online
tb_check "it was pre-online until it held the table and its local IP" \
	grep -q "pre-online -> online (joined: the sessions of 1 peers (0 down))" "$TB_DIR/mgw-lb1b.log"
tb_check "node 1 holds 10.1.0.100 again" tb_wait 10 sc_holds lb1 10.1.0.100
t1=$(now_ms)
tb_log "node 1 holds its local IP again $((t1 - t0)) ms after its start; node 2: $(sc_cl lb2 'j["sync"]["failover"]')"
tb_check "node 2 gave it back" test "$(sc_lip_state lb2 10.1.0.100)" != held
tb_check "backend 1's ARP cache moved back to node 1" tb_wait 5 sc_arp_is 10.1.0.100 "$MAC1"; sc_arp_is 10.1.0.100 "$MAC1" || sc_arp_dump
tb_check "router: two nexthops again" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2
sleep 5
sc_flows_stop kill "kill -9 of node 1 and its return"

# ---- split brain ----
p0=$(( $(sc_cl lb1 'j["sync"]["failover"]["probes_answered"]') + $(sc_cl lb2 'j["sync"]["failover"]["probes_answered"]') ))
sc_sync_cut
sleep 3
p1=$(( $(sc_cl lb1 'j["sync"]["failover"]["probes_answered"]') + $(sc_cl lb2 'j["sync"]["failover"]["probes_answered"]') ))
tb_log "split brain: probes answered $((p1 - p0))"
tb_check "the probes were answered ($((p1 - p0)))" [ $((p1 - p0)) -gt 0 ]
tb_expect_eq "node 1 did not take 10.1.0.101" idle "$(sc_lip_state lb1 10.1.0.101)"
tb_expect_eq "node 2 did not take 10.1.0.100" idle "$(sc_lip_state lb2 10.1.0.100)"
sc_sync_mend
peer_up() { [[ $(sc_cl "$1" 'j["sync"]["peers"][0]["state"]') == up ]]; }
tb_check "sync back" tb_wait 15 peer_up lb1
tb_check "sync back (node 2)" tb_wait 15 peer_up lb2
# What ended during the cut never reached the other node: the resync after
# it removes those stale copies (a new connection from one of their client
# ports would otherwise meet a stale session).
tb_check "the tables agree again after the cut" tb_wait 20 sc_agree 0

# ---- rolling upgrade: SIGTERM and restart each node in turn ----
sc_flows_start roll
# FO_PCAP=1: capture every SYN, FIN and RST and ARP at the client, the
# router's two legs, the switch's node ports and the servers (with
# TB_KEEP_DIR=1 to keep them) -- to see where a lost connect went.
if [[ -n ${FO_PCAP:-} ]]; then
	for w in c:c0 r:r-n1 r:r-n2 sw:s-lb1 sw:s-lb2 b1:eth0 b2:eth0; do
		tb_bg "${w%%:*}" "pcap-${w/:/-}" tcpdump -s 96 -U -n -i "${w#*:}" -w "$TB_DIR/${w/:/-}.pcap" \
			"(tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0) or arp"
	done
	sleep 1
fi
# New connections at 400/s (the issue asks 200/s): one local IP carries at
# most ports x servers / guard = 64,512 x 2 / 60 s = 2,150 a second, and
# while one node is down the other's own local IP carries them all (an heir
# makes no new flows on an inherited one). Unpaced, this loop made 1.5-1.9 k
# a second, at that bound with the guards of the last minutes: about one
# run in twenty a SYN and its retransmission found no free port
# (lport_exhausted on the restarted node, seen in a capture).
tb_bg c newconns $TB_PY -u "$TB_ROOT/tests/lib/seqconn.py" $TB_CVIP 300 400
newconns=$TB_LAST_PID
for k in 1 2; do
	o=$((3 - k))
	tb_check "both nodes hold every session (before node $k stops)" tb_wait 10 sc_agree $((NTCP + NUDP)) 50
	tb_log "node $k drops, rx missed before its SIGTERM: $(sc_drops lb$k)"
	t0=$(now_ms)
	eval "pid=\$MGW_PID_lb$k"
	kill -TERM "$pid"
	tb_check "node $o takes 10.1.0.$((99 + k)) at the end of node $k's drain" tb_wait 10 sc_holds lb$o 10.1.0.$((99 + k))
	tb_log "node $o holds it $(( $(now_ms) - t0 )) ms after the SIGTERM"
	wait "$pid"; rc=$?
	tb_expect_eq "node $k exited 0" 0 "$rc"
	grep -h "local IPs" "$TB_DIR/mgw-lb$k"*.log | tail -n 2 >&2
	sc_run $k "r$k"
	tb_check "node $k online again" tb_wait 40 sc_state_is lb$k online
	tb_check "node $k holds its local IP again" tb_wait 10 sc_holds lb$k 10.1.0.$((99 + k))
	tb_check "router: two nexthops again" tb_wait 30 sc_gw_is 10.201.1.2,10.201.2.2
	tb_log "node $k back $(( $(now_ms) - t0 )) ms after its SIGTERM"
done
sleep 3
sc_flows_stop roll "rolling upgrade"
kill "$newconns"; wait "$newconns" 2>/dev/null
# (A last line cut short by the kill is the connection that was under way:
# only whole records count.)
read -r n f <<<"$(awk 'NF == 5 { n++; if ($3 != "ok") f++ } END { print n + 0, f + 0 }' "$TB_DIR/newconns.log")"
tb_log "new connections during the upgrade: $n, failed $f (reopened tuples: $(( $(sc_stat lb1 tcp_reopened) + $(sc_stat lb2 tcp_reopened) )))"
awk 'NF == 5 && $3 != "ok"' "$TB_DIR/newconns.log" | while read -r a b r why lp; do
	tb_log "  failed: $(date -d "@${a:0:10}.${a:10}" +%T.%3N) to $(date -d "@${b:0:10}.${b:10}" +%T.%3N) $why (client port $lp)"
done
tb_check "thousands of new connections ($n)" [ "$n" -ge 2000 ]
for k in 1 2; do tb_log "node $k (restarted) drops, rx missed: $(sc_drops lb$k)"; done
# A graceful stop loses no new connection. Three causes were found and
# fixed (a client port come round onto a stale session: tcp_reopened; a
# restarted node's port cursors inside its last life's guards; a peer's
# echo of our own closing session moving a cursor among our live tuples);
# a fourth was this test's rate at the TIME-WAIT bound (above).
tb_expect_eq "no new connection failed during the rolling upgrade (of $n)" 0 "$f"
tb_done
