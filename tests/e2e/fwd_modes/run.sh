#!/usr/bin/env bash
# The LVS forwarding modes beside FULLNAT, on 2 data lcores (af_packet, 2
# queues), each with HTTP through its VIP (both backends answer), a 10 MB
# download intact, UDP echo answered from the VIP, and the API's per-server
# counters:
# - DR: backends with the VIP on lo (arp_ignore=1, arp_announce=2) answer
#   the client straight through the router, not through mgw (their
#   counters see packets in, none out);
# - TUNNEL: one backend on-link, one routed behind the router, each with an
#   IPIP end holding the VIP (user space: this kernel has no ipip module);
#   a 300 KB upload with 1500-byte DF segments gets "fragmentation needed"
#   (MTU 1480) from the VIP, the client's route learns 1480 and the upload
#   arrives intact;
# - NAT: backends whose default route is mgw; each session lives on the
#   lcore dp_nat_owner() names (checked for every session the API lists),
#   replies are handed over between the lcores; a backend's own traffic
#   through mgw is dropped and counted (nat_no_session);
# - a FULLNAT service on the same box goes on working.
#
#   client c0 10.9.0.2 ── r-c 10.9.0.1 [router r] r-w 10.0.0.1 ── wan [mgw 10.0.0.2]
#                                       r-s 10.1.0.1 ──┐           lan [mgw 10.1.0.2]
#                                       r-b 10.2.0.1 ─ b4 10.2.0.14 (tunnel, routed)
#   br0 (sw): mgw lan, r-s, b1 b2 (dr) 10.1.0.11-12, b3 (tunnel) 10.1.0.13,
#             b5 b6 (nat) 10.1.0.15-16
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init fwd_modes 90
export MGW_LCORES="0@0,1@1,2@0"

VDR=10.0.0.10 VTUN=10.0.0.11 VNAT=10.0.0.12 CLIENT=10.9.0.2 B4=10.2.0.14

tb_ns c; tb_ns r; tb_ns lb; tb_ns sw
tb_veth c c0 r r-c
tb_veth r r-w lb wan
tb_veth lb lan sw s-lb
tb_veth r r-s sw s-r
tb_x sw ip link add br0 type bridge
tb_x sw ip link set br0 up
tb_x sw ip link set s-lb master br0
tb_x sw ip link set s-r master br0
tb_x c ip addr add $CLIENT/24 dev c0
tb_x c ip route add default via 10.9.0.1
tb_x c ethtool -K c0 tx off >/dev/null
tb_x r ip addr add 10.9.0.1/24 dev r-c
tb_x r ip addr add 10.0.0.1/24 dev r-w
tb_x r ip addr add 10.1.0.1/24 dev r-s
tb_x r sysctl -qw net.ipv4.ip_forward=1
# DR and TUNNEL replies come from the VIP, which r reaches through mgw
tb_x r sysctl -qw net.ipv4.conf.all.rp_filter=0
tb_x r sysctl -qw net.ipv4.conf.default.rp_filter=0
tb_x lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
tb_x lb ip link set wan promisc on
tb_x lb ip link set lan promisc on

# backend i on the switch; default route via GW
backend() {
	local i=$1 gw=$2
	tb_ns b$i
	tb_veth b$i eth0 sw s-b$i
	tb_x sw ip link set s-b$i master br0
	tb_x b$i ip addr add "$(tb_backend_ip $i)/24" dev eth0
	tb_x b$i ethtool -K eth0 tx off >/dev/null
	tb_x b$i ip route add default via $gw
}
for i in 1 2; do   # DR: the VIP on lo, never answering ARP for it
	backend $i 10.1.0.1
	tb_x b$i ip addr add $VDR/32 dev lo
	tb_x b$i sysctl -qw net.ipv4.conf.all.arp_ignore=1
	tb_x b$i sysctl -qw net.ipv4.conf.all.arp_announce=2
	tb_x b$i sysctl -qw net.ipv4.conf.eth0.arp_ignore=1
	tb_x b$i sysctl -qw net.ipv4.conf.eth0.arp_announce=2
done
backend 3 10.1.0.1   # TUNNEL, on-link
tb_ns b4             # TUNNEL, routed: behind r
tb_veth r r-b b4 eth0
tb_x r ip addr add 10.2.0.1/24 dev r-b
tb_x b4 ip addr add $B4/24 dev eth0
tb_x b4 ethtool -K eth0 tx off >/dev/null
tb_x b4 ip route add default via 10.2.0.1
for i in 5 6; do backend $i 10.1.0.2; done   # NAT: default route via mgw
for d in r-c r-w r-s r-b; do tb_x r ethtool -K $d tx off >/dev/null; done

for i in 3 4; do
	tb_bg b$i ipip-b$i $TB_PY -u "$TB_ROOT/tests/lib/ipip_decap.py" ipip0 $VTUN
	tb_wait 5 grep -q ready "$TB_DIR/ipip-b$i.log" || { tb_log "ipip end b$i not ready"; exit 1; }
done

head -c 10485760 /dev/urandom >"$TB_DIR/big.bin"
for i in 1 2; do tb_nginx_start $i 80 $VDR; done
for i in 3 4; do tb_nginx_start $i 80 $VTUN; done
for i in 5 6; do tb_nginx_start $i 8080; done
udp_echo() { tb_bg b$1 udp-b$1 $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" "$2" "$3" "b$1"; }
udp_echo 1 $VDR 53; udp_echo 2 $VDR 53
udp_echo 3 $VTUN 53; udp_echo 4 $VTUN 53
udp_echo 5 10.1.0.15 5353; udp_echo 6 10.1.0.16 5353
tb_bg b3 sink $TB_PY -u "$TB_ROOT/tests/e2e/icmp/sha_sink.py" $VTUN 9000

srv() { # srv PORT IP...: a servers array
	local port=$1 sep="" out="[" a; shift
	for a in "$@"; do out+="$sep{ \"ip\": \"$a\", \"port\": $port }"; sep=", "; done
	echo "$out]"
}
svc() { # svc PROTO VIP PORT FORWARD SERVERS
	echo "{ \"proto\": \"$1\", \"vip\": \"$2\", \"port\": $3, \"forward\": \"$4\", \"scheduler\": \"rr\", \"servers\": $5 }"
}
tb_mgw_config "[
  $(svc tcp $VDR 80 dr "$(srv 80 10.1.0.11 10.1.0.12)"),
  $(svc udp $VDR 53 dr "$(srv 53 10.1.0.11 10.1.0.12)"),
  $(svc tcp $VTUN 80 tunnel "$(srv 80 10.1.0.13 $B4)"),
  $(svc udp $VTUN 53 tunnel "$(srv 53 10.1.0.13 $B4)"),
  $(svc tcp $VTUN 9000 tunnel "$(srv 9000 10.1.0.13)"),
  $(svc tcp $VNAT 80 nat "$(srv 8080 10.1.0.15 10.1.0.16)"),
  $(svc udp $VNAT 53 nat "$(srv 5353 10.1.0.15 10.1.0.16)"),
  $(svc tcp $VNAT 8000 fullnat "$(srv 8080 10.1.0.15 10.1.0.16)") ]" \
	"\"routes\": [ { \"prefix\": \"10.9.0.0/24\", \"via\": \"10.0.0.1\" }, { \"prefix\": \"10.2.0.0/24\", \"via\": \"10.1.0.1\" } ],"
tb_wait 10 tb_x b6 bash -c "exec 3<>/dev/tcp/10.1.0.16/8080" || tb_log "nginx b6 not listening"
tb_mgw_start || exit 1
tb_expect_eq "two data lcores" 2 "$(tb_api GET /api/v1/status | tb_json 'len(j["lcores"])')"

want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
# servers VIP PORT PROTO EXPR: EXPR over the service's servers (as `s`)
servers() { tb_api GET "/api/v1/services/$3/$1/$2" | tb_json "json.dumps([$4 for s in j['servers']])"; }

check_mode() { # check_mode NAME VIP BACKENDS...
	local name=$1 vip=$2 i; shift 2
	for i in $(seq 20); do tb_client curl -s --max-time 5 "http://$vip/"; done >"$TB_DIR/ans-$name"
	tb_expect_eq "$name: 20 HTTP answers" 20 "$(grep -c '^b' "$TB_DIR/ans-$name")"
	for i in "$@"; do
		tb_check "$name: b$i answered ($(grep -c "^b$i\$" "$TB_DIR/ans-$name"))" grep -q "^b$i\$" "$TB_DIR/ans-$name"
	done
	got=$(tb_client curl -s --max-time 30 "http://$vip/big" | sha256sum | cut -d' ' -f1)
	tb_expect_eq "$name: 10 MB download intact" "$want" "$got"
	udp=$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(('$vip', 53)); s.send(b'hello'); print(s.recv(100).decode())")
	tb_check "$name: UDP echo answered from the VIP ($udp)" grep -Eq "^b[0-9]:hello$" <<<"$udp"
}

# ---- DR
check_mode dr $VDR 1 2
c=$(servers $VDR 80 tcp '[s["conns"], s["pkts_in"], s["pkts_out"]]')
tb_log "dr servers (conns, pkts_in, pkts_out): $c"
tb_check "dr: both servers' counters moved" tb_jtrue 'all(x[0] > 0 and x[1] > 0 for x in j)' <<<"$c"
tb_check "dr: 21 connections counted" tb_jtrue 'sum(x[0] for x in j) == 21' <<<"$c"
tb_check "dr: replies did not pass mgw (no packet out)" tb_jtrue 'all(x[2] == 0 for x in j)' <<<"$c"

# ---- TUNNEL
check_mode tunnel $VTUN 3 4
c=$(servers $VTUN 80 tcp '[s["conns"], s["pkts_in"], s["pkts_out"]]')
tb_log "tunnel servers (conns, pkts_in, pkts_out): $c"
tb_check "tunnel: both servers' counters moved (one routed)" tb_jtrue 'all(x[0] > 0 and x[1] > 0 for x in j)' <<<"$c"
tb_check "tunnel: replies did not pass mgw" tb_jtrue 'all(x[2] == 0 for x in j)' <<<"$c"
fn0=$(tb_stat 'j["totals"]["tunnel_frag_needed_sent"]')
up=$(tb_client $TB_PY -c "
import hashlib, os, socket
data = os.urandom(300000)
s = socket.create_connection(('$VTUN', 9000), timeout=15)
s.sendall(data); s.shutdown(socket.SHUT_WR)
got = b''
while True:
    d = s.recv(100)
    if not d: break
    got += d
print('intact' if got.decode() == hashlib.sha256(data).hexdigest() else 'corrupt')
" 2>&1 | tail -1)
tb_expect_eq "tunnel: 300 KB upload with full-size segments arrives intact" intact "$up"
fn=$(tb_stat 'j["totals"]["tunnel_frag_needed_sent"]')
tb_check "tunnel: frag-needed sent for DF packets too big ($fn0 -> $fn)" [ "$fn" -gt "$fn0" ]
tb_check "tunnel: counted as dropped too big" [ "$(tb_stat 'j["totals"]["drops"]["tunnel_too_big"]')" -gt 0 ]
tb_check "tunnel: the client's route to the VIP learnt MTU 1480" \
	bash -c "ip netns exec $(tb_nsname c) ip route get $VTUN | grep -q 'mtu 1480'"

# ---- NAT, on two lcores
r0=$(tb_stat 'j["totals"]["redirected"]')
check_mode nat $VNAT 5 6
c=$(servers $VNAT 80 tcp '[s["conns"], s["pkts_in"], s["pkts_out"]]')
tb_log "nat servers (conns, pkts_in, pkts_out): $c"
tb_check "nat: both servers' counters moved, both ways" tb_jtrue 'all(x[0] > 0 and x[1] > 0 and x[2] > 0 for x in j)' <<<"$c"
tb_check "nat: packets handed between the lcores" [ "$(tb_stat 'j["totals"]["redirected"]')" -gt "$r0" ]
# Every NAT session lives on the lcore its client:cport hashes to (dp/nat.h).
tb_api GET "/api/v1/sessions?vip=$VNAT&limit=1000" >"$TB_DIR/nat-sessions.json"
owners=$($TB_PY - "$TB_DIR/nat-sessions.json" <<'PY'
import json, socket, sys
def owner(ip, port, n):   # dp_nat_owner, on the little-endian words the data plane sees
    cip = int.from_bytes(socket.inet_aton(ip), "little")
    cport = int.from_bytes(port.to_bytes(2, "big"), "little")
    h = ((cip << 16 | cport) * 0x9e3779b97f4a7c15) & (2**64 - 1)
    return ((h >> 32) * n) >> 32
ss = [s for s in json.load(open(sys.argv[1]))["sessions"] if s["forward"] == "nat"]
ok = all(s["lcore"] == owner(s["client"].split(":")[0], int(s["client"].split(":")[1]), 2) for s in ss)
print(len(ss), sorted(set(s["lcore"] for s in ss)), "ok" if ok else "WRONG")
PY
)
tb_log "nat sessions, their lcores: $owners"
tb_check "nat: sessions on both lcores, each on its owner" grep -Eq "^[0-9]+ \[0, 1\] ok$" <<<"$owners"
nn0=$(tb_stat 'j["totals"]["drops"]["nat_no_session"]')
tb_x b5 $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'not a session', ('$CLIENT', 9))"
tb_wait_check "nat: a backend's own traffic through mgw is dropped and counted" 3 \
	tb_stat_ge 'j["totals"]["drops"]["nat_no_session"]' $((nn0 + 5))

# ---- FULLNAT beside them
for i in 1 2 3 4; do tb_client curl -s --max-time 5 "http://$VNAT:8000/"; done >"$TB_DIR/ans-fullnat"
tb_expect_eq "fullnat on the same box: 4 answers" 4 "$(grep -c '^b[56]$' "$TB_DIR/ans-fullnat")"

tb_expect_eq "nothing dropped for want of a route or room" 0 \
	"$(tb_stat 'j["totals"]["drops"]["no_route"] + j["totals"]["drops"]["redirect_ring_full"] + j["totals"]["drops"]["session_table_full"]')"
tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
