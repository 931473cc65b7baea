#!/usr/bin/env bash
# Health checks over IPv6 and the IPv6 exception path (issue 18): a v6
# FULLNAT service in front of two v6 servers, one on the lan's v6 subnet,
# the other behind a router reached through a static IPv6 route.
#
#   client (c) fd00:1::1 ── wan [mgw fd00:1::2/64] (lb)
#                           lan [mgw fd00:2::2/64] ── br0 (sw) ── b1 fd00:2::11
#                                                            └── router (r) fd00:2::1
#                                                                  fd00:3::1 ── b2 fd00:3::12
#
# - the kernel in lb holds the ports' ip6 on the TAPs and the static route
#   (metric 1000 via fd00:2::1): its own curl reaches both servers through
#   the TAP, b2 through the router
# - HTTP checks (TCP for a second service, UDP for a third) from the
#   port's ip6 find both servers up; nginx stopped on the routed one ⇒ down
#   (its reason), the VIP then reaches only b1; started again ⇒ up and
#   reached again; a UDP server's port closed ⇒ down (port unreachable),
#   open again ⇒ up
# - a v6 server added by the API is solicited before any packet goes to it
# - IPv4 beside it still works
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init ipv6_health 120
VIP6=fd00:1::10 CADDR=fd00:1::1 LIP6=fd00:2::100 B1=fd00:2::11 B2=fd00:3::12 GW=fd00:2::1

tb_topology 1
tb_client sysctl -qw net.ipv6.conf.c0.disable_ipv6=0
tb_client ip addr add $CADDR/64 dev c0 nodad
tb_x b1 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
tb_x b1 ip addr add $B1/64 dev eth0 nodad
# the router: a leg on the lan's switch, one towards b2
tb_ns r
tb_ns b2
tb_veth r eth0 sw s-r
tb_x sw ip link set s-r master br0
tb_veth r r-b2 b2 eth0
for ifc in eth0 r-b2; do
	tb_x r sysctl -qw net.ipv6.conf.$ifc.disable_ipv6=0
	tb_x r ethtool -K $ifc tx off >/dev/null
done
tb_x r sysctl -qw net.ipv6.conf.all.forwarding=1
tb_x r ip addr add $GW/64 dev eth0 nodad
tb_x r ip addr add fd00:3::1/64 dev r-b2 nodad
tb_x b2 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
tb_x b2 ethtool -K eth0 tx off >/dev/null
tb_x b2 ip addr add $B2/64 dev eth0 nodad
tb_x b2 ip -6 route add default via fd00:3::1
head -c 65536 /dev/urandom >"$TB_DIR/mid.bin"
tb_nginx_start 1 8080 "10.1.0.11 [$B1]"
tb_nginx_start 2 8080 "[$B2]"
tb_bg b1 udp6-b1 $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" $B1 53 b1
udp_pid=$TB_LAST_PID
tb_wait 10 tb_x b1 bash -c "exec 3<>/dev/tcp/$B1/8080" || { tb_log "nginx b1 not on v6"; exit 1; }
tb_wait 10 tb_x b2 bash -c "exec 3<>/dev/tcp/$B2/8080" || { tb_log "nginx b2 not on v6"; exit 1; }
# the router forwards once its link-local addresses have passed DAD (it
# asks for b2 from one): a second here, not mgw's to wait for
tb_wait 5 bash -c "[[ -z \$(ip -n $(tb_nsname r) -6 addr show tentative; ip -n $(tb_nsname b2) -6 addr show tentative) ]]"
tb_check "b2 is behind the router only (b1 cannot reach it on-link)" \
	bash -c "! ip netns exec $(tb_nsname b1) curl -6 -s -m 1 -g http://[$B2]:8080/"

H_HTTP='"health": { "type": "http", "path": "/health", "interval_ms": 300, "timeout_ms": 200, "rise": 2, "fall": 2 }'
H_TCP='"health": { "type": "tcp", "interval_ms": 300, "timeout_ms": 200, "rise": 2, "fall": 2 }'
H_UDP='"health": { "type": "udp", "payload": "ping", "require_reply": true, "interval_ms": 300, "timeout_ms": 200, "rise": 2, "fall": 2 }'
servers6="[ { \"ip\": \"$B1\", \"port\": 8080 }, { \"ip\": \"$B2\", \"port\": 8080 } ]"
MGW_LIPS="[ \"10.1.0.100\", \"$LIP6\" ]" tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", $H_TCP,
    \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 80, \"scheduler\": \"rr\", $H_HTTP, \"servers\": $servers6 },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 81, \"scheduler\": \"rr\", $H_TCP, \"servers\": $servers6 },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 53, \"scheduler\": \"rr\", $H_UDP,
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 53 } ] } ]" \
	"\"routes\": [ { \"prefix\": \"fd00:3::/64\", \"via\": \"$GW\" } ],"
sed -i -e 's|"ip": "10.0.0.2/24" }|"ip": "10.0.0.2/24", "ip6": "fd00:1::2/64" }|' \
	-e 's|"ip": "10.1.0.2/24" }|"ip": "10.1.0.2/24", "ip6": "fd00:2::2/64" }|' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1
S=/api/v1/services/tcp/$VIP6/80
status() { tb_api GET "$1" | tb_json 'j["status"]'; }
wait_status() { # wait_status PATH STATUS SECONDS
	tb_wait "$3" bash -c "[[ \$(ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080$1 | $TB_PY -c 'import json,sys; print(json.load(sys.stdin)[\"status\"])') == $2 ]]"
}

# ---- the exception path, from the kernel's side
tb_expect_eq "GET /config: the IPv6 route, canonical" "fd00:3::/64 $GW" \
	"$(tb_api GET /api/v1/config | tb_json "[r['prefix'] + ' ' + r['via'] for r in j['routes']][0]")"
tb_check "the TAP holds the lan port's ip6" \
	bash -c "ip -n $(tb_nsname lb) -6 addr show dev mgw-lan | grep -q 'inet6 fd00:2::2/64'"
tb_check "and no link-local address (ND for it would go unanswered)" \
	bash -c "! ip -n $(tb_nsname lb) -6 addr show dev mgw-lan | grep -q 'inet6 fe80'"
tb_check "the static route is mirrored into the kernel (metric 1000, via the router)" \
	bash -c "ip -n $(tb_nsname lb) -6 route show fd00:3::/64 | grep -q 'via $GW dev mgw-lan.*metric 1000'"
tb_expect_eq "the kernel in lb reaches b1 through the TAP" b1 \
	"$(tb_x lb curl -6 -s -m 5 -g "http://[$B1]:8080/")"
tb_expect_eq "the kernel in lb reaches b2 through the TAP and the router" b2 \
	"$(tb_x lb curl -6 -s -m 5 -g "http://[$B2]:8080/")"
tb_check "the kernel's replies came back as punts (TCP to the port's ip6)" \
	tb_stat_ge "j['totals']['punted']" 1

# ---- checks over IPv6: both up, both reached through the VIP
tb_check "b1 up (HTTP over IPv6)" wait_status $S/servers/$B1/8080 up 5
tb_check "b2 up (HTTP over IPv6, through the route)" wait_status $S/servers/$B2/8080 up 5
tb_check "b2 up (TCP over IPv6) on :81" wait_status /api/v1/services/tcp/$VIP6/81/servers/$B2/8080 up 5
U=/api/v1/services/udp/$VIP6/53/servers/$B1/53
tb_check "b1 up (UDP over IPv6, a reply required)" wait_status $U up 5
tb_check "check replies counted in the health class" tb_stat_ge "j['totals']['punt_health']" 4
seen=""
for k in 1 2 3 4 5 6; do seen+=$(tb_client curl -6 -s -m 3 -g "http://[$VIP6]/"); done
tb_check "curl -6 through the VIP reaches b1 ($seen)" grep -q b1 <<<"$seen"
tb_check "and b2, through the static IPv6 route" grep -q b2 <<<"$seen"

# ---- nginx stopped on the routed server: down, avoided; started: up, reached
kill "$TB_NGINX_PID_2"
tb_check "b2 stopped ⇒ down (HTTP)" wait_status $S/servers/$B2/8080 down 5
tb_check "b2 stopped ⇒ down (TCP) on :81" wait_status /api/v1/services/tcp/$VIP6/81/servers/$B2/8080 down 5
tb_check "the reason: connection refused" \
	bash -c "ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080$S/servers/$B2/8080 | grep -q 'Connection refused'"
tb_expect_eq "b1 stays up" up "$(status $S/servers/$B1/8080)"
ok=0 wrong=0
for k in $(seq 20); do
	case $(tb_client curl -6 -s -m 3 -g "http://[$VIP6]/") in b1) ok=$((ok + 1)) ;; *) wrong=$((wrong + 1)) ;; esac
done
tb_expect_eq "20 requests with b2 down: all answered by b1" "20 0" "$ok $wrong"
tb_nginx_start 2 8080 "[$B2]"
tb_check "b2 started ⇒ up again (rise 2)" wait_status $S/servers/$B2/8080 up 6
tb_check "b2 takes traffic again" bash -c \
	"for k in 1 2 3 4 5 6; do ip netns exec $(tb_nsname c) curl -6 -s -m 2 -g http://[$VIP6]/; done | grep -q b2"

# ---- UDP: the port closed ⇒ down (port unreachable); open ⇒ up
kill "$udp_pid"
tb_check "udp server gone ⇒ down" wait_status $U down 5
tb_check "the reason: port unreachable (the ICMPv6 error reached the checker)" \
	bash -c "ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080$U | grep -q 'port unreachable'"
tb_bg b1 udp6-b1b $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" $B1 53 b1
tb_check "udp server back ⇒ up" wait_status $U up 5
ans=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b'hi', ('$VIP6', 53)); print(s.recvfrom(100)[0].decode())")
tb_expect_eq "UDP through the VIP echoed" "b1:hi" "$ans"

# ---- a new v6 server on the lan: solicited at once, before any traffic
tb_x r ip addr add fd00:2::13/64 dev eth0 nodad
tb_bg r ns13 tcpdump -U -lni eth0 "icmp6 and ip6[40] == 135"
sleep 0.5
tb_api POST /api/v1/services "{ \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 82,
  \"servers\": [ { \"ip\": \"fd00:2::13\", \"port\": 8080 } ] }" >/dev/null
tb_expect_eq "POST a v6 service with a new server" 201 "$TB_HTTP_CODE"
tb_wait_check "mgw solicits it (NS from the port's ip6) with no packet waiting" 3 \
	grep -q "fd00:2::2 > .*who has fd00:2::13" "$TB_DIR/ns13.log"

tb_check "IPv4 beside it: its server checked up" wait_status /api/v1/services/tcp/$TB_VIP/80/servers/10.1.0.11/8080 up 5
tb_check "IPv4 through its VIP still works" tb_client curl -sf -m 5 -o /dev/null "http://$TB_VIP/"
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
