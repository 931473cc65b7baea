#!/usr/bin/env bash
# tests/bench/peers.sh — `make bench-peers`: the same workload through mgw
# and through its peers on one veth testbed (client → LB → two nginx
# backends), measured in the same run, printed as ratios mgw/peer (absolute
# numbers on a shared VM wander; ratios taken minutes apart are what holds).
#
#   LBs:  mgw af_xdp, mgw af_packet (FULLNAT, one data lcore pinned to core
#         BENCH_LB_CORE), nftables' kernel FULLNAT (numgen DNAT + SNAT to a
#         local IP), HAProxy (mode tcp) and nginx stream when installed
#         (pinned to the same core, one thread).
#   Load: wrk pinned to the other core with the backends: new connections/s
#         (Connection: close), keep-alive requests/s, one connection's
#         latency p50/p99; the LB process's CPU seconds per request; UDP
#         (tests/tools/udpgen, 64 flows) at a fixed rate and at its maximum,
#         delivered = what the backends' nftables counters saw.
# The kernel's own forwarding (nftables) runs in softirq on whichever core
# the veth delivers on: it cannot be pinned, so it may use both cores —
# read its ratios as an upper bound for the kernel.
# Prints numbers, asserts none; the last line is one JSON object.
#
#   BENCH_PEERS_S=5      seconds per wrk run
#   BENCH_PEERS="mgw_xdp nft mgw_packet haproxy nginx"   which LBs, in order
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
source "$TB_ROOT/tests/lib/testbed.sh"

secs=${BENCH_PEERS_S:-5}
lbcore=${BENCH_LB_CORE:-1}
gencore=$((1 - lbcore))
peers=${BENCH_PEERS:-mgw_xdp nft mgw_packet haproxy nginx}
tb_init benchpeers 600
cd "$TB_ROOT" || exit 1
command -v wrk >/dev/null || { echo "peers: wrk not installed"; exit 1; }
tb_topology 2
tb_http_backends 2
# the client's own TIME-WAIT sockets must not pace the load (wrk closes
# first now and then: tests/e2e/lport_reuse/run.sh says how that goes)
tb_client sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
for ((i = 1; i <= 2; i++)); do eval "taskset -a -p -c $gencore \$TB_NGINX_PID_$i" >/dev/null; done
svc="[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 53 2) } ]"
udp_pps=${BENCH_PEERS_UDP_PPS:-100000}
for ((i = 1; i <= 2; i++)); do
	tb_x b$i nft -f - <<NFT
table ip sink {
	counter dgrams { }
	chain in { type filter hook input priority 0; policy accept; udp dport 53 counter name dgrams drop; }
}
NFT
done
declare -A R   # R[peer.metric]
# Local IPs for the FULLNAT LBs (mgw and nftables alike), sized for the
# rate: a (local IP, port, server) tuple waits out the server's TIME-WAIT
# (mgw: tcp_time_wait_s 10 + lport_guard_s 60), so ~25 k new connections/s
# to 2 servers need 25,000 x 70 / (64,512 x 2) ≈ 14 of them. With one,
# mgw held 25 k/s for the 129,024 tuples there are (~5 s), then its guard
# table overflowed and reused tuples met the servers' TIME-WAIT sockets:
# a 10 s run averaged 12,890/s, half of nftables.
nlips=16
lips=() lips_json=""
for ((i = 0; i < nlips; i++)); do lips+=("10.1.0.$((100 + i))"); done
lips_json="[ $(printf '"%s", ' "${lips[@]}" | sed 's/, $//') ]"

# cpu PID: utime + stime of a process, in seconds
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# measure PEER PID: the three wrk runs through the VIP; PID is the LB's
# process (0: the kernel)
measure() {
	local p=$1 pid=$2 out c0 c1 n
	tb_client taskset -c $gencore wrk -t1 -c10 -d1s "http://$TB_VIP/" >/dev/null 2>&1   # warm
	c0=$( ((pid)) && cpu "$pid" || echo 0)
	local prof=0
	[[ $p == mgw_* ]] && { profile "$p" "$pid" & prof=$!; }
	out=$(tb_client taskset -c $gencore wrk -t2 -c20 -d${secs}s -H 'Connection: close' "http://$TB_VIP/" 2>&1)
	((prof)) && wait "$prof"
	c1=$( ((pid)) && cpu "$pid" || echo 0)
	R[$p.new_conn_per_s]=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
	n=$(echo "$out" | awk '/requests in/ {print $1}')
	((pid)) && R[$p.cpu_us_per_conn]=$(awk -v a="$c0" -v b="$c1" -v n="${n:-0}" 'BEGIN { printf "%.1f", n ? (b - a) * 1e6 / n : 0 }')
	echo "$out" | grep -E "Socket errors|Non-2xx" | sed "s/^/  $p close: /"
	out=$(tb_client taskset -c $gencore wrk -t2 -c50 -d${secs}s "http://$TB_VIP/" 2>&1)
	R[$p.keepalive_req_per_s]=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
	echo "$out" | grep -E "Socket errors|Non-2xx" | sed "s/^/  $p keep-alive: /"
	out=$(tb_client taskset -c $gencore wrk -t1 -c1 -d${secs}s --latency "http://$TB_VIP/" 2>&1)
	R[$p.p50_us]=$(echo "$out" | awk '$1 == "50%" {print $2}' | us)
	R[$p.p99_us]=$(echo "$out" | awk '$1 == "99%" {print $2}' | us)
	echo "peers: $p: ${R[$p.new_conn_per_s]} new conn/s (${R[$p.cpu_us_per_conn]:--} us LB CPU each)," \
		"${R[$p.keepalive_req_per_s]} keep-alive req/s, p50 ${R[$p.p50_us]} us, p99 ${R[$p.p99_us]} us"
}
# UDP: datagrams the backends took (an nftables counter in each, dropping
# them there: no echo process caps the count), against what udpgen sent.
sink_reset() { for ((i = 1; i <= 2; i++)); do tb_x b$i nft reset counter ip sink dgrams >/dev/null; done; }
sink_count() {
	local i n=0
	for ((i = 1; i <= 2; i++)); do
		n=$((n + $(tb_x b$i nft list counter ip sink dgrams | awk '/packets/ {print $2}')))
	done
	echo $n
}
# udp_measure PEER: a fixed offered rate (BENCH_PEERS_UDP_PPS) and the
# generator's maximum, 64 flows, to VIP:53
udp_measure() {
	local p=$1 out sent got rate
	for rate in $udp_pps 0; do
		sink_reset
		out=$(tb_client taskset -c $gencore "$TB_BUILD/tools/udpgen" $TB_VIP 53 $rate $secs 64)
		sleep 0.5
		got=$(sink_count)
		sent=$(awk '{print $2}' <<<"$out")
		local k=udp_fixed; ((rate)) || k=udp_max
		R[$p.${k}_delivered_pps]=$(awk -v g="$got" -v s="$secs" 'BEGIN { printf "%d", g / s }')
		R[$p.${k}_loss_pct]=$(awk -v g="$got" -v n="$sent" 'BEGIN { printf "%.2f", n ? (n - g) * 100 / n : 0 }')
		echo "peers: $p: UDP offered ${rate/#0/max} pps: $out; delivered $got (${R[$p.${k}_loss_pct]} % lost)"
	done
}
# profile PEER PID: the data lcore's time per stage during the
# Connection: close run (perf's cpu-clock samples with call chains,
# tests/bench/stages.py); its JSON line goes to $TB_DIR/stages-PEER.json
profile() {
	local p=$1 tid
	command -v perf >/dev/null || { echo "peers: $p: no perf, no per-stage breakdown"; return; }
	tid=$(grep -l "^rte-worker" /proc/$2/task/*/comm 2>/dev/null | head -n 1 | cut -d/ -f5)
	[[ -n $tid ]] || { echo "peers: $p: data lcore thread not found"; return; }
	sleep 0.5
	perf record -q -e cpu-clock -F 4999 -g -t "$tid" -o "$TB_DIR/perf-$p.data" -- sleep $((secs - 1)) >/dev/null 2>&1
	perf script -F ip,sym -i "$TB_DIR/perf-$p.data" 2>/dev/null | $TB_PY "$TB_ROOT/tests/bench/stages.py" "$p" |
		tee >(tail -n 1 >"$TB_DIR/stages-$p.json") | head -n -1 | sed 's/^/peers: /'
}
# wrk's "117.00us" / "1.20ms" → microseconds
us() { awk '{ v = $1; if (v ~ /us$/) { sub(/us/, "", v); print v + 0 } else if (v ~ /ms$/) { sub(/ms/, "", v); print v * 1000 } else if (v ~ /s$/) { sub(/s/, "", v); print v * 1e6 } else print 0 }'; }

kernel_lb() {   # the kernel's addresses on wan and lan, forwarding on
	local d a
	for d in wan lan; do   # as mgw left them: links down, maybe an XDP program,
		# ARP off and strict rp_filter (cp/tapif.c)
		tb_x lb ip link set dev $d xdp off 2>/dev/null
		tb_x lb ip link set dev $d up
		tb_x lb sysctl -qw net.ipv4.conf.$d.arp_ignore=0 net.ipv4.conf.$d.rp_filter=0
	done
	tb_x lb ip addr add 10.0.0.2/24 dev wan
	tb_x lb ip addr add $TB_VIP/32 dev wan
	tb_x lb ip addr add 10.1.0.2/24 dev lan
	for a in "${lips[@]}"; do tb_x lb ip addr add $a/32 dev lan; done
	tb_x lb sysctl -qw net.ipv4.ip_forward=1
	tb_x lb sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	tb_x c ip neigh flush all
	for ((i = 1; i <= 2; i++)); do tb_x b$i ip neigh flush all; done
}
kernel_lb_off() {
	tb_x lb ip addr flush dev wan
	tb_x lb ip addr flush dev lan
	tb_x c ip neigh flush all
	for ((i = 1; i <= 2; i++)); do tb_x b$i ip neigh flush all; done
}

# Each LB starts from no TIME-WAIT anywhere: the backends keep the last
# LB's tuples from the same local IP 60 s, and a proxy's kernel, whose
# timestamps are not the client's, would meet them with SYNs they refuse
# (seen: HAProxy at 4,000 new conn/s after the mgw runs, 23,000 alone).
no_time_wait() {
	local n
	for n in c lb b1 b2; do tb_x $n ss -K state time-wait >/dev/null 2>&1; done
}

for p in $peers; do
	no_time_wait
	case $p in
	mgw_xdp|mgw_packet)
		MGW_LCORES="0@$gencore,1@$lbcore" MGW_LIPS="$lips_json" MGW_SESSIONS=524288 \
			tb_mgw_config "$svc"
		# a TIME-WAIT guard per connection of the last minute, twice over
		sed -i 's/"limits": {/"limits": { "lport_guards_per_lcore": 4194304,/' "$TB_DIR/mgw.json"
		# the LB has its core: busy-poll (the tests' config sleeps when idle)
		sed -i 's/"idle_sleep_us": [0-9]*/"idle_sleep_us": 0/' "$TB_DIR/mgw.json"
		[[ $p == mgw_xdp ]] && sed -i 's/net_af_packet[01],iface=\([a-z]*\)/iface=\1/' "$TB_DIR/mgw.json"   # the default: af_xdp
		tb_mgw_start || { echo "peers: $p did not start"; continue; }
		echo "peers: $p: port drivers $(tb_api GET /api/v1/status | tb_json '" ".join(p["driver"] for p in j["ports"])')"
		measure "$p" "$MGW_PID"
		udp_measure "$p"
		echo "peers: $p: mgw's drops $(tb_stat '{k: v for k, v in j["totals"]["drops"].items() if v}'), state $(tb_api GET /api/v1/status | tb_json 'j["state"] + " " + j["state_reason"]')"
		echo "peers: $p: local ports $(tb_api GET /api/v1/status | tb_json '"short %s, refused %d, guards cut %d" % (j["local_ports"]["short"], j["local_ports"]["refused"], j["local_ports"]["guards_cut"])'), $(tb_stat '"guard skips %d, busy skips %d" % (j["totals"]["lport_guard_skips"], j["totals"]["lport_busy_skips"])')"
		grep -E "watchdog|self-check failed" "$TB_DIR/mgw.log" | head -n 3 | sed "s/^/peers: $p: /"
		tb_mgw_stop
		sleep 1 ;;
	nft)
		command -v nft >/dev/null || { echo "peers: nft not installed"; continue; }
		kernel_lb
		tb_x lb nft -f - <<NFT
table ip fnat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $TB_VIP tcp dport 80 dnat to numgen inc mod 2 map { 0 : 10.1.0.11, 1 : 10.1.0.12 } : 8080
		ip daddr $TB_VIP udp dport 53 dnat to numgen inc mod 2 map { 0 : 10.1.0.11, 1 : 10.1.0.12 } : 53
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "lan" ip daddr 10.1.0.0/24 snat to ${lips[0]}-${lips[$((nlips - 1))]}
	}
}
NFT
		measure nft 0
		udp_measure nft
		tb_x lb nft delete table ip fnat
		kernel_lb_off ;;
	haproxy)
		command -v haproxy >/dev/null || { echo "peers: haproxy not installed"; continue; }
		kernel_lb
		cat >"$TB_DIR/haproxy.cfg" <<HAP
global
	nbthread 1
	maxconn 8000
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
listen vip
	bind $TB_VIP:80
	balance roundrobin
	source 10.1.0.100
	server b1 10.1.0.11:8080
	server b2 10.1.0.12:8080
HAP
		tb_bg lb haproxy taskset -c $lbcore haproxy -db -f "$TB_DIR/haproxy.cfg"
		hp=$TB_LAST_PID
		tb_wait 5 tb_x c bash -c "exec 3<>/dev/tcp/$TB_VIP/80" || { echo "peers: haproxy not listening"; tail -n 5 "$TB_DIR/haproxy.log"; kill "$hp"; kernel_lb_off; continue; }
		measure haproxy "$hp"
		kill "$hp"; wait "$hp" 2>/dev/null
		kernel_lb_off ;;
	nginx)
		mod=$(ls /usr/lib/nginx/modules/ngx_stream_module.so 2>/dev/null)
		[[ -n $mod ]] || { echo "peers: nginx's stream module not installed"; continue; }
		kernel_lb
		mkdir -p "$TB_DIR/ngx-lb"
		cat >"$TB_DIR/ngx-lb/nginx.conf" <<NGX
load_module $mod;
daemon off;
master_process off;
worker_processes 1;
pid $TB_DIR/ngx-lb/nginx.pid;
error_log $TB_DIR/ngx-lb/error.log warn;
events { worker_connections 20000; }
stream {
	upstream b { server 10.1.0.11:8080; server 10.1.0.12:8080; }
	server { listen $TB_VIP:80 reuseport backlog=4096; proxy_pass b; proxy_bind 10.1.0.100; }
	upstream bu { server 10.1.0.11:53; server 10.1.0.12:53; }
	server { listen $TB_VIP:53 udp; proxy_pass bu; proxy_bind 10.1.0.100; proxy_responses 0; }
}
NGX
		tb_bg lb ngx-lb taskset -c $lbcore nginx -c "$TB_DIR/ngx-lb/nginx.conf"
		np=$TB_LAST_PID
		tb_wait 5 tb_x c bash -c "exec 3<>/dev/tcp/$TB_VIP/80" || { echo "peers: nginx stream not listening"; tail -n 5 "$TB_DIR/ngx-lb.log" "$TB_DIR/ngx-lb/error.log"; kill "$np"; kernel_lb_off; continue; }
		measure nginx "$np"
		udp_measure nginx
		kill "$np"; wait "$np" 2>/dev/null
		kernel_lb_off ;;
	esac
done

# The table: each metric, each LB, and mgw/peer for both mgw I/O modes
# (for latency and CPU, peer/mgw: above 1 is mgw better everywhere).
# (HAProxy has no UDP: "-" there.) Loss is shown, not made a ratio.
metrics="new_conn_per_s keepalive_req_per_s p50_us p99_us cpu_us_per_conn udp_fixed_delivered_pps udp_max_delivered_pps"
printf '\n%-24s' "metric"; for p in $peers; do printf '%12s' "$p"; done; echo
for m in $metrics udp_fixed_loss_pct udp_max_loss_pct; do
	printf '%-24s' "$m"; for p in $peers; do printf '%12s' "${R[$p.$m]:--}"; done; echo
done
for mg in mgw_xdp mgw_packet; do
	[[ -n ${R[$mg.new_conn_per_s]:-} ]] || continue
	printf '\n%s vs peer (>1: mgw better)\n' "$mg"
	for m in $metrics; do
		printf '%-24s' "$m"
		for p in $peers; do
			[[ $p == mgw_* ]] && { printf '%12s' ""; continue; }
			printf '%12s' "$(awk -v a="${R[$mg.$m]:-0}" -v b="${R[$p.$m]:-0}" -v m="$m" 'BEGIN {
				if (a <= 0 || b <= 0) { print "-"; exit }
				if (m ~ /_us/) printf "%.2f", b / a; else printf "%.2f", a / b }')"
		done
		echo
	done
done
tb_mgw_stop 2>/dev/null
# one JSON object: every number, key peer_metric
{
	sep=""; printf '{'
	for k in "${!R[@]}"; do
		v=${R[$k]}; [[ -n $v ]] || continue
		printf '%s"%s": %s' "$sep" "${k/./_}" "$v"; sep=", "
	done
	printf '}\n'
} | tb_json 'json.dumps(dict(sorted(j.items())))'
