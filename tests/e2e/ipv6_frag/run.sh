#!/usr/bin/env bash
# IPv6 fragments through a v6 VIP, both ways (issue 18; af_xdp ports, as
# tests/e2e/frag: af_packet's fanout reassembles IPv4 only, but af_xdp
# sees the wire for both families).
# - FULLNAT v6: 3000- and 8000-byte UDP datagrams (fragmented by the
#   client on its 1500-byte link) reach a backend whole, and its fragmented
#   echo comes back whole: the later fragments went where their first went
#   (their addresses rewritten, the UDP checksum in the first)
# - NAT64: the client's fragmented v6 datagrams reach the IPv4 servers
#   whole (each fragment translated, the fragment header into IPv4's
#   fields); their fragmented answers come back whole, each IPv4
#   fragment too long once translated cut into two IPv6 ones
# - fragments sent last-first are held until the first arrives
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init ipv6_frag 90
export MGW_LCORES="0@0,1@1"

tb_topology 2
tb_v6_testbed
for i in 1 2; do
	tb_udp_echo6 $i 5353
	tb_udp_echo $i 5353
done
MGW_LIPS="[ \"10.1.0.100\", \"$TB_LIP6\" ]" tb_mgw_config "[
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP6\", \"port\": 53, \"scheduler\": \"rr\", \"servers\": $(tb_servers6_json 5353 2) },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP6\", \"port\": 5364, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 5353 2) } ]"
tb_v6_ports
sed -i 's/net_af_packet[01],iface=\([a-z]*\)/iface=\1/' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1
tb_expect_eq "iface= ports opened with af_xdp" "net_af_xdp net_af_xdp" \
	"$(tb_api GET /api/v1/status | tb_json '" ".join(p["driver"] for p in j["ports"])')"

stat() { tb_stat "j['totals']$1"; }

# echo PORT COUNT SIZES: datagrams of the sizes in turn, each from its own
# port; prints how many came back intact and from which backends
echo6() {
	tb_client $TB_PY -c "
import os, socket
ok = 0; seen = set(); sizes = [int(x) for x in '$3'.split(',')]
for i in range($2):
    data = os.urandom(sizes[i % len(sizes)])
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(data, ('$TB_VIP6', $1))
    try:
        r = s.recv(20000)
    except OSError:
        continue
    name, _, body = r.partition(b':')
    if body == data:
        ok += 1; seen.add(name.decode())
print(ok, ' '.join(sorted(seen)))"
}

read -r n_ok backends <<<"$(echo6 53 40 3000,3000,3000,8000)"
tb_expect_eq "FULLNAT v6: 40 fragmented datagrams echoed back intact" 40 "$n_ok"
tb_expect_eq "both backends took some" "b1 b2" "$backends"
tb_check "first fragments recorded both ways ($(stat "['fragments_tracked']"))" \
	[ "$(stat "['fragments_tracked']")" -ge 80 ]
tb_check "later fragments followed them ($(stat "['fragments_forwarded']"))" \
	[ "$(stat "['fragments_forwarded']")" -ge 100 ]
tb_expect_eq "no fragment unmatched" 0 "$(stat "['drops']['fragment_unmatched']")"

# NAT64: the client's fragments translated one by one to IPv4 fragments
# (the IPv4 servers' kernels reassemble them: ReasmOKs); the servers'
# fragmented echoes translated back, each IPv4 fragment of 1500 bytes
# too long for the client's link once it is IPv6 (1528) and so cut in two
reasm() {
	local i n=0
	for i in 1 2; do
		n=$((n + $(tb_x b$i cat /proc/net/snmp | awk '/^Ip: [0-9]/ { print $16 }')))
	done
	echo $n
}
tracked0=$(stat "['fragments_tracked']") reasm0=$(reasm)
read -r n_ok backends <<<"$(echo6 5364 20 3000,3000,8000)"
tb_expect_eq "NAT64: 20 fragmented datagrams echoed back intact" 20 "$n_ok"
tb_expect_eq "NAT64: both IPv4 servers took some" "b1 b2" "$backends"
tb_check "NAT64: the IPv4 servers reassembled the translated fragments ($(( $(reasm) - reasm0 )))" \
	[ "$(reasm)" -ge $((reasm0 + 20)) ]
tb_check "NAT64: first fragments recorded both ways" \
	[ "$(stat "['fragments_tracked']")" -ge $((tracked0 + 40)) ]
tb_check "NAT64: the servers' 1500-byte fragments cut in two ($(stat "['nat64_fragmented']"))" \
	[ "$(stat "['nat64_fragmented']")" -ge 40 ]

# --- out of order: last fragment first
held0=$(stat "['fragments_held']")
ooo=$(tb_client $TB_PY -c "
import os, socket
from scapy.all import IPv6, IPv6ExtHdrFragment, UDP, Raw, conf, fragment6, send
conf.verb = 0
data = os.urandom(4000)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(3)
s.bind(('$TB_CLIENT6', 0)); port = s.getsockname()[1]
pkt = IPv6(src='$TB_CLIENT6', dst='$TB_VIP6') / IPv6ExtHdrFragment(id=4242) / UDP(sport=port, dport=53) / Raw(data)
frags = fragment6(pkt, 1480)
send(list(reversed(frags)))
try:
    r = s.recv(20000)
    print(len(frags), 'intact' if r.partition(b':')[2] == data else 'corrupt')
except OSError as e:
    print(len(frags), type(e).__name__)")
read -r nfrags verdict <<<"$ooo"
tb_expect_eq "a v6 datagram sent last fragment first arrives intact" intact "$verdict"
tb_check "its $((nfrags - 1)) later fragments waited for the first" \
	[ "$(stat "['fragments_held']")" -ge $((held0 + nfrags - 1)) ]

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
