#!/usr/bin/env bash
# The live status page at "/" (issue 17), in Debian's headless Chromium:
# it loads with no console error and fetches nothing but mgw's own API,
# asks for the token as the API does (Basic auth carries it), shows the
# VIP and its servers, shows a server going down within 3 s of its
# backend dying, drains and undrains a server behind a confirmation (a
# dismissed one changes nothing), fits a phone's width. Screenshots:
# build/artifacts/status_page-{desktop,phone}.png.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init status_page 150

PW_DIR="$TB_ROOT/build/npm"
[[ -x /usr/bin/chromium && -f $PW_DIR/node_modules/playwright-core/package.json ]] ||
	{ tb_log "chromium or playwright-core missing (scripts/deps.sh --test)"; exit 1; }
SHOTS="$TB_ROOT/build/artifacts"
mkdir -p "$SHOTS"
rm -f "$SHOTS"/status_page-*.png

tb_topology 3
tb_http_backends 3
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"http\", \"path\": \"/health\", \"interval_ms\": 250, \"timeout_ms\": 150, \"rise\": 1, \"fall\": 2 },
    \"servers\": $(tb_servers_json 8080 3) } ]"
sed -i 's|"api": { "listen": "127.0.0.1:8080" }|"api": { "listen": "127.0.0.1:8080", "token": "pa55" }|' "$TB_DIR/mgw.json"
MGW_TOKEN=pa55
tb_mgw_start || exit 1
# some traffic, so that rates and counters are not all zero
tb_bg c wrk wrk -t1 -c2 -d20s "http://$TB_VIP/"

tb_x lb env PW_DIR="$PW_DIR" MGW_URL=http://127.0.0.1:8080 MGW_TOKEN=pa55 VIP=$TB_VIP \
	KILL_PID="$TB_NGINX_PID_1" DOWN_SERVER=10.1.0.11:8080 DRAIN_SERVER=10.1.0.12:8080 \
	SHOTS="$SHOTS" HOME="$TB_DIR" timeout 90 node "$TB_ROOT/tests/e2e/status_page/page.js" \
	>"$TB_DIR/page.json" 2>"$TB_DIR/page.err"
rc=$?
cat "$TB_DIR/page.json" >&2
tail -5 "$TB_DIR/page.err" >&2
tb_expect_eq "the browser script finished" 0 "$rc"
r() { tb_json "$1" <"$TB_DIR/page.json"; }
tb_expect_eq "no credentials → 401, as for the API" 401 "$(r 'j.get("status_without_token")')"
tb_check "401 asks the browser for Basic credentials" bash -c "grep -q 'Basic realm' '$TB_DIR/page.json'"
tb_expect_eq "the page loads (200)" 200 "$(r 'j.get("status")')"
tb_expect_eq "no console error" 0 "$(r 'len(j["console_errors"]) + len(j["page_errors"])')"
tb_expect_eq "no request outside mgw's API, none failed" 0 "$(r 'len(j["foreign_requests"]) + len(j["failed_requests"])')"
tb_check "CSP forbids other origins" bash -c "grep -q \"default-src 'none'\" '$TB_DIR/page.json'"
tb_expect_eq "shows the VIP" True "$(r 'j.get("text_has_vip")')"
tb_expect_eq "shows the three servers" "10.1.0.11:8080 10.1.0.12:8080 10.1.0.13:8080" "$(r '" ".join(sorted(j.get("servers", [])))')"
tb_expect_eq "shows the node online" online "$(r 'j.get("state")')"
tb_check "lcore busy % shown" $TB_PY -c "import json,sys; j=json.load(open('$TB_DIR/page.json')); sys.exit(0 if j['lcore_busy'] and all(x.endswith('%') for x in j['lcore_busy']) else 1)"
tb_expect_eq "ports with their links" "lan up wan up" "$(r '" ".join(sorted(j.get("port_rows", [])))')"
tb_expect_eq "server up before the kill" up "$(r 'j.get("before_kill")')"
tb_log "after the kill: API says down in $(r 'j.get("api_down_ms")') ms, the page in $(r 'j.get("page_down_ms")') ms"
tb_check "the page shows the server down within 3 s of its backend dying" \
	$TB_PY -c "import json,sys; j=json.load(open('$TB_DIR/page.json')); sys.exit(0 if j.get('page_down_ms') is not None and j['page_down_ms'] <= 3000 else 1)"
tb_check "drain asks first" bash -c "grep -q 'Drain server 10.1.0.12:8080' '$TB_DIR/page.json'"
tb_expect_eq "a dismissed confirmation changes nothing" False "$(r 'j.get("drain_after_dismiss")')"
tb_expect_eq "an accepted one drains (the API says so)" True "$(r 'j.get("drain_after_accept")')"
tb_check "the row shows draining or drained ($(r 'j.get("drain_row_status")'))" \
	bash -c "[[ '$(r 'j.get("drain_row_status")')' == drain* ]]"
tb_expect_eq "undrain puts it back" False "$(r 'j.get("drain_after_undrain")')"
tb_check "fits a phone's width (overflow $(r 'j.get("phone_overflow_px")') px)" [ "$(r 'j.get("phone_overflow_px", 99)')" -le 0 ]
for f in desktop phone; do
	tb_check "screenshot build/artifacts/status_page-$f.png" test -s "$SHOTS/status_page-$f.png"
done
tb_done
