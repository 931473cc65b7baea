#!/usr/bin/env bash
# tests/bench/vip.sh — requests through the VIP, for `make bench`: mgw on the
# netns testbed (veth + af_packet, one data lcore, FULLNAT, rr over two nginx
# backends), wrk in the client's namespace: keep-alive requests per second,
# then new connections per second (Connection: close). Everything shares this
# box's cores (wrk, nginx, the kernel's veths and mgw), so these say what the
# testbed carries, not what a NIC would. Last line: the script's JSON.
#
#   BENCH_VIP_S=5     seconds per wrk run
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
source "$TB_ROOT/tests/lib/testbed.sh"

secs=${BENCH_VIP_S:-5}
tb_init benchvip 90
cd "$TB_ROOT" || exit 1
command -v wrk >/dev/null || { echo "vip: wrk not installed"; exit 1; }
tb_topology 2
tb_http_backends 2
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 2) } ]"
tb_mgw_start || exit 1

# wrk's "Requests/sec:" line, and its socket errors (none expected)
run_wrk() {
	local out
	out=$(tb_client wrk "$@" -d "${secs}s" --latency "http://$TB_VIP/" 2>&1)
	echo "$out" | grep -E "Requests/sec|Socket errors|Non-2xx" >&2
	echo "$out" | awk '/Requests\/sec/ {print $2}'
}
ka=$(run_wrk -t2 -c50)
nc=$(run_wrk -t2 -c20 -H "Connection: close")
echo "vip: mgw's drops $(tb_stat '{k: v for k, v in j["totals"]["drops"].items() if v}')" >&2
tb_mgw_stop
printf '{"vip_req_per_s": %s, "vip_new_conn_per_s": %s}\n' "${ka:-0}" "${nc:-0}"
