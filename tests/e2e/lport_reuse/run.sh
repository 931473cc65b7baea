#!/usr/bin/env bash
# Sustained short connections do not collapse (issue 19): back-to-back
# 5 s runs of `wrk -H 'Connection: close'` at the testbed's maximum, 30 s
# then a minute.
#
# 1. mgw's defaults (timeouts.lport_guard_s 60, ports 1024..65535) with
#    enough local IPs x servers that the rate stays under the bound
#    LIPs x ports x servers / (tcp_time_wait_s + guard): no tuple goes back
#    to a server that still holds it in TIME-WAIT (60 s on Linux).
# 2. The cursors wrapping: one local IP, 32,000 ports, a 2 s guard, so every
#    server's cursor goes round its ports several times while the servers
#    still hold the earlier tuples in TIME-WAIT. A server takes a SYN on a
#    tuple it holds only when the SYN's timestamp is newer (RFC 6191): the
#    client sends monotonic timestamps here (tcp_timestamps=2, no random
#    per-connection offset), and mgw passes them unchanged. (With Linux's
#    default random offsets a guard shorter than 60 s collapses: found by
#    this test; hence the 60 s default.)
#
# Checked in both: the rate holds from run to run (printed per run), the
# client retransmits (almost) no SYN, mgw refused nothing for want of a
# port and cut no guard short. Loose bounds (a shared box), exact figures.
# LPORT_PHASES="wrap" runs one part only.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init lport_reuse 240

runs=6 secs=5
command -v wrk >/dev/null || { tb_log "wrk not installed"; exit 1; }
tb_topology 4
tb_http_backends 4
# The client's own ports: wrk closes first about one connection in ten,
# and those sit 60 s in TIME-WAIT on the client. Linux's connect() takes
# even ports first (odd ones are bind()'s), so with the default range
# (32768-60999: 14,116 even ports) ~15 s of this load fill them, and from
# then each connect() walks every one of them before an odd port: ~500
# conn/s with no SYN lost and no error, until they expire 60 s later —
# the slow runs earlier versions of this test printed and could not
# explain (the client's TIME-WAIT count stopped at ~14,100 as they began).
# A load generator's usual settings keep the client out of the measure:
# the whole range, and TIME-WAIT reuse towards the VIP (timestamps on).
tb_client sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1

# the client's SYN retransmissions (TcpExt TCPSynRetrans of its namespace)
synretrans() {
	tb_client awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) n[$i] = i; h = 1 } else print $n["TCPSynRetrans"] }' /proc/net/netstat
}
tw() { tb_x b1 ss -Htan state time-wait | wc -l; }
ctw() { tb_client ss -Htan state time-wait | wc -l; }

# load NAME MIN_TOTAL: the runs and the checks; MIN_TOTAL connections at
# least (the wrap case: more than the tuples there are)
load() {
	local name=$1 want=$2 r0 k out rate n errs rates=() total=0 syn exh cut min max first r
	r0=$(synretrans)
	# runs more (up to twice as many) while the total is short of want:
	# the slow runs below would otherwise leave the cursors unwrapped
	for ((k = 1; k <= runs || (total < want && k <= 2 * runs); k++)); do
		out=$(tb_client wrk -t2 -c20 -d${secs}s -H 'Connection: close' "http://$TB_VIP/" 2>&1)
		rate=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
		n=$(echo "$out" | awk '/requests in/ {print $1}')
		errs=$(echo "$out" | awk '/Socket errors/ {print}')
		rates+=("${rate:-0}")
		total=$((total + ${n:-0}))
		tb_log "$name run $k: ${rate:-0} conn/s (${n:-0}) ${errs:-no socket errors}; TIME-WAIT sockets: b1 $(tw), client $(ctw); client SYN retransmissions $(( $(synretrans) - r0 ))"
	done
	syn=$(( $(synretrans) - r0 ))
	tb_api GET /api/v1/stats >"$TB_DIR/stats.json"
	exh=$(tb_json 'j["totals"]["drops"].get("lport_exhausted", 0)' <"$TB_DIR/stats.json")
	cut=$(tb_json 'j["totals"]["lport_guard_cut"]' <"$TB_DIR/stats.json")
	tb_log "$name: rates per ${secs} s run: ${rates[*]} conn/s; $total connections, $syn client SYN retransmissions"
	tb_log "$name: mgw $(tb_json '"lport_guard_skips %d, lport_busy_skips %d, drops %s" % (j["totals"]["lport_guard_skips"], j["totals"]["lport_busy_skips"], {k: v for k, v in j["totals"]["drops"].items() if v})' <"$TB_DIR/stats.json")"
	min=${rates[0]} first=${rates[0]} max=0
	for r in "${rates[@]}"; do ((r < min)) && min=$r; ((r > max)) && max=$r; done
	tb_check "$name: traffic flowed (first run $first conn/s)" [ "$first" -ge 200 ]
	tb_check "$name: $total connections ≥ $want" [ "$total" -ge "$want" ]
	# The collapse this test found: every run after the wrap at ~1 % of the
	# rate (a second per SYN: 40 conn/s against 6,400), with thousands of
	# SYN retransmissions.
	med=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( ${#rates[@]} / 2 + 1 ))p")
	low=$(printf '%s\n' "${rates[@]}" | awk -v m="$max" '$1 * 10 < m' | wc -l)
	# The rate holds: no run below a tenth of the best (the collapse went
	# to ~1 %, the client's port walk to ~2 %; a shared box's noise stays
	# well above a tenth)
	tb_log "$name: median run $med, best $max, $low runs below a tenth (slowest $min)"
	tb_expect_eq "$name: runs below a tenth of the best (slowest $min, best $max)" 0 "$low"
	# a SYN lost to the box's noise can happen; reuse would make thousands
	tb_check "$name: client SYN retransmissions $syn ≤ 0.2 % of $total" [ $((syn * 500)) -le "$total" ]
	tb_expect_eq "$name: no connection refused for want of a port" 0 "$exh"
	if [[ $name == wrap ]]; then
		# a full guard table cuts the guard nearest its end (counted): with
		# a 2 s guard here, a few under load are not a reuse inside it
		tb_check "$name: TIME-WAIT guards cut short: $cut (at most a handful)" [ "$cut" -le 16 ]
	else
		tb_expect_eq "$name: no TIME-WAIT guard cut short" 0 "$cut"
	fi
	tb_expect_eq "$name: /status: ports not short" "False 0" \
		"$(tb_api GET /api/v1/status | tb_json '"%s %d" % (j["local_ports"]["short"], j["local_ports"]["refused"])')"
}

# af_xdp ports: DPDK 22.11's af_packet PMD waits in poll(fd, -1) when its
# tx ring is full, and under this load on a shared box the data lcore then
# stops for over 500 ms (the self-check takes the node out: seen here)
xdp() { sed -i 's/net_af_packet\([01]\),iface=\([a-z]*\)/net_af_xdp\1,iface=\2/' "$TB_DIR/mgw.json"; }

svc="[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 4) } ]"

# 1. defaults, 4 LIPs x 64,512 ports x 4 servers / 70 s ≈ 14,700 conn/s
if [[ ${LPORT_PHASES:-defaults wrap} == *defaults* ]]; then
# (sessions: what lingers 10 s in TIME_WAIT at the ~25 k conn/s a fast box
# gives, with room: a table near full slows every insert)
MGW_LIPS='[ "10.1.0.100", "10.1.0.101", "10.1.0.102", "10.1.0.103" ]' MGW_SESSIONS=524288 \
	tb_mgw_config "$svc"
# a guard per connection of the last 70 s, twice over
sed -i 's/"limits": {/"limits": { "lport_guards_per_lcore": 2097152,/' "$TB_DIR/mgw.json"
xdp
tb_mgw_start || exit 1
tb_expect_eq "/status: the default range and guard" "[1024, 65535] 60" \
	"$(tb_api GET /api/v1/status | tb_json '"[%d, %d] %d" % (j["local_ports"]["range"][0], j["local_ports"]["range"][1], j["local_ports"]["guard_s"])')"
load defaults 1000
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
for ((i = 1; i <= 4; i++)); do tb_x b$i ss -K state time-wait >/dev/null 2>&1; done
sleep 1
fi

# 2. wrapping: 32,000 ports x 4 servers / (1 s + 2 s) ≈ 42,700 conn/s, above
#    what a fast box gives here (~25 k: with 16,000 ports it ran at the bound)
pmin=20000 pmax=51999
tb_client sysctl -qw net.ipv4.tcp_timestamps=2
tb_mgw_config "$svc" "\"timeouts\": { \"tcp_time_wait_s\": 1, \"lport_guard_s\": 2 },"
# guards: a guard per connection of the last 2 s at 40 k conn/s, twice over
sed -i "s/\"limits\": {/\"limits\": { \"lport_min\": $pmin, \"lport_max\": $pmax, \"lport_guards_per_lcore\": 262144,/" "$TB_DIR/mgw.json"
xdp
tb_mgw_start || exit 1
lp() { tb_api GET /api/v1/status | tb_json '"[%d, %d] %d" % (j["local_ports"]["range"][0], j["local_ports"]["range"][1], j["local_ports"]["guard_s"])'; }
# (right after a restart the first answer may still show the defaults: a
# known quirk of the API's start, not of the data path)
for ((i = 0; i < 50; i++)); do [[ $(lp) == "[$pmin, $pmax] 2" ]] && break; sleep 0.1; done
tb_expect_eq "/status: the range and guard" "[$pmin, $pmax] 2" "$(lp)"
runs=12   # the issue's minute through one local IP
load wrap $((3 * 4 * (pmax - pmin + 1) / 2))   # every cursor round 1.5 times
tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
