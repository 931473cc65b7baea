#!/usr/bin/env bash
# New flows to a service with no usable server are refused at once, not
# left to time out (issue 6), and a sorry server takes them when there is
# one:
# - TCP, all servers weight 0: the client's connect fails with "Connection
#   refused" (mgw's RST) well under a second; per service no_server and
#   the global refused_rst count it
# - TCP, the only server draining: the same
# - UDP, all servers weight 0: ICMP port unreachable, so a connected UDP
#   socket gets ECONNREFUSED; refused_unreach counts it
# - with a sorry_server, TCP and UDP are answered by it; its connections
#   show in the service view
# - a server given weight again takes new connections at once
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init noserver 90

tb_topology 2
tb_http_backends 2
tb_udp_echo 1 5353
tb_udp_echo 2 5353
B1=$(tb_backend_ip 1) B2=$(tb_backend_ip 2)
tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 8080, \"weight\": 0 },
                   { \"ip\": \"$B2\", \"port\": 8080, \"weight\": 0 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 81, \"scheduler\": \"wrr\",
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 8080, \"weight\": 1, \"drain\": true } ] },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 5353, \"weight\": 0 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 82, \"scheduler\": \"rr\",
    \"sorry_server\": { \"ip\": \"$B2\", \"port\": 8080 },
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 8080, \"weight\": 0 } ] },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 54, \"scheduler\": \"rr\",
    \"sorry_server\": { \"ip\": \"$B2\", \"port\": 5353 },
    \"servers\": [ { \"ip\": \"$B1\", \"port\": 5353, \"weight\": 0 } ] } ]"
tb_mgw_start || exit 1

svc_stat() {   # svc_stat PROTO PORT FIELD
	tb_stat "[s['$3'] for s in j['services'] if s['proto']=='$1' and s['port']==$2][0]"
}
# connect PORT: how a TCP connect to the VIP ends, and in how many ms
connect() {
	tb_client $TB_PY -c "
import socket, time
t = time.monotonic()
try:
    socket.create_connection(('$TB_VIP', $1), timeout=5).close(); r = 'connected'
except ConnectionRefusedError: r = 'refused'
except OSError as e: r = type(e).__name__
print(r, int((time.monotonic() - t) * 1000))"
}

# --- TCP, every server weight 0
read -r how ms <<<"$(connect 80)"
tb_expect_eq "TCP to a service without usable server: connection refused" refused "$how"
tb_check "refused quickly (${ms} ms)" [ "$ms" -lt 1000 ]
out=$(tb_client curl -sS --max-time 5 "http://$TB_VIP/" 2>&1)
tb_check "curl fails to connect, no timeout ($out)" grep -q "Couldn't connect\|refused" <<<"$out"
tb_check "counted per service (no_server)" [ "$(svc_stat tcp 80 no_server)" -ge 2 ]
tb_check "counted globally (refused_rst)" [ "$(tb_stat "j['totals']['refused_rst']")" -ge 2 ]
tb_check "the SYNs show as no_server drops" [ "$(tb_stat "j['totals']['drops']['no_server']")" -ge 2 ]

# --- TCP, the only server draining
read -r how ms <<<"$(connect 81)"
tb_expect_eq "TCP to a drained-only service: connection refused" refused "$how"
tb_check "refused quickly (${ms} ms)" [ "$ms" -lt 1000 ]

# --- UDP, every server weight 0
udp=$(tb_client $TB_PY -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect(('$TB_VIP', 53)); t = time.monotonic(); s.send(b'hi')
try: s.recv(100); r = 'answered'
except ConnectionRefusedError: r = 'refused'
except OSError as e: r = type(e).__name__
print(r, int((time.monotonic() - t) * 1000))")
read -r how ms <<<"$udp"
tb_expect_eq "UDP to a service without usable server: port unreachable" refused "$how"
tb_check "at once (${ms} ms)" [ "$ms" -lt 1000 ]
tb_check "counted (refused_unreach)" [ "$(tb_stat "j['totals']['refused_unreach']")" -ge 1 ]
tb_check "counted per service (no_server)" [ "$(svc_stat udp 53 no_server)" -ge 1 ]

# --- sorry servers
tb_expect_eq "TCP: the sorry server answers" b2 "$(tb_client curl -s --max-time 5 "http://$TB_VIP:82/")"
tb_expect_eq "UDP: the sorry server answers" b2:hi "$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'hi', ('$TB_VIP', 54)); print(s.recv(100).decode())")"
tb_check "the sorry server's connections are counted" [ "$(tb_api GET /api/v1/services/tcp/$TB_VIP/82 | tb_json 'j["sorry_server"]["conns"]')" -ge 1 ]
tb_expect_eq "no refusal counted where a sorry server took the flow" 0 "$(svc_stat tcp 82 no_server)"

# --- a server back in service takes new connections at once
tb_api PATCH "/api/v1/services/tcp/$TB_VIP/80/servers/$B1/8080" '{"weight": 1}' >/dev/null
tb_expect_eq "weight 1 again: PATCH accepted" 200 "$TB_HTTP_CODE"
tb_expect_eq "and the service answers" b1 "$(tb_client curl -s --max-time 5 "http://$TB_VIP/")"
tb_api PATCH "/api/v1/services/tcp/$TB_VIP/82/servers/$B1/8080" '{"weight": 1}' >/dev/null
tb_expect_eq "a usable server is preferred to the sorry server" b1 \
	"$(tb_client curl -s --max-time 5 "http://$TB_VIP:82/")"

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
