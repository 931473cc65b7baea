#!/usr/bin/env bash
# IPv6 sessions survive a node's death (issue 18) on the synced cluster
# testbed (tests/lib/sync_cluster.sh), its IPv6 part added here:
# - the client fd00:201:9::2 behind the router; mgw takes no IPv6 routes
#   from its config yet, so node K's wan is fd00:201::(K+1)/32, the
#   client on its subnet, and the router answers ND for the client on its
#   legs (proxy NDP); the VIP fd00:1::10 by node 1's leg, by node 2's once
#   that link is down (the router forwards: no socket of its own keeps a
#   route to the dead link);
# - the server LAN: node K fd00:2::(K+1), its local IP fd00:2::(100+K-1),
#   the backends fd00:2::1(1|2) serving HTTP and UDP echo on IPv6;
# - a slow IPv6 FULLNAT download, a NAT64 one (through the IPv4 local IP)
#   and a UDP flow through node 1; node 2 holds their sessions (GET
#   /sessions: foreign); node 1 is SIGKILLed (its supervisor runs
#   `mgw --down-ports`, as tests/e2e/failover): node 2 claims node 1's
#   local IPs, announces the IPv6 one by unsolicited NA (the servers'
#   neighbour caches move to its MAC), adopts the sessions, and both
#   downloads complete intact (sha256), the UDP flow goes on.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/sync_cluster.sh"
tb_init failover6 240
VIP6=fd00:1::10 CL6=fd00:201:9::2
b6() { echo "fd00:2::$((10 + $1))"; }
lip6() { echo "fd00:2::$((99 + $1))"; }
servers6="[ { \"ip\": \"$(b6 1)\", \"port\": 8081 }, { \"ip\": \"$(b6 2)\", \"port\": 8081 } ]"
udp6="[ { \"ip\": \"$(b6 1)\", \"port\": 53 }, { \"ip\": \"$(b6 2)\", \"port\": 53 } ]"
SC_MORE_SERVICES=",
	{ \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $servers6 },
	{ \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 53, \"scheduler\": \"rr\", \"servers\": $udp6 },
	{ \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 8064, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 2) }"
sc_setup
for k in 1 2; do
	o=$((3 - k))
	sed -i -e "s|\"ip\": \"10.201.$k.2/24\" }|\"ip\": \"10.201.$k.2/24\", \"ip6\": \"fd00:201::$((k + 1))/32\" }|" \
		-e "s|\"ip\": \"10.1.0.$((k + 1))/24\" }|\"ip\": \"10.1.0.$((k + 1))/24\", \"ip6\": \"fd00:2::$((k + 1))/64\" }|" \
		-e "s|\"localips\": \[ \"10.1.0.$((99 + k))\" \],|\"localips\": [ \"10.1.0.$((99 + k))\", \"$(lip6 $k)\" ],|" \
		-e "s|\"localips\": \[ \"10.1.0.$((99 + o))\" \] }|\"localips\": [ \"10.1.0.$((99 + o))\", \"$(lip6 $o)\" ] }|" \
		"$TB_DIR/mgw-lb$k.json"
	tb_check "node $k's config has the v6 local IPs" grep -q "\"$(lip6 $o)\" \] }" "$TB_DIR/mgw-lb$k.json"
done
tb_x r sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.all.forwarding=1 \
	net.ipv6.conf.all.ignore_routes_with_linkdown=1 net.ipv6.conf.all.proxy_ndp=1
tb_x r sysctl -qw net.ipv6.conf.r-c.disable_ipv6=0
tb_x r ip addr add fd00:201:9::1/64 dev r-c nodad
tb_x c sysctl -qw net.ipv6.conf.c0.disable_ipv6=0
tb_x c ip addr add $CL6/64 dev c0 nodad
tb_x c ip -6 route add default via fd00:201:9::1
for k in 1 2; do
	tb_x r sysctl -qw net.ipv6.conf.r-n$k.disable_ipv6=0 net.ipv6.conf.r-n$k.ignore_routes_with_linkdown=1
	tb_x r sysctl -qw net.ipv6.conf.r-n$k.proxy_ndp=1
	tb_x r ip addr add fd00:201::1/64 dev r-n$k nodad
	tb_x r ip -6 neigh add proxy $CL6 dev r-n$k
	tb_x b$k sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
	tb_x b$k ip addr add "$(b6 $k)/64" dev eth0 nodad
	tb_bg b$k "http6-b$k" $TB_PY -m http.server --bind "$(b6 $k)" -d "$TB_DIR" 8081
	tb_bg b$k "udp6-b$k" $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" "$(b6 $k)" 53 "b$k"
done
tb_x r ip -6 route add $VIP6/128 dev r-n1 metric 1
tb_x r ip -6 route add $VIP6/128 dev r-n2 metric 2
for k in 1 2; do
	tb_wait 10 tb_x b$k bash -c "exec 3<>/dev/tcp/$(b6 $k)/8081" || { tb_log "http b$k not on v6"; exit 1; }
done
sc_start_both
MAC2=$(sc_mac_of lb2)
tb_check "node 1 holds its v6 local IP $(lip6 1)" tb_wait 5 sc_holds lb1 "$(lip6 1)"
tb_check "node 2 holds its v6 local IP $(lip6 2)" tb_wait 5 sc_holds lb2 "$(lip6 2)"
tb_expect_eq "node 2 does not hold $(lip6 1)" idle "$(sc_lip_state lb2 "$(lip6 1)")"
tb_check "curl -6 through node 1" tb_wait 10 tb_x c curl -6 -sf -m 3 -o /dev/null -g "http://[$VIP6]/mid.bin"

want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
tb_bg c dl6 curl -6 -sS -m 90 --limit-rate 600k -o "$TB_DIR/dl6.bin" -g "http://[$VIP6]/big.bin"
dl6=$TB_LAST_PID
tb_bg c dl64 curl -6 -sS -m 90 --limit-rate 600k -o "$TB_DIR/dl64.bin" -g "http://[$VIP6]:8064/big"
dl64=$TB_LAST_PID
# one UDP flow (one source port): a datagram every 50 ms, the answers counted
# before and after the kill (the flow file: "t_ms answered" lines)
tb_bg c udp6 $TB_PY -u -c "
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(0.05)
end = time.time() + 30
while time.time() < end:
    s.sendto(b'x', ('$VIP6', 53))
    try:
        s.recvfrom(100); ok = 1
    except socket.timeout:
        ok = 0
    print(int(time.time() * 1000), ok, flush=True)
    time.sleep(0.05)"
udp=$TB_LAST_PID
b_has() {   # node 2 holds node 1's v6 session of port $1, foreign
	TB_LB=lb2 tb_api GET /api/v1/sessions | tb_jtrue \
		"any(x['client'].startswith('[$CL6]:') and x['vip'] == '[$VIP6]:$1' and x['foreign'] for x in j['sessions'])"
}
tb_check "node 2 holds the IPv6 FULLNAT session (foreign)" tb_wait 10 b_has 80
tb_check "node 2 holds the NAT64 session (foreign)" tb_wait 10 b_has 8064
tb_check "node 2 holds the IPv6 UDP session (foreign)" tb_wait 10 b_has 53
TB_LB=lb2 tb_api GET /api/v1/sessions >"$TB_DIR/sessions-lb2.json"
sleep 2
t0=$(now_ms)
kill -KILL "$MGW_PID_lb1"; wait "$MGW_PID_lb1" 2>/dev/null
tb_x lb1 "$TB_MGW" --down-ports -c "$TB_DIR/mgw-lb1.json" >&2
tb_check "node 2 holds node 1's v6 local IP" tb_wait 10 sc_holds lb2 "$(lip6 1)"
tb_check "and its IPv4 one (NAT64's)" tb_wait 10 sc_holds lb2 10.1.0.100
tb_log "node 2 took them $(( $(now_ms) - t0 )) ms after the kill: $(sc_cl lb2 'j["sync"]["failover"]')"
nas=$(sc_cl lb2 'j["sync"]["failover"]["unsolicited_nas"]')
tb_check "node 2 sent unsolicited NAs ($nas)" [ "$nas" -ge 1 ]
neigh_moved() {
	local k m
	for k in 1 2; do
		m=$(tb_x b$k ip -6 neigh show "$(lip6 1)" dev eth0 |
			awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
		[[ $m == "$MAC2" ]] && return 0
	done
	return 1
}
tb_check "a server's neighbour cache moved $(lip6 1) to node 2 ($MAC2)" tb_wait 5 neigh_moved ||
	tb_log "neighbours: $(tb_x b1 ip -6 neigh show; tb_x b2 ip -6 neigh show)"
wait "$dl6"; rc6=$?
tb_log "node 2's drops: $(sc_drops lb2)"
TB_LB=lb2 tb_api GET /api/v1/stats >"$TB_DIR/stats-lb2.json"
wait "$dl64"; rc64=$?
tb_expect_eq "the IPv6 download completed" 0 "$rc6"
tb_expect_eq "the IPv6 download is intact" "$want" "$(sha256sum <"$TB_DIR/dl6.bin" | cut -d' ' -f1)"
tb_expect_eq "the NAT64 download completed" 0 "$rc64"
tb_expect_eq "the NAT64 download is intact" "$want" "$(sha256sum <"$TB_DIR/dl64.bin" | cut -d' ' -f1)"
ad=$(sc_cl lb2 'j["sync"]["failover"]["sessions_adopted"]')
tb_check "node 2 adopted node 1's sessions ($ad)" [ "$ad" -ge 3 ]
wait "$udp"
read -r before after <<<"$(awk -v t="$t0" '$2 == 1 { if ($1 < t) b++; else a++ } END { print b + 0, a + 0 }' "$TB_DIR/udp6.log")"
tb_log "UDP answers: $before before the kill, $after after"
tb_check "the UDP flow was answered before the kill ($before)" [ "$before" -ge 10 ]
tb_check "and goes on after it ($after)" [ "$after" -ge 100 ]
tb_done
