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
MGW_FAULTS=true
source "$(dirname "$0")/../../lib/sync_cluster.sh"
SC_MORE_SERVICES=", { \"proto\": \"tcp\", \"vip\": \"$TB_CVIP\", \"port\": 81, \"client_address\": \"proxy_v2\",
	\"servers\": [ { \"ip\": \"$(tb_backend_ip 1)\", \"port\": 9000 } ] }"
sc_setup
# a server that reads the PROXY protocol: its connection's delta must sync
tb_bg b1 pp-sink $TB_PY -u "$TB_ROOT/tests/lib/pp_server.py" tcp "$(tb_backend_ip 1)" 9000 sink
cluster() { sc_cluster "$@"; }
cl() { sc_cl "$@"; }
gw_is() { sc_gw_is "$@"; }

# Both at once: each is pre-online until it holds the other's (empty) table.
sc_start_both
grep -h "joined\|node state" "$TB_DIR"/mgw-lb*.log >&2
peer_up() { [[ $(cl "$1" 'j["sync"]["peers"][0]["state"]') == up ]]; }
tb_check "node 1 sees node 2 up" tb_wait 3 peer_up lb1
tb_check "node 2 sees node 1 up" tb_wait 3 peer_up lb2
tb_expect_eq "the services match" True "$(cl lb1 'j["sync"]["peers"][0]["config_match"]')"
tb_check "router: VIP with two nexthops" tb_wait 30 gw_is 10.201.1.2,10.201.2.2

# A PROXY v2 connection: the owner's session and the peer's copy both carry
# the header's 28 bytes (the translation is part of the sync record).
tb_bg c pp-client $TB_PY -c "
import socket, time
s = socket.create_connection(('$TB_CVIP', 81), timeout=20)
s.sendall(b'first'); time.sleep(2); s.sendall(b' second'); s.shutdown(socket.SHUT_WR)
print(s.recv(200).decode().strip())"
pp_pid=$TB_LAST_PID
pp_delta() {   # pp_delta NODE: "foreign proxy_delta" of its port-81 session
	TB_LB=$1 tb_api GET "/api/v1/sessions?vip=$TB_CVIP" | tb_json \
		'" ".join("%s %s" % (s["foreign"], s.get("xlate", {}).get("proxy_delta")) for s in j["sessions"] if s["vip"].endswith(":81"))'
}
pp_both() { [[ "$(pp_delta lb1; pp_delta lb2)" =~ (True 28.*False 28|False 28.*True 28) ]]; }
tb_check "PROXY v2 session: the delta on the owner and the synced copy" tb_wait 2 pp_both
tb_log "port 81 sessions (foreign delta): node 1 [$(pp_delta lb1)] node 2 [$(pp_delta lb2)]"
wait "$pp_pid"
tb_check "PROXY v2 through the cluster: the server saw the client and the stream" \
	grep -q "^10.9.0.2:[0-9]* $(printf 'first second' | sha256sum | cut -d' ' -f1) 12$" "$TB_DIR/pp-client.log"

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
# on a failed check: both nodes' view of sync, for the log
cl_dump() { tb_log "node 1: $(cluster lb1)"; tb_log "node 2: $(cluster lb2)"; }
tb_check "node 1's own = node 2's from node 1, and back" tb_wait 5 agree 220
tb_log "sessions (own1 from1 own2 from2): $(counts)"

touch "$TB_DIR/stop-flows"
wait "$flows_pid"
tb_log "flows: $(cat "$TB_DIR/flows.json")"
tb_expect_eq "no flow broke" "0 0" "$(tb_json 'j["tcp_broken"], j["udp_broken"]' <"$TB_DIR/flows.json" | tr -d '(),')"
tb_check "closed sessions leave both nodes alike" tb_wait 20 agree 0
tb_log "after the close (own1 from1 own2 from2): $(counts)"

# Anti-entropy: node 1's lcore 0 loses the next records (as when its ring
# is full); its markers disagree with what node 2 holds, twice, and node 2
# resyncs that slice.
TB_LB=lb1 tb_api POST /api/v1/debug/fault '{"kind": "sync_lose", "index": 0, "count": 1000000}' >/dev/null
tb_bg c flows-ae $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp 60 --open-rate 100 \
	--ports "$TB_DIR/ports-ae" --stop "$TB_DIR/stop-ae" --result "$TB_DIR/flows-ae.json"
ae_pid=$TB_LAST_PID
tb_wait 10 bash -c "[[ \$(wc -l <'$TB_DIR/ports-ae') -ge 60 ]]"
TB_LB=lb1 tb_api POST /api/v1/debug/fault '{"kind": "clear"}' >/dev/null
TB_LB=lb1 tb_api POST /api/v1/debug/fault '{"kind": "sync_lose", "index": 0, "count": 1}' >/dev/null
lost=$(TB_LB=lb1 tb_stat 'j["totals"]["sync_lost"]')
tb_log "node 1 lost $lost sync records"
t0=$(now_ms)
resynced() { [[ $(cl lb2 'j["sync"]["peers"][0]["resyncs"]') -ge ${1} ]]; }
r0=$(cl lb2 'j["sync"]["peers"][0]["resyncs"]')
tb_check "records were lost ($lost)" [ "$lost" -gt 0 ]
tb_check "node 2 found the difference and resynced the slice" tb_wait 10 resynced $((r0 + 1))
tb_check "and both agree again" tb_wait 10 agree 60; agree 60 || cl_dump
tb_log "healed $(( $(now_ms) - t0 )) ms after the loss; mismatches seen: $(cl lb2 'j["sync"]["peers"][0]["check_mismatches"]'), now (own1 from1 own2 from2): $(counts)"
touch "$TB_DIR/stop-ae"; wait "$ae_pid"

# Join: node 2 restarts while node 1's bulk cannot reach it (the switch
# drops node 1's bigger sync datagrams: heartbeats pass, records do not).
tb_bg c flows2 $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp 100 --udp 10 --open-rate 100 \
	--ports "$TB_DIR/ports2" --stop "$TB_DIR/stop-flows2" --result "$TB_DIR/flows2.json"
flows2_pid=$TB_LAST_PID
tb_wait 20 bash -c "[[ \$(wc -l <'$TB_DIR/ports2') -ge 110 ]]"
sleep 1
tb_x sw nft add table bridge syncblock
tb_x sw nft add chain bridge syncblock f '{ type filter hook forward priority 0; }'
tb_x sw nft add rule bridge syncblock f ip saddr 10.1.0.2 ip daddr 10.1.0.3 udp dport 8848 ip length \> 500 drop
tb_mgw_stop lb2
tb_bg lb2 mgw-lb2b "$TB_MGW" -c "$TB_DIR/mgw-lb2.json"; MGW_PID_lb2=$TB_LAST_PID
state2() { TB_LB=lb2 tb_api GET /api/v1/status | tb_json 'j["state"]' 2>/dev/null; }
tb_check "node 2 is back, pre-online" tb_wait 20 sc_state_is lb2 pre-online
sleep 4
tb_expect_eq "still pre-online while the bulk cannot arrive" pre-online "$(state2)"
tb_check "the router has no route from it" gw_is 10.201.1.2
tb_log "node 2 while blocked: $(cluster lb2 | tb_json 'j["sync"]["peers"][0]["last_bulk"], j["sync"]["peers"][0]["state"], j["sync"]["sessions_from_peers"]')"
t0=$(now_ms)
tb_x sw nft delete table bridge syncblock
tb_check "unblocked: node 2 goes online" tb_wait 20 sc_state_is lb2 online
tb_log "online $(( $(now_ms) - t0 )) ms after the path cleared; bulk: $(cl lb2 'j["sync"]["peers"][0]["last_bulk"]')"
own1=$(cl lb1 'j["sync"]["sessions_local"]')
tb_check "it holds every session of node 1 ($own1)" tb_wait 5 agree 1; agree 1 || cl_dump
tb_check "and the router has two nexthops again" tb_wait 30 gw_is 10.201.1.2,10.201.2.2
touch "$TB_DIR/stop-flows2"; wait "$flows2_pid"

# A lossy, reordering path: the switch hands every sync datagram to a
# user-space relay that drops 5 %, reorders 10 % and duplicates 1 %.
tb_x sw nft add table bridge syncimpair
tb_x sw nft add chain bridge syncimpair f '{ type filter hook forward priority 0; }'
tb_x sw nft add rule bridge syncimpair f udp dport 8848 drop
tb_bg sw impair $TB_PY -u "$TB_ROOT/tests/lib/impair.py" s-lb1 s-lb2 8848 5 10 1 "$TB_DIR/stop-impair" 7
rt0=$(( $(cl lb1 'j["sync"]["peers"][0]["retransmits"]') + $(cl lb2 'j["sync"]["peers"][0]["retransmits"]') ))
tb_bg c flows3 $TB_PY -u "$TB_ROOT/tests/lib/flows.py" $TB_CVIP --tcp 200 --udp 20 --open-rate 50 \
	--ports "$TB_DIR/ports3" --stop "$TB_DIR/stop-flows3" --result "$TB_DIR/flows3.json"
flows3_pid=$TB_LAST_PID
tb_wait 30 bash -c "[[ \$(wc -l <'$TB_DIR/ports3') -ge 220 ]]"
tb_check "over the lossy path the tables converge" tb_wait 20 agree 220 || cl_dump
touch "$TB_DIR/stop-flows3"; wait "$flows3_pid"
tb_check "and again once the flows closed" tb_wait 20 agree 0
rt=$(( $(cl lb1 'j["sync"]["peers"][0]["retransmits"]') + $(cl lb2 'j["sync"]["peers"][0]["retransmits"]') - rt0 ))
touch "$TB_DIR/stop-impair"; sleep 0.3
tb_log "relay: $(tail -n 1 "$TB_DIR/impair.log"); retransmits $rt; (own1 from1 own2 from2): $(counts)"
tb_check "retransmissions filled the gaps ($rt)" [ "$rt" -gt 0 ]
tb_x sw nft delete table bridge syncimpair

# Forged datagrams at node 2, from the switch side: a wrong key, an unknown
# sender, node 1's address with an old epoch, garbage. None installs.
ep1=$(cl lb2 'j["sync"]["peers"][0]["epoch"]')
before=$(TB_LB=lb2 tb_stat 'j["totals"]["sync_installed"] + j["totals"]["sync_updated"]')
forge() { "$TB_ROOT/build/tools/sync_forge" "$@"; }
send_from() {   # send_from SRC FILE: one UDP datagram to node 2's sync port, source SRC
	tb_x b1 $TB_PY -c "
import sys
from scapy.all import IP, UDP, Raw, send
send(IP(src='$1', dst='10.1.0.3')/UDP(sport=8848, dport=8848)/Raw(open('$2','rb').read()), verbose=0)"
}
tuple="10.9.0.99:4242 $TB_CVIP:80 10.1.0.100:5000 10.1.0.11:8080"
forge - 1 "$ep1" stream 999 $tuple >"$TB_DIR/f-key"
forge "$TB_DIR/sync.key" 9 "$ep1" stream 1 $tuple >"$TB_DIR/f-peer"
forge "$TB_DIR/sync.key" 1 $((ep1 - 1)) stream 1 $tuple >"$TB_DIR/f-old"
forge "$TB_DIR/sync.key" 1 "$ep1" control 1 >"$TB_DIR/f-ctl"
head -c 300 /dev/urandom >"$TB_DIR/f-junk"
refused() { cl lb2 "j['sync']['peers'][0]['refused']['$1'] + j['sync']['refused_unknown']['$1']"; }
k0=$(refused bad_mac); p0=$(refused unknown_peer); r0=$(refused replayed); m0=$(refused bad_magic)
send_from 10.1.0.2 "$TB_DIR/f-key"
send_from 10.1.0.2 "$TB_DIR/f-peer"
send_from 10.1.0.2 "$TB_DIR/f-old"
send_from 10.1.0.2 "$TB_DIR/f-ctl"
send_from 10.1.0.2 "$TB_DIR/f-junk"
sleep 0.5
tb_expect_eq "a wrong key: refused as bad_mac" $((k0 + 1)) "$(refused bad_mac)"
tb_expect_eq "an unknown sender: refused" $((p0 + 1)) "$(refused unknown_peer)"
tb_expect_eq "an old epoch and an old control sequence: refused as replayed" $((r0 + 2)) "$(refused replayed)"
tb_expect_eq "garbage: refused" $((m0 + 1)) "$(refused bad_magic)"
tb_expect_eq "nothing installed or changed" "$before" "$(TB_LB=lb2 tb_stat 'j["totals"]["sync_installed"] + j["totals"]["sync_updated"]')"
tb_check "the forged client is nowhere" bash -c "! ip netns exec $(tb_nsname lb2) curl -s 'http://127.0.0.1:8080/api/v1/sessions?vip=$TB_CVIP' | grep -q 10.9.0.99"
tb_check "node 2 still sees node 1 up" tb_wait 3 peer_up lb2
tb_done
