#!/usr/bin/env bash
# OSPF interop: two mgw OSPF speakers (build/tools/ospf_speaker) against
# BIRD 2 as the upstream router, on point-to-point veths.
#
#   n1 (10.201.1.2, Router ID 10.201.1.2: DBD master) --- r (BIRD, 10.201.0.1)
#   n2 (10.201.2.2, Router ID 10.0.0.2:   DBD slave)  ---'
#   n3 (10.201.3.2, broadcast, priority 0) --- LAN ---'   (BIRD is DR there)
#
# n1 and n2 announce the VIP 10.255.0.1/32 at cost 10, n3 announces
# 10.255.0.3/32 over a broadcast network. Checked: all reach Full;
# the router's kernel has the VIP with two nexthops (ECMP); a withdrawal on
# n1 leaves one nexthop within 2 s; n2 killed with SIGKILL and started
# again reaches Full and re-originates above its old LSA (the router's
# LSDB shows the higher sequence number and the VIP's stub); a re-announce
# brings the second nexthop back; SIGTERM flushes n2's LSA. Times are
# printed, not asserted (bar the 2 s withdrawal bound the issue sets).
set -u
. "$(dirname "$0")/../../lib/common.sh"
tb_init ospf_bird 80

SPEAKER=$TB_BUILD/tools/ospf_speaker
VIP=10.255.0.1
[[ -x $SPEAKER ]] || { tb_log "FAIL - $SPEAKER not built (run make)"; exit 1; }
command -v bird >/dev/null && command -v birdc >/dev/null ||
	{ tb_log "FAIL - bird2 is not installed"; exit 1; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
bc() { tb_x r birdc -s "$TB_DIR/bird.ctl" "$@"; }
# state of a neighbour as BIRD sees it ("Full/PtP", ...), empty if none
nbr_state() { bc show ospf neighbors 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
is_full() { [[ $(nbr_state "$1") == Full/* ]]; }
# the VIP's nexthops in r's kernel, sorted, comma-separated
gateways() {
	tb_x r ip -j route show "$VIP" |
		jq -r 'if length == 0 then "" else .[0] | (.nexthops // [.]) | map(.gateway) | sort | join(",") end'
}
gw_is() { [[ $(gateways) == "$1" ]]; }
# sequence number of a router-LSA in BIRD's database (hex, no 0x)
lsa_seq() { bc show ospf lsadb 2>/dev/null | awk -v id="$1" '$1 == "0001" && $2 == id && $3 == id { print $4 }'; }
# does BIRD's view of that router carry the VIP as a stub?
has_vip_stub() {
	bc show ospf state 2>/dev/null |
		awk -v id="$1" '$1 == "router" && NF == 2 { on = ($2 == id) } on && $1 == "stubnet" && $2 == "10.255.0.1/32" { f = 1 } END { exit !f }'
}
seq_above() { local s; s=$(lsa_seq "$1"); [[ -n $s ]] && (( 16#$s > 16#$2 )); }
status_field() { jq -r "$2" "$TB_DIR/$1.json" 2>/dev/null; }
lsa_age_at_least() { local a; a=$(status_field "$1" '.router_lsa.age // 0'); (( a >= $2 )); }
elapsed() { echo $(( $(now_ms) - $1 )); }

tb_ns r; tb_ns n1; tb_ns n2; tb_ns n3
tb_veth r r-n1 n1 n1-r
tb_veth r r-n2 n2 n2-r
tb_veth r r-b3 n3 n3-r
tb_x r ip addr add 10.201.1.1/24 dev r-n1
tb_x r ip addr add 10.201.2.1/24 dev r-n2
tb_x r ip addr add 10.201.3.1/24 dev r-b3
tb_x n1 ip addr add 10.201.1.2/24 dev n1-r
tb_x n2 ip addr add 10.201.2.2/24 dev n2-r
tb_x n3 ip addr add 10.201.3.2/24 dev n3-r
# BIRD refuses a DBD whose MTU differs from its interface's: n1's link
# has a non-default MTU, which the speaker must read from the interface.
tb_x r ip link set r-n1 mtu 1480
tb_x n1 ip link set n1-r mtu 1480

cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
debug protocols { states, events };
timeformat protocol iso long;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; merge paths yes limit 16; }
protocol ospf v2 ospf1 {
  ecmp yes limit 16;
  ipv4 { import all; export none; };
  area 0 {
    interface "r-n*" { type ptp; hello 1; dead 3; };
    interface "r-b*" { type broadcast; hello 1; dead 3; };
  };
}
CONF
tb_bg r bird bird -f -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid" -c "$TB_DIR/bird.conf"
tb_wait 5 bc show status || { tb_log "FAIL - bird did not start"; exit 1; }

start_n1() {
	tb_bg n1 n1 "$SPEAKER" --status "$TB_DIR/n1.json" 10.201.1.2 n1-r 10.201.1.2/24 "$VIP/32@10"
	N1=$TB_LAST_PID
}
start_n2() {
	tb_bg n2 "n2-$1" "$SPEAKER" --status "$TB_DIR/n2.json" 10.0.0.2 n2-r 10.201.2.2/24 "$VIP/32@10"
	N2=$TB_LAST_PID
}

# ---- all speakers up: Full, then ECMP ----
t0=$(now_ms)
start_n1
start_n2 a
tb_bg n3 n3 "$SPEAKER" --bcast --status "$TB_DIR/n3.json" 10.201.3.2 n3-r 10.201.3.2/24 10.255.0.3/32@10
t_n1= t_n2= t_n3= t_l1=
while (( $(elapsed "$t0") < 15000 )) && [[ -z $t_n1 || -z $t_n2 || -z $t_n3 || -z $t_l1 ]]; do
	[[ -z $t_n1 ]] && is_full 10.201.1.2 && t_n1=$(elapsed "$t0")
	[[ -z $t_l1 ]] && [[ -n $(lsa_seq 10.201.1.2) ]] && t_l1=$(elapsed "$t0")
	[[ -z $t_n2 ]] && is_full 10.0.0.2 && t_n2=$(elapsed "$t0")
	[[ -z $t_n3 ]] && is_full 10.201.3.2 && t_n3=$(elapsed "$t0")
	sleep 0.05
done
tb_check "n1 reaches Full with bird" test -n "$t_n1"
tb_check "n2 reaches Full with bird" test -n "$t_n2"
tb_check "n3 (broadcast) reaches Full with bird" test -n "$t_n3"
tb_expect_eq "bird sees n3 as a priority-0 DROther" "Full/Other" "$(nbr_state 10.201.3.2)"
tb_log "time to Full: n1 ${t_n1:-never} ms, n2 ${t_n2:-never} ms, n3 ${t_n3:-never} ms (from start)"
tb_wait_check "bird holds n1's router-LSA with the VIP stub" 5 has_vip_stub 10.201.1.2
tb_log "n1's router-LSA in bird's LSDB at ${t_l1:-never} ms (from start; polled every ~50 ms)"
tb_wait_check "router has the VIP over both nodes (ECMP)" 15 gw_is 10.201.1.2,10.201.2.2 ||
	tb_log "gateways: $(gateways)"
tb_log "time to ECMP route: $(elapsed "$t0") ms (from start; BIRD's own MinLSInterval after its start dominates)"
n3_routed() { [[ $(tb_x r ip -j route show 10.255.0.3 | jq -r '.[0].gateway // empty') == 10.201.3.2 ]]; }
tb_wait_check "n3's prefix routed over the LAN (via 10.201.3.2)" 10 n3_routed
tb_expect_eq "n3 elected BIRD as DR" 10.201.3.1 "$(status_field n3 '.interfaces[0].dr')"
tb_wait_check "n2 wrote its status" 3 test -s "$TB_DIR/n2.json"
tb_wait_check "n2's status shows its LSA" 3 lsa_age_at_least n2 0
tb_expect_eq "n1 was DBD master (larger Router ID)" master "$(status_field n1 '.neighbours[0].role')"
tb_expect_eq "n2 was DBD slave (smaller Router ID)" slave "$(status_field n2 '.neighbours[0].role')"
tb_expect_eq "n1 sees bird Full" Full "$(status_field n1 '.neighbours[0].state')"
tb_expect_eq "n1 MTU taken from the interface" 1480 "$(status_field n1 '.interfaces[0].mtu')"
hb1=$(status_field n1 '.io.heartbeat')
sleep 1.2
hb2=$(status_field n1 '.io.heartbeat')
tb_check "n1's heartbeat advances ($hb1 -> $hb2)" test "$hb2" -gt "$hb1"

# ---- withdrawal on n1 (once MinLSInterval since its origination is over) ----
tb_wait_check "n1's LSA older than MinLSInterval" 10 lsa_age_at_least n1 6
t1=$(now_ms)
kill -USR1 "$N1"
tb_wait_check "after withdrawal on n1 only n2 is a nexthop" 5 gw_is 10.201.2.2 ||
	tb_log "gateways: $(gateways)"
t_wd=$(elapsed "$t1")
tb_check "withdrawal took effect within 2 s (${t_wd} ms)" test "$t_wd" -le 2000
tb_log "time to withdraw: $t_wd ms"

# ---- n2 crashes and comes back: Full again, LSA above the old one ----
old=$(lsa_seq 10.0.0.2)
tb_check "bird holds n2's router-LSA" test -n "$old"
kill -KILL "$N2"
wait "$N2" 2>/dev/null
t2=$(now_ms)
start_n2 b
tb_wait_check "restarted n2 re-originated above its old LSA (0x$old)" 15 seq_above 10.0.0.2 "$old"
t_re=$(elapsed "$t2")
new=$(lsa_seq 10.0.0.2)
tb_check "n2 is Full again" is_full 10.0.0.2
tb_check "n2's new LSA carries the VIP stub" has_vip_stub 10.0.0.2
tb_expect_eq "the VIP is still routed to n2" 10.201.2.2 "$(gateways)"
tb_log "restart: new LSA 0x$new installed $t_re ms after the new process started"

# ---- n1 announces again: two nexthops ----
kill -USR2 "$N1"
tb_wait_check "re-announcement on n1 restores ECMP" 10 gw_is 10.201.1.2,10.201.2.2 ||
	tb_log "gateways: $(gateways)"

# ---- SIGTERM on n2: flushed, gone from the route ----
tb_wait_check "n2's LSA older than MinLSInterval" 10 lsa_age_at_least n2 2
t3=$(now_ms)
kill -TERM "$N2"
tb_wait_check "after n2 stops only n1 is a nexthop" 5 gw_is 10.201.1.2 ||
	tb_log "gateways: $(gateways)"
t_stop=$(elapsed "$t3")
wait "$N2"
tb_expect_eq "n2 exits cleanly on SIGTERM" 0 "$?"
tb_log "stop (flush) to route update: $t_stop ms"
tb_check "bird saw the MaxAge flush" grep -q "Rt: 10.0.0.2, Seq: $new, Age: 3600" "$TB_DIR/bird.log"

# ---- nothing malformed on the wire ----
for n in n1 n3; do
	bad=$(status_field $n '[.counters.drops | to_entries[] | select(.value > 0) | .key] | join(",")')
	tb_expect_eq "$n dropped no packet" "" "$bad"
done

tb_done
