#!/usr/bin/env bash
# The forwarding modes beside FULLNAT for IPv6 VIPs with IPv6 servers
# (issue 18), on 2 data lcores (af_packet, 2 queues), each with curl -6
# through its VIP (both backends answer), a 10 MB download intact, UDP
# echo answered from the VIP, and the API's per-server counters:
# - DR: backends with the VIP on lo (Linux answers no NS for it on eth0:
#   checked) answer the client straight through the router r (their
#   counters see packets in, none out);
# - TUNNEL: backends with an IPv6-in-IPv6 end holding the VIP (user space:
#   this kernel has no ip6_tunnel module); a 300 KB upload with full-size
#   segments gets ICMPv6 Packet Too Big (MTU 1460) from the VIP, the
#   client's route learns 1460 and the upload arrives intact;
# - NAT: backends whose default route is mgw's lan ip6; each session lives
#   on the lcore dp_nat_owner() names (checked for every session the API
#   lists); a server's ICMPv6 port unreachable reaches the client from the
#   VIP; a backend's own traffic through mgw is dropped and counted
#   (nat_no_session);
# - each mode: a 3000-byte UDP datagram, fragmented by the client (and, NAT,
#   its echo by the server), comes back whole: af_packet reassembles IPv4
#   alone, so mgw forwards the v6 fragments itself; an ICMPv6 error the
#   client sends about a session is passed on to its server;
# - FULLNAT v6 on the same box goes on working.
#
#   client c: c0 fd00:1::1 ── wan [mgw fd00:1::2]  (the VIPs on-link)
#             c1 fd00:9::2 ── r-c fd00:9::1 [router r] r-s fd00:2::1 ──┐
#   br0 (sw): mgw lan fd00:2::2, r-s, b1 b2 (dr) fd00:2::11-12,          │
#             b3 b4 (tunnel) fd00:2::13-14, b5 b6 (nat) fd00:2::15-16 ───┘
#   DR/TUNNEL backends' default route: r (which routes fd00:1::1 to c1);
#   NAT backends': mgw.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init fwd_modes6 110
export MGW_LCORES="0@0,1@1,2@0"

VDR=fd00:1::10 VTUN=fd00:1::11 VNAT=fd00:1::12 CLIENT=$TB_CLIENT6 LIP6=$TB_LIP6
b6() { echo "fd00:2::$((10 + $1))"; }

tb_ns c; tb_ns r; tb_ns lb; tb_ns sw
tb_veth c c0 lb wan
tb_veth c c1 r r-c
tb_veth lb lan sw s-lb
tb_veth r r-s sw s-r
tb_x sw ip link add br0 type bridge
tb_x sw ip link set br0 up
tb_x sw ip link set s-lb master br0
tb_x sw ip link set s-r master br0
for d in c0 c1; do tb_x c sysctl -qw net.ipv6.conf.$d.disable_ipv6=0; done
tb_x c ip addr add 10.0.0.1/24 dev c0
tb_x c ip -6 addr add $CLIENT/64 dev c0 nodad
tb_x c ip -6 addr add fd00:9::2/64 dev c1 nodad
tb_x c ethtool -K c0 tx off >/dev/null
for d in r-c r-s; do
	tb_x r sysctl -qw net.ipv6.conf.$d.disable_ipv6=0
	tb_x r ethtool -K $d tx off >/dev/null
done
tb_x r ip -6 addr add fd00:9::1/64 dev r-c nodad
tb_x r ip -6 addr add fd00:2::1/64 dev r-s nodad
tb_x r sysctl -qw net.ipv6.conf.all.forwarding=1
# DR and TUNNEL replies (from the VIPs) reach the client this way
tb_x r ip -6 route add $CLIENT/128 via fd00:9::2
tb_x lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
tb_x lb ip link set wan promisc on
tb_x lb ip link set lan promisc on

# backend i on the switch; default v6 route via GW
backend() {
	local i=$1 gw=$2
	tb_ns b$i
	tb_veth b$i eth0 sw s-b$i
	tb_x sw ip link set s-b$i master br0
	tb_x b$i sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	tb_x b$i sysctl -qw net.ipv6.conf.lo.disable_ipv6=0
	tb_x b$i ip -6 addr add "$(b6 $i)/64" dev eth0 nodad
	tb_x b$i ethtool -K eth0 tx off >/dev/null
	tb_x b$i ip -6 route add default via $gw
}
for i in 1 2; do   # DR: the VIP on lo
	backend $i fd00:2::1
	tb_x b$i ip -6 addr add $VDR/128 dev lo nodad
done
for i in 3 4; do backend $i fd00:2::1; done   # TUNNEL
for i in 5 6; do backend $i fd00:2::2; done   # NAT: default route via mgw

for i in 3 4; do
	tb_bg b$i ip6ip6-b$i $TB_PY -u "$TB_ROOT/tests/lib/ip6ip6_decap.py" tnl0 $VTUN
	tb_wait 5 grep -q ready "$TB_DIR/ip6ip6-b$i.log" || { tb_log "ip6ip6 end b$i not ready"; exit 1; }
done

head -c 10485760 /dev/urandom >"$TB_DIR/big.bin"
for i in 1 2; do tb_nginx_start $i 80 "[$VDR]"; done
for i in 3 4; do tb_nginx_start $i 80 "[$VTUN]"; done
for i in 5 6; do tb_nginx_start $i 8080 "[$(b6 $i)]"; done
udp_echo() { tb_bg b$1 udp-b$1 $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" "$2" "$3" "b$1"; }
udp_echo 1 $VDR 53; udp_echo 2 $VDR 53
udp_echo 3 $VTUN 53; udp_echo 4 $VTUN 53
udp_echo 5 "$(b6 5)" 5353; udp_echo 6 "$(b6 6)" 5353
tb_bg b3 sink $TB_PY -u "$TB_ROOT/tests/e2e/icmp/sha_sink.py" $VTUN 9000

srv() { # srv PORT BACKEND...: a servers array
	local port=$1 sep="" out="[" i; shift
	for i in "$@"; do out+="$sep{ \"ip\": \"$(b6 $i)\", \"port\": $port }"; sep=", "; done
	echo "$out]"
}
svc() { # svc PROTO VIP PORT FORWARD SERVERS
	echo "{ \"proto\": \"$1\", \"vip\": \"$2\", \"port\": $3, \"forward\": \"$4\", \"scheduler\": \"rr\", \"servers\": $5 }"
}
MGW_LIPS="[ \"10.1.0.100\", \"$LIP6\" ]" tb_mgw_config "[
  $(svc tcp $VDR 80 dr "$(srv 80 1 2)"),
  $(svc udp $VDR 53 dr "$(srv 53 1 2)"),
  $(svc tcp $VTUN 80 tunnel "$(srv 80 3 4)"),
  $(svc udp $VTUN 53 tunnel "$(srv 53 3 4)"),
  $(svc tcp $VTUN 9000 tunnel "$(srv 9000 3)"),
  $(svc tcp $VNAT 80 nat "$(srv 8080 5 6)"),
  $(svc udp $VNAT 53 nat "$(srv 5353 5 6)"),
  $(svc udp $VNAT 54 nat "$(srv 5454 5)"),
  $(svc tcp $VNAT 8000 fullnat "$(srv 8080 5 6)") ]"
tb_v6_ports
for i in 5 6; do
	tb_wait 10 tb_x b$i bash -c "exec 3<>/dev/tcp/$(b6 $i)/8080" || tb_log "nginx b$i not listening"
done
# Linux answers no NS on eth0 for an address on lo: a DR backend needs no
# arp_ignore's like. r asks for the VIP on the backends' bridge before mgw
# runs (mgw answers for its VIPs on every port).
tb_x r ip -6 route add $VDR/128 dev r-s
tb_x r $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(3): s.sendto(b'x', ('$VDR', 9))" 2>/dev/null
sleep 1
nb=$(tb_x r ip -6 neigh show $VDR dev r-s)
tb_log "r's neighbour entry for the DR VIP on the backends' bridge: ${nb:-none}"
tb_check "dr: r asked for the VIP and the backends did not answer (the VIP is on their lo)" \
	bash -c "grep -Eq 'INCOMPLETE|FAILED' <<<'$nb' && ! grep -q lladdr <<<'$nb'"
tb_x r ip -6 route del $VDR/128 dev r-s
tb_x r ip -6 neigh flush dev r-s to $VDR/128 2>/dev/null

tb_mgw_start || exit 1
tb_expect_eq "two data lcores" 2 "$(tb_api GET /api/v1/status | tb_json 'len(j["lcores"])')"

want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
# servers VIP PORT PROTO EXPR: EXPR over the service's servers (as `s`)
servers() { tb_api GET "/api/v1/services/$3/$1/$2" | tb_json "json.dumps([$4 for s in j['servers']])"; }

# unreachs_in BACKENDS...: the ICMPv6 destination unreachables their
# kernels took in
unreachs_in() {
	local i n=0
	for i in "$@"; do
		n=$((n + $(ip netns exec "$TB_P-b$i" awk '$1 == "Icmp6InDestUnreachs" { print $2 }' /proc/net/snmp6)))
	done
	echo $n
}
export -f unreachs_in; export TB_P

check_mode() { # check_mode NAME VIP BACKENDS...
	local name=$1 vip=$2 i; shift 2
	for i in $(seq 20); do tb_client curl -6 -s --max-time 5 -g "http://[$vip]/"; done >"$TB_DIR/ans-$name"
	tb_expect_eq "$name: 20 HTTP answers over IPv6" 20 "$(grep -c '^b' "$TB_DIR/ans-$name")"
	for i in "$@"; do
		tb_check "$name: b$i answered ($(grep -c "^b$i\$" "$TB_DIR/ans-$name"))" grep -q "^b$i\$" "$TB_DIR/ans-$name"
	done
	got=$(tb_client curl -6 -s --max-time 30 -g "http://[$vip]/big" | sha256sum | cut -d' ' -f1)
	tb_expect_eq "$name: 10 MB download intact" "$want" "$got"
	udp=$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(('$vip', 53)); s.send(b'hello6'); print(s.recv(100).decode())")
	tb_check "$name: UDP echo answered from the VIP ($udp)" grep -Eq "^b[0-9]:hello6$" <<<"$udp"
	# af_packet reassembles IPv4 alone: mgw sees the v6 fragments (frag_path.c)
	local f0 big
	f0=$(tb_stat 'j["totals"]["fragments_forwarded"]')
	big=$(tb_client $TB_PY -c "
import os, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.connect(('$vip', 53))
data = os.urandom(3000)
for i in range(3):   # (a tunnel's first try may meet Packet Too Big)
    s.send(data)
    try:
        r = s.recv(10000)
    except OSError:   # timeout, or EMSGSIZE: the path MTU learnt
        continue
    print('intact' if r.split(b':', 1)[1] == data else 'corrupt')
    break
else:
    print('lost')")
	tb_expect_eq "$name: a 3000-byte datagram in fragments echoed whole" intact "$big"
	tb_check "$name: later fragments forwarded" tb_stat_ge 'j["totals"]["fragments_forwarded"]' $((f0 + 1))
	# an ICMPv6 error from the client's side about the VIP's answer to it
	# (a UDP session's): passed on to the server (icmp6_path.c)
	f0=$(tb_stat 'j["totals"]["icmp_errors_translated"]')
	local u0
	u0=$(unreachs_in "$@")
	tb_client $TB_PY -c "
import socket, struct
vip, vport = '$vip', 53
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u.settimeout(2)
u.connect((vip, vport)); u.send(b'hello6'); u.recv(100)
cport = u.getsockname()[1]
cli, v = (socket.inet_pton(socket.AF_INET6, a) for a in ('$CLIENT', vip))
udp = struct.pack('!HHHH', vport, cport, 16, 0) + b'b1:hello'
quote = struct.pack('!IHBB', 6 << 28, len(udp), 17, 63) + v + cli + udp
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
r.sendto(struct.pack('!BBHI', 1, 4, 0, 0) + quote, (vip, 0))   # port unreachable"
	tb_wait_check "$name: the client side's ICMPv6 error about a session passed to its server" 3 \
		tb_stat_ge 'j["totals"]["icmp_errors_translated"]' $((f0 + 1))
	tb_wait_check "$name: and a server's kernel took it (checksums right)" 3 \
		bash -c "[ \$(unreachs_in $*) -gt $u0 ]"
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
tb_check "tunnel: both servers' counters moved" tb_jtrue 'all(x[0] > 0 and x[1] > 0 for x in j)' <<<"$c"
tb_check "tunnel: replies did not pass mgw" tb_jtrue 'all(x[2] == 0 for x in j)' <<<"$c"
# the fragments above taught the client the path MTU: forget it first
tb_x c ip -6 route flush cache
tb_check "tunnel: the client's route to the VIP has no MTU of its own before the upload" \
	bash -c "! ip netns exec $(tb_nsname c) ip -6 route get $VTUN | grep -q mtu"
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
tb_check "tunnel: Packet Too Big sent for packets too big ($fn0 -> $fn)" [ "$fn" -gt "$fn0" ]
tb_check "tunnel: counted as dropped too big" [ "$(tb_stat 'j["totals"]["drops"]["tunnel_too_big"]')" -gt 0 ]
rt=$(tb_x c ip -6 route get $VTUN)
tb_log "the client's route to the tunnel VIP: $rt"
tb_check "tunnel: the client's route to the VIP learnt MTU 1460" grep -q 'mtu 1460' <<<"$rt"

# ---- NAT, on two lcores
r0=$(tb_stat 'j["totals"]["redirected"]')
check_mode nat $VNAT 5 6
c=$(servers $VNAT 80 tcp '[s["conns"], s["pkts_in"], s["pkts_out"]]')
tb_log "nat servers (conns, pkts_in, pkts_out): $c"
tb_check "nat: both servers' counters moved, both ways" tb_jtrue 'all(x[0] > 0 and x[1] > 0 and x[2] > 0 for x in j)' <<<"$c"
tb_check "nat: packets handed between the lcores" [ "$(tb_stat 'j["totals"]["redirected"]')" -gt "$r0" ]
tb_bg c slow curl -6 -s -m 30 --limit-rate 200k -o /dev/null -g "http://[$VNAT]/big"
seen_client() { grep -q "\[$CLIENT\]" <<<"$(tb_x b5 ss -tn; tb_x b6 ss -tn)"; }
tb_wait 5 seen_client
tb_check "nat: the server's peer is the client itself" seen_client
kill "$TB_LAST_PID" 2>/dev/null
# Every NAT session lives on the lcore its client:cport hashes to (dp/nat.h,
# on the client's handle, dp/addr6.h).
tb_api GET "/api/v1/sessions?vip=$VNAT&limit=1000" >"$TB_DIR/nat-sessions.json"
owners=$($TB_PY - "$TB_DIR/nat-sessions.json" <<'PY'
import ipaddress, json, sys
M = 2**64 - 1
def handle(a):   # dp_ip6_handle: the value the CPU sees (little-endian words)
    b = ipaddress.IPv6Address(a).packed
    hi, lo = int.from_bytes(b[:8], "little"), int.from_bytes(b[8:], "little")
    h = (hi * 0x9e3779b97f4a7c15 + lo) & M
    h ^= h >> 32; h = (h * 0xff51afd7ed558ccd) & M
    h ^= h >> 29; h = (h * 0xc4ceb9fe1a85ec53) & M
    h ^= h >> 32
    v = (h >> 40) & 0xffffff or 1
    return int.from_bytes(v.to_bytes(4, "big"), "little")
def owner(ip, port, n):   # dp_nat_owner
    cport = int.from_bytes(port.to_bytes(2, "big"), "little")
    h = ((handle(ip) << 16 | cport) * 0x9e3779b97f4a7c15) & M
    return ((h >> 32) * n) >> 32
ss = [s for s in json.load(open(sys.argv[1]))["sessions"] if s["forward"] == "nat"]
def split(c):
    a, p = c.rsplit(":", 1)
    return a.strip("[]"), int(p)
ok = all(s["lcore"] == owner(*split(s["client"]), 2) for s in ss)
print(len(ss), sorted(set(s["lcore"] for s in ss)), "ok" if ok else "WRONG")
PY
)
tb_log "nat sessions, their lcores: $owners"
tb_check "nat: sessions on both lcores, each on its owner" grep -Eq "^[0-9]+ \[0, 1\] ok$" <<<"$owners"
# the server's own ICMPv6 error (nothing listens on its port 5454) comes
# back to the client from the VIP, quoting the client's packet to the VIP
ans=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.connect(('$VNAT', 54)); s.send(b'x')
try:
    s.recv(100); print('answered')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print(type(e).__name__)")
tb_expect_eq "nat: a server's ICMPv6 port unreachable reaches the client as from the VIP" refused "$ans"
nn0=$(tb_stat 'j["totals"]["drops"]["nat_no_session"]')
tb_x b5 $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b'not a session', ('$CLIENT', 9))"
tb_wait_check "nat: a backend's own v6 traffic through mgw is dropped and counted" 3 \
	tb_stat_ge 'j["totals"]["drops"]["nat_no_session"]' $((nn0 + 5))

# ---- FULLNAT v6 beside them
for i in 1 2 3 4; do tb_client curl -6 -s --max-time 5 -g "http://[$VNAT]:8000/"; done >"$TB_DIR/ans-fullnat"
tb_expect_eq "fullnat v6 on the same box: 4 answers" 4 "$(grep -c '^b[56]$' "$TB_DIR/ans-fullnat")"

tb_expect_eq "nothing dropped for want of a route or room" 0 \
	"$(tb_stat 'j["totals"]["drops"]["no_route"] + j["totals"]["drops"]["redirect_ring_full"] + j["totals"]["drops"]["session_table_full"]')"
tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
