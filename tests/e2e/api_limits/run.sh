#!/usr/bin/env bash
# The API hardened (issue 16), each point with a probe that failed before:
# the token and a declared size are judged from the headers, before any
# body byte (an answer without the body); a client holds at most
# max_conns_per_client connections; a request trickled a byte at a time
# is cut after request_timeout_s; bodies held at once are capped (503
# unavailable); a config change facing a stalled data lcore answers 503
# unavailable in about 2 s and changes nothing, while reads go on; a
# 100,000-server body is refused in milliseconds; a path that is not UTF-8
# still gets a JSON answer; GET /config shows the token as "***", a PUT of
# "***" keeps it, config/save writes the real one; debug.fault_injection
# is restart-only; GET /sessions caps its size; DELETE /sessions?vip= with
# an empty or 0.0.0.0 VIP is a 400, not a flush of everything;
# persistence_s is checked against the data path's clock; a non-loopback
# api.listen without a token is refused at start.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init api_limits 170

tb_topology 2
tb_http_backends 2
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 2) } ]" \
	'"selfcheck": { "interval_ms": 500, "recover": "manual" }, "debug": { "fault_injection": true },'
sed -i 's|"api": { "listen": "127.0.0.1:8080" }|"api": { "listen": "127.0.0.1:8080", "token": "k3y", "max_body_bytes": 1048576, "max_buffered_bytes": 1572864, "max_conns_per_client": 4, "request_timeout_s": 2 }|' "$TB_DIR/mgw.json"
MGW_TOKEN=k3y
tb_mgw_start || exit 1
RAW="$TB_PY $TB_ROOT/tests/e2e/api_limits/raw.py"
raw() { tb_x lb $RAW "$@"; }
j() { tb_json "$1" <<<"$2"; }
S=/api/v1/services/tcp/$TB_VIP/80
RS=$S/servers/10.1.0.11/8080

# --- judged from the headers ---------------------------------------------------
o=$(raw early 127.0.0.1 8080 wrong 60000)
tb_log "wrong token, 60000 body bytes declared and not sent: $o"
tb_expect_eq "wrong token: 401 before the body" 401 "$(j 'j["status"]' "$o")"
tb_check "... at once ($(j 'j["ms"]' "$o") ms)" [ "$(j 'j["ms"]' "$o")" -lt 1000 ]
o=$(raw early 127.0.0.1 8080 k3y 5000000)
tb_expect_eq "declared body over max_body_bytes: 413 before the body" 413 "$(j 'j["status"]' "$o")"
tb_check "... at once ($(j 'j["ms"]' "$o") ms)" [ "$(j 'j["ms"]' "$o")" -lt 1000 ]

# --- connections per client ------------------------------------------------------
o=$(raw conns 127.0.0.1 8080 8)
tb_log "8 idle connections from one client: $o"
tb_expect_eq "at most max_conns_per_client (4) stay open" 4 "$(j 'j["held_open"]' "$o")"
tb_expect_eq "one more is not served while they are held" None "$(j 'j["extra_answered"]' "$o")"
tb_expect_eq "served again once they are closed" 200 "$(tb_api GET /api/v1/status >/dev/null; echo "$TB_HTTP_CODE")"

# --- the whole request has request_timeout_s --------------------------------------
o=$(raw slow 127.0.0.1 8080 12)
tb_log "headers trickled a byte per 0.3 s: $o"
tb_check "cut after about request_timeout_s (2 s): $(j 'j["closed_after_s"]' "$o") s" \
	$TB_PY -c "import sys; v=$(j 'j["closed_after_s"]' "$o"); sys.exit(0 if v is not None and v < 5 else 1)"

# --- bodies held at once -----------------------------------------------------------
o=$(raw bodies 127.0.0.1 8080 k3y 1000000)
tb_log "two 1 MB bodies at once, max_buffered_bytes 1.5 MB: $(j 'j["first"], j["second"]' "$o")"
tb_expect_eq "the first is read (and refused as a config: 400)" 400 "$(j 'j["first"]' "$o")"
tb_expect_eq "the second: 503" 503 "$(j 'j["second"]' "$o")"
tb_check "... code unavailable" bash -c "grep -q unavailable <<<'$(j 'j["second_body"]' "$o")'"

# --- a stalled data lcore ----------------------------------------------------------
tb_api POST /api/v1/debug/fault '{"kind": "stall_lcore", "index": 0, "ms": 7000}' >/dev/null
sleep 0.3
t0=$(date +%s%N)
tb_api PATCH $RS '{"weight": 9}' >"$TB_DIR/stall.json"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tb_log "PATCH during a stall: $TB_HTTP_CODE after $ms ms: $(tr -d '\n' <"$TB_DIR/stall.json")"
tb_expect_eq "a change facing a stalled lcore: 503" 503 "$TB_HTTP_CODE"
tb_expect_eq "... code unavailable" unavailable "$(tb_json 'j["error"]["code"]' <"$TB_DIR/stall.json")"
tb_check "... in about 2 s, not the stall's 7 s ($ms ms)" [ "$ms" -lt 4500 ]
t0=$(date +%s%N)
tb_api GET /api/v1/status >"$TB_DIR/st.json"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tb_check "reads answer during the stall (GET /status $TB_HTTP_CODE in $ms ms, state $(tb_json 'j["state"]' <"$TB_DIR/st.json"))" [ "$TB_HTTP_CODE" = 200 -a "$ms" -lt 1500 ]
tb_expect_eq "nothing changed" 1 "$(tb_api GET /api/v1/config | tb_json '[s for s in j["services"][0]["servers"] if s["ip"] == "10.1.0.11"][0]["weight"]')"
tb_wait 10 bash -c "ip netns exec $(tb_nsname lb) curl -s -X PATCH -H 'Authorization: Bearer k3y' -d '{\"weight\": 9}' http://127.0.0.1:8080$RS | grep -q '\"weight\": 9'"
tb_expect_eq "changes work again when the lcore runs" 9 "$(tb_api GET $RS | tb_json 'j["weight"]')"
tb_api POST /api/v1/status/recover >/dev/null

# --- big bodies refused fast --------------------------------------------------------
$TB_PY -c "
import json
print(json.dumps({'proto': 'tcp', 'vip': '10.0.0.30', 'port': 80,
  'servers': [{'ip': '10.%d.%d.%d' % (2 + i // 62500, (i // 250) % 250, 1 + i % 250), 'port': 80} for i in range(100000)]}))" >"$TB_DIR/big.json"
sed -i 's|"max_body_bytes": 1048576|"max_body_bytes": 8388608|; s|"max_buffered_bytes": 1572864|"max_buffered_bytes": 16777216|' "$TB_DIR/mgw.json"
tb_mgw_stop; tb_mgw_start || exit 1
t0=$(date +%s%N)
code=$(tb_x lb curl -sS -o "$TB_DIR/big.out" -w '%{http_code}' -H 'Authorization: Bearer k3y' --data-binary @"$TB_DIR/big.json" http://127.0.0.1:8080/api/v1/services)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tb_log "100,000 servers ($(wc -c <"$TB_DIR/big.json") bytes): $code in $ms ms: $(tr -d '\n' <"$TB_DIR/big.out")"
tb_expect_eq "100,000 servers over limits.servers: 400" 400 "$code"
tb_check "... refused in well under a second, upload included ($ms ms)" [ "$ms" -lt 1500 ]

# --- JSON for any path ---------------------------------------------------------------
for p in '/api/v1/services/tcp/%ff%fe/80' '/%c3%28' '/api/v1/services/tcp/10.0.0.10/80/servers/%80/1'; do
	code=$(tb_x lb curl -s -o "$TB_DIR/u.out" -w '%{http_code}' -H 'Authorization: Bearer k3y' "http://127.0.0.1:8080$p")
	tb_check "$p: $code with a JSON body" $TB_PY -c "import json; json.load(open('$TB_DIR/u.out'))"
done

# --- the token is never shown ----------------------------------------------------------
tb_api GET /api/v1/config >"$TB_DIR/c.json"
tb_expect_eq "GET /config shows the token as ***" '***' "$(tb_json 'j["api"]["token"]' <"$TB_DIR/c.json")"
tb_check "... and nowhere in full" bash -c "! grep -q k3y '$TB_DIR/c.json'"
tb_api PUT /api/v1/config "$(cat "$TB_DIR/c.json")" >/dev/null
tb_expect_eq "PUT of the shown config (token ***) → 200" 200 "$TB_HTTP_CODE"
tb_expect_eq "the token still works after it" 200 "$(tb_api GET /api/v1/status >/dev/null; echo "$TB_HTTP_CODE")"
tb_api POST /api/v1/config/save >/dev/null
tb_expect_eq "config/save writes the real token" k3y "$(tb_json 'j["api"]["token"]' <"$TB_DIR/mgw.json")"
$TB_PY -c "import json; c=json.load(open('$TB_DIR/c.json')); c['debug']['fault_injection']=False; print(json.dumps(c))" >"$TB_DIR/c2.json"
tb_api PUT /api/v1/config "$(cat "$TB_DIR/c2.json")" >"$TB_DIR/last.json"
tb_expect_eq "debug.fault_injection is restart-only: 400" "400 debug.fault_injection" "$TB_HTTP_CODE $(tb_json 'j["error"]["field"]' <"$TB_DIR/last.json")"

# --- sessions -------------------------------------------------------------------------
tb_bg c longconn curl -s --limit-rate 100k -o /dev/null "http://$TB_VIP/big"
# until the download's session exists (a loaded box may take its time)
has_session() { [ "$(tb_api GET /api/v1/sessions | tb_json 'j["total"]')" -ge 1 ]; }
tb_check "the long download has its session" tb_wait 10 has_session
n0=$(tb_api GET /api/v1/sessions | tb_json 'j["total"]')
tb_expect_eq "GET /sessions?limit=1000000: over the cap, 400" 400 "$(tb_api GET '/api/v1/sessions?limit=1000000' >/dev/null; echo "$TB_HTTP_CODE")"
tb_api GET '/api/v1/sessions?limit=100000' >"$TB_DIR/s.json"
tb_check "GET /sessions?limit=100000: JSON with the live session ($TB_HTTP_CODE)" $TB_PY -c "import json,sys; j=json.load(open('$TB_DIR/s.json')); sys.exit(0 if j['sessions'] and j['sessions'][0]['vip'] == '$TB_VIP:80' else 1)"
for q in 'vip=' 'vip=0.0.0.0'; do
	tb_expect_eq "DELETE /sessions?$q → 400" 400 "$(tb_api DELETE "/api/v1/sessions?$q" >/dev/null; echo "$TB_HTTP_CODE")"
done
tb_expect_eq "... and the sessions are still there" "$n0" "$(tb_api GET /api/v1/sessions | tb_json 'j["total"]')"
tb_check "the download lives on" kill -0 "$TB_LAST_PID"

# --- persistence within the clock ---------------------------------------------------------
tb_api POST /api/v1/services '{"proto": "tcp", "vip": "10.0.0.31", "port": 80, "persistence_s": 2678400}' >"$TB_DIR/last.json"
tb_expect_eq "persistence_s of 31 days: 400 (it would expire at once)" "400 persistence_s" "$TB_HTTP_CODE $(tb_json 'j["error"]["field"]' <"$TB_DIR/last.json")"

# --- a reachable API needs a token ------------------------------------------------------
tb_mgw_stop
$TB_PY -c "import json; c=json.load(open('$TB_DIR/mgw.json')); c['api']['listen']='0.0.0.0:8080'; c['api']['token']=None; print(json.dumps(c))" >"$TB_DIR/open.json"
tb_x lb "$TB_MGW" --check -c "$TB_DIR/open.json" >"$TB_DIR/check.out" 2>&1
rc=$?
tb_expect_eq "mgw --check: 0.0.0.0 without a token refused" "1" "$rc"
tb_check "... naming api.token" grep -q '^api.token: is required' "$TB_DIR/check.out"
t0=$(date +%s)
timeout 20 ip netns exec "$(tb_nsname lb)" "$TB_MGW" -c "$TB_DIR/open.json" >"$TB_DIR/open.out" 2>&1
rc=$?
tb_expect_eq "mgw will not start with it" 1 "$rc"
tb_done
