#!/usr/bin/env bash
# Two mgw nodes announce a VIP by OSPF to a real router (BIRD 2); the router
# spreads clients over both by ECMP (issue 8). The scenario: tests/lib/cluster.sh.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/cluster.sh"
tb_init cl_ospf 170

CL_ROUTING1='{ "ospf": { "area": "0.0.0.0", "vip_cost": 10, "lip_cost": 10,
	"interfaces": [ { "port": "wan", "type": "ptp", "hello_s": 1, "dead_s": 3, "cost": 10 } ] } }'
CL_ROUTING2=$CL_ROUTING1
CL_BIRD_PROTO='protocol ospf v2 up {
  ecmp yes limit 16;
  ipv4 { import all; export none; };
  area 0 { interface "r-n*" { type ptp; hello 1; dead 3; }; };
}'
cl_speaker_check() {
	tb_x r birdc -s "$TB_DIR/bird.ctl" show ospf neighbors >&2
	tb_check "the API shows the OSPF neighbour Full" bash -c \
		"ip netns exec $(tb_nsname lb1) curl -s http://127.0.0.1:8080/api/v1/routing | grep -q '\"Full\"'"
}
# Within MinLSInterval (5 s) of its last origination a router-LSA changes only
# when the interval ends (RFC 2328 12.4): let the restart's settle first (the
# links going down would tell the router anyway).
CL_SETTLE_S=6
cl_run
