#!/usr/bin/env bash
# The client's address behind FULLNAT (PROXY protocol v1/v2, TOA) and the
# SYN proxy, with real servers:
# - nginx `listen ... proxy_protocol` answers $proxy_protocol_addr:port:
#   curl through the VIP sees its own address and port, v1 and v2
# - 10 MB down (nginx) and up (a sink that hashes the stream after the
#   header) through a PROXY v2 service arrive intact, also with 2 % loss
#   on the server side (nft), so retransmissions cross the translation
# - HAProxy `accept-proxy` answers and logs the client (v1, v2)
# - a server-speaks-first banner server with proxy_send on_connect
# - UDP PROXY v2: the backend parses the header and echoes the client
# - TOA: the option (kind 254) decoded from the backend's capture
# - the SYN proxy: curl works, with PROXY v2 too; a server's RST reaches
#   the client; a SYN flood (hping3,
#   random sources) makes cookies and no sessions
# - every mode but FULLNAT refuses client_address, the field named
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init client_addr 240

tb_topology 2
tb_http_backends 1
B1=$(tb_backend_ip 1)
# nginx with the PROXY protocol on 8081 (backend 1)
d="$TB_DIR/nginx-pp"; mkdir -p "$d"
cat >"$d/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server {
    listen $B1:8081 proxy_protocol;
    location = / { return 200 "\$proxy_protocol_addr:\$proxy_protocol_port\n"; }
    location = /big { alias $TB_DIR/big.bin; }
  }
}
NGX
tb_bg b1 nginx-pp nginx -c "$d/nginx.conf"
# HAProxy reading the PROXY protocol (accept-proxy) on 8082, logging the
# client it learned and answering it
cat >"$TB_DIR/haproxy.cfg" <<HAP
global
  log stdout format raw local0
defaults
  mode http
  log global
  timeout connect 5s
  timeout client 10s
  timeout server 10s
frontend pp
  bind $B1:8082 accept-proxy
  log-format "client=%ci:%cp"
  http-request return status 200 content-type text/plain lf-string "%[src]:%[src_port]\\n"
HAP
tb_bg b1 haproxy haproxy -db -f "$TB_DIR/haproxy.cfg"
PP=$TB_ROOT/tests/lib/pp_server.py
tb_bg b1 pp-sink $TB_PY -u "$PP" tcp "$B1" 9000 sink
tb_bg b1 pp-banner $TB_PY -u "$PP" tcp "$B1" 9001 banner
tb_bg b1 pp-udp $TB_PY -u "$PP" udp "$B1" 9002
tb_wait 10 tb_x b1 bash -c "exec 3<>/dev/tcp/$B1/8081" || { tb_log "nginx-pp not up"; exit 1; }
tb_wait 10 tb_x b1 bash -c "exec 3<>/dev/tcp/$B1/8082" || { tb_log "haproxy not up"; exit 1; }
tb_wait 10 tb_x b1 bash -c "exec 3<>/dev/tcp/$B1/9001" || { tb_log "banner not up"; exit 1; }

svc() {   # proto port server-port extra-json
	echo "{ \"proto\": \"$1\", \"vip\": \"$TB_VIP\", \"port\": $2, \"scheduler\": \"rr\",
	  \"servers\": [ { \"ip\": \"$B1\", \"port\": $3 } ] $4 }"
}
tb_mgw_config "[
  $(svc tcp 81 8081 ', "client_address": "proxy_v1"'),
  $(svc tcp 82 8081 ', "client_address": "proxy_v2"'),
  $(svc tcp 83 9000 ', "client_address": "proxy_v2"'),
  $(svc tcp 84 9001 ', "client_address": "proxy_v2", "proxy_send": "on_connect"'),
  $(svc udp 85 9002 ', "client_address": "proxy_v2"'),
  $(svc tcp 86 8080 ', "client_address": "toa"'),
  $(svc tcp 87 8080 ', "synproxy": true'),
  $(svc tcp 88 8081 ', "synproxy": true, "client_address": "proxy_v2"'),
  $(svc tcp 89 8080 ''),
  $(svc tcp 92 8082 ', "client_address": "proxy_v2"'),
  $(svc tcp 93 8082 ', "client_address": "proxy_v1"'),
  $(svc tcp 94 9999 ', "synproxy": true') ]"
tb_mgw_start || exit 1

# --- PROXY v1 and v2 to nginx: the client's own address and port --------
for v in 1:81 2:82; do
	out=$(tb_client curl -s --max-time 5 --local-port 41000-41999 "http://$TB_VIP:${v#*:}/")
	tb_check "proxy_v${v%%:*}: nginx sees the client ($out)" \
		bash -c "[[ '$out' =~ ^$TB_CLIENT:41[0-9]{3}$ ]]"
done
for v in 2:92 1:93; do
	out=$(tb_client curl -s --max-time 5 --local-port 44000-44999 "http://$TB_VIP:${v#*:}/")
	tb_check "HAProxy accept-proxy, v${v%%:*}: answers the client ($out)" \
		bash -c "[[ '$out' =~ ^$TB_CLIENT:44[0-9]{3}$ ]]"
	tb_check "HAProxy accept-proxy, v${v%%:*}: logs the client" \
		tb_wait 3 grep -q "client=$out" "$TB_DIR/haproxy.log"
done
want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
up() {   # a 10 MB upload to the sink through port 83: "<client> <sha> <len>"
	tb_client $TB_PY -c "
import socket,sys
s=socket.create_connection(('$TB_VIP',83),timeout=30)
s.sendall(open('$TB_DIR/big.bin','rb').read()); s.shutdown(socket.SHUT_WR)
b=b''
while True:
    d=s.recv(4096)
    if not d: break
    b+=d
print(b.decode().strip())"
}
transfers() {   # label
	local got u
	got=$(tb_client curl -s --max-time 60 "http://$TB_VIP:82/big" | sha256sum | cut -d' ' -f1)
	tb_expect_eq "$1: 10 MB download through PROXY v2 intact" "$want" "$got"
	u=$(up)
	tb_expect_eq "$1: 10 MB upload through PROXY v2 intact, the client's address first" \
		"$TB_CLIENT $want 10485760" "$(sed 's/:[0-9]* / /' <<<"$u")"
}
transfers "no loss"
# 2 % loss on the server's link, both ways: retransmissions of data,
# of the first segment and of acks all cross the translation
tb_x b1 nft -f - <<'NFT'
table inet loss {
  chain i { type filter hook input priority 0; meta l4proto tcp numgen random mod 100 < 2 counter drop; }
  chain o { type filter hook output priority 0; meta l4proto tcp numgen random mod 100 < 2 counter drop; }
}
NFT
transfers "2 % loss"
lost=$(tb_x b1 nft list table inet loss | grep -o 'packets [0-9]*' | awk '{s+=$2} END {print s+0}')
tb_check "the loss dropped segments ($lost)" [ "$lost" -ge 50 ]
tb_x b1 nft delete table inet loss
n=$(tb_stat 'sum(s["xlate"]["proxy_headers_sent"] for s in j["services"])')
tb_check "PROXY headers counted ($n)" [ "$n" -ge 6 ]

# --- server speaks first: on_connect --------------------------------------
out=$(tb_client $TB_PY -c "
import socket
s=socket.create_connection(('$TB_VIP',84),timeout=5)
f=s.makefile('rb'); b=f.readline().decode().strip()
s.sendall(b'hello\n'); print(b, '|', f.readline().decode().strip())")
tb_check "on_connect: banner first, then the client's address ($out)" \
	bash -c "[[ '$out' =~ ^'220 banner | '$TB_CLIENT:[0-9]+' hello'$ ]]"

# --- UDP PROXY v2 ----------------------------------------------------------
out=$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.bind(('$TB_CLIENT', 45353)); s.sendto(b'ping', ('$TB_VIP', 85)); print(s.recv(200).decode())")
tb_expect_eq "UDP PROXY v2: the backend parsed the client" "$TB_CLIENT:45353 ping" "$out"

# --- TOA in the backend's capture ----------------------------------------
tb_bg b1 tcpdump tcpdump -i eth0 -U -w "$TB_DIR/toa.pcap" "tcp port 8080"
sleep 1
out=$(tb_client curl -s --max-time 5 --local-port 42424 "http://$TB_VIP:86/")
tb_expect_eq "TOA service answers" b1 "$out"
sleep 1; kill -INT "$TB_LAST_PID"; sleep 0.5
toa=$($TB_PY "$TB_ROOT/tests/lib/toa_seen.py" "$TB_DIR/toa.pcap" 8080)
tb_log "TOA options seen: $toa"
tb_check "TOA on the SYN with the client's address" grep -q "4S $TB_CLIENT:42424" <<<"$toa"
tb_check "TOA on the first data or the handshake's ACK" grep -Eq "4[AD] $TB_CLIENT:42424" <<<"$toa"

# --- SYN proxy ----------------------------------------------------------------
ok=0
for i in $(seq 10); do [[ $(tb_client curl -s --max-time 5 "http://$TB_VIP:87/") == b1 ]] && ok=$((ok+1)); done
tb_expect_eq "synproxy: 10 curls answered" 10 "$ok"
out=$(tb_client curl -s --max-time 5 --local-port 43000-43999 "http://$TB_VIP:88/")
tb_check "synproxy + PROXY v2: nginx sees the client ($out)" \
	bash -c "[[ '$out' =~ ^$TB_CLIENT:43[0-9]{3}$ ]]"
got=$(tb_client curl -s --max-time 60 "http://$TB_VIP:87/big" | sha256sum | cut -d' ' -f1)
tb_expect_eq "synproxy: 10 MB download intact" "$want" "$got"
sess0=$(tb_stat 'sum(l["sessions"] for l in j["lcores"])')
sent0=$(tb_stat '[s for s in j["services"] if s["port"]==87][0]["xlate"]["synproxy_cookies_sent"]')
tb_bg c hping3 timeout 4 nice hping3 -q -S -p 87 --rand-source -i u400 "$TB_VIP"
flood=$TB_LAST_PID
sleep 0.5
during=0
for i in $(seq 20); do [[ $(tb_client curl -s --max-time 3 "http://$TB_VIP:87/") == b1 ]] && during=$((during+1)); done
sess1=$(tb_stat 'sum(l["sessions"] for l in j["lcores"])')
wait "$flood"
sent1=$(tb_stat '[s for s in j["services"] if s["port"]==87][0]["xlate"]["synproxy_cookies_sent"]')
tb_log "SYN flood: $((sent1 - sent0)) cookies sent, sessions $sess0 -> $sess1 during it, $during/20 curls answered"
tb_check "synproxy: the flood got cookies ($((sent1 - sent0)))" [ $((sent1 - sent0)) -ge 1000 ]
tb_check "synproxy: the flood made no sessions ($sess0 -> $sess1)" [ $((sess1 - sess0)) -le 25 ]
tb_check "synproxy: curl works during the flood ($during/20)" [ "$during" -ge 19 ]
bad=$(tb_stat '[s for s in j["services"] if s["port"]==87][0]["xlate"]["synproxy_cookies_failed"]')
tb_log "cookies failed so far: $bad"
# a blind ACK with a made-up cookie makes no session and is counted
tb_client $TB_PY -c "
from scapy.all import IP, TCP, send
for i in range(50):
    send(IP(src='$TB_CLIENT', dst='$TB_VIP')/TCP(sport=30000+i, dport=87, flags='A', seq=1000, ack=123456+i), verbose=0)"
bad2=$(tb_stat '[s for s in j["services"] if s["port"]==87][0]["xlate"]["synproxy_cookies_failed"]')
tb_check "synproxy: 50 forged cookie ACKs refused ($((bad2 - bad)))" [ $((bad2 - bad)) -ge 50 ]

# the server refuses mgw's SYN (nothing on 9999): the client, connected to
# the proxy, gets the RST at the sequence it expects
out=$(tb_client $TB_PY "$TB_ROOT/tests/lib/connect_fate.py" "$TB_VIP" 94)
tb_expect_eq "synproxy: the server's RST reaches the client" reset "$out"
n=$(tb_stat '[s for s in j["services"] if s["port"]==94][0]["xlate"]["synproxy_server_resets"]')
tb_check "synproxy: server resets counted ($n)" [ "$n" -ge 1 ]
held=$(tb_stat 'sum(s["xlate"]["synproxy_held"] for s in j["services"])')
tb_log "synproxy: client segments held until the server's SYN-ACK: $held"

# --- the validator -----------------------------------------------------------
for fwd in nat dr tunnel; do
	body=$(svc tcp 90 8080 ", \"forward\": \"$fwd\", \"client_address\": \"proxy_v2\"")
	tb_api POST /api/v1/services "$body" >"$TB_DIR/refused"
	tb_check "forward $fwd refuses client_address (HTTP $TB_HTTP_CODE)" \
		bash -c "[[ $TB_HTTP_CODE == 4* ]] && grep -q '\"field\": \"client_address\"' $TB_DIR/refused"
done
body=$(svc udp 91 9002 ', "client_address": "proxy_v1"')
tb_api POST /api/v1/services "$body" >"$TB_DIR/refused"
tb_check "UDP refuses proxy_v1 (HTTP $TB_HTTP_CODE)" \
	bash -c "[[ $TB_HTTP_CODE == 4* ]] && grep -q client_address $TB_DIR/refused"

tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_done
