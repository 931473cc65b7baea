#!/usr/bin/env bash
# Two mgw nodes announce a VIP by BGP to a real router (BIRD 2); the router
# spreads clients over both by ECMP (issue 8). The scenario: tests/lib/cluster.sh.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
source "$(dirname "$0")/../../lib/cluster.sh"
tb_init cl_bgp 170

CL_ROUTING1='{ "bgp": { "local_as": 65001, "hold_s": 3, "peers": [ { "ip": "10.201.1.1", "as": 65000 } ] } }'
CL_ROUTING2='{ "bgp": { "local_as": 65001, "hold_s": 3, "peers": [ { "ip": "10.201.2.1", "as": 65000 } ] } }'
CL_BIRD_PROTO='template bgp lbnode {
  local as 65000;
  hold time 3; keepalive time 1;
  connect retry time 2; error wait time 1, 5;
  ipv4 { import all; export none; };
}
protocol bgp n1 from lbnode { neighbor 10.201.1.2 as 65001; }
protocol bgp n2 from lbnode { neighbor 10.201.2.2 as 65001; }'
cl_speaker_check() {
	tb_x r birdc -s "$TB_DIR/bird.ctl" show protocols >&2
	tb_check "the API shows the BGP peer Established" bash -c \
		"ip netns exec $(tb_nsname lb1) curl -s http://127.0.0.1:8080/api/v1/routing | grep -q Established"
}
cl_run
