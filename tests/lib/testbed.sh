# The mgw testbed: a client, the load balancer, a switch and N backends,
# each in its own network namespace. Source tests/lib/common.sh first.
#
#   client (c)  c0 10.0.0.1/24 ──── wan [mgw 10.0.0.2/24]  (lb)
#                                   lan [mgw 10.1.0.2/24] ──── br0 (sw)
#   backend i (b<i>)  eth0 10.1.0.(10+i)/24 ─────────────────── br0
#
#   VIP 10.0.0.10, local IPs 10.1.0.100.. ; mgw's API: 127.0.0.1:8080 in lb.
#
# mgw owns wan and lan through af_packet; the kernel of lb sees them only
# as the exception path's TAPs mgw-wan and mgw-lan. Senders turn tx
# checksum offload off (veth would hand mgw partial checksums).

TB_VIP=10.0.0.10
# Debian's python3 (with scapy), whatever else is first on PATH.
TB_PY=/usr/bin/python3
TB_CLIENT=10.0.0.1
TB_MGW=${TB_MGW:-$TB_ROOT/mgw}

tb_backend_ip() { echo "10.1.0.$((10 + $1))"; }

# tb_topology N: build the namespaces and links for N backends.
tb_topology() {
	local n=$1 i
	TB_NB=$n
	tb_ns c; tb_ns lb; tb_ns sw
	tb_veth c c0 lb wan
	tb_veth lb lan sw s-lb
	tb_x sw ip link add br0 type bridge
	tb_x sw ip link set br0 up
	tb_x sw ip link set s-lb master br0
	tb_x c ip addr add $TB_CLIENT/24 dev c0
	tb_x c ethtool -K c0 tx off >/dev/null
	for ((i = 1; i <= n; i++)); do
		tb_ns b$i
		tb_veth b$i eth0 sw s-b$i
		tb_x sw ip link set s-b$i master br0
		tb_x b$i ip addr add "$(tb_backend_ip $i)/24" dev eth0
		tb_x b$i ethtool -K eth0 tx off >/dev/null
		tb_x b$i ip route add default via 10.1.0.2
	done
	# Replies from mgw reach the client through its connected subnet.
	tb_x lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	tb_x lb ip link set wan promisc on
	tb_x lb ip link set lan promisc on
}

# tb_mgw_config SERVICES_JSON [EXTRA]: write $TB_DIR/mgw.json.
# EXTRA is more top-level members ("\"timeouts\": {...},"), placed first.
# MGW_LCORES (default "0@0,1@1") and MGW_LIPS override those parts.
tb_mgw_config() {
	local services=$1 extra=${2:-} lips=${MGW_LIPS:-'[ "10.1.0.100" ]'}
	cat >"$TB_DIR/mgw.json" <<JSON
{
  $extra
  "node": { "id": 1, "drain_s": ${MGW_DRAIN_S:-0} },
  "api": { "listen": "127.0.0.1:8080" },
  "dpdk": { "lcores": "${MGW_LCORES:-0@0,1@1}", "args": ["--no-huge", "-m", "${MGW_MEM:-600}", "--file-prefix=$TB_P", "--log-level=*:notice"], "idle_sleep_us": 200 },
  "ports": [
    { "name": "wan", "dev": "net_af_packet0,iface=wan", "ip": "10.0.0.2/24" },
    { "name": "lan", "dev": "net_af_packet1,iface=lan", "ip": "10.1.0.2/24" }
  ],
  "localips": $lips,
  "limits": { "sessions_per_lcore": ${MGW_SESSIONS:-65536}, "servers": 4096, "services": 256 },
  "services": $services
}
JSON
}

# tb_servers_json PORT N: the "servers" array for backends 1..N on PORT.
tb_servers_json() {
	local port=$1 n=$2 i sep="" out="["
	for ((i = 1; i <= n; i++)); do
		out+="$sep{ \"ip\": \"$(tb_backend_ip $i)\", \"port\": $port, \"weight\": 1 }"
		sep=", "
	done
	echo "$out]"
}

# tb_api METHOD PATH [BODY]: call mgw's API in $TB_LB (default lb); prints
# the body. Sets TB_HTTP_CODE.
tb_api() {
	local method=$1 path=$2 body=${3:-} out
	local args=(-s -o "$TB_DIR/api.out" -w '%{http_code}' -X "$method" --max-time 10)
	[[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	[[ -n ${MGW_TOKEN:-} ]] && args+=(-H "Authorization: Bearer $MGW_TOKEN")
	# a failed call must not leave the previous answer to be read again
	# (tb_mgw_online once saw a stopped mgw's "online" this way)
	rm -f "$TB_DIR/api.out"
	TB_HTTP_CODE=$(tb_x "${TB_LB:-lb}" curl "${args[@]}" "http://127.0.0.1:8080$path")
	# TB_API_RECORD=DIR keeps every answer for tests/lib/openapi_check.py
	# (one name per call: tb_api often runs in a subshell)
	if [[ -n ${TB_API_RECORD:-} ]]; then
		local f=$TB_API_RECORD/$(date +%s%N)-$BASHPID
		printf '%s %s %s\n' "$method" "$path" "$TB_HTTP_CODE" >"$f.meta"
		cp "$TB_DIR/api.out" "$f.body" 2>/dev/null || : >"$f.body"
	fi
	cat "$TB_DIR/api.out" 2>/dev/null
}

# tb_json EXPR: evaluate a Python expression on JSON from stdin (as `j`).
tb_json() { $TB_PY -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# tb_jtrue EXPR: succeed iff the expression on JSON from stdin is true.
tb_jtrue() { $TB_PY -c "import json,sys; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

# tb_mgw_start [ROLE]: start mgw in namespace ROLE (default lb) with
# $TB_DIR/mgw.json (or mgw-ROLE.json for another role); wait until online.
# MGW_PID (and MGW_PID_<role>) get its PID; its log is $TB_DIR/mgw[-ROLE].log.
tb_mgw_start() {
	local role=${1:-lb} sfx=""
	[[ $role == lb ]] || sfx="-$role"
	tb_bg "$role" "mgw$sfx" "$TB_MGW" -c "$TB_DIR/mgw$sfx.json"
	MGW_PID=$TB_LAST_PID
	eval "MGW_PID_$role=$MGW_PID"
	if ! TB_LB=$role tb_wait 20 tb_mgw_online "$MGW_PID"; then
		tb_log "mgw in $role did not come online"; tail -n 30 "$TB_DIR/mgw$sfx.log" >&2
		return 1
	fi
	tb_log "mgw online in $role (pid $MGW_PID)"
}

tb_mgw_online() {
	kill -0 "${1:-$MGW_PID}" 2>/dev/null || return 1
	[[ $(tb_api GET /api/v1/status | tb_json 'j["state"]' 2>/dev/null) == online ]]
}

# tb_mgw_stop [ROLE]: SIGTERM and wait; the exit status is left in MGW_RC.
# (Not in $(...): only this shell can wait for its child.)
tb_mgw_stop() {
	local pid=$MGW_PID
	[[ -n ${1:-} ]] && eval "pid=\$MGW_PID_$1"
	kill -TERM "$pid" 2>/dev/null
	MGW_RC=0
	wait "$pid" || MGW_RC=$?
}

# tb_stat EXPR: a value from /api/v1/stats (EXPR on `j`).
tb_stat() { tb_api GET /api/v1/stats | tb_json "$1"; }
# tb_stat_ge EXPR N: succeed iff the stats expression is at least N (for
# tb_wait_check: tb_wait_check "counted" 3 tb_stat_ge 'j["totals"]["x"]' 5).
tb_stat_ge() { local v; v=$(tb_stat "$1") && [[ $v =~ ^[0-9]+$ ]] && ((v >= $2)); }

# tb_http_backends N [PORT]: nginx in each backend: "/" answers "b<i>",
# "/big" serves $TB_DIR/big.bin (10 MB, made here).
tb_http_backends() {
	local n=$1 port=${2:-8080} i
	[[ -f $TB_DIR/big.bin ]] || head -c 10485760 /dev/urandom >"$TB_DIR/big.bin"
	[[ -f $TB_DIR/mid.bin ]] || head -c 65536 /dev/urandom >"$TB_DIR/mid.bin"
	for ((i = 1; i <= n; i++)); do
		tb_nginx_start "$i" "$port"
	done
	for ((i = 1; i <= n; i++)); do
		tb_wait 10 tb_x b$i bash -c "exec 3<>/dev/tcp/$(tb_backend_ip $i)/$port" ||
			{ tb_log "nginx b$i not listening"; return 1; }
	done
}

# tb_nginx_start I PORT [ADDRS]: nginx in backend I as above, listening on
# PORT of each address in ADDRS (default: the backend's own; DR and TUNNEL
# backends listen on the VIP).
tb_nginx_start() {
	local i=$1 port=$2 d="$TB_DIR/nginx-b$1" a listen=""
	for a in ${3:-$(tb_backend_ip "$i")}; do
		listen+="    listen $a:$port reuseport backlog=4096;"$'\n'
	done
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<NGX
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  default_type application/octet-stream;
  keepalive_requests 100000;
  server {
$listen    location = / { return 200 "b$i\n"; }
    location = /big { alias $TB_DIR/big.bin; }
    location = /mid { alias $TB_DIR/mid.bin; }
    location = /health { return 200 "ok\n"; }
    location = /health503 { return 503 "no\n"; }
  }
}
NGX
	tb_bg b$i "nginx-b$i" nginx -c "$d/nginx.conf"
	eval "TB_NGINX_PID_$i=$TB_LAST_PID"
}

# tb_udp_echo I PORT: a UDP server in backend I answering "b<I>:<payload>".
tb_udp_echo() {
	tb_bg b$1 "udp-b$1" $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" "$(tb_backend_ip "$1")" "$2" "b$1"
}

# tb_client cmd...: run a command on the client.
tb_client() { tb_x c "$@"; }

# IPv6 beside IPv4 on tb_topology's testbed (issue 18): the client
# $TB_CLIENT6 on c0, backend i tb_backend_ip6 i on its eth0, mgw's ports
# fd00:1::2/64 (wan) and fd00:2::2/64 (lan), the VIP $TB_VIP6 and the
# local IP $TB_LIP6 (put it in MGW_LIPS). Addresses without DAD: the
# links are ours alone.
TB_CLIENT6=fd00:1::1 TB_VIP6=fd00:1::10 TB_LIP6=fd00:2::100
tb_backend_ip6() { echo "fd00:2::$((10 + $1))"; }
tb_v6_testbed() {
	local i
	tb_client sysctl -qw net.ipv6.conf.c0.disable_ipv6=0
	tb_client ip addr add $TB_CLIENT6/64 dev c0 nodad
	for ((i = 1; i <= TB_NB; i++)); do
		tb_x b$i sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
		tb_x b$i ip addr add "$(tb_backend_ip6 $i)/64" dev eth0 nodad
	done
}
# tb_v6_ports: the ports' ip6 in $TB_DIR/mgw.json (after tb_mgw_config).
tb_v6_ports() {
	sed -i -e 's|"ip": "10.0.0.2/24" }|"ip": "10.0.0.2/24", "ip6": "fd00:1::2/64" }|' \
		-e 's|"ip": "10.1.0.2/24" }|"ip": "10.1.0.2/24", "ip6": "fd00:2::2/64" }|' "$TB_DIR/mgw.json"
}
# tb_servers6_json PORT N: the first N backends' IPv6 addresses on PORT.
tb_servers6_json() {
	local i out="" sep=""
	for ((i = 1; i <= $2; i++)); do
		out+="$sep{ \"ip\": \"$(tb_backend_ip6 $i)\", \"port\": $1 }"
		sep=", "
	done
	echo "[ $out ]"
}
# tb_udp_echo6 I PORT: the UDP echo on backend I's IPv6 address.
tb_udp_echo6() {
	tb_bg b$1 "udp6-b$1" $TB_PY -u "$TB_ROOT/tests/lib/udp_echo.py" "$(tb_backend_ip6 "$1")" "$2" "b$1"
}

# ---------------------------------------------------------------------------
# A two-node cluster behind a router (issue 8):
#
#   client (c)  c0 10.9.0.2/24 ── r-c 10.9.0.1 ┐
#                                               router (r): bird, ECMP
#   lb1  wan 10.201.1.2/24 ── r-n1 10.201.1.1 ──┤
#   lb2  wan 10.201.2.2/24 ── r-n2 10.201.2.1 ──┘
#   lb1  lan 10.1.0.2/24, lb2 lan 10.1.0.3/24 ── br0 (sw) ── backends 10.1.0.(10+i)
#
#   VIP 10.255.0.10 (announced by both nodes); LIPs 10.1.0.100 (lb1), 10.1.0.101 (lb2)
TB_CVIP=10.255.0.10

tb_cluster() {   # tb_cluster N_BACKENDS (TB_NODES mgw nodes, default 2)
	local n=$1 i k nodes=${TB_NODES:-2}
	tb_ns c; tb_ns r; tb_ns sw
	tb_veth c c0 r r-c
	tb_x sw ip link add br0 type bridge
	tb_x sw ip link set br0 up
	for ((k = 1; k <= nodes; k++)); do
		tb_ns lb$k
		tb_veth r r-n$k lb$k wan
		tb_veth lb$k lan sw s-lb$k
		tb_x sw ip link set s-lb$k master br0
		tb_x r ip addr add 10.201.$k.1/24 dev r-n$k
		tb_x r ethtool -K r-n$k tx off >/dev/null
		tb_x lb$k sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		tb_x lb$k ip link set wan promisc on
		tb_x lb$k ip link set lan promisc on
	done
	tb_x c ip addr add 10.9.0.2/24 dev c0
	tb_x c ip route add default via 10.9.0.1
	tb_x c ethtool -K c0 tx off >/dev/null
	tb_x r ip addr add 10.9.0.1/24 dev r-c
	tb_x r ethtool -K r-c tx off >/dev/null
	tb_x r sysctl -qw net.ipv4.ip_forward=1
	tb_x r sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	for ((i = 1; i <= n; i++)); do
		tb_ns b$i
		tb_veth b$i eth0 sw s-b$i
		tb_x sw ip link set s-b$i master br0
		tb_x b$i ip addr add "$(tb_backend_ip $i)/24" dev eth0
		tb_x b$i ethtool -K eth0 tx off >/dev/null
	done
}

# tb_node_config K SERVICES ROUTING [EXTRA]: $TB_DIR/mgw-lbK.json for node K
# (1, 2, ...). EXTRA is more top-level members ("\"sync\": {...},"), first.
tb_node_config() {
	local k=$1 services=$2 routing=$3 extra=${4:-}
	cat >"$TB_DIR/mgw-lb$k.json" <<JSON
{
  $extra
  "node": { "id": $k, "drain_s": ${MGW_DRAIN_S:-2} },
  "api": { "listen": "127.0.0.1:8080" },
  "dpdk": { "lcores": "${MGW_LCORES:-0@0,1@1}", "args": ["--no-huge", "-m", "${MGW_MEM:-600}", "--file-prefix=$TB_P-lb$k", "--log-level=*:notice"], "idle_sleep_us": 200 },
  "ports": [
    { "name": "wan", "dev": "net_af_packet0,iface=wan", "ip": "10.201.$k.2/24" },
    { "name": "lan", "dev": "net_af_packet1,iface=lan", "ip": "10.1.0.$((k + 1))/24" }
  ],
  "routes": [ { "prefix": "0.0.0.0/0", "via": "10.201.$k.1" } ],
  "localips": [ "10.1.0.$((99 + k))" ],
  "limits": { "sessions_per_lcore": 65536, "servers": 4096, "services": 256 },
  "routing": $routing,
  "debug": { "fault_injection": ${MGW_FAULTS:-false} },
  "services": $services
}
JSON
}

# tb_router_gateways PREFIX: the prefix's nexthops in r's kernel, sorted,
# comma-separated ("" when no route).
tb_router_gateways() {
	tb_x r ip -j route show "$1" | $TB_PY -c '
import json, sys
r = json.load(sys.stdin)
if not r:
    print(""); sys.exit()
hops = r[0].get("nexthops") or [r[0]]
print(",".join(sorted(h.get("gateway", "") for h in hops)))'
}
