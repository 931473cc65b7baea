#!/usr/bin/env bash
# IPv6 FULLNAT (issue 18): a v6 VIP in front of v6 servers, through v6
# local IPs, beside an IPv4 service on the same ports.
# - curl -6 through the VIP reaches both servers (rr), a 10 MB transfer
#   comes back intact, UDP over IPv6 is echoed by the servers
# - the servers see the local IP as the client (FULLNAT), and their
#   kernels find it by neighbour discovery (mgw answers NS for its v6 VIP
#   and local IPs); mgw finds the servers by its own NS (nd_requests) and
#   learns their NAs
# - NAT64: the same VIP on other ports in front of the IPv4 servers, through
#   the IPv4 local IP: curl -6 reaches both, 10 MB intact, UDP echoed
# - PROXY protocol v1/v2 (TCP and UDP) tells v6 and NAT64's v4 servers the
#   v6 client's address
# - the SYN proxy on a v6 VIP, to v6 servers and (NAT64) to v4 ones: curl
#   -6 through each, 10 MB intact, cookies sent and validated; a server's
#   RST to mgw's SYN reaches the v6 client; a flood of spoofed v6 SYNs gets
#   cookies and makes no session
# - TOA's IPv6 form (kind 254, length 20) in the server's capture: the v6
#   client's address and port on the SYN and at the first data, to v6
#   servers and (NAT64) to v4 ones, with and without the SYN proxy
# - no server: a v6 TCP flow gets a RST, a UDP one ICMPv6 port unreachable
# - the README's IPv6 runbook runs verbatim and its services carry traffic
# - the VIP answers ping -6; IPv4 through its own VIP still works
# - the API by v6 address: a service's path (any spelling of the address,
#   shown canonical), a server added, shown, refused of the other family
#   and deleted; the lookup of an mh service names the server curl then
#   reaches; stats zeroed; metrics label v6 servers "[addr]:port";
#   ?vip= of GET/DELETE /sessions takes the v6 VIP
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init ipv6_fullnat 110
HERE=$(cd "$(dirname "$0")" && pwd)
VIP6=$TB_VIP6 CADDR=$TB_CLIENT6 LIP6=$TB_LIP6
b6() { tb_backend_ip6 "$1"; }
tb_jtrue_sessions() { tb_api GET /api/v1/sessions | tb_jtrue "$1"; }

tb_topology 2
tb_v6_testbed
for i in 1 2; do
	tb_nginx_start $i 8080 "$(tb_backend_ip $i) [$(b6 $i)]"
	tb_udp_echo6 $i 53
	tb_udp_echo $i 53
done
# PROXY protocol readers on b1, v6 and (NAT64's servers) v4
PP=$TB_ROOT/tests/lib/pp_server.py
for a in "$(b6 1)" 10.1.0.11; do
	tb_bg b1 "pp-tcp-$a" $TB_PY -u "$PP" tcp "$a" 9000 sink
	tb_bg b1 "pp-udp-$a" $TB_PY -u "$PP" udp "$a" 9002
done
head -c 10485760 /dev/urandom >"$TB_DIR/big.bin"
for i in 1 2; do
	tb_wait 10 tb_x b$i bash -c "exec 3<>/dev/tcp/$(b6 $i)/8080" || { tb_log "nginx b$i not on v6"; exit 1; }
done
servers6=$(tb_servers6_json 8080 2)
udp6=$(tb_servers6_json 53 2)
MGW_LIPS="[ \"10.1.0.100\", \"$LIP6\" ]" tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $servers6 },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 90, \"client_address\": \"proxy_v1\", \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 9000 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 91, \"client_address\": \"proxy_v2\", \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 9000 } ] },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 92, \"client_address\": \"proxy_v2\", \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 9002 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 93, \"client_address\": \"proxy_v2\", \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 9000 } ] },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 94, \"client_address\": \"proxy_v2\", \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 9002 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 85, \"synproxy\": true, \"servers\": $servers6 },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 8065, \"synproxy\": true, \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 86, \"synproxy\": true, \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 9999 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 8066, \"synproxy\": true, \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 9999 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 87, \"client_address\": \"toa\", \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 88, \"client_address\": \"toa\", \"synproxy\": true, \"servers\": [ { \"ip\": \"$(b6 1)\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 8067, \"client_address\": \"toa\", \"synproxy\": true, \"servers\": [ { \"ip\": \"10.1.0.11\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 82 },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 54 },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 81, \"scheduler\": \"mh\", \"mh_port\": true, \"servers\": $servers6 },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 53, \"scheduler\": \"rr\", \"servers\": $udp6 },
  { \"proto\": \"tcp\", \"vip\": \"$VIP6\", \"port\": 8064, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"udp\", \"vip\": \"$VIP6\", \"port\": 5364, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 53 2) } ]"
tb_v6_ports
tb_mgw_start || exit 1

tb_expect_eq "GET /services: the v6 VIP, canonical (TCP: FULLNAT rr, mh, none, PROXY x2, SYN proxy x2, TOA x2; NAT64 x2, SYN proxy x2, TOA)" "14" \
	"$(tb_api GET /api/v1/services | tb_json "sum(1 for s in (j if isinstance(j, list) else j['services']) if s['vip'] == '$VIP6' and s['proto'] == 'tcp')")"
seen=""
for k in 1 2 3 4; do
	seen+=$(tb_client curl -6 -sf -m 5 -g "http://[$VIP6]/")
done
tb_check "curl -6 through the v6 VIP reaches b1" grep -q b1 <<<"$seen"
tb_check "curl -6 through the v6 VIP reaches b2" grep -q b2 <<<"$seen"
want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
got=$(tb_client curl -6 -sf -m 20 -g "http://[$VIP6]/big" | sha256sum | cut -d' ' -f1)
tb_expect_eq "10 MB over IPv6 FULLNAT: intact" "$want" "$got"
# a slow download holds a connection open: the server's socket shows its peer
tb_bg c slow6 curl -6 -s -m 30 --limit-rate 200k -o /dev/null -g "http://[$VIP6]/big"
seen_lip() { grep -q "\[$LIP6\]" <<<"$(tb_x b1 ss -tn; tb_x b2 ss -tn)"; }
tb_wait 5 seen_lip
tb_check "the server's peer is the local IP [$LIP6] (FULLNAT)" seen_lip
tb_check "GET /sessions: the v6 session, addresses in brackets" tb_jtrue_sessions \
	"any(x['client'].startswith('[$CADDR]:') and x['vip'] == '[$VIP6]:80' and x['local'].startswith('[$LIP6]:') and x['server'].startswith('[fd00:2::1') for x in j['sessions'])"
kill "$TB_LAST_PID" 2>/dev/null
ans=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b'hello6', ('$VIP6', 53)); print(s.recvfrom(100)[0].decode())")
tb_check "UDP over IPv6: echoed by a server ($ans)" grep -Eq '^b[12]:hello6$' <<<"$ans"
tb_check "mgw asked for the servers by NS" tb_stat_ge "j['totals']['nd_requests']" 1
tb_check "IPv6 sessions made" tb_stat_ge "j['totals']['sessions_created']" 6

# NAT64: the same v6 VIP on other ports, in front of the IPv4 servers
# (through the IPv4 local IP): the header translated both ways
seen=""
for k in 1 2 3 4; do
	seen+=$(tb_client curl -6 -sf -m 5 -g "http://[$VIP6]:8064/")
done
tb_check "NAT64: curl -6 reaches the IPv4 server b1" grep -q b1 <<<"$seen"
tb_check "NAT64: and b2" grep -q b2 <<<"$seen"
got=$(tb_client curl -6 -sf -m 20 -g "http://[$VIP6]:8064/big" | sha256sum | cut -d' ' -f1)
tb_expect_eq "NAT64: 10 MB intact" "$want" "$got"
tb_bg c slow64 curl -6 -s -m 30 --limit-rate 200k -o /dev/null -g "http://[$VIP6]:8064/big"
seen_lip4() { grep -q "10.1.0.100:" <<<"$(tb_x b1 ss -tn; tb_x b2 ss -tn)"; }
tb_wait 5 seen_lip4
tb_check "NAT64: the IPv4 server's peer is the IPv4 local IP" seen_lip4
tb_check "GET /sessions: the NAT64 session, v6 client side, v4 server side" tb_jtrue_sessions \
	"any(x['vip'] == '[$VIP6]:8064' and x['local'].startswith('10.1.0.100:') and x['server'].startswith('10.1.0.1') for x in j['sessions'])"
kill "$TB_LAST_PID" 2>/dev/null
ans=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.sendto(b'hello64', ('$VIP6', 5364)); print(s.recvfrom(100)[0].decode())")
tb_check "NAT64: UDP echoed by an IPv4 server ($ans)" grep -Eq '^b[12]:hello64$' <<<"$ans"

# ---- the API by v6 address
svc=/api/v1/services/tcp/fd00:1:0::10/80
tb_expect_eq "GET a v6 service's path (the address spelt otherwise): its VIP canonical" \
	"$VIP6 2" "$(tb_api GET $svc | tb_json "j['vip'], len(j['servers'])" | tr -d "(),'")"
tb_api GET "/api/v1/services/tcp/%5B$VIP6%5D/80" >/dev/null
tb_expect_eq "GET with the address in brackets" 200 "$TB_HTTP_CODE"
tb_api POST $svc/servers '{ "ip": "fd00:2::13", "port": 8080, "weight": 0 }' >/dev/null
tb_expect_eq "POST a v6 server" 201 "$TB_HTTP_CODE"
tb_expect_eq "GET it by its path" "fd00:2::13 0" \
	"$(tb_api GET $svc/servers/fd00:2:0::13/8080 | tb_json "j['ip'], j['weight']" | tr -d "(),'")"
tb_expect_eq "POST an IPv4 server to v6 servers: 400, naming ip" "400 ip" \
	"$(tb_api POST $svc/servers '{ "ip": "10.1.0.13", "port": 8080 }' >/dev/null
	   echo "$TB_HTTP_CODE $(tb_json "j['error']['field']" <"$TB_DIR/api.out")")"
tb_api DELETE $svc/servers/fd00:2::13/8080 >/dev/null
tb_expect_eq "DELETE the v6 server" "200 2" \
	"$TB_HTTP_CODE $(tb_api GET $svc | tb_json "len(j['servers'])")"
for port in 40001 40002 40003 40004 40005 40006; do
	want=$(tb_api GET "/api/v1/services/tcp/$VIP6/81/lookup?src=%5B$CADDR%5D:$port" | tb_json "j['server']['ip']")
	got=$(tb_client curl -6 -sf -m 5 --local-port $port -g "http://[$VIP6]:81/")
	tb_expect_eq "lookup ([$CADDR]:$port) names the server curl reaches" \
		"b$([[ $want == "$(b6 1)" ]] && echo 1 || echo 2)" "$got"
done
tb_expect_eq "lookup with an IPv4 src on a v6 VIP: 400" 400 \
	"$(tb_api GET "/api/v1/services/tcp/$VIP6/81/lookup?src=10.0.0.1" >/dev/null; echo "$TB_HTTP_CODE")"
tb_check "metrics: v6 servers as [addr]:port with their connections" bash -c \
	"ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/metrics | grep -Eq '^mgw_server_connections_total\\{.*server=\"\\[$(b6 1)\\]:8080\"\\} [1-9]'"
tb_api DELETE $svc/stats >/dev/null
tb_expect_eq "DELETE a v6 service's stats: its conns from 0" "200 0" \
	"$TB_HTTP_CODE $(tb_api GET $svc | tb_json "j['conns']")"
tb_bg c slow4 curl -s -m 30 --limit-rate 100k -o /dev/null "http://$TB_VIP/big"
pid4=$TB_LAST_PID
tb_bg c slow6b curl -6 -s -m 30 --limit-rate 100k -o /dev/null -g "http://[$VIP6]/big"
has_v6_sess() { tb_api GET "/api/v1/sessions?vip=$VIP6" | tb_jtrue "len(j['sessions']) > 0 and all(x['vip'].startswith('[$VIP6]:') for x in j['sessions'])"; }
tb_wait 5 has_v6_sess
tb_check "GET /sessions?vip=v6: its sessions only" has_v6_sess
tb_api DELETE "/api/v1/sessions?vip=$VIP6" >/dev/null
tb_expect_eq "DELETE /sessions?vip=v6: done" 200 "$TB_HTTP_CODE"
tb_expect_eq "and the v6 VIP has no session left" 0 \
	"$(tb_api GET "/api/v1/sessions?vip=$VIP6" | tb_json "len(j['sessions'])")"
tb_check "the IPv4 VIP's session lives on" bash -c \
	"ip netns exec $(tb_nsname lb) curl -s 'http://127.0.0.1:8080/api/v1/sessions?vip=$TB_VIP' | grep -q '\"vip\": \"$TB_VIP:80\"'"
kill "$TB_LAST_PID" "$pid4" 2>/dev/null

# the client's address told to the server: PROXY v1 (TCP6) and v2
# (AF_INET6) to v6 servers and, NAT64, to v4 ones; 2 MB after the header
# arrive intact (the sequence numbers shifted by its length both ways)
pp() {	# pp PROTO PORT: what the PROXY reader answered
	tb_client $TB_PY -c "
import hashlib, socket, sys
if '$1' == 'udp':
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(3)
    s.bind(('$CADDR', 0)); s.sendto(b'ping', ('$VIP6', $2))
    print(s.getsockname()[1], s.recv(300).decode()); sys.exit()
data = open('$TB_DIR/big.bin', 'rb').read(2 << 20)
s = socket.create_connection(('$VIP6', $2), timeout=10)
s.sendall(data); s.shutdown(socket.SHUT_WR)
out = b''
while True:
    d = s.recv(4096)
    if not d: break
    out += d
print(s.getsockname()[1], out.decode().strip(), hashlib.sha256(data).hexdigest())"
}
for c in tcp:90:v1 tcp:91:v2 udp:92:v2 tcp:93:v2-nat64 udp:94:v2-nat64; do
	IFS=: read -r proto port what <<<"$c"
	read -r cport src rest <<<"$(pp "$proto" "$port")"
	tb_expect_eq "PROXY $what ($proto): the server learns the v6 client" "$CADDR:$cport" "$src"
	if [[ $proto == tcp ]]; then
		read -r sha n want <<<"$rest"
		tb_expect_eq "PROXY $what: 2 MB after the header intact" "$want 2097152" "$sha $n"
	else
		tb_expect_eq "PROXY $what: the datagram after the header" ping "$rest"
	fi
done

# the SYN proxy on the v6 VIP: to v6 servers (85) and, NAT64, to v4 ones
# (8065)
sp6() { tb_stat "[s for s in j['services'] if s['vip'] == '$VIP6' and s['port'] == $1][0]['xlate']['synproxy_$2']"; }
big=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
for port in 85 8065; do
	seen=""
	for k in 1 2 3 4; do
		seen+=$(tb_client curl -6 -sf -m 5 -g "http://[$VIP6]:$port/")
	done
	tb_check "synproxy v6 :$port: curl -6 reaches b1 and b2 ($seen)" \
		bash -c "[[ '$seen' == *b1* && '$seen' == *b2* ]]"
	got=$(tb_client curl -6 -sf -m 20 -g "http://[$VIP6]:$port/big" | sha256sum | cut -d' ' -f1)
	tb_expect_eq "synproxy v6 :$port: 10 MB intact" "$big" "$got"
	sent=$(sp6 $port cookies_sent) ok=$(sp6 $port cookies_validated)
	tb_check "synproxy v6 :$port: cookies sent ($sent) and validated ($ok)" \
		[ "$sent" -ge 5 -a "$ok" -ge 5 ]
done
# the server refuses mgw's SYN (nothing on 9999; NAT64: an IPv4 RST): the
# v6 client, connected to the proxy, gets the RST at the sequence it expects
for port in 86 8066; do
	out=$(tb_client $TB_PY "$TB_ROOT/tests/lib/connect_fate.py" "$VIP6" $port)
	tb_expect_eq "synproxy v6 :$port: the server's RST reaches the client" reset "$out"
	tb_check "synproxy v6 :$port: server resets counted" tb_stat_ge \
		"[s for s in j['services'] if s['vip'] == '$VIP6' and s['port'] == $port][0]['xlate']['synproxy_server_resets']" 1
done
# spoofed v6 sources (off-link: their SYN-ACKs go nowhere) flood :85
sess0=$(tb_stat 'sum(l["sessions"] for l in j["lcores"])') sent0=$(sp6 85 cookies_sent)
tb_client $TB_PY -c "
import random
from scapy.all import IPv6, TCP, send
r = random.Random(6)
send([IPv6(src='2001:db8:%x::%x:%x' % (r.getrandbits(16), r.getrandbits(16), r.getrandbits(16)),
           dst='$VIP6') / TCP(sport=r.randint(1024, 65535), dport=85, flags='S',
                              seq=r.getrandbits(32)) for _ in range(1500)], verbose=0)"
sess1=$(tb_stat 'sum(l["sessions"] for l in j["lcores"])') sent1=$(sp6 85 cookies_sent)
tb_log "v6 SYN flood: $((sent1 - sent0)) cookies sent, sessions $sess0 -> $sess1"
tb_check "synproxy v6: the spoofed SYNs got cookies ($((sent1 - sent0)))" [ $((sent1 - sent0)) -ge 1400 ]
tb_check "synproxy v6: they made no session ($sess0 -> $sess1)" [ $((sess1 - sess0)) -le 5 ]
bad0=$(sp6 85 cookies_failed)
tb_client $TB_PY -c "
from scapy.all import IPv6, TCP, send
send([IPv6(src='$CADDR', dst='$VIP6') / TCP(sport=31000 + i, dport=85, flags='A', seq=1000,
                                           ack=7654321 + i) for i in range(30)], verbose=0)"
bad1=$(sp6 85 cookies_failed)
tb_check "synproxy v6: 30 forged cookie ACKs refused ($((bad1 - bad0)))" [ $((bad1 - bad0)) -ge 30 ]
tb_check "synproxy v6: curl -6 still answered" tb_client curl -6 -sf -m 5 -o /dev/null -g "http://[$VIP6]:85/"

# TOA, IPv6's form, decoded from b1's capture
tb_bg b1 tcpdump6 tcpdump -i eth0 -U -w "$TB_DIR/toa6.pcap" "tcp port 8080"
sleep 1
# (the client's port: 40000 + the service's % 1000)
for port in 87 88 8067; do
	tb_expect_eq "TOA v6 :$port: answered" b1 \
		"$(tb_client curl -6 -sf -m 5 --local-port $((40000 + port % 1000)) -g "http://[$VIP6]:$port/")"
done
sleep 1; kill -INT "$TB_LAST_PID"; sleep 0.5
toa=$($TB_PY "$TB_ROOT/tests/lib/toa_seen.py" "$TB_DIR/toa6.pcap" 8080)
tb_log "TOA v6 options seen: $toa"
tb_check "TOA v6 :87: on the SYN to the v6 server" grep -q "6S $CADDR:40087" <<<"$toa"
tb_check "TOA v6 :87: at the first data or the handshake's ACK" grep -Eq "6[AD] $CADDR:40087" <<<"$toa"
tb_check "TOA v6 + synproxy :88: on mgw's SYN" grep -q "6S $CADDR:40088" <<<"$toa"
tb_check "TOA v6 + synproxy :88: at A" grep -Eq "6[AD] $CADDR:40088" <<<"$toa"
tb_check "TOA v6, NAT64 + synproxy :8067: on the IPv4 SYN" grep -q "4S $CADDR:40067" <<<"$toa"
tb_check "TOA v6, NAT64 + synproxy :8067: at A" grep -Eq "4[AD] $CADDR:40067" <<<"$toa"

# no server: a v6 TCP flow is reset at once, a UDP one gets ICMPv6 port
# unreachable (the client's socket says "refused"), as IPv4's
rst0=$(tb_stat "j['totals']['refused_rst']") unr0=$(tb_stat "j['totals']['refused_unreach']")
tb_client curl -6 -s -m 5 -o /dev/null -g "http://[$VIP6]:82/"
tb_expect_eq "no server: curl -6 is refused at once (exit 7)" 7 "$?"
ans=$(tb_client $TB_PY -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.settimeout(2)
s.connect(('$VIP6', 54)); s.send(b'x')
try:
    s.recv(100); print('answered')
except ConnectionRefusedError:
    print('refused')
except OSError as e:
    print(type(e).__name__)")
tb_expect_eq "no server: UDP over IPv6 gets port unreachable" refused "$ans"
tb_check "counted: refused_rst and refused_unreach" \
	[ "$(tb_stat "j['totals']['refused_rst']")" -gt "$rst0" -a "$(tb_stat "j['totals']['refused_unreach']")" -gt "$unr0" ]

# the README's IPv6 runbook, verbatim: its services then carry traffic
awk '/<!-- runbook:ipv6 -->/ {on=1; next} on && /^```sh/ {next} on && /^```/ {exit} on {print}' \
	"$TB_ROOT/README.md" >"$TB_DIR/runbook6.sh"
tb_check "README IPv6 runbook: runs without an error" \
	tb_x lb bash -e "$TB_DIR/runbook6.sh"
tb_expect_eq "the runbook's FULLNAT v6 service answers curl -6" b1 \
	"$(tb_client curl -6 -sf -m 5 -g 'http://[fd00:1::20]/')"
tb_expect_eq "the runbook's NAT64 service answers curl -6" b1 \
	"$(tb_client curl -6 -sf -m 5 -g 'http://[fd00:1::20]:8064/')"

got=$(tb_client $TB_PY "$HERE/../ipv6_port/ping6.py" $VIP6 3)
tb_expect_eq "ping -6 of the VIP: replies" 3 "$got"
tb_check "IPv4 through its VIP still works" tb_client curl -sf -m 5 -o /dev/null "http://$TB_VIP/"
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
