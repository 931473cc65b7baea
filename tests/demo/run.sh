#!/usr/bin/env bash
# make demo: mgw in front of 3 backends on a self-made netns testbed.
# KEEP=1 leaves everything running until Ctrl-C.
source "$(dirname "$0")/../lib/common.sh"
source "$(dirname "$0")/../lib/testbed.sh"
tb_init demo 3600
TB_KEEP_LOGS=1

echo "== building the testbed: client, mgw, switch, 3 backends (network namespaces)"
tb_topology 3
tb_http_backends 3
for i in 1 2 3; do tb_udp_echo $i 5353; done
tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 3) },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 5353 3) } ]"
echo "== starting mgw (config: $TB_DIR/mgw.json)"
tb_mgw_start || exit 1

echo "== 12 HTTP requests from the client to http://$TB_VIP/ (FULLNAT, round-robin)"
for i in $(seq 12); do
	printf '  request %2d answered by %s\n' "$i" "$(tb_client curl -s --max-time 5 "http://$TB_VIP/")"
done
echo "== a UDP message to $TB_VIP:53"
tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'hello mgw', ('$TB_VIP', 53)); print('  echoed back:', s.recv(100).decode())"

echo "== mgw's counters (GET /api/v1/stats)"
tb_api GET /api/v1/stats | $TB_PY -c '
import json, sys
j = json.load(sys.stdin); t = j["totals"]
print("  packets in %d, out %d, to the kernel %d, sessions created %d, live %d" % (
    t["rx_pkts"], t["tx_pkts"], t["punted"], t["sessions_created"], t["sessions"]))
print("  drops: %s" % ({k: v for k, v in t["drops"].items() if v} or "none"))
for s in j["services"]:
    print("  %s %s:%d  conns %d" % (s["proto"], s["vip"], s["port"], s["conns"]))
    for r in s["servers"]:
        print("      -> %s:%d  %-6s conns %d  pkts in %d out %d" % (
            r["ip"], r["port"], r["status"], r["conns"], r["pkts_in"], r["pkts_out"]))'

if [[ -n ${KEEP:-} ]]; then
	echo "== KEEP=1: running. Try:"
	echo "   ip netns exec $(tb_nsname c) curl http://$TB_VIP/"
	echo "   ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/stats"
	echo "   Ctrl-C to tear down."
	trap 'exit 0' INT TERM
	while kill -0 "$MGW_PID" 2>/dev/null; do sleep 1; done
fi
echo "== tearing down"
tb_mgw_stop
echo "   mgw exited with status $MGW_RC"
