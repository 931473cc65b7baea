#!/usr/bin/env bash
# Walking skeleton: TCP and UDP through a FULLNAT VIP on the netns testbed.
# - 20 HTTP requests split evenly over 2 backends (rr)
# - a 10 MB download arrives intact (sha256)
# - UDP echo through the VIP
# - ping of mgw's own port address answered by the kernel via the TAP
# - a burst of malformed packets is dropped and counted; forwarding goes on
# - SIGTERM: exit 0 and the TAPs are gone
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init basic 150

tb_topology 2
tb_http_backends 2
tb_udp_echo 1 5353
tb_udp_echo 2 5353
tb_mgw_config "[
  { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 2) },
  { \"proto\": \"udp\", \"vip\": \"$TB_VIP\", \"port\": 53, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 5353 2) } ]"
tb_mgw_start || exit 1

# 20 requests, round-robin: 10 each.
for i in $(seq 20); do tb_client curl -s --max-time 5 "http://$TB_VIP/"; done >"$TB_DIR/answers"
tb_expect_eq "20 answers" 20 "$(wc -l <"$TB_DIR/answers")"
tb_expect_eq "b1 answered half" 10 "$(grep -c '^b1$' "$TB_DIR/answers")"
tb_expect_eq "b2 answered half" 10 "$(grep -c '^b2$' "$TB_DIR/answers")"

# 10 MB through the VIP, checked byte for byte.
want=$(sha256sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
got=$(tb_client curl -s --max-time 30 "http://$TB_VIP/big" | sha256sum | cut -d' ' -f1)
tb_expect_eq "10 MB download intact" "$want" "$got"

# UDP echo through the VIP.
udp=$(tb_client $TB_PY -c "
import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b'hello', ('$TB_VIP', 53)); print(s.recv(100).decode())")
tb_check "UDP echo through the VIP ($udp)" [ "$udp" = b1:hello -o "$udp" = b2:hello ]

# The port's own address is the kernel's: ping goes through the TAP.
ping_out=$(tb_client hping3 -1 -c 3 -i u200000 10.0.0.2 2>&1)
tb_check "ping of mgw's port address answered" grep -q "3 packets received" <<<"$ping_out"

# Malformed packets: each kind dropped under its own reason.
mac=$(tb_api GET /api/v1/status | tb_json '[p["mac"] for p in j["ports"] if p["name"]=="wan"][0]')
before=$(tb_api GET /api/v1/stats)
sent=$(tb_client $TB_PY "$TB_ROOT/tests/lib/malformed.py" c0 "$mac" $TB_CLIENT $TB_VIP 20)
tb_log "sent $sent malformed frames"
reasons="ip_truncated ip_bad_ihl ip_bad_total_length ip_version ip_bad_checksum l4_truncated tcp_bad_offset udp_bad_length"
# until every reason has moved by 20 (or 5 s: then the checks below say which not)
all_counted() {
	tb_api GET /api/v1/stats | $TB_PY -c "import json,sys; a=json.loads(sys.argv[1]); b=json.load(sys.stdin)
sys.exit(0 if all(b['totals']['drops'][r] - a['totals']['drops'][r] >= 20 for r in sys.argv[2].split()) else 1)" "$before" "$reasons"
}
tb_wait_check "every malformed frame counted by its reason" 5 all_counted
after=$(tb_api GET /api/v1/stats)
for reason in $reasons; do
	d=$($TB_PY -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]);
print(b['totals']['drops']['$reason'] - a['totals']['drops']['$reason'])" "$before" "$after")
	tb_check "malformed: $reason counted ($d)" [ "$d" -ge 20 ]
done
tb_expect_eq "forwarding goes on after the burst" b1 \
	"$(for i in 1 2; do tb_client curl -s --max-time 5 "http://$TB_VIP/"; done | sort | head -1)"

# Clean stop.
tb_mgw_stop
tb_expect_eq "SIGTERM: exit status 0" 0 "$MGW_RC"
tb_check "the TAPs are gone" bash -c "! ip -n $(tb_nsname lb) link show mgw-wan 2>/dev/null"
tb_done
