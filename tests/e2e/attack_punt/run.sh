#!/usr/bin/env bash
# Exception-path policing (dp/punt.h, docs/config.md "exception_path"): a
# node peers by OSPF with a real router (BIRD 2, hello 1 s, dead 3 s) and
# health-checks its servers every 200 ms; a SYN flood with random sources
# (hping3, 6 s, niced, pinned to the control core) hits its wan port
# address. Checked, sampled every 0.3 s during the flood: the OSPF
# neighbour stays Full on both sides, every server stays up (no health
# transition), the node stays online; the flood is policed in the "other"
# class (punt_policed_other > 0) and no routing or health packet is.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init attack_punt 90

tb_cluster 2
tb_http_backends 2
services="[ { \"proto\": \"tcp\", \"vip\": \"$TB_CVIP\", \"port\": 80, \"scheduler\": \"rr\",
	\"health\": { \"type\": \"tcp\", \"interval_ms\": 200, \"timeout_ms\": 150, \"rise\": 2, \"fall\": 2 },
	\"servers\": $(tb_servers_json 8080 2) } ]"
tb_node_config 1 "$services" '{ "ospf": { "area": "0.0.0.0", "vip_cost": 10, "lip_cost": 10,
	"interfaces": [ { "port": "wan", "type": "ptp", "hello_s": 1, "dead_s": 3, "cost": 10 } ] } }' \
	'"exception_path": { "routing_pps": 2000, "health_pps": 2000, "other_pps": 1000 },'
cat >"$TB_DIR/bird.conf" <<CONF
router id 10.201.0.1;
log stderr all;
protocol device { scan time 10; }
protocol kernel k4 { ipv4 { export all; }; merge paths yes limit 16; }
protocol ospf v2 up {
  ecmp yes limit 16;
  ipv4 { import all; export none; };
  area 0 { interface "r-n1" { type ptp; hello 1; dead 3; }; };
}
CONF
tb_bg r bird bird -f -c "$TB_DIR/bird.conf" -s "$TB_DIR/bird.ctl" -P "$TB_DIR/bird.pid"
tb_mgw_start lb1 || exit 1
export TB_LB=lb1
bird_full() { tb_x r birdc -s "$TB_DIR/bird.ctl" show ospf neighbors 2>/dev/null | grep -q "Full"; }
mgw_full() { tb_api GET /api/v1/routing | grep -q '"Full"'; }
servers_up() { tb_api GET /api/v1/services | tb_json "sum(1 for s in j for r in s['servers'] if r['status'] == 'up')"; }
ctr() { tb_stat "j['totals']['$1']"; }
drop() { tb_stat "j['totals']['drops']['$1']"; }

tb_check "OSPF neighbour Full before the flood" tb_wait 20 bird_full
tb_check "both servers up before the flood" tb_wait 10 bash -c "[ \"\$(ip netns exec $(tb_nsname lb1) curl -s http://127.0.0.1:8080/api/v1/services | $TB_PY -c \"import json,sys; j=json.load(sys.stdin); print(sum(1 for s in j for r in s['servers'] if r['status'] == 'up'))\")\" = 2 ]"
rx0=$(ctr rx_pkts); po0=$(drop punt_policed_other); pr0=$(drop punt_policed_routing); ph0=$(drop punt_policed_health)
ro0=$(ctr punt_routing); ho0=$(ctr punt_health)

tb_bg r hping nice -n 19 taskset -c 0 timeout 6 hping3 --flood -S --rand-source -p 22 10.201.1.2
samples=0 notfull=0 mnotfull=0 down=0 notonline=0
end=$(( $(date +%s) + 6 ))
while (( $(date +%s) < end )); do
	samples=$((samples + 1))
	bird_full || notfull=$((notfull + 1))
	mgw_full || mnotfull=$((mnotfull + 1))
	[ "$(servers_up)" = 2 ] || down=$((down + 1))
	tb_api GET /api/v1/status | grep -q '"online"' || notonline=$((notonline + 1))
	sleep 0.3
done
wait "$TB_LAST_PID" 2>/dev/null
rx=$(( $(ctr rx_pkts) - rx0 )); po=$(( $(drop punt_policed_other) - po0 ))
pr=$(( $(drop punt_policed_routing) - pr0 )); ph=$(( $(drop punt_policed_health) - ph0 ))
ro=$(( $(ctr punt_routing) - ro0 )); ho=$(( $(ctr punt_health) - ho0 ))
tb_log "flood at the port address: ~$(( rx / 6 )) pkts/s received; policed other $po, routing $pr, health $ph; handed on routing $ro, health $ho; $samples samples: BIRD not Full $notfull, mgw not Full $mnotfull, servers not all up $down, not online $notonline"
tb_check "the flood was policed in the other class ($po)" [ "$po" -gt 0 ]
tb_expect_eq "no routing packet policed" 0 "$pr"
tb_expect_eq "no health-check reply policed" 0 "$ph"
tb_check "routing and health packets went on during the flood ($ro, $ho)" [ "$ro" -gt 0 -a "$ho" -gt 0 ]
tb_check "samples taken ($samples)" [ "$samples" -ge 5 ]
tb_expect_eq "BIRD's neighbour stayed Full" 0 "$notfull"
tb_expect_eq "mgw's neighbour stayed Full" 0 "$mnotfull"
tb_expect_eq "every server stayed up" 0 "$down"
tb_expect_eq "the node stayed online" 0 "$notonline"
tb_mgw_stop lb1
tb_done
