#!/usr/bin/env bash
# hc_engine: the health checker engine (cp/hc) run by tests/tools/hc_probe
# against real servers in another namespace, through a veth:
#   - TCP server killed => down within interval*fall + timeout; restarted =>
#     up after rise checks;
#   - UDP port closed => down (port unreachable); socat echo opened => up;
#   - HTTP wrong status => down, right status => up, garbage => down,
#     oversized answer with the right status => up; request has path, Host
#     header and the bound source address;
#   - the target set replaced (SIGHUP): unchanged targets keep their state,
#     removed ones go silent, changed ones start fresh;
#   - 500 targets at 1 s: every target's checks spaced within 10% of the
#     interval, first checks spread over the interval.
set -u
source "$(dirname "$0")/../../lib/common.sh"
tb_init hc_engine 55

HERE=$(cd "$(dirname "$0")" && pwd)
PROBE=$TB_BUILD/tools/hc_probe
PY=/usr/bin/python3
if [[ ! -x $PROBE ]]; then
	make -C "$TB_ROOT" -s "${PROBE#"$TB_ROOT"/}" >/dev/null || { tb_log "cannot build hc_probe"; exit 1; }
fi

tb_ns hc
tb_ns srv
tb_veth hc eth0 srv eth0
tb_x hc ip addr add 10.0.0.1/24 dev eth0
tb_x hc ip addr add 10.0.0.11/24 dev eth0 # the source address the checks bind
tb_x srv ip addr add 10.0.0.2/24 dev eth0
# every probe of a closed UDP port gets its ICMP port unreachable
tb_x srv sysctl -qw net.ipv4.icmp_ratelimit=0

LOG=$TB_DIR/probe.log
now() { date +%s.%3N; }
# ms from time A to time B (both seconds with decimals)
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
changes() { grep -c " change key=$1 " "$LOG"; }
has_changes() { (($(changes "$1") >= $2)); }
nth_change() { grep " change key=$1 " "$LOG" | sed -n "${2}p"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
last_status() { grep " status key=$1 " "$LOG" | tail -n 1; }
status_count() { grep -c " status key=" "$LOG"; }
# Asks the probe for statuses and waits for them.
refresh_status() {
	local before
	before=$(status_count)
	kill -USR1 "$PROBE_PID"
	tb_wait 5 eval '(( $(status_count) > before ))'
}
# wait_change KEY N SECONDS STATE REASON: the Nth transition of KEY comes
# within SECONDS, to STATE, with REASON. Its time (seconds) goes to CHANGE_T.
wait_change() {
	local line
	CHANGE_T=
	if ! tb_wait "$3" has_changes "$1" "$2"; then
		tb_check "key $1: transition #$2 ($4: $5) came" false
		return 1
	fi
	line=$(nth_change "$1" "$2")
	tb_expect_eq "key $1: transition #$2 state and reason" "$4 reason=$5" \
		"$(sed 's/.* \(up\|down\) reason=/\1 reason=/' <<<"$line")"
	CHANGE_T=${line%% *}
}

# ---- servers and targets ------------------------------------------------
tb_bg srv tcp socat TCP-LISTEN:8080,reuseaddr,fork EXEC:/bin/true
TCP_PID=$TB_LAST_PID
echo 503 >"$TB_DIR/mode"
tb_bg srv http "$PY" "$HERE/responder.py" 8081 "$TB_DIR/mode" "$TB_DIR/http_req.log"
# (no UDP server yet: port 5353 is closed)
tb_wait 5 tb_x srv sh -c 'ss -ltn | grep -q ":8081 "' || tb_log "http responder slow to start"

cat >"$TB_DIR/targets" <<'EOF'
tcp:10.0.0.2:8080,key=1,interval=1000,timeout=500,rise=2,fall=2,src=10.0.0.11
udp:10.0.0.2:5353,key=2,interval=500,timeout=300,rise=2,fall=2,payload=ping,require_reply
http:10.0.0.2:8081,key=3,interval=500,timeout=300,rise=2,fall=2,path=/health,host=app.example,status=200,src=10.0.0.11
none,key=4
EOF
T0=$(now)
tb_bg hc probe "$PROBE" -f "$TB_DIR/targets"
PROBE_PID=$TB_LAST_PID

# ---- UDP: closed port => down; HTTP: 503 => down (both start up) --------
wait_change 2 1 5 down "udp: port unreachable"
wait_change 3 1 5 down "http status 503 != 200" &&
	tb_check "http down $(ms_between "$T0" "$CHANGE_T") ms after start (<= first check within 500 + 500*2 + 300)" \
		test "$(ms_between "$T0" "$CHANGE_T")" -le 1800

# ---- TCP: steady up, then killed, then restarted -------------------------
sleep 2
refresh_status
tb_expect_eq "tcp up with no transition" "0" "$(changes 1)"
st=$(last_status 1)
tb_expect_eq "tcp status up" "1" "$(field up <<<"$st")"
tb_expect_eq "tcp last check ok" "1" "$(field last_ok <<<"$st")"
tb_check "tcp checked at least twice ($(field checks <<<"$st"))" test "$(field checks <<<"$st")" -ge 2
tb_expect_eq "none target: up, never checked" "up=1 checks=0" \
	"$(last_status 4 | sed 's/.* \(up=[01]\) \(checks=[0-9]*\).*/\1 \2/')"

T_KILL=$(now)
kill "$TCP_PID"
wait_change 1 1 6 down "connect: Connection refused" &&
	tb_check "tcp down $(ms_between "$T_KILL" "$CHANGE_T") ms after the kill (<= 1000*2 + 500)" \
		test "$(ms_between "$T_KILL" "$CHANGE_T")" -le 2500

T_UP=$(now)
tb_bg srv tcp2 socat TCP-LISTEN:8080,reuseaddr,fork EXEC:/bin/true
wait_change 1 2 6 up "connected" &&
	tb_check "tcp up $(ms_between "$T_UP" "$CHANGE_T") ms after the restart (<= 1000*2 + 500)" \
		test "$(ms_between "$T_UP" "$CHANGE_T")" -le 2500
refresh_status
st=$(last_status 1)
tb_check "tcp came up after rise=2 successes (rise count $(field rise <<<"$st"))" \
	test "$(field rise <<<"$st")" -ge 2

# ---- UDP: echo opened => up ---------------------------------------------
tb_bg srv udp socat -T 1 UDP4-RECVFROM:5353,fork EXEC:/bin/cat
wait_change 2 2 6 up "udp: reply"

# ---- HTTP: 200 => up, garbage => down, huge 200 => up --------------------
echo 200 >"$TB_DIR/mode"
wait_change 3 2 5 up "http status 200"
echo garbage >"$TB_DIR/mode"
wait_change 3 3 5 down "http: bad status line"
echo huge >"$TB_DIR/mode"
wait_change 3 4 5 up "http status 200"
tb_check "http request: GET /health HTTP/1.1 with Host, from 10.0.0.11" \
	grep -q "^10.0.0.11 mode=200 GET /health HTTP/1.1 | Host: app.example$" "$TB_DIR/http_req.log"

# ---- target set replaced: key 1 same, key 2 removed, key 3 changed -------
st=$(last_status 1)
C1=$(field checks <<<"$st")
TR1=$(field transitions <<<"$st")
cat >"$TB_DIR/targets" <<'EOF'
tcp:10.0.0.2:8080,key=1,interval=1000,timeout=500,rise=2,fall=2,src=10.0.0.11
http:10.0.0.2:8081,key=3,interval=400,timeout=300,rise=2,fall=2,path=/health,host=app.example,status=200,src=10.0.0.11
none,key=4
EOF
C2_BEFORE=$(changes 2)
kill -HUP "$PROBE_PID"
tb_wait_check "set replaced (rc=0)" 5 grep -q " set targets=3 rc=0" "$LOG"
sleep 1.2
refresh_status
st=$(last_status 1)
tb_expect_eq "kept tcp target keeps its transitions" "$TR1" "$(field transitions <<<"$st")"
tb_check "kept tcp target's checks go on ($C1 -> $(field checks <<<"$st"))" \
	test "$(field checks <<<"$st")" -gt "$C1"
st=$(last_status 3)
tb_expect_eq "changed http target starts fresh (no transitions)" "0" "$(field transitions <<<"$st")"
tb_expect_eq "changed http target is up" "1" "$(field up <<<"$st")"
tb_expect_eq "removed udp target: gone from the engine (cp_hc_get -ENOENT)" "gone" \
	"$(last_status 2 | sed 's/.* key=2 //')"
tb_expect_eq "removed udp target: no transition after removal" "$C2_BEFORE" "$(changes 2)"

kill -TERM "$PROBE_PID"

# ---- 500 targets at 1 s --------------------------------------------------
tb_bg srv lst "$PY" "$HERE/listeners.py" 9000 500
tb_wait_check "500 listeners up" 10 grep -q listening "$TB_DIR/lst.log"
tb_x hc timeout 20 "$PROBE" -t -d 5 "tcp:10.0.0.2:9000+500,key=1000,interval=1000,timeout=500" \
	>"$TB_DIR/p500.log" 2>"$TB_DIR/p500.err"
read -r SPACINGS BAD MIN MAX SPREAD < <(awk '
	/ start key=/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		k = v["key"]; t = v["start_ns"]
		if (k in last) {
			d = (t - last[k]) / 1e6; n++
			if (n == 1 || d < mn) mn = d
			if (n == 1 || d > mx) mx = d
			if (d < 900 || d > 1100) bad++
		} else {
			if (nf == 0 || t < f0) f0 = t
			if (nf == 0 || t > f1) f1 = t
			nf++
		}
		last[k] = t
	}
	END { printf "%d %d %.1f %.1f %.0f\n", n, bad + 0, mn, mx, (f1 - f0) / 1e6 }' "$TB_DIR/p500.log")
read -r P50 P99 LMAX < <(grep -o 'lag_us=[0-9]*' "$TB_DIR/p500.log" | cut -d= -f2 | sort -n |
	awk '{ v[NR] = $1 } END { printf "%d %d %d\n", v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1], v[NR] }')
tb_log "500 targets: $SPACINGS spacings, min ${MIN} ms, max ${MAX} ms; first starts spread over ${SPREAD} ms; lag us p50 $P50 p99 $P99 max $LMAX"
tb_check "500 targets: at least 1500 spacings measured ($SPACINGS)" test "$SPACINGS" -ge 1500
tb_expect_eq "500 targets: spacings outside 1000 ms +-10%" "0" "$BAD"
tb_check "500 targets: first checks spread over the interval (${SPREAD} ms >= 500)" \
	test "$SPREAD" -ge 500
tb_expect_eq "500 targets: all up at the end" "500" "$(grep -c ' status key=.* up=1 ' "$TB_DIR/p500.log")"

tb_done
