#!/usr/bin/env bash
# Per-service source ACLs and limits (docs/config.md "services"), FULLNAT to
# nginx, one data lcore (so each limit is held whole by it), clients from
# five addresses of the client's subnet:
# - acl allow 10.0.0.0/24, deny 10.0.0.20/30, allow 10.0.0.22/32 (longer
#   prefix wins): .1 and .22 connect, .21 and .23 are refused with a RST
#   (refuse: rst), each attempt counted once (refused.acl, acl_denied);
# - acl deny 10.0.0.24 with refuse: drop: the client hears nothing (its
#   connect times out), the refusal still counted;
# - max_conns 4: four held connections, a fifth refused; one closed, a new
#   one gets in; PATCHed to 2 through the API, the third is refused;
# - new_conns_per_s 5: 40 attempts in a row take about a second's burst
#   plus the refill, the rest refused and counted exactly;
# - per_client_new_conns_per_s 3: one client's burst is cut to its rate,
#   another client still gets its own.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init attack_policy 100

tb_topology 1
tb_http_backends 1
for a in 21 22 23 24; do tb_x c ip addr add 10.0.0.$a/24 dev c0; done
srv=$(tb_servers_json 8080 1)
svc() { # PORT EXTRA
	echo "{ \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": $1, \"scheduler\": \"rr\", $2 \"servers\": $srv }"
}
MGW_LCORES="0@0,1@1"
tb_mgw_config "[ $(svc 80 '"acl": { "allow": ["10.0.0.0/24", "10.0.0.22"], "deny": ["10.0.0.20/30"] },'),
  $(svc 81 '"acl": { "deny": ["10.0.0.24/32"] }, "refuse": "drop",'),
  $(svc 82 '"max_conns": 4,'),
  $(svc 83 '"new_conns_per_s": 5,'),
  $(svc 84 '"per_client_new_conns_per_s": 3,') ]"
tb_mgw_start || exit 1
probe() { tb_client $TB_PY "$TB_ROOT/tests/lib/connprobe.py" "$@"; }
refused() { # PORT REASON
	tb_stat "[s for s in j['services'] if s['port'] == $1][0]['refused']['$2']"
}
drop() { tb_stat "j['totals']['drops']['$1']"; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }

# ACL, refuse: rst.
for a in 1 22 21 23; do r[$a]=$(probe try 10.0.0.$a $TB_VIP 80 5); tb_log "acl :80 from 10.0.0.$a: ${r[$a]}"; done
tb_check "acl: 10.0.0.1 allowed (${r[1]})" [ "$(field ok <<<"${r[1]}")" = 5 ]
tb_check "acl: 10.0.0.22 allowed by its longer prefix (${r[22]})" [ "$(field ok <<<"${r[22]}")" = 5 ]
tb_check "acl: 10.0.0.21 refused with a RST (${r[21]})" [ "$(field refused <<<"${r[21]}")" = 5 ]
tb_check "acl: 10.0.0.23 refused with a RST (${r[23]})" [ "$(field refused <<<"${r[23]}")" = 5 ]
tb_check "acl: each refused attempt counted once ($(refused 80 acl) = 10)" [ "$(refused 80 acl)" = 10 ]
tb_check "acl: drop reason acl_denied ($(drop acl_denied))" [ "$(drop acl_denied)" -ge 10 ]

# ACL, refuse: drop.
r1=$(probe try 10.0.0.24 $TB_VIP 81 2 1.5); r2=$(probe try 10.0.0.21 $TB_VIP 81 2)
tb_log "acl :81 (deny .24, refuse drop): from .24 $r1, from .21 $r2"
tb_check "acl drop: the denied client hears nothing ($r1)" [ "$(field timeout <<<"$r1")" = 2 ]
tb_check "acl drop: another client connects ($r2)" [ "$(field ok <<<"$r2")" = 2 ]
tb_check "acl drop: counted ($(refused 81 acl) ≥ 2)" [ "$(refused 81 acl)" -ge 2 ]

# max_conns 4.
tb_client $TB_PY "$TB_ROOT/tests/lib/connprobe.py" hold 10.0.0.1 $TB_VIP 82 4 4 >"$TB_DIR/hold.out" &
hold=$!
tb_wait 5 grep -q held "$TB_DIR/hold.out"
tb_log "max_conns: $(cat "$TB_DIR/hold.out"), service established $(tb_api GET /api/v1/services | tb_json "[s for s in j if s['port'] == 82][0]['established']")"
r1=$(probe try 10.0.0.21 $TB_VIP 82 3)
tb_check "max_conns: 4 held ($(cat "$TB_DIR/hold.out"))" grep -q "held 4" "$TB_DIR/hold.out"
tb_check "max_conns: the fifth and more refused ($r1)" [ "$(field refused <<<"$r1")" = 3 ]
tb_check "max_conns: counted ($(refused 82 max_conns) = 3)" [ "$(refused 82 max_conns)" = 3 ]
wait $hold
sleep 0.5
r2=$(probe try 10.0.0.21 $TB_VIP 82 3)
tb_check "max_conns: after they close, new ones get in ($r2)" [ "$(field ok <<<"$r2")" = 3 ]
# through the API: max_conns 2 on the live service (PATCH), the acl kept
tb_api PATCH /api/v1/services/tcp/$TB_VIP/82 '{"max_conns": 2}' >/dev/null
tb_expect_eq "API: PATCH max_conns" 200 "$TB_HTTP_CODE"
sleep 0.3
tb_client $TB_PY "$TB_ROOT/tests/lib/connprobe.py" hold 10.0.0.1 $TB_VIP 82 3 2 >"$TB_DIR/hold2.out" &
hold=$!
tb_wait 5 grep -q held "$TB_DIR/hold2.out"
wait $hold
tb_check "API: the new max_conns holds ($(cat "$TB_DIR/hold2.out"))" grep -q "held 2" "$TB_DIR/hold2.out"
tb_expect_eq "API: GET shows it" 2 "$(tb_api GET /api/v1/services/tcp/$TB_VIP/82 | tb_json "j['max_conns']")"

# new_conns_per_s 5.
t0=$(date +%s.%N)
r1=$(probe try 10.0.0.1 $TB_VIP 83 40)
t1=$(date +%s.%N)
ok=$(field ok <<<"$r1"); ref=$(field refused <<<"$r1")
tb_log "new_conns_per_s 5: 40 attempts in $(echo "$t1 - $t0" | bc) s: $r1; counted $(refused 83 new_conns_per_s)"
tb_check "rate: about a second's burst and the refill got in (5 ≤ $ok ≤ 5 + 5 × elapsed + 1)" \
	[ "$ok" -ge 5 -a "$(echo "$ok <= 6 + 5 * ($t1 - $t0)" | bc)" = 1 ]
tb_check "rate: the rest refused and counted exactly ($ref = $(refused 83 new_conns_per_s))" \
	[ "$ref" = "$(refused 83 new_conns_per_s)" -a "$ref" -gt 20 ]

# per_client_new_conns_per_s 3.
r1=$(probe try 10.0.0.1 $TB_VIP 84 20); r2=$(probe try 10.0.0.22 $TB_VIP 84 3)
tb_log "per client 3/s: from .1 $r1; then from .22 $r2; counted $(refused 84 per_client_new_conns_per_s)"
tb_check "per client: one client's burst cut ($(field ok <<<"$r1") of 20)" \
	[ "$(field ok <<<"$r1")" -ge 3 -a "$(field ok <<<"$r1")" -le 10 ]
tb_check "per client: another client gets its own (${r2})" [ "$(field ok <<<"$r2")" = 3 ]
tb_check "per client: counted ($(refused 84 per_client_new_conns_per_s) = $(field refused <<<"$r1"))" \
	[ "$(refused 84 per_client_new_conns_per_s)" = "$(field refused <<<"$r1")" ]
tb_mgw_stop
tb_done
