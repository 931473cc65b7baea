#!/usr/bin/env bash
# BGP TCP-MD5 (RFC 2385), TTL security (RFC 5082) against BIRD 2, and
# RFC 7606's handling of a malformed attribute, through mgw's exception path.
#
#   r (BIRD, AS 65000, r-n1 10.201.1.1) --- wan [mgw 10.201.1.2, AS 65001] (lb)
#   x (tests/lib/bgp_malformed.py, AS 65009, 10.202.0.1) --- lan [mgw 10.202.0.2]
#
# mgw's peer r: auth tcp-md5 with the key in a file, ttl_security; peer x:
# neither (a mixed set: the listen socket sends TTL 255 but lets any TTL in).
# Checked:
# - the same key: Established, mgw's VIP and local IP in r's kernel;
# - BIRD given another key (birdc configure): the session cannot come back,
#   the routes go, the kernel counts the refused segments
#   (GET /routing: bgp.kernel.tcp_md5_failure);
# - the right key but BIRD without TTL security (TTL 1): refused, its
#   connections closed at accept (bgp.gtsm_refused: the listener serves a
#   peer without GTSM too, so it checks each SYN's TTL) and its segments
#   dropped by the kernel (bgp.kernel.tcp_min_ttl_drop), not Established;
# - all put back: Established and routed again;
# - x sends an UPDATE with a malformed ORIGIN, then a good one: the session
#   stays up, the first counted as treat-as-withdraw (bgp.peers[1].rfc7606),
#   the second as a prefix received, no NOTIFICATION sent;
# - a new key written to mgw's key file and given to BIRD: the running mgw
#   keeps the key it read at start (refused), and after a restart the
#   session is Established and routed with the new one.
set -u
. "$(dirname "$0")/../../lib/common.sh"
. "$(dirname "$0")/../../lib/testbed.sh"
tb_init bgp_auth 100

[[ -x $TB_MGW ]] || { tb_log "FAIL - build first (make)"; exit 1; }
command -v bird >/dev/null || { tb_log "FAIL - bird2 is not installed"; exit 1; }
VIP=10.255.0.10 LIP=10.202.0.100 KEY=bgp-md5-secret

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
bc() { tb_x r birdc -s "$TB_DIR/bird.ctl" "$@"; }
bird_state() { bc show protocols n1 2>/dev/null | awk '$1 == "n1" { print $6 }'; }
established() { [[ $(bird_state) == Established ]]; }
routed() { [[ $(tb_x r ip -j route show "$1" | jq -r '.[0].gateway // empty') == "$2" ]]; }
unrouted() { [[ -z $(tb_x r ip -j route show "$1" | jq -r '.[0].gateway // empty') ]]; }
routing() { tb_x lb curl -s --max-time 3 http://127.0.0.1:8080/api/v1/routing; }
kern() { routing | jq -r ".bgp.kernel.$1"; }
above() { local v; v=$("$1" ${2:+"$2"}); [[ -n $v && $v != null ]] && (( v > $3 )); }
# never Established while we watch (polls every 0.1 s)
stays_down() {
	local end=$(( $(now_ms) + $1 * 1000 ))
	while (( $(now_ms) < end )); do established && return 1; sleep 0.1; done
	return 0
}

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

bird_conf() {	# bird_conf PASSWORD TTL_SECURITY_LINE
	cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export where source = RTS_BGP; }; }
protocol bgp n1 {
  local as 65000; neighbor 10.201.1.2 as 65001;
  hold time 3; keepalive time 1; connect retry time 2; error wait time 1, 2;
  password "$1"; $2
  ipv4 { import all; export none; };
}
CONF
}

tb_ns r; tb_ns lb; tb_ns x
tb_veth r r-n1 lb wan
tb_veth x x0 lb lan
tb_x r ip addr add 10.201.1.1/24 dev r-n1
tb_x x ip addr add 10.202.0.1/24 dev x0
tb_x r ethtool -K r-n1 tx off >/dev/null
tb_x x ethtool -K x0 tx off >/dev/null
tb_x lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
tb_x lb ip link set wan promisc on
tb_x lb ip link set lan promisc on

printf '%s\n' "$KEY" >"$TB_DIR/bgp-r.key"
chmod 600 "$TB_DIR/bgp-r.key"
# (a slow self-check that recovers by itself: what is tested here is
# routing, and a data lcore descheduled for half a second on a busy box
# must not take the links down for the rest of the run)
cat >"$TB_DIR/mgw.json" <<JSON
{
  "node": { "id": 1, "drain_s": 0 },
  "api": { "listen": "127.0.0.1:8080" },
  "dpdk": { "lcores": "0@0,1@1", "args": ["--no-huge", "-m", "600", "--file-prefix=$TB_P", "--log-level=*:notice"], "idle_sleep_us": 200 },
  "ports": [ { "name": "wan", "dev": "net_af_packet0,iface=wan", "ip": "10.201.1.2/24" },
             { "name": "lan", "dev": "net_af_packet1,iface=lan", "ip": "10.202.0.2/24" } ],
  "localips": [ "$LIP" ],
  "services": [ { "proto": "tcp", "vip": "$VIP", "port": 80, "servers": [] } ],
  "selfcheck": { "interval_ms": 2000, "recover": "auto" },
  "routing": { "bgp": { "local_as": 65001, "hold_s": 3, "peers": [
    { "ip": "10.201.1.1", "as": 65000, "ttl_security": true,
      "auth": { "type": "tcp-md5", "key_file": "$TB_DIR/bgp-r.key" } },
    { "ip": "10.202.0.1", "as": 65009 } ] } }
}
JSON

bird_conf "$KEY" "ttl security yes;"
tb_bg r bird bird -f -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid" -c "$TB_DIR/bird.conf"
tb_wait 5 bc show status || { tb_log "FAIL - bird did not start"; exit 1; }
tb_bg x peer $TB_PY -u "$TB_ROOT/tests/lib/bgp_malformed.py" 10.202.0.1 65009
t0=$(now_ms)
tb_mgw_start lb || exit 1

# ---- the same key ------------------------------------------------------------
tb_check "TCP-MD5 + GTSM: bird Established with mgw" tb_wait 15 established
tb_check "router: the VIP via mgw" tb_wait 5 routed $VIP 10.201.1.2
tb_check "router: mgw's local IP via mgw" tb_wait 5 routed $LIP 10.201.1.2
tb_log "routed $(( $(now_ms) - t0 )) ms after mgw's start"
st=$(routing)
tb_expect_eq "GET /routing: peer r's auth" "tcp-md5 true Established" \
	"$(jq -r '.bgp.peers[0] | "\(.auth) \(.ttl_security) \(.state)"' <<<"$st")"
tb_check "the key is nowhere in GET /routing or GET /config" bash -c \
	"! { ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/routing; ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/config; } | grep -q '$KEY'"
tb_check "segments with TCP-MD5 on the wire" bash -c \
	"ip netns exec $(tb_nsname r) timeout 3 tcpdump -c 2 -nvv -i r-n1 tcp port 179 2>/dev/null | grep -q 'md5'"

# GTSM at accept: a connection from r's address with the right key but TTL
# 64 is closed at once (the listen socket also serves x, who has no GTSM,
# so it checks each SYN's TTL); with TTL 255 it is let in. Bird's session
# carries on.
tb_expect_eq "a connection from r with TTL 64 is closed" closed \
	"$(tb_x r $TB_PY "$TB_ROOT/tests/lib/ttl_connect.py" 10.201.1.1 10.201.1.2 179 64 "$TB_DIR/bgp-r.key")"
tb_expect_eq "GET /routing: bgp.gtsm_refused" 1 "$(routing | jq -r .bgp.gtsm_refused)"
tb_check "bird's session is still Established" established

# ---- RFC 7606: a malformed ORIGIN does not cost x's session ------------------
x_st() { routing | jq -r ".bgp.peers[1] | $1"; }
tb_check "x Established" tb_wait 10 bash -c "[[ \$(ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/routing | jq -r '.bgp.peers[1].state') == Established ]]"
tb_check "x's malformed UPDATE counted as treat-as-withdraw" tb_wait 5 bash -c \
	"[[ \$(ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/routing | jq -r '.bgp.peers[1].rfc7606.treat_as_withdraw') == 1 ]]"
sleep 1.5
tb_expect_eq "x still Established" Established "$(x_st .state)"
tb_expect_eq "by reason: origin" 1 "$(x_st .rfc7606.by_reason.origin)"
tb_expect_eq "its prefix counted as withdrawn" 1 "$(x_st .rfc7606.prefixes_withdrawn)"
tb_expect_eq "the good UPDATE's prefix received" 1 "$(x_st .prefixes_received)"
tb_expect_eq "no UPDATE error sent" 0 "$(x_st .notifications_sent.update)"
tb_check "x never saw a NOTIFICATION" bash -c "! grep -q 'received type 3' '$TB_DIR/peer.log'"

# ---- bird with another key -----------------------------------------------------
f0=$(kern tcp_md5_failure) t1=$(now_ms)
bird_conf "not-$KEY" "ttl security yes;"
bird_reconf
tb_check "wrong key: the session drops" tb_wait 5 bash -c "! [[ \$(ip netns exec $(tb_nsname r) birdc -s '$TB_DIR/bird.ctl' show protocols n1 | awk '\$1 == \"n1\" { print \$6 }') == Established ]]"
tb_check "wrong key: the VIP no longer routed" tb_wait 5 unrouted $VIP
tb_check "wrong key: not Established for 5 s" stays_down 5
tb_check "wrong key: the kernel refused bird's segments (tcp_md5_failure $f0 -> $(kern tcp_md5_failure))" above kern tcp_md5_failure "$f0"
tb_log "wrong key: $(( $(now_ms) - t1 )) ms; kernel counters $(routing | jq -c .bgp.kernel)"

# ---- the right key, bird sends TTL 1: GTSM refuses it ---------------------------
m0=$(kern tcp_min_ttl_drop)
bird_conf "$KEY" ""
bird_reconf
tb_check "TTL 1: not Established for 5 s" stays_down 5
tb_check "TTL 1: the kernel dropped bird's segments (tcp_min_ttl_drop $m0 -> $(kern tcp_min_ttl_drop))" above kern tcp_min_ttl_drop "$m0"
tb_log "TTL 1: bird's connections closed at accept: $(routing | jq -r .bgp.gtsm_refused)"

# ---- all put back ----------------------------------------------------------------
t2=$(now_ms)
bird_conf "$KEY" "ttl security yes;"
bird_reconf
tb_check "everything back: Established" tb_wait 15 established
tb_check "everything back: the VIP routed via mgw" tb_wait 5 routed $VIP 10.201.1.2
tb_log "back: routed $(( $(now_ms) - t2 )) ms after birdc configure"
tb_expect_eq "x Established all along" 1 "$(x_st .established_count)"

# ---- a new key in the file: read at start, so taken at the restart -----------
# (docs/config.md: the routing section, keys included, takes a restart)
KEYB=rotated-$KEY
printf '%s\n' "$KEYB" >"$TB_DIR/bgp-r.key"
f1=$(kern tcp_md5_failure)
bird_conf "$KEYB" "ttl security yes;"
bird_reconf
tb_check "new key in the file and bird, mgw running: the session drops" tb_wait 5 bash -c "! [[ \$(ip netns exec $(tb_nsname r) birdc -s '$TB_DIR/bird.ctl' show protocols n1 | awk '\$1 == \"n1\" { print \$6 }') == Established ]]"
tb_check "the running mgw keeps the old key: not Established for 5 s" stays_down 5
tb_check "the kernel refused bird's new-key segments (tcp_md5_failure $f1 -> $(kern tcp_md5_failure))" above kern tcp_md5_failure "$f1"
tb_mgw_stop
tb_expect_eq "mgw exits 0 on SIGTERM" 0 "$MGW_RC"
t3=$(now_ms)
tb_mgw_start lb || exit 1
tb_check "restarted with the new key: Established" tb_wait 15 established
tb_check "restarted with the new key: the VIP routed via mgw" tb_wait 5 routed $VIP 10.201.1.2
tb_log "new key: routed $(( $(now_ms) - t3 )) ms after the restart"
tb_expect_eq "GET /routing: peer r Established with tcp-md5" "tcp-md5 Established" \
	"$(routing | jq -r '.bgp.peers[0] | "\(.auth) \(.state)"')"
# and the API cannot swap the key of the running speaker: another key file
# is refused as a restart-only change, the same config is taken
cp "$TB_DIR/bgp-r.key" "$TB_DIR/bgp-r2.key"
tb_api GET /api/v1/config >"$TB_DIR/cfg.json"
jq -c ".routing.bgp.peers[0].auth.key_file = \"$TB_DIR/bgp-r2.key\"" "$TB_DIR/cfg.json" >"$TB_DIR/cfg2.json"
tb_api PUT /api/v1/config "$(cat "$TB_DIR/cfg2.json")" >"$TB_DIR/put.out"	# not in $(...): TB_HTTP_CODE
tb_expect_eq "PUT /config with another key_file: 400 on field routing" "400 routing" \
	"$TB_HTTP_CODE $(jq -r .error.field "$TB_DIR/put.out")"
tb_api PUT /api/v1/config "$(cat "$TB_DIR/cfg.json")" >/dev/null
tb_expect_eq "PUT /config of GET /config: 200" 200 "$TB_HTTP_CODE"
tb_check "and the session stayed up" established
if ((TB_FAILED)); then	# what a failure needs to be understood
	tb_x lb curl -s --max-time 3 http://127.0.0.1:8080/api/v1/status | jq -c '{state, state_reason}' >&2
	grep -E 'self-check|node state|watchdog' "$TB_DIR/mgw.log" | tail -n 5 >&2
	routing | jq -c '.bgp | {peers: [.peers[] | {addr, state, since_s, last_error}], kernel, gtsm_refused}' >&2
	bc show protocols all n1 >&2
	tail -n 20 "$TB_DIR/bird.log" >&2
	grep -i bgp "$TB_DIR/mgw.log" | tail -n 20 >&2
fi
tb_done
