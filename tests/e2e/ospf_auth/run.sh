#!/usr/bin/env bash
# OSPF authentication and TTL security against BIRD 2, keys from files.
#
#   lb (mgw, wan 10.201.1.2/24) --- r (BIRD: r-n1 10.201.1.1, r-n2 10.201.2.1)
#   n2 (ospf_speaker, 10.201.2.2/24) ---'
#
# mgw's interface: HMAC-SHA-256 (RFC 5709), key ID 1, and GTSM (RFC 5082);
# n2 (the speaker alone): keyed MD5 (RFC 2328 D.3), key ID 2. Checked:
# - with the same keys: Full on both links and the routes they announce in
#   the router's kernel (mgw's VIP and local IP, n2's prefix);
# - BIRD given other keys (birdc configure): no adjacency within a dead
#   interval, the routes gone, the refusals counted on both sides
#   (mgw: counters.drops.auth_digest in GET /routing; BIRD's log);
# - the right keys but BIRD without TTL security (it sends TTL 1): mgw
#   refuses every packet (drops.ttl_security), no adjacency;
# - everything put back: Full and routed again;
# - a new key written to mgw's key file and given to BIRD: the running mgw
#   keeps the key it read at start (refused both ways), and after a restart
#   it is Full and routed with the new one.
set -u
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/testbed.sh"
tb_init ospf_auth 90

SPEAKER=$TB_ROOT/build/tools/ospf_speaker
[[ -x $SPEAKER && -x $TB_MGW ]] || { tb_log "FAIL - build first (make)"; exit 1; }
command -v bird >/dev/null || { tb_log "FAIL - bird2 is not installed"; exit 1; }
VIP=10.255.0.10 LIP=10.201.1.100 P2=10.255.0.2
KEY1=mgw-hmac-sha256-key KEY2=md5-key

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
bc() { tb_x r birdc -s "$TB_DIR/bird.ctl" "$@"; }
nbr_state() { bc show ospf neighbors 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
is_full() { [[ $(nbr_state "$1") == Full/* ]]; }
not_full() { ! is_full "$1"; }
routed() { [[ $(tb_x r ip -j route show "$1" | jq -r '.[0].gateway // empty') == "$2" ]]; }
unrouted() { [[ -z $(tb_x r ip -j route show "$1" | jq -r '.[0].gateway // empty') ]]; }
routing() { tb_x lb curl -s --max-time 3 http://127.0.0.1:8080/api/v1/routing; }
mgw_drop() { routing | jq -r ".ospf.counters.drops.$1"; }
mgw_full() { [[ $(routing | jq -r '.ospf.neighbours[0].state // empty') == Full ]]; }
n2_drop() { jq -r ".counters.drops.$1" "$TB_DIR/n2.json" 2>/dev/null; }
above() { local v; v=$("$1" "$2"); [[ -n $v && $v != null ]] && (( v > $3 )); }

# bird.conf with these keys and TTL security on r-n1 or not
# birdc configure until BIRD says it took the new file (it refuses one
# while a reconfiguration is still under way)
bird_reconf() {
	local out i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(bc configure 2>&1)
		[[ $out == *Reconfigured* || $out == *"in progress"* || $out == *queueing* ]] && return 0
		tb_log "birdc configure: ${out//$'\n'/ | }"
		sleep 0.3
	done
	tb_log "FAIL - bird did not take the new config"
	TB_FAILED=1
}

bird_conf() {
	cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; }
protocol ospf v2 ospf1 {
  ipv4 { import all; export none; };
  area 0 {
    interface "r-n1" { type ptp; hello 1; dead 3; $3
      authentication cryptographic; password "$1" { id 1; algorithm hmac sha256; }; };
    interface "r-n2" { type ptp; hello 1; dead 3;
      authentication cryptographic; password "$2" { id 2; algorithm keyed md5; }; };
  };
}
CONF
}

tb_ns r; tb_ns lb; tb_ns n2
tb_veth r r-n1 lb wan
tb_veth r r-n2 n2 n2-r
tb_x r ip addr add 10.201.1.1/24 dev r-n1
tb_x r ip addr add 10.201.2.1/24 dev r-n2
tb_x n2 ip addr add 10.201.2.2/24 dev n2-r
tb_x lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
tb_x lb ip link set wan promisc on

printf '%s\n' "$KEY1" >"$TB_DIR/ospf-wan.key"
printf '%s\n' "$KEY2" >"$TB_DIR/ospf-n2.key"
chmod 600 "$TB_DIR"/*.key
# (a slow self-check that recovers by itself: what is tested here is
# routing, and a data lcore descheduled for half a second on a busy box
# must not take the links down for the rest of the run)
cat >"$TB_DIR/mgw.json" <<JSON
{
  "node": { "id": 1, "drain_s": 0 },
  "api": { "listen": "127.0.0.1:8080" },
  "dpdk": { "lcores": "0@0,1@1", "args": ["--no-huge", "-m", "600", "--file-prefix=$TB_P", "--log-level=*:notice"], "idle_sleep_us": 200 },
  "ports": [ { "name": "wan", "dev": "net_af_packet0,iface=wan", "ip": "10.201.1.2/24" } ],
  "localips": [ "$LIP" ],
  "services": [ { "proto": "tcp", "vip": "$VIP", "port": 80, "servers": [] } ],
  "selfcheck": { "interval_ms": 2000, "recover": "auto" },
  "routing": { "ospf": { "interfaces": [ { "port": "wan", "type": "ptp", "hello_s": 1, "dead_s": 3,
    "ttl_security": true,
    "auth": { "type": "hmac-sha256", "key_id": 1, "key_file": "$TB_DIR/ospf-wan.key" } } ] } }
}
JSON

bird_conf "$KEY1" "$KEY2" "ttl security yes;"
tb_bg r bird bird -f -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid" -c "$TB_DIR/bird.conf"
tb_wait 5 bc show status || { tb_log "FAIL - bird did not start"; exit 1; }
t0=$(now_ms)
tb_mgw_start lb || exit 1
tb_bg n2 n2 "$SPEAKER" --auth "md5:2:$TB_DIR/ospf-n2.key" --status "$TB_DIR/n2.json" \
	10.201.2.2 n2-r 10.201.2.2/24 "$P2/32@10"

# ---- the same keys --------------------------------------------------------
tb_check "mgw (hmac-sha256, GTSM) Full with bird" tb_wait 15 is_full 10.201.1.2
tb_check "n2 (keyed MD5) Full with bird" tb_wait 15 is_full 10.201.2.2
tb_log "Full $(( $(now_ms) - t0 )) ms after mgw's start"
tb_check "router: the VIP via mgw" tb_wait 15 routed $VIP 10.201.1.2
tb_check "router: mgw's local IP via mgw" tb_wait 5 routed $LIP 10.201.1.2
tb_check "router: n2's prefix via n2" tb_wait 10 routed $P2 10.201.2.2
tb_log "routed $(( $(now_ms) - t0 )) ms after mgw's start"
tb_check "mgw sees bird Full" tb_wait 3 mgw_full
st=$(routing)
tb_expect_eq "GET /routing: the interface's auth" "hmac-sha256 1 true" \
	"$(jq -r '.ospf.interfaces[0] | "\(.auth) \(.key_id) \(.ttl_security)"' <<<"$st")"
tb_expect_eq "no packet refused so far" "" \
	"$(jq -r '[.ospf.counters.drops | to_entries[] | select(.value > 0) | .key] | join(",")' <<<"$st")"
tb_check "bird's sequence number in mgw's neighbour" test "$(jq -r '.ospf.neighbours[0].auth_seq' <<<"$st")" -gt 0
tb_check "the key is nowhere in GET /routing or GET /config" bash -c \
	"! { ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/routing; ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/config; } | grep -q '$KEY1'"
tb_check "bird logged no authentication failure" bash -c "! grep -qi 'authentication failed' '$TB_DIR/bird.log'"

# ---- bird with other keys: refused both ways, adjacencies gone ---------------
d0=$(mgw_drop auth_digest) t1=$(now_ms)
bird_conf "not-$KEY1" "not-$KEY2" "ttl security yes;"
bird_reconf
tb_check "wrong key: mgw's adjacency gone" tb_wait 8 not_full 10.201.1.2
tb_check "wrong key: n2's adjacency gone" tb_wait 8 not_full 10.201.2.2
tb_check "wrong key: the VIP no longer routed" tb_wait 8 unrouted $VIP
tb_check "wrong key: n2's prefix no longer routed" tb_wait 8 unrouted $P2
tb_log "wrong key: unrouted $(( $(now_ms) - t1 )) ms after birdc configure (dead 3 s)"
tb_check "mgw counted bird's packets as auth_digest ($d0 -> $(mgw_drop auth_digest))" above mgw_drop auth_digest "$d0"
tb_check "n2 counted them too ($(n2_drop auth_digest))" tb_wait 3 above n2_drop auth_digest 0
tb_check "bird refused mgw's and n2's packets" grep -qi "authentication failed" "$TB_DIR/bird.log"
sleep 2
tb_check "and no adjacency came back" not_full 10.201.1.2

# ---- the right keys, but bird sends TTL 1: GTSM refuses it ------------------
t0_ttl=$(mgw_drop ttl_security)
bird_conf "$KEY1" "$KEY2" ""
bird_reconf
tb_check "n2 (no GTSM) Full again" tb_wait 10 is_full 10.201.2.2
tb_check "bird's TTL-1 packets counted as ttl_security" tb_wait 5 above mgw_drop ttl_security "$t0_ttl"
sleep 3
tb_check "no adjacency with mgw while bird sends TTL 1" not_full 10.201.1.2
tb_check "mgw has no Full neighbour" bash -c "! [[ \$(ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/routing | jq -r '.ospf.neighbours[0].state // empty') == Full ]]"
tb_log "ttl_security drops: $(mgw_drop ttl_security)"

# ---- all put back --------------------------------------------------------------
t2=$(now_ms); tb_log "before: bird sees mgw as [$(nbr_state 10.201.1.2)], mgw: $(routing | jq -c "[.ospf.neighbours[] | .state]")"
bird_conf "$KEY1" "$KEY2" "ttl security yes;"
bird_reconf
tb_check "everything back: mgw Full" tb_wait 15 is_full 10.201.1.2; tb_log "after $(( $(now_ms) - t2 )) ms: [$(nbr_state 10.201.1.2)]"
tb_check "everything back: the VIP routed via mgw" tb_wait 15 routed $VIP 10.201.1.2
tb_log "back: routed $(( $(now_ms) - t2 )) ms after birdc configure"
tb_log "mgw's refusals: $(routing | jq -c '.ospf.counters.drops | with_entries(select(.value > 0))')"

# ---- a new key in the file: read at start, so taken at the restart -----------
# (docs/config.md: the routing section, keys included, takes a restart)
KEY1B=rotated-$KEY1
bird_fails() { grep -ci 'authentication failed' "$TB_DIR/bird.log"; }
f1=$(bird_fails)
printf '%s\n' "$KEY1B" >"$TB_DIR/ospf-wan.key"
bird_conf "$KEY1B" "$KEY2" "ttl security yes;"
bird_reconf
d1=$(mgw_drop auth_digest)
tb_check "new key in the file and bird, mgw running: the adjacency goes" tb_wait 8 not_full 10.201.1.2
tb_check "the running mgw still signs with the old key (bird refuses it)" tb_wait 3 above bird_fails "" "$f1"
tb_check "and refuses bird's new digests (auth_digest $d1 -> $(mgw_drop auth_digest))" tb_wait 3 above mgw_drop auth_digest "$d1"
tb_mgw_stop
tb_expect_eq "mgw exits 0 on SIGTERM" 0 "$MGW_RC"
t3=$(now_ms)
tb_mgw_start lb || exit 1
tb_check "restarted with the new key: Full" tb_wait 15 is_full 10.201.1.2
tb_check "restarted with the new key: the VIP routed via mgw" tb_wait 15 routed $VIP 10.201.1.2
tb_log "new key: routed $(( $(now_ms) - t3 )) ms after the restart"
tb_expect_eq "the restarted mgw refused nothing for authentication or TTL" "" \
	"$(routing | jq -r '[.ospf.counters.drops | to_entries[] | select(.value > 0 and (.key | test("^auth_|^ttl_security$"))) | .key] | join(",")')"
if ((TB_FAILED)); then	# what a failure needs to be understood
	tb_x lb curl -s --max-time 3 http://127.0.0.1:8080/api/v1/status | jq -c '{state, state_reason}' >&2
	grep -E 'self-check|node state|watchdog' "$TB_DIR/mgw.log" | tail -n 5 >&2
	routing | jq -c '.ospf | {interfaces, neighbours, auth_seq}' >&2
	bc show ospf interface r-n1 >&2
	bc show ospf neighbors >&2
	tail -n 20 "$TB_DIR/bird.log" >&2
	grep -i ospf "$TB_DIR/mgw.log" | tail -n 20 >&2
fi
tb_done
