#!/usr/bin/env bash
# ICMP through the FULLNAT VIP, on 2 data lcores (af_packet, 2 queues):
# - ping of the VIP is answered by mgw
# - path MTU: a router between mgw and a backend has a 1000-byte link; a
#   client's upload through the VIP makes it send "fragmentation needed" to
#   mgw's local IP; mgw translates it for the client (from the VIP, quoting
#   client -> VIP:80, MTU kept, checksums right) and the upload completes
#   intact — without the translation it would hang (a PMTU black hole)
# - the other way: a client-side "time exceeded" about a reply reaches the
#   backend translated (from the LIP, quoting backend -> LIP:lport)
# - an error matching no session and one with a truncated quote are
#   dropped and counted
# - reply steering falls back to software on af_packet (no rte_flow): the
#   log says so, /status shows it, and replies are handed between lcores
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init icmp 120
HERE=$(cd "$(dirname "$0")" && pwd)
export MGW_LCORES="0@0,1@1,2@0"
LIP=10.1.0.100 B2=10.2.0.10

tb_topology 1
# A router r on the backends' switch, and backend b2 behind it on a link
# whose MTU is 1000 on r's side.
tb_ns r; tb_ns b2
tb_veth r r-sw sw s-r
tb_x sw ip link set s-r master br0
tb_veth r r-b2 b2 eth0
tb_x r ip addr add 10.1.0.50/24 dev r-sw
tb_x r ip addr add 10.2.0.1/24 dev r-b2
tb_x r ip link set r-b2 mtu 1000
tb_x r sysctl -qw net.ipv4.ip_forward=1
tb_x b2 ip addr add $B2/24 dev eth0
tb_x b2 ethtool -K eth0 tx off >/dev/null
tb_x b2 ip route add default via 10.2.0.1

tb_udp_echo 1 5353
tb_bg b2 sink $TB_PY -u "$HERE/sha_sink.py" $B2 9000
tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": [ { \"ip\": \"$B2\", \"port\": 9000, \"weight\": 1 } ] },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 5353 1) } ]" \
	"\"routes\": [ { \"prefix\": \"10.2.0.0/24\", \"via\": \"10.1.0.50\" } ],"
tb_mgw_start || exit 1
tb_wait 10 tb_x b2 bash -c "exec 3<>/dev/tcp/$B2/9000" || tb_log "sink not listening"

stat() { tb_stat "j['totals']$1"; }

# --- reply steering: software on af_packet
tb_check "log: reply steering falls back to software" grep -q "reply steering: software" "$TB_DIR/mgw.log"
tb_expect_eq "status shows software steering" software \
	"$(tb_api GET /api/v1/status | tb_json 'j["reply_steering"]')"

# --- ping of the VIP
echo0=$(stat "['icmp_echo_replies']")
ping_out=$(tb_client hping3 -1 -c 3 -i u200000 $TB_VIP 2>&1)
tb_check "ping of the VIP answered" grep -q "3 packets received" <<<"$ping_out"
tb_check "echo replies counted" [ "$(stat "['icmp_echo_replies']")" -ge $((echo0 + 3)) ]

# --- path MTU discovery through the VIP
# (tcpdump --immediate-mode: else libpcap may hand a lone packet over a
# second late, after the capture has been stopped)
tb_bg c tcpdump tcpdump --immediate-mode -U -n -i c0 -w "$TB_DIR/client.pcap"
tb_wait_check "tcpdump on the client listening" 5 grep -q "listening on" "$TB_DIR/tcpdump.log"
TCPDUMP_C=$TB_LAST_PID
x0=$(stat "['icmp_errors_translated']")
up=$(tb_client $TB_PY -c "
import hashlib, os, socket
data = os.urandom(300000)
s = socket.create_connection(('$TB_VIP', 80), timeout=15)
s.sendall(data); s.shutdown(socket.SHUT_WR)
got = b''
while True:
    d = s.recv(100)
    if not d: break
    got += d
print('intact' if got.decode() == hashlib.sha256(data).hexdigest() else 'corrupt')
" 2>&1 | tail -1)
tb_expect_eq "300 KB upload through a 1000-byte hop arrives intact" intact "$up"
tb_check "the router's frag-needed was translated" [ "$(stat "['icmp_errors_translated']")" -gt "$x0" ]
sleep 0.3
kill -TERM $TCPDUMP_C; wait $TCPDUMP_C 2>/dev/null
tb_check "client got frag-needed from the VIP about its own packet" \
	tb_x c $TB_PY "$HERE/check.py" fragneeded "$TB_DIR/client.pcap" $TB_VIP $TB_CLIENT 1000
tb_check "the client's route to the VIP learnt MTU 1000" \
	bash -c "ip netns exec $(tb_nsname c) ip route get $TB_VIP | grep -q 'mtu 1000'"

# --- the other way: an error about a reply goes to the backend
tb_bg b1 tcpdump-b1 tcpdump --immediate-mode -U -n -i eth0 -w "$TB_DIR/b1.pcap" icmp
tb_wait_check "tcpdump on b1 listening" 5 grep -q "listening on" "$TB_DIR/tcpdump-b1.log"
TCPDUMP_B=$TB_LAST_PID
cport=$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.bind(('$TB_CLIENT', 0)); s.sendto(b'hi', ('$TB_VIP', 53)); s.recv(100)
print(s.getsockname()[1])")
x0=$(stat "['icmp_errors_translated']")
tb_client $TB_PY "$HERE/check.py" send-error $TB_VIP $TB_CLIENT 53 "$cport" time-exceeded
tb_wait_check "the client-side error was translated" 5 \
	tb_stat_ge "j['totals']['icmp_errors_translated']" $((x0 + 1))
sleep 0.3
kill -TERM $TCPDUMP_B; wait $TCPDUMP_B 2>/dev/null
tb_check "backend got it from the LIP about its own reply" \
	tb_x b1 $TB_PY "$HERE/check.py" towards-server "$TB_DIR/b1.pcap" $LIP "$(tb_backend_ip 1)" 5353

# --- unmatched and malformed errors: counted, dropped
u0=$(stat "['drops']['icmp_unmatched']"); m0=$(stat "['drops']['icmp_malformed']")
tb_client $TB_PY "$HERE/check.py" send-error $TB_VIP $TB_CLIENT 53 1 time-exceeded
tb_client $TB_PY "$HERE/check.py" send-error $TB_VIP $TB_CLIENT 53 "$cport" truncated
sleep 0.5
tb_check "an error about no session is counted" [ "$(stat "['drops']['icmp_unmatched']")" -gt "$u0" ]
tb_check "an error with a truncated quote is counted" [ "$(stat "['drops']['icmp_malformed']")" -gt "$m0" ]

# --- replies handed between the two lcores (software steering at work)
tb_client $TB_PY -c "
import socket
for i in range(30):
    s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(b'x', ('$TB_VIP', 53)); s.recv(100)
"
tb_check "replies were redirected between lcores" [ "$(stat "['redirected']")" -gt 0 ]
tb_check "ping still answered" bash -c "ip netns exec $(tb_nsname c) hping3 -1 -c 1 $TB_VIP 2>&1 | grep -q '1 packets received'"

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
