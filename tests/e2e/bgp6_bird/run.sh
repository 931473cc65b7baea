#!/usr/bin/env bash
# MP-BGP for IPv6 unicast (issue 18) against bird2, and traffic that
# follows the route.
#
#   client (c): bird, AS 65000        mgw (lb), AS 65001
#   c0 10.0.0.1/24, fd00:1::1/64 ──── wan 10.0.0.2/24, fd00:1::2/64
#                                     lan 10.1.0.2/24, fd00:2::2/64 ── b1, b2
#
# The session runs over IPv4; bird has an ipv4 and an ipv6 channel. The v6
# VIP (fd00:10::10) is outside every subnet the client has, so curl -6
# reaches it only by the /128 that bird learnt from mgw (next hop
# fd00:1::2, wan's ip6) and put in the client's kernel table. Checked:
# - GET /routing: IPv6 unicast negotiated, the next hop, the /128s of the
#   v6 VIP and local IP in canonical text
# - bird holds fd00:10::10/128 via fd00:1::2, the kernel too (proto bird);
#   curl -6 through it reaches both v6 servers; IPv4 alongside
# - DELETE the v6 service: bird withdraws the /128 (within 2 s), curl -6
#   has no route any more, the IPv4 VIP stays announced and served
# - bird without its ipv6 channel: IPv4 still announced, GET /routing says
#   IPv6 unicast was not negotiated and why
# - mgw stopping: bird loses every route
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init bgp6_bird 120
command -v bird >/dev/null || { echo "bird2 is not installed"; exit 1; }
VIP6=fd00:10::10 NH6=fd00:1::2 LIP6=$TB_LIP6
SOCK=$TB_DIR/bird.ctl
b6() { tb_backend_ip6 "$1"; }
birdc_() { tb_client birdc -s "$SOCK" "$@"; }
bird_has() { birdc_ show route for "$1" protocol mgw 2>/dev/null | grep -q "$2"; }
bird_lacks() { ! birdc_ show route protocol mgw 2>/dev/null | grep -q "$1"; }
kernel_has6() { tb_client ip -6 route show "$VIP6" | grep -q "via $NH6 dev c0 proto bird"; }
kernel_lacks6() { [[ -z $(tb_client ip -6 route show "$VIP6") ]]; }
established() { birdc_ show protocols mgw 2>/dev/null | grep -q Established; }
routing() { tb_api GET /api/v1/routing | tb_jtrue "$1"; }

tb_topology 2
tb_v6_testbed
for i in 1 2; do
	tb_nginx_start $i 8080 "$(tb_backend_ip $i) [$(b6 $i)]"
done
for i in 1 2; do
	tb_wait 10 tb_x b$i bash -c "exec 3<>/dev/tcp/$(b6 $i)/8080" || { tb_log "nginx b$i not on v6"; exit 1; }
done

bird_conf() {	# bird_conf WITH_IPV6
	cat >"$TB_DIR/bird.conf" <<CONF
router id 10.0.0.1;
log stderr all;
debug protocols { states, events };
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export where source = RTS_BGP; }; }
protocol kernel k6 { ipv6 { export where source = RTS_BGP; }; }
protocol bgp mgw {
  local as 65000; neighbor 10.0.0.2 as 65001;
  hold time 3; keepalive time 1;
  connect retry time 2; error wait time 1, 3;
  ipv4 { import all; export none; };
$( (( $1 )) && echo "  ipv6 { import all; export none; };")
}
CONF
}
bird_conf 1
tb_bg c bird bird -f -s "$SOCK" -P "$TB_DIR/bird.pid" -c "$TB_DIR/bird.conf"
tb_wait 5 birdc_ show status || { tb_log "bird did not start"; exit 1; }

servers6=$(tb_servers6_json 8080 2)
MGW_LIPS="[ \"10.1.0.100\", \"$LIP6\" ]" tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $servers6 } ]" \
	'"routing": { "bgp": { "local_as": 65001, "hold_s": 3, "peers": [ { "ip": "10.0.0.1", "as": 65000 } ] } },'
tb_v6_ports
tb_check "curl -6 to the v6 VIP before mgw: no route" bash -c \
	"! ip netns exec $(tb_nsname c) curl -6 -sf -m 2 -g 'http://[$VIP6]/'"
tb_mgw_start || exit 1

tb_wait_check "bird: session with mgw Established" 20 established
tb_check "GET /routing: IPv6 unicast negotiated, next hop $NH6" routing \
	"j['bgp']['peers'][0]['ipv6_unicast'] and j['bgp']['peers'][0]['ipv4_unicast'] and j['bgp']['peers'][0]['ipv6_next_hop'] == '$NH6' and j['bgp']['peers'][0]['ipv6_withheld'] is None"
tb_check "GET /routing: the v6 VIP and local IP as /128s, canonical" routing \
	"{'$VIP6/128', '$LIP6/128', '$TB_VIP/32'} <= {p['prefix'] for p in j['bgp']['prefixes']} and [p['family'] for p in j['bgp']['prefixes'] if p['prefix'] == '$VIP6/128'] == ['ipv6']"
tb_wait_check "bird: $VIP6/128 via $NH6" 5 bird_has "$VIP6/128" "via $NH6"
tb_check "bird: the v6 local IP $LIP6/128 via $NH6" bird_has "$LIP6/128" "via $NH6"
tb_check "bird: the IPv4 VIP $TB_VIP/32 via 10.0.0.2" bird_has "$TB_VIP/32" "via 10.0.0.2"
birdc_ show route protocol mgw all >&2
tb_wait_check "client kernel: $VIP6 via $NH6 proto bird" 5 kernel_has6
tb_client ip -6 route show >&2
seen=""
for k in 1 2 3 4; do
	seen+=$(tb_client curl -6 -sf -m 5 -g "http://[$VIP6]/")
done
tb_check "curl -6 by the BGP route reaches b1" grep -q b1 <<<"$seen"
tb_check "and b2" grep -q b2 <<<"$seen"
tb_check "GET /routing: the peer holds the 4 prefixes (VIP and local IP of each family), 2 IPv6" routing \
	"j['bgp']['peers'][0]['prefixes_announced'] == 4 and j['bgp']['peers'][0]['ipv6_prefixes_announced'] == 2"
tb_check "bird's End-of-RIB for IPv6 counted" routing \
	"j['bgp']['peers'][0]['ipv6_end_of_rib_received'] >= 1"

# ---- the v6 service goes: its /128 is withdrawn, IPv4 stays
t0=$(date +%s%N)
tb_api DELETE "/api/v1/services/tcp/$VIP6/80" >/dev/null
tb_expect_eq "DELETE the v6 service" 200 "$TB_HTTP_CODE"
tb_wait_check "bird: $VIP6/128 withdrawn within 2 s" 2 bird_lacks "$VIP6/128"
tb_log "measure: DELETE -> withdrawn in bird $(( ($(date +%s%N) - t0) / 1000000 )) ms"
tb_wait_check "client kernel: the /128 gone" 3 kernel_lacks6
tb_check "curl -6 to the v6 VIP: no route any more" bash -c \
	"! ip netns exec $(tb_nsname c) curl -6 -sf -m 2 -g 'http://[$VIP6]/'"
tb_check "bird: the v6 local IP still announced" bird_has "$LIP6/128" "via $NH6"
tb_check "bird: the IPv4 VIP still announced" bird_has "$TB_VIP/32" "via 10.0.0.2"
tb_check "session still Established" established
tb_check "IPv4 through its VIP still works" tb_client curl -sf -m 5 -o /dev/null "http://$TB_VIP/"
tb_check "GET /routing: the v6 VIP no longer in the set" routing \
	"'$VIP6/128' not in [p['prefix'] for p in j['bgp']['prefixes']]"

# ---- the v6 service back: announced again
tb_api POST /api/v1/services "{ \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $servers6 }" >/dev/null
tb_expect_eq "POST the v6 service again" 201 "$TB_HTTP_CODE"
tb_wait_check "bird: $VIP6/128 announced again" 3 bird_has "$VIP6/128" "via $NH6"
tb_wait_check "and curl -6 reaches it again" 5 tb_client curl -6 -sf -m 2 -o /dev/null -g "http://[$VIP6]/"

# ---- a peer without IPv6 unicast: IPv4 goes on, the API says why
bird_conf 0
birdc_ configure >&2
no_v6() { routing "j['bgp']['peers'][0]['state'] == 'Established' and j['bgp']['peers'][0]['ipv6_unicast'] is False and j['bgp']['peers'][0]['ipv6_withheld'] == 'the peer did not offer IPv6 unicast'"; }
tb_wait_check "bird without ipv6: GET /routing says IPv6 unicast not negotiated, and why" 20 no_v6
tb_wait_check "bird without ipv6: the IPv4 VIP announced" 5 bird_has "$TB_VIP/32" "via 10.0.0.2"
tb_check "GET /routing: no v6 prefix held by the peer" routing \
	"j['bgp']['peers'][0]['ipv6_prefixes_announced'] == 0 and j['bgp']['peers'][0]['prefixes_announced'] == 2"
tb_check "IPv4 through its VIP works" tb_client curl -sf -m 5 -o /dev/null "http://$TB_VIP/"

# ---- back with ipv6, then mgw stops: every route goes
bird_conf 1
birdc_ configure >&2
tb_wait_check "bird with ipv6 again: $VIP6/128 back" 20 bird_has "$VIP6/128" "via $NH6"
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
# (mgw withdraws, then takes its links down: bird may see the link go
# before it reads the Cease, so only the outcome is checked)
tb_wait_check "mgw stopped: bird holds none of its routes" 5 bird_lacks "via"
tb_done
