#!/usr/bin/env bash
# IPv6 on a port (issue 18's first end-to-end piece): a port's "ip6"
# address is answered for by neighbour discovery and ICMPv6 echo.
# - the config takes "ip6" in any form inet_pton does and shows it in its
#   canonical one (RFC 5952)
# - the client's kernel resolves mgw's address by ND (its neighbour entry
#   holds mgw's MAC) and gets its echo requests answered, payload intact
# - NS that RFC 4861 says to drop (hop limit 254, a bad checksum) are
#   counted as malformed, an NS for another host is dropped and counted,
#   a datagram beyond ND and echo goes to the kernel (the exception path),
#   another host's NA for the address is counted and logged as a conflict
# - the kernel behind the TAP holds the address: a TCP socket there answers
#   the client, a closed UDP port's ICMPv6 error reaches it; IPv4 through
#   the VIP still works
# - at start mgw probes for a duplicate (RFC 4862's NS from ::): with the
#   client holding the same address, its kernel's answer is the conflict
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init ipv6_port 60
HERE=$(cd "$(dirname "$0")" && pwd)
ADDR=fd00:1::2 CADDR=fd00:1::1

tb_topology 1
tb_http_backends 1
tb_client sysctl -qw net.ipv6.conf.c0.disable_ipv6=0
tb_client ip addr add $CADDR/64 dev c0 nodad
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 1) } ]"
# a non-canonical spelling: upper case, a zero group written out
sed -i 's|"ip": "10.0.0.2/24" }|"ip": "10.0.0.2/24", "ip6": "FD00:1:0::2/64" }|' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1

tb_expect_eq "GET /config: the port's ip6, canonical" "$ADDR/64" \
	"$(tb_api GET /api/v1/config | tb_json '[p.get("ip6") for p in j["ports"] if p["name"] == "wan"][0]')"
mac=$(tb_api GET /api/v1/status | tb_json '[p["mac"] for p in j["ports"] if p["name"] == "wan"][0]')
drop() { tb_stat "j['totals']['drops'].get('$1', 0)"; }

got=$(tb_client $TB_PY "$HERE/ping6.py" $ADDR 5)
tb_expect_eq "ping of the port's IPv6 address: replies" 5 "$got"
tb_check "the client's neighbour entry for $ADDR holds mgw's MAC ($mac)" \
	grep -qi "lladdr $mac" <<<"$(tb_client ip -6 neigh show $ADDR)"
tb_check "neighbour advertisements counted" tb_stat_ge "j['totals']['nd_replies']" 1
tb_check "echo replies counted" tb_stat_ge "j['totals']['icmp6_echo_replies']" 5

bad0=$(drop nd_malformed) ck0=$(drop icmp_bad_checksum) nl0=$(drop not_for_us) ns0=$(drop ipv6_not_served)
po0=$(tb_stat "j['totals']['punt_other']")
# (the client sends nothing to mgw's address meanwhile: its neighbour
# entry is fresh, so no NUD probe of its own can be answered here)
nd0=$(tb_stat "j['totals']['nd_replies']")
tb_client $TB_PY "$HERE/nd_bad.py" c0 "$mac" $CADDR $ADDR fd00:1::99
sleep 0.5
tb_expect_eq "NS with hop limit 254: counted malformed" 1 $(( $(drop nd_malformed) - bad0 ))
tb_expect_eq "NS with a bad checksum: counted" 1 $(( $(drop icmp_bad_checksum) - ck0 ))
tb_check "NS for another host: dropped, not for us" [ $(( $(drop not_for_us) - nl0 )) -ge 1 ]
tb_expect_eq "UDP to the port's IPv6 address: not dropped as not served" 0 $(( $(drop ipv6_not_served) - ns0 ))
tb_check "UDP to the port's IPv6 address: handed to the kernel" \
	[ $(( $(tb_stat "j['totals']['punt_other']") - po0 )) -ge 1 ]
tb_expect_eq "none of the three NS answered" "$nd0" "$(tb_stat "j['totals']['nd_replies']")"
tb_expect_eq "another host's NA for it: a conflict, counted" 1 "$(tb_stat "j['totals']['nd_conflicts']")"
tb_wait 3 grep -q "another host advertises a port's IPv6 address" "$TB_DIR/mgw.log"
tb_check "the conflict is logged" grep -q "another host advertises a port's IPv6 address" "$TB_DIR/mgw.log"

# The kernel behind the TAP holds the address too: its sockets answer
# through the port (it resolves the client by its own NS, hears the NA
# through the TAP), and a closed port's ICMPv6 error comes back from it.
tb_bg lb tcp6 $TB_PY -u -c "
import socket
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$ADDR', 9000)); s.listen(4)
while True:
    c, a = s.accept(); c.sendall(('kernel ' + a[0] + '\\n').encode()); c.close()"
tb_wait 5 bash -c "ip netns exec $(tb_nsname lb) ss -ltn | grep -q ':9000'"
got=$(tb_client $TB_PY -c "
import socket
s = socket.create_connection(('$ADDR', 9000), timeout=3); print(s.recv(100).decode().strip())")
tb_expect_eq "TCP to the port's IPv6 address: the kernel's socket answers through the TAP" \
	"kernel $CADDR" "$got"
got=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(3); s.connect(('$ADDR', 9))
s.send(b'x')
try: s.recv(10); print('answered')
except ConnectionRefusedError: print('refused')
except OSError as e: print(type(e).__name__)")
tb_expect_eq "UDP to a closed port of it: the kernel's port unreachable comes back" refused "$got"
kill "$TB_LAST_PID" 2>/dev/null

tb_check "IPv4 through the VIP still works" tb_client curl -sf -m 5 -o /dev/null "http://$TB_VIP/"
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"

# A duplicate: the client holds fd00:1::2 too. mgw's probe at start (an NS
# from ::) gets the client kernel's NA, counted and logged as a conflict.
tb_client ip addr add $ADDR/64 dev c0 nodad
tb_mgw_start || exit 1
tb_wait 5 grep -q "another host advertises a port's IPv6 address" "$TB_DIR/mgw.log"
tb_check "start: the duplicate found by the probe, logged" \
	grep -q "another host advertises a port's IPv6 address" "$TB_DIR/mgw.log"
tb_check "start: counted" tb_stat_ge "j['totals']['nd_conflicts']" 1
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
