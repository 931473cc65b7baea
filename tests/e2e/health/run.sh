#!/usr/bin/env bash
# Health checks and drain (issue 6): a killed backend goes down within
# interval × fall + timeout and traffic avoids it; it comes back after rise
# checks; UDP port unreachable ⇒ down; a wrong HTTP status ⇒ down; a drained
# server keeps its 5 long-lived connections, gets no new one, and turns
# "drained" only when the last one closes.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init health 170

tb_topology 3
tb_http_backends 3
tb_udp_echo 2 5353
H_TCP='"health": { "type": "tcp", "interval_ms": 500, "timeout_ms": 300, "rise": 2, "fall": 2 }'
tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", $H_TCP,
    \"servers\": $(tb_servers_json 8080 3) },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"udp\", \"interval_ms\": 500, \"timeout_ms\": 300, \"rise\": 2, \"fall\": 2 },
    \"servers\": [ { \"ip\": \"10.1.0.12\", \"port\": 5353 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 81, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"http\", \"path\": \"/health503\", \"interval_ms\": 500, \"timeout_ms\": 300, \"rise\": 1, \"fall\": 2 },
    \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 82, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"http\", \"path\": \"/health\", \"host\": \"app.example\", \"interval_ms\": 500, \"timeout_ms\": 300, \"rise\": 1, \"fall\": 2 },
    \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 8080 } ] },
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 83, \"scheduler\": \"rr\", \"on_down\": \"reset\", $H_TCP,
    \"servers\": [ { \"ip\": \"10.1.0.13\", \"port\": 8080 } ] } ]"
tb_mgw_start || exit 1
S=/api/v1/services/tcp/$TB_VIP/80

status() { tb_api GET "$1" | tb_json 'j["status"]'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_status() { # wait_status PATH STATUS SECONDS → prints elapsed ms or "timeout"
	local t0; t0=$(now_ms)
	if tb_wait "$3" bash -c "[[ \$(ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080$1 | $TB_PY -c 'import json,sys; print(json.load(sys.stdin)[\"status\"])') == $2 ]]"; then
		echo $(( $(now_ms) - t0 ))
	else
		echo timeout
	fi
}

tb_check "all three up at start" [ "$(status $S/servers/10.1.0.11/8080)" = up ]

# --- a backend killed: down within interval × fall + timeout ---------------
kill "$TB_NGINX_PID_1"
t=$(wait_status $S/servers/10.1.0.11/8080 down 5)
tb_log "b1 down after $t ms (interval 500 × fall 2 + timeout 300 = 1300 ms, + one interval of phase)"
tb_check "killed backend down within 1800 ms ($t)" [ "${t/timeout/9999}" -le 1800 ]
tb_api GET $S/servers/10.1.0.11/8080 | tb_json 'j["health"]' >&2
ok=0; wrong=0
for i in $(seq 50); do
	a=$(tb_client curl -s --max-time 3 "http://$TB_VIP/")
	case $a in b2|b3) ok=$((ok + 1)) ;; *) wrong=$((wrong + 1)) ;; esac
done
tb_expect_eq "50 requests after that all succeed on b2/b3" "50" "$ok"
tb_nginx_start 1 8080
t=$(wait_status $S/servers/10.1.0.11/8080 up 5)
tb_log "b1 up again after $t ms (rise 2)"
tb_check "restarted backend up after rise checks ($t)" [ "$t" != timeout ]
tb_check "b1 takes traffic again" bash -c "for i in 1 2 3 4 5 6; do ip netns exec $(tb_nsname c) curl -s --max-time 2 http://$TB_VIP/; done | grep -q b1"

# --- UDP: port unreachable ⇒ down; open again ⇒ up ----------------------------
U=/api/v1/services/udp/$TB_VIP/53/servers/10.1.0.12/5353
tb_check "udp server up while it answers" [ "$(wait_status $U up 3)" != timeout ]
kill "$(pgrep -f "udp_echo.py 10.1.0.12 5353")"
t=$(wait_status $U down 5)
tb_check "udp port closed ⇒ down ($t ms)" [ "$t" != timeout ]
tb_check "reason is port unreachable" bash -c "ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080$U | grep -q 'port unreachable'"
tb_udp_echo 2 5353
t=$(wait_status $U up 5)
tb_check "udp port open again ⇒ up ($t ms)" [ "$t" != timeout ]

# --- HTTP: wrong status ⇒ down; right status (and Host) ⇒ up -------------------
t=$(wait_status /api/v1/services/tcp/$TB_VIP/81/servers/10.1.0.13/8080 down 4)
tb_check "HTTP check answered 503 ⇒ down ($t ms)" [ "$t" != timeout ]
tb_check "reason names the status" bash -c "ip netns exec $(tb_nsname lb) curl -s http://127.0.0.1:8080/api/v1/services/tcp/$TB_VIP/81/servers/10.1.0.13/8080 | grep -q '503'"
tb_check "HTTP check answered 200 ⇒ up" [ "$(status /api/v1/services/tcp/$TB_VIP/82/servers/10.1.0.13/8080)" = up ]

# --- every server down; on_down reset ------------------------------------------
# A connection open to b3 through :83; then b3 vanishes from the network
# (its link down: no RST from its kernel, checks time out).
tb_bg c held $TB_PY -u -c "
import socket, time, os
s = socket.create_connection(('$TB_VIP', 83), timeout=3)
s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'); print('first', s.recv(4096).split(b'\r\n\r\n')[1].decode().strip(), flush=True)
while not os.path.exists('$TB_DIR/go83'): time.sleep(0.05)
t = time.monotonic(); s.settimeout(10)
try:
    s.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'); r = s.recv(4096); how = 'answered' if r else 'closed'
except ConnectionResetError: how = 'reset'
except OSError as e: how = type(e).__name__
print('second', how, int((time.monotonic() - t) * 1000), flush=True)"
tb_wait_check "a connection open to b3 through :83" 5 grep -q "first b3" "$TB_DIR/held.log"
tb_x b3 ip link set eth0 down
t=$(wait_status /api/v1/services/tcp/$TB_VIP/83/servers/10.1.0.13/8080 down 5)
tb_check "b3 unreachable ⇒ down ($t ms)" [ "$t" != timeout ]
touch "$TB_DIR/go83"
tb_wait_check "on_down reset: the open connection is reset, not left hanging" 5 grep -q "second reset" "$TB_DIR/held.log"
tb_log "$(grep second "$TB_DIR/held.log")"
how=$(tb_client $TB_PY -c "
import socket, time
t = time.monotonic()
try: socket.create_connection(('$TB_VIP', 83), timeout=5).close(); r = 'connected'
except ConnectionRefusedError: r = 'refused'
except OSError as e: r = type(e).__name__
print(r, int((time.monotonic() - t) * 1000))")
tb_log "new connection with every server down: $how"
tb_check "all servers down ⇒ the client gets a RST quickly ($how)" [ "${how%% *}" = refused -a "${how##* }" -lt 1000 ]
tb_check "counted" [ "$(tb_stat "j['totals']['refused_rst']")" -ge 1 ]
tb_x b3 ip link set eth0 up
tb_x b3 ip route add default via 10.1.0.2 2>/dev/null
t=$(wait_status /api/v1/services/tcp/$TB_VIP/83/servers/10.1.0.13/8080 up 6)
tb_check "b3 back ⇒ up ($t ms)" [ "$t" != timeout ]

# --- drain with 5 long-lived connections -------------------------------------
stop="$TB_DIR/stop"; mkdir -p "$stop"
tb_bg c longconn $TB_PY -u "$TB_ROOT/tests/lib/longconn.py" $TB_VIP b1 5 "$stop"
tb_wait_check "5 long-lived connections on b1" 20 grep -q ready "$TB_DIR/longconn.log"
tb_api PATCH $S/servers/10.1.0.11/8080 '{"drain": true}' >/dev/null
tb_expect_eq "status draining" draining "$(status $S/servers/10.1.0.11/8080)"
n_b1=0
for i in $(seq 100); do
	[[ $(tb_client curl -s --max-time 3 "http://$TB_VIP/") == b1 ]] && n_b1=$((n_b1 + 1))
done
tb_expect_eq "no new connection to the draining server (100 tries)" 0 "$n_b1"
for i in 0 1 2 3; do
	touch "$stop/$i"
	sleep 0.6
	tb_expect_eq "still draining with $((4 - i)) open" draining "$(status $S/servers/10.1.0.11/8080)"
done
tb_check "the long-lived connections kept exchanging data" bash -c "! grep -q '^fail' '$TB_DIR/longconn.log'"
touch "$stop/4"
t=$(wait_status $S/servers/10.1.0.11/8080 drained 3)
tb_log "drained $t ms after the last connection closed"
tb_check "drained within a second of the last close ($t)" [ "${t/timeout/9999}" -le 1000 ]
tb_wait_check "the drained event is logged" 3 grep -q "10.1.0.11:8080 .* is drained" "$TB_DIR/mgw.log"
tb_api PATCH $S/servers/10.1.0.11/8080 '{"drain": false}' >/dev/null
tb_expect_eq "undrained: up again" up "$(status $S/servers/10.1.0.11/8080)"

# --- the README's upgrade runbook, verbatim (with a connection open) ----------
awk '/<!-- runbook:upgrade -->/ {on=1; next} on && /^```sh/ {next} on && /^```/ {exit} on {print}' \
	"$TB_ROOT/README.md" >"$TB_DIR/upgrade.sh"
rm -f "$stop"/*
tb_bg c longconn2 $TB_PY -u "$TB_ROOT/tests/lib/longconn.py" $TB_VIP b1 1 "$stop"
tb_wait_check "a connection open on b1" 20 grep -q ready "$TB_DIR/longconn2.log"
ip netns exec "$(tb_nsname lb)" bash -e "$TB_DIR/upgrade.sh" >"$TB_DIR/upgrade.out" 2>&1 &
runbook=$!
sleep 1.5
tb_check "the runbook waits while the connection is open" kill -0 $runbook
touch "$stop/all"
wait $runbook
tb_expect_eq "the upgrade runbook ran to the end" 0 "$?"
tb_check "and left the server up" grep -q '"status": "up"' "$TB_DIR/upgrade.out"
tb_done
