#!/usr/bin/env bash
# IP fragments through the FULLNAT VIP, both ways (af_xdp ports).
# - 3000- and 8000-byte UDP datagrams (fragmented by the client on its
#   1500-byte link) reach one backend whole, and its fragmented echo comes
#   back whole: each datagram's later fragments went where its first went
# - fragments sent last-first are held until the first arrives, then go on
# - a later fragment whose first never comes is dropped after a while,
#   counted
# af_packet cannot carry this test: the PMD joins its fanout group with
# PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles datagrams before
# mgw sees them and truncates what exceeds a frame. af_xdp sees the wire.
# It has one queue on veth, hence one data lcore here; the hand-over of
# fragments between lcores is covered by the dp_inproc scenario.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init frag 90
export MGW_LCORES="0@0,1@1"

tb_topology 2
tb_udp_echo 1 5353
tb_udp_echo 2 5353
tb_mgw_config "[
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 5353 2) } ]"
# The ports as kernel interfaces alone ("iface=wan"): mgw picks af_xdp.
sed -i 's/net_af_packet[01],iface=\([a-z]*\)/iface=\1/' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1
tb_expect_eq "iface= ports opened with af_xdp" "net_af_xdp net_af_xdp" \
	"$(tb_api GET /api/v1/status | tb_json '" ".join(p["driver"] for p in j["ports"])')"

stat() { tb_stat "j['totals']$1"; }

# --- many fragmented datagrams, each from its own port, both sizes
res=$(tb_client $TB_PY -c "
import os, socket
ok = 0; seen = set()
for i in range(40):
    n = 3000 if i % 4 else 8000
    data = os.urandom(n)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(data, ('$TB_VIP', 53))
    try:
        r = s.recv(20000)
    except OSError:
        continue
    name, _, body = r.partition(b':')
    if body == data:
        ok += 1; seen.add(name.decode())
print(ok, ' '.join(sorted(seen)))")
read -r n_ok backends <<<"$res"
tb_expect_eq "40 fragmented datagrams echoed back intact" 40 "$n_ok"
tb_expect_eq "both backends took some" "b1 b2" "$backends"
tb_check "first fragments recorded both ways ($(stat "['fragments_tracked']"))" \
	[ "$(stat "['fragments_tracked']")" -ge 80 ]
tb_check "later fragments followed them ($(stat "['fragments_forwarded']"))" \
	[ "$(stat "['fragments_forwarded']")" -ge 100 ]
tb_expect_eq "no fragment unmatched" 0 "$(stat "['drops']['fragment_unmatched']")"

# --- out of order: last fragment first
held0=$(stat "['fragments_held']")
ooo=$(tb_client $TB_PY -c "
import os, socket
from scapy.all import IP, UDP, Raw, conf, fragment, send
conf.verb = 0
data = os.urandom(4000)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.bind(('$TB_CLIENT', 0)); port = s.getsockname()[1]
frags = fragment(IP(src='$TB_CLIENT', dst='$TB_VIP', id=4242) / UDP(sport=port, dport=53) / Raw(data), fragsize=1480)
send(list(reversed(frags)))
try:
    r = s.recv(20000)
    print(len(frags), 'intact' if r.partition(b':')[2] == data else 'corrupt')
except OSError as e:
    print(len(frags), type(e).__name__)")
read -r nfrags verdict <<<"$ooo"
tb_expect_eq "a datagram sent last fragment first arrives intact" intact "$verdict"
tb_check "its $((nfrags - 1)) later fragments waited for the first" \
	[ "$(stat "['fragments_held']")" -ge $((held0 + nfrags - 1)) ]

# --- a later fragment alone: held, then dropped and counted
tb_client $TB_PY -c "
from scapy.all import IP, UDP, Raw, conf, send
conf.verb = 0
send(IP(src='$TB_CLIENT', dst='$TB_VIP', id=999, frag=185, proto=17) / Raw(b'x' * 100))"
tb_wait_check "an orphan fragment times out, counted" 3 \
	tb_stat_ge "j['totals']['drops']['fragment_timeout']" 1
tb_expect_eq "counted once" 1 "$(stat "['drops']['fragment_timeout']")"

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
