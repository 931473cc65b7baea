#!/usr/bin/env bash
# Prometheus as node_exporter speaks it (issue 17): the exposition passes
# `promtool check metrics` with nothing to say; node_exporter's IPVS
# families are there under mgw_ with its label names; the newer families
# (per-server packets/bytes/weight, health state and transitions, ports,
# build info, start time, busy seconds, session and mbuf fill) move with
# the traffic and the servers; the read-only metrics.listen answers
# without a token and nothing but GET /metrics; every metric the Grafana
# dashboard in packaging/ plots is in the output.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init metrics 150

command -v promtool >/dev/null || { tb_log "promtool missing (scripts/deps.sh --test)"; exit 1; }
tb_topology 2
tb_http_backends 2
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"http\", \"path\": \"/health\", \"interval_ms\": 300, \"timeout_ms\": 200, \"rise\": 1, \"fall\": 2 },
    \"servers\": $(tb_servers_json 8080 2) } ]" \
	'"metrics": { "listen": "127.0.0.1:9110" },'
sed -i 's|"api": { "listen": "127.0.0.1:8080" }|"api": { "listen": "127.0.0.1:8080", "token": "t0k" }|' "$TB_DIR/mgw.json"
MGW_TOKEN=t0k
tb_mgw_start || exit 1

scrape() { tb_x lb curl -s --max-time 5 -o "$TB_DIR/$1" -w '%{http_code}' http://127.0.0.1:9110/metrics; }
val() { # val FILE REGEX: the value of the first sample matching REGEX
	grep -E "^$2" "$TB_DIR/$1" | head -1 | awk '{print $NF}'
}

for i in $(seq 20); do tb_client curl -s --max-time 3 -o /dev/null "http://$TB_VIP/"; done
tb_expect_eq "metrics.listen answers without a token" 200 "$(scrape m1.txt)"
tb_expect_eq "the API's /metrics still needs the token" 401 \
	"$(tb_x lb curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8080/metrics)"
tb_expect_eq "metrics.listen serves nothing else (GET /api/v1/status)" 404 \
	"$(tb_x lb curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9110/api/v1/status)"
tb_expect_eq "metrics.listen takes no change (PUT /api/v1/config)" 404 \
	"$(tb_x lb curl -s -o /dev/null -w '%{http_code}' -X PUT -d '{}' http://127.0.0.1:9110/api/v1/config)"
tb_expect_eq "metrics.listen: POST /metrics → 405" 405 \
	"$(tb_x lb curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:9110/metrics)"

promtool check metrics <"$TB_DIR/m1.txt" >"$TB_DIR/promtool.out" 2>&1
rc=$?
cat "$TB_DIR/promtool.out" >&2
tb_expect_eq "promtool check metrics: exit status" 0 "$rc"
tb_expect_eq "promtool check metrics: says nothing" 0 "$(wc -c <"$TB_DIR/promtool.out")"
tb_log "$(grep -c '^# TYPE' "$TB_DIR/m1.txt") families, $(grep -vc '^#' "$TB_DIR/m1.txt") samples"

# node_exporter's IPVS collector, prefix renamed
L='local_address="10.0.0.10",local_port="80",remote_address="10.1.0.11",remote_port="8080",proto="TCP"'
for f in mgw_ipvs_backend_connections_active mgw_ipvs_backend_connections_inactive mgw_ipvs_backend_weight; do
	tb_check "$f with node_exporter's labels" grep -qF "$f{$L,local_mark=\"\"}" "$TB_DIR/m1.txt"
done
for f in connections incoming_packets outgoing_packets incoming_bytes outgoing_bytes; do
	tb_check "mgw_ipvs_${f}_total" grep -qE "^mgw_ipvs_${f}_total [0-9]+" "$TB_DIR/m1.txt"
done
tb_expect_eq "20 connections in mgw_ipvs_connections_total" 20 "$(val m1.txt 'mgw_ipvs_connections_total ')"
tb_expect_eq "weight 1" 1 "$(val m1.txt "mgw_ipvs_backend_weight\\{$L")"
in_pk=$(val m1.txt "mgw_server_packets_total\\{$L,direction=\"in\"")
tb_check "per-server packets counted ($in_pk)" [ "${in_pk:-0}" -ge 30 ]
tb_check "per-server bytes counted" [ "$(val m1.txt "mgw_server_bytes_total\\{$L,direction=\"out\"")" -gt 1000 ]
tb_expect_eq "health up for b1" 1 "$(val m1.txt "mgw_server_health_up\\{$L")"
tb_expect_eq "status up for b1" 1 "$(val m1.txt "mgw_server_status\\{$L,status=\"up\"")"
tb_check "per-port NIC counters" grep -qE '^mgw_port_receive_packets_total\{port="wan"\} [1-9]' "$TB_DIR/m1.txt"
tb_expect_eq "port link up" 1 "$(val m1.txt 'mgw_port_up\{port="lan"\}')"
tb_check "build info names the version" grep -qE '^mgw_build_info\{version="[0-9.]+",dpdk="DPDK [^"]+"\} 1$' "$TB_DIR/m1.txt"
st=$(val m1.txt 'process_start_time_seconds ')
tb_check "start time is the process's ($st, now $(date +%s))" $TB_PY -c "import sys,time; sys.exit(0 if abs(time.time() - $st) < 120 else 1)"
tb_check "busy time in seconds" grep -qE '^mgw_lcore_busy_seconds_total\{lcore="0"\} [0-9]+\.[0-9]+$' "$TB_DIR/m1.txt"
tb_expect_eq "session table capacity" 65536 "$(val m1.txt 'mgw_lcore_sessions_capacity\{lcore="0"\}')"
tb_check "mbuf pool fill" [ "$(val m1.txt 'mgw_mbuf_pool_available ')" -gt 0 ] 
tb_check "today's families kept (mgw_server_connections_total{...,server=})" \
	grep -qE '^mgw_server_connections_total\{proto="tcp",vip="10.0.0.10",port="80",server="10.1.0.11:8080"\} [0-9]+' "$TB_DIR/m1.txt"
tb_check "no sync families while sync is off" bash -c "! grep -q '^mgw_sync_' '$TB_DIR/m1.txt'"

# a server goes down: health gauge, transitions, status
kill "$TB_NGINX_PID_1"
tb_wait 5 bash -c "ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:9110/metrics | grep -qF 'mgw_server_health_up{$L} 0'"
scrape m2.txt >/dev/null
tb_expect_eq "health up 0 after the kill" 0 "$(val m2.txt "mgw_server_health_up\\{$L")"
tb_expect_eq "status down" 1 "$(val m2.txt "mgw_server_status\\{$L,status=\"down\"")"
tb_check "a health transition counted" [ "$(val m2.txt "mgw_server_health_transitions_total\\{$L")" -ge 1 ]
tb_api PATCH /api/v1/services/tcp/$TB_VIP/80/servers/10.1.0.12/8080 '{"weight": 7}' >/dev/null
scrape m3.txt >/dev/null
tb_expect_eq "weight follows a PATCH" 7 "$(val m3.txt 'mgw_ipvs_backend_weight\{[^}]*remote_address="10.1.0.12"')"
promtool check metrics <"$TB_DIR/m3.txt" >"$TB_DIR/promtool3.out" 2>&1
tb_expect_eq "promtool still silent with a server down" "0 0" "$? $(wc -c <"$TB_DIR/promtool3.out")"

# every metric the Grafana dashboard plots exists
dash="$TB_ROOT/packaging/grafana-mgw.json"
$TB_PY - "$dash" "$TB_DIR/m1.txt" >"$TB_DIR/dash.out" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
have = {l.split()[2] for l in open(sys.argv[2]) if l.startswith("# TYPE ")}
used = set()
def walk(o):
    if isinstance(o, dict):
        if isinstance(o.get("expr"), str):
            used.update(m for m in re.findall(r"\b(mgw_[a-z0-9_]+|process_[a-z_]+)\b", o["expr"]))
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d)
missing = sorted(used - have)
print(len(used), "metrics plotted;", "missing:", " ".join(missing) if missing else "none")
sys.exit(1 if missing or len(used) < 10 else 0)
PY
rc=$?
cat "$TB_DIR/dash.out" >&2
tb_expect_eq "the dashboard plots only metrics mgw exports" 0 "$rc"
tb_done
