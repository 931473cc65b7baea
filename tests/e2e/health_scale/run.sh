#!/usr/bin/env bash
# 500 servers with health checks at a 1 s interval: the checker keeps time
# (each server's last_check_ms, read from the API twice, advances by whole
# intervals within 10 %), and the data path goes on.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init hscale 120

tb_topology 1
servers=$($TB_PY -c 'import json; print(json.dumps([{"ip": "10.1.0.11", "port": 20000 + i} for i in range(500)]))')
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"health\": { \"type\": \"tcp\", \"interval_ms\": 1000, \"timeout_ms\": 500, \"rise\": 2, \"fall\": 2 },
    \"servers\": $servers } ]"
tb_mgw_start || exit 1
S=/api/v1/services/tcp/$TB_VIP/80
sleep 2.5   # every target checked at least twice
tb_api GET $S/servers >"$TB_DIR/a.json"
sleep 3.5
tb_api GET $S/servers >"$TB_DIR/b.json"
res=$($TB_PY - "$TB_DIR/a.json" "$TB_DIR/b.json" <<'PY'
import json, sys
a = {(s["ip"], s["port"]): s["health"]["last_check_ms"] for s in json.load(open(sys.argv[1]))}
b = {(s["ip"], s["port"]): s["health"]["last_check_ms"] for s in json.load(open(sys.argv[2]))}
worst, periods, bad = 0, set(), 0
for k in a:
    d = b[k] - a[k]
    n = round(d / 1000)
    off = abs(d - n * 1000)
    worst = max(worst, off)
    periods.add(n)
    bad += off > 100 or n < 3
print(len(a), worst, ",".join(map(str, sorted(periods))), bad)
PY
)
read -r n worst periods bad <<<"$res"
tb_log "servers $n, worst offset from a whole number of intervals: $worst ms, periods seen ${periods}, out of tolerance: $bad"
tb_expect_eq "500 servers checked" 500 "$n"
tb_expect_eq "no check drifts more than 10 % of the interval" 0 "$bad"
down=$(tb_api GET $S/servers | tb_json 'sum(1 for s in j if s["status"] == "down")')
tb_expect_eq "closed ports are all down" 500 "$down"
tb_done
