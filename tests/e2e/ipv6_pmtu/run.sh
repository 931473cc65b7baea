#!/usr/bin/env bash
# Path MTU through a v6 VIP (issue 18): a 1280-byte hop on the servers'
# side, whose Packet Too Big reaches the client translated.
#
#   client (c) fd00:1::1 ── wan [mgw fd00:1::2/64] (lb)
#                           lan [mgw fd00:2::2/64, 10.1.0.2] ── br0 (sw) ── router (r)
#                                fd00:2::1, 10.1.0.1 ── (MTU 1280) ── b2 fd00:3::12, 10.3.0.12
#
# mgw reaches b2 through static routes (fd00:3::/64, 10.3.0.0/24 via r).
# - FULLNAT v6: a 1400-byte UDP datagram from the client meets the 1280
#   hop; the router's Packet Too Big (to the local IP) comes to the client
#   from the VIP, MTU 1280 kept: its kernel's route to the VIP learns
#   mtu 1280, its next datagram goes as fragments and is echoed back whole
#   (the server's answer fragmented by its own 1280 link)
# - a 1 MB TCP upload with 1440-byte segments (the server offers that MSS)
#   meets the hop too: the client lowers its segments on the translated
#   Packet Too Big and the upload arrives intact
# - NAT64: the client's 1400-byte datagram, translated to IPv4 with DF (RFC
#   7915 over 1260 bytes), gets the router's "fragmentation needed" (MTU
#   1280) at the IPv4 local IP: the client gets it as Packet Too Big with
#   MTU 1300 (RFC 7915: + 20)
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init ipv6_pmtu 90
B2=fd00:3::12 B2V4=10.3.0.12

tb_topology 0
tb_v6_testbed
tb_ns r
tb_ns b2
tb_veth r eth0 sw s-r
tb_x sw ip link set s-r master br0
tb_veth r r-b2 b2 eth0
for ifc in eth0 r-b2; do
	tb_x r sysctl -qw net.ipv6.conf.$ifc.disable_ipv6=0
	tb_x r ethtool -K $ifc tx off >/dev/null
done
tb_x r sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
tb_x r ip addr add fd00:2::1/64 dev eth0 nodad
tb_x r ip addr add 10.1.0.1/24 dev eth0
tb_x r ip addr add fd00:3::1/64 dev r-b2 nodad
tb_x r ip addr add 10.3.0.1/24 dev r-b2
tb_x r ip link set r-b2 mtu 1280
tb_x b2 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
tb_x b2 ethtool -K eth0 tx off >/dev/null
tb_x b2 ip link set eth0 mtu 1280
tb_x b2 ip addr add $B2/64 dev eth0 nodad
tb_x b2 ip addr add $B2V4/24 dev eth0
tb_x b2 ip -6 route add default via fd00:3::1
# its TCP offers an MSS for 1500-byte packets to the local IPs' subnet, as
# a server on a 1500 link whose path has a narrower hop would: the
# client's full segments then meet the hop
tb_x b2 ip -6 route add fd00:2::/64 via fd00:3::1 advmss 1440
tb_x b2 ip route add default via 10.3.0.1
tb_bg b2 udp6 $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" $B2 53 b2
tb_bg b2 udp4 $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" $B2V4 53 b2
tb_bg b2 sink $TB_PY -u -c "
import hashlib, socket
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$B2', 9000)); s.listen(8)
while True:
    c, _ = s.accept(); h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(65536)
        if not d: break
        h.update(d); n += len(d)
    c.sendall(('%s %d' % (h.hexdigest(), n)).encode()); c.close()"
tb_wait 5 bash -c "[[ -z \$(ip -n $(tb_nsname r) -6 addr show tentative; ip -n $(tb_nsname b2) -6 addr show tentative) ]]"

MGW_LIPS="[ \"10.1.0.100\", \"$TB_LIP6\" ]" tb_mgw_config "[
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP6\", \"port\": 53, \"servers\": [ { \"ip\": \"$B2\", \"port\": 53 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP6\", \"port\": 9000, \"servers\": [ { \"ip\": \"$B2\", \"port\": 9000 } ] },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP6\", \"port\": 5364, \"servers\": [ { \"ip\": \"$B2V4\", \"port\": 53 } ] } ]" \
	'"routes": [ { "prefix": "fd00:3::/64", "via": "fd00:2::1" }, { "prefix": "10.3.0.0/24", "via": "10.1.0.1" } ],'
tb_v6_ports
tb_mgw_start || exit 1

route_mtu() { tb_client ip -6 route get "$TB_VIP6" | grep -o 'mtu [0-9]*' | cut -d' ' -f2; }
stat() { tb_stat "j['totals']$1"; }
udp() {	# udp PORT SIZE: the answer's length, or the error
	tb_client $TB_PY -c "
import os, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.connect(('$TB_VIP6', $1)); data = os.urandom($2)
try:
    s.send(data); r = s.recv(4000)
    print(len(r) - 3 if r[3:] == data else 'corrupt')
except OSError as e:
    print(type(e).__name__)"
}

tb_expect_eq "the client's route to the VIP has no MTU of its own yet" "" "$(route_mtu)"
x0=$(stat "['icmp_errors_translated']")
udp 53 1400 >/dev/null   # meets the hop: dropped there, Packet Too Big back
tb_wait 3 bash -c "[[ -n \$(ip netns exec $(tb_nsname c) ip -6 route get $TB_VIP6 | grep -o 'mtu [0-9]*') ]]"
tb_expect_eq "FULLNAT v6: the hop's Packet Too Big reached the client, MTU 1280" 1280 "$(route_mtu)"
tb_check "translated by mgw ($(stat "['icmp_errors_translated']") errors)" \
	[ "$(stat "['icmp_errors_translated']")" -gt "$x0" ]
tb_expect_eq "the next 1400-byte datagram goes in fragments and comes back whole" 1400 "$(udp 53 1400)"
head -c 1048576 /dev/urandom >"$TB_DIR/up.bin"
want=$(sha256sum <"$TB_DIR/up.bin" | cut -d' ' -f1)
tb_client ip -6 route flush cache
x0=$(stat "['icmp_errors_translated']")
got=$(tb_client $TB_PY -c "
import socket
s = socket.create_connection(('$TB_VIP6', 9000), timeout=20)
s.sendall(open('$TB_DIR/up.bin', 'rb').read()); s.shutdown(socket.SHUT_WR)
print(s.recv(200).decode())")
tb_expect_eq "1 MB TCP upload through the 1280 hop (segments lowered): intact" "$want 1048576" "$got"
tb_check "its segments met the hop: a Packet Too Big translated, the route learnt 1280" \
	[ "$(stat "['icmp_errors_translated']")" -gt "$x0" -a "$(route_mtu)" = 1280 ]

# NAT64: the IPv4 hop's "fragmentation needed", as Packet Too Big + 20
tb_client ip -6 route flush cache
x0=$(stat "['icmp_errors_translated']")
udp 5364 1400 >/dev/null
tb_wait 3 bash -c "[[ -n \$(ip netns exec $(tb_nsname c) ip -6 route get $TB_VIP6 | grep -o 'mtu [0-9]*') ]]"
tb_expect_eq "NAT64: fragmentation needed (1280) reached the client as Packet Too Big 1300" 1300 "$(route_mtu)"
tb_check "translated by mgw" [ "$(stat "['icmp_errors_translated']")" -gt "$x0" ]
tb_expect_eq "NAT64: the next 1400-byte datagram, in v6 fragments, comes back whole" 1400 "$(udp 5364 1400)"

tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
