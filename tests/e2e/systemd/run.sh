#!/usr/bin/env bash
# mgw as a systemd service, tested without systemd (issue 17, issue 16's
# signals and audit log): a NOTIFY_SOCKET bound here hears READY=1 with
# the state in STATUS=, WATCHDOG=1 from the self-check thread (on while
# the node is faulty too), RELOADING=1 and READY=1 around a SIGHUP,
# STOPPING=1 on SIGTERM. SIGHUP reloads the file like PUT /config: a good
# file is applied, a bad one (invalid, malformed, or a restart-only
# change) changes nothing and says why. SIGPIPE, SIGUSR1 and SIGUSR2 do
# not end mgw and leave its links up. With JOURNAL_STREAM naming its
# stderr every log line carries a <N> priority, nothing goes to stdout,
# and nothing to syslog (strace counts the tries). An audit line per API
# change.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init systemd 150

tb_topology 2
tb_http_backends 2
svc() { # svc SERVERS_JSON
	echo "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $1 } ]"
}
tb_mgw_config "$(svc "$(tb_servers_json 8080 1)")" \
	'"selfcheck": { "interval_ms": 500, "recover": "manual" }, "debug": { "fault_injection": true },'
cp "$TB_DIR/mgw.json" "$TB_DIR/mgw-orig.json"

NS="$TB_DIR/notify.sock" NLOG="$TB_DIR/notify.txt"
: >"$NLOG"
tb_bg lb notify $TB_PY "$TB_ROOT/tests/e2e/systemd/notify_listen.py" "$NS" "$NLOG"
tb_wait 5 test -S "$NS" || { tb_log "notify socket not bound"; exit 1; }

# stderr is this file; JOURNAL_STREAM names it as systemd would
: >"$TB_DIR/mgw.log"
JS=$(stat -c '%d:%i' "$TB_DIR/mgw.log")
tb_bg lb mgw env NOTIFY_SOCKET="$NS" WATCHDOG_USEC=2000000 JOURNAL_STREAM="$JS" "$TB_MGW" -c "$TB_DIR/mgw.json"
MGW_PID=$TB_LAST_PID
tb_wait 20 tb_mgw_online "$MGW_PID" || { tb_log "mgw did not come online"; tail -20 "$TB_DIR/mgw.log" >&2; exit 1; }
has() { grep -q -- "$1" "$NLOG"; }
tb_wait 3 has 'READY=1'
tb_check "READY=1 with MAINPID and STATUS=online" grep -qE "READY=1\|MAINPID=$MGW_PID\|STATUS=online" "$NLOG"

# the watchdog: WATCHDOG_USEC 2 s → a pet every 0.5 s
n0=$(grep -c 'WATCHDOG=1' "$NLOG"); sleep 3; n1=$(grep -c 'WATCHDOG=1' "$NLOG")
tb_log "WATCHDOG=1 $((n1 - n0)) times in 3 s"
tb_check "WATCHDOG=1 every half second or so ($((n1 - n0)) in 3 s)" [ $((n1 - n0)) -ge 4 ]

# a faulty node is still alive: STATUS says faulty, the watchdog goes on
tb_api POST /api/v1/debug/fault '{"kind": "link_down", "port": "wan"}' >/dev/null
tb_wait 5 has 'STATUS=faulty'
tb_check "STATUS=faulty with its reason" grep -qE 'STATUS=faulty: .*wan' "$NLOG"
n0=$(grep -c 'WATCHDOG=1' "$NLOG"); sleep 2; n1=$(grep -c 'WATCHDOG=1' "$NLOG")
tb_check "WATCHDOG=1 goes on while faulty ($((n1 - n0)) in 2 s)" [ $((n1 - n0)) -ge 2 ]
tb_api POST /api/v1/debug/fault '{"kind": "clear"}' >/dev/null
tb_api POST /api/v1/status/recover >/dev/null
tb_wait 5 tb_mgw_online "$MGW_PID"
tb_check "STATUS=online again after recovery" bash -c "tail -n 20 '$NLOG' | grep -q 'STATUS=online'"

# signals whose default action would end the process
links_up() { [[ $(tb_x lb cat /sys/class/net/wan/operstate) == up && $(tb_x lb cat /sys/class/net/lan/operstate) == up ]]; }
for sig in PIPE USR1 USR2; do
	kill -s $sig "$MGW_PID"
	sleep 0.5
	tb_check "SIG$sig: mgw alive" kill -0 "$MGW_PID"
	tb_check "SIG$sig: links still up" links_up
done
tb_check "SIGUSR1 logged the state" grep -q 'SIGUSR1: state online' "$TB_DIR/mgw.log"
tb_expect_eq "still online after the signals" online "$(tb_api GET /api/v1/status | tb_json 'j["state"]')"

# SIGHUP: a good file is applied whole
nservers() { tb_api GET /api/v1/services/tcp/$TB_VIP/80 | tb_json 'len(j["servers"])'; }
reloads() { grep -c 'RELOADING=1' "$NLOG"; }
tb_mgw_config "$(svc "$(tb_servers_json 8080 2)")" \
	'"selfcheck": { "interval_ms": 500, "recover": "manual" }, "debug": { "fault_injection": true },'
r0=$(reloads)
kill -HUP "$MGW_PID"
tb_wait 5 bash -c "[[ \$(grep -c 'RELOADING=1' '$NLOG') -gt $r0 ]]"
tb_wait 5 grep -q "reloaded $TB_DIR/mgw.json" "$TB_DIR/mgw.log"
tb_expect_eq "SIGHUP: the second server from the file is live" 2 "$(nservers)"
tb_check "RELOADING=1 then READY=1 with the result" bash -c "grep -A3 'RELOADING=1' '$NLOG' | grep -q 'READY=1|STATUS=online; reloaded'"
tb_check "the new server takes traffic" tb_wait 5 bash -c "for i in 1 2 3 4; do ip netns exec $(tb_nsname c) curl -s --max-time 2 http://$TB_VIP/; done | grep -q b2"

# bad files change nothing
bad_reload() { # bad_reload DESCRIPTION EXPECTED_LOG_TEXT
	local n0; n0=$(grep -c 'reload of .* refused' "$TB_DIR/mgw.log")
	kill -HUP "$MGW_PID"
	tb_wait 5 bash -c "[[ \$(grep -c 'reload of .* refused' '$TB_DIR/mgw.log') -gt $n0 ]]"
	tb_check "$1: refused, and says why" bash -c "grep 'reload of .* refused' '$TB_DIR/mgw.log' | tail -1 | grep -qF -- '$2'"
	tb_expect_eq "$1: nothing changed (2 servers)" 2 "$(nservers)"
	tb_check "$1: mgw alive" kill -0 "$MGW_PID"
}
cp "$TB_DIR/mgw.json" "$TB_DIR/mgw-good.json"
sed -i 's|"weight": 1 }, {|"weight": 70000 }, {|' "$TB_DIR/mgw.json"
bad_reload "an invalid weight" "services[0].servers[0].weight: must be 0..65535"
tb_check "STATUS says the reload was refused" bash -c "tail -n 5 '$NLOG' | grep -q 'reload refused'"
printf '{ "services": [ ' >"$TB_DIR/mgw.json"
bad_reload "malformed JSON" "line 1"
sed 's|"ip": "10.0.0.2/24"|"ip": "10.0.0.2/24", "mtu": 1400|' "$TB_DIR/mgw-good.json" >"$TB_DIR/mgw.json"
bad_reload "a restart-only change (a port's MTU)" "ports: cannot change while running"
sed 's|"fault_injection": true|"fault_injection": false|' "$TB_DIR/mgw-good.json" >"$TB_DIR/mgw.json"
bad_reload "debug.fault_injection is restart-only" "debug.fault_injection: cannot change while running"
cp "$TB_DIR/mgw-good.json" "$TB_DIR/mgw.json"

# the audit log: one line per change, whatever its result
tb_api PATCH /api/v1/services/tcp/$TB_VIP/80/servers/10.1.0.12/8080 '{"weight": 3}' >/dev/null
tb_api PATCH /api/v1/services/tcp/$TB_VIP/80/servers/10.1.0.12/8080 '{"weight": -3}' >/dev/null
tb_api GET /api/v1/status >/dev/null
tb_check "audit: a PATCH that worked" grep -qE 'audit: PATCH /api/v1/services/tcp/10.0.0.10/80/servers/10.1.0.12/8080 from 127.0.0.1:[0-9]+: 200$' "$TB_DIR/mgw.log"
tb_check "audit: a PATCH refused, with its code" grep -qE 'audit: PATCH .* from 127.0.0.1:[0-9]+: 400 invalid_argument$' "$TB_DIR/mgw.log"
tb_check "no audit line for a GET" bash -c "! grep -q 'audit: GET' '$TB_DIR/mgw.log'"

# SIGTERM: STOPPING=1, exit 0
tb_mgw_stop
tb_expect_eq "SIGTERM: exit 0" 0 "$MGW_RC"
tb_check "STOPPING=1 sent" has 'STOPPING=1'

# the log: one sink, journald's priorities on every line
lines=$(wc -l <"$TB_DIR/mgw.log")
bad=$(grep -cvE '^<[0-7]>' "$TB_DIR/mgw.log")
grep -vE '^<[0-7]>' "$TB_DIR/mgw.log" | head -5 >&2
tb_log "$lines log lines, $bad without a priority prefix"
tb_check "every log line has a <N> prefix ($bad of $lines lack it)" [ "$bad" -eq 0 -a "$lines" -gt 10 ]
tb_check "warnings and errors carry their priority" grep -qE '^<3>.*reload of .* refused' "$TB_DIR/mgw.log"
tb_check "a notice is <5>" grep -qE '^<5>.*reloaded' "$TB_DIR/mgw.log"

# nothing to syslog, nothing to stdout: with no /dev/log glibc's syslog()
# tries to connect at every call; EAL's openlog() at start is the one try.
if [[ -e /dev/log ]]; then
	tb_log "skipping the syslog count: this box has a /dev/log"
else
	: >"$TB_DIR/err.log"
	JS=$(stat -c '%d:%i' "$TB_DIR/err.log")
	tb_x lb env JOURNAL_STREAM="$JS" strace -f --seccomp-bpf -qq -e trace=connect -o "$TB_DIR/strace.txt" \
		timeout -s INT 6 "$TB_MGW" -c "$TB_DIR/mgw.json" >"$TB_DIR/out.log" 2>"$TB_DIR/err.log"
	tries=$(grep -c '"/dev/log"' "$TB_DIR/strace.txt")
	tb_log "syslog connects: $tries; stdout $(wc -c <"$TB_DIR/out.log") bytes, stderr $(wc -l <"$TB_DIR/err.log") lines"
	tb_check "syslog never written to (connect tries: $tries, openlog's own: 1)" [ "$tries" -le 1 ]
	tb_expect_eq "nothing on stdout" 0 "$(wc -c <"$TB_DIR/out.log")"
	tb_check "the same lines on stderr" [ "$(wc -l <"$TB_DIR/err.log")" -gt 10 ]
fi
tb_done
