#!/usr/bin/env bash
# TCP sequence sanity (dp/tcpwin.h) on the testbed, FULLNAT to nginx:
# - blind spoofed RSTs at a live connection, far off its window: dropped and
#   counted exactly (tcp_out_of_window), the connection answers after them;
#   in-window ones not at the next sequence number: passed on for the
#   endpoint's challenge ACK, the session kept (tcp_rst_unconfirmed); one RST
#   at exactly the next number ends it;
# - a spoofed SYN and a blind ACK do not make an established session;
# - 5 % loss each way (nft numgen in the client's namespace — this kernel has
#   no netem): 10 MB downloads and many short connections all complete, the
#   window check drops none of their retransmissions, and each closed
#   connection leaves ESTABLISHED.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init attack_tcp 150

tb_topology 1
tb_http_backends 1
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 1) } ]"
tb_mgw_start || exit 1
drop() { tb_stat "j['totals']['drops']['$1']"; }
ctr() { tb_stat "j['totals']['$1']"; }

# Blind and exact RSTs.
oow0=$(drop tcp_out_of_window); unc0=$(ctr tcp_rst_unconfirmed)
tb_client $TB_PY "$TB_ROOT/tests/lib/rstprobe.py" c0 $TB_VIP 80 >"$TB_DIR/rst.out" 2>"$TB_DIR/rst.err"
tb_log "rstprobe: $(tr '\n' ' ' <"$TB_DIR/rst.out")"
far=$(awk '$1 == "far" { print $2 }' "$TB_DIR/rst.out")
near=$(awk '$1 == "near" { print $2 }' "$TB_DIR/rst.out")
tb_check "the connection answers after $far far and $near near spoofed RSTs" grep -q alive-after-blind "$TB_DIR/rst.out"
tb_expect_eq "far RSTs dropped and counted (tcp_out_of_window)" "$far" "$(( $(drop tcp_out_of_window) - oow0 ))"
tb_expect_eq "near RSTs passed on without closing (tcp_rst_unconfirmed)" "$near" "$(( $(ctr tcp_rst_unconfirmed) - unc0 ))"
tb_check "the RST at the next sequence number ends the connection" grep -q dead-after-exact "$TB_DIR/rst.out"

# A spoofed SYN plus a blind ACK: stays embryonic.
unc0=$(ctr tcp_seq_unconfirmed)
tb_client $TB_PY - <<PY
from scapy.all import IP, TCP, send, conf
conf.verb = 0
for i in range(5):
    ip = IP(src="10.0.0.77", dst="$TB_VIP")
    send(ip / TCP(sport=40000 + i, dport=80, flags="S", seq=1000))
    send(ip / TCP(sport=40000 + i, dport=80, flags="A", seq=1001, ack=123456789 + i))
PY
sleep 0.5
states=$(tb_api GET "/api/v1/sessions?vip=$TB_VIP&limit=1000" | tb_json '" ".join(sorted(set(s["state"] for s in j["sessions"] if s["client"].startswith("10.0.0.77:"))))')
tb_expect_eq "spoofed SYN + blind ACK: sessions stay SYN_RECV" SYN_RECV "$states"
tb_expect_eq "the blind ACKs counted (tcp_seq_unconfirmed)" 5 "$(( $(ctr tcp_seq_unconfirmed) - unc0 ))"

# Loss both ways in the client's namespace.
tb_x c nft -f - <<'NFT'
table inet loss {
  chain out { type filter hook output priority 0; numgen random mod 100 < 5 drop; }
  chain in { type filter hook input priority 0; numgen random mod 100 < 5 drop; }
}
NFT
oow0=$(drop tcp_out_of_window)
want=$(sha1sum <"$TB_DIR/big.bin" | cut -d' ' -f1)
t0=$(date +%s%N); ok=0
for i in 1 2 3; do
	got=$(tb_client curl -s --max-time 60 "http://$TB_VIP/big" | sha1sum | cut -d' ' -f1)
	[[ $got == "$want" ]] && ok=$((ok + 1))
done
tb_log "3 x 10 MB under 5 % loss each way: $ok intact in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
tb_expect_eq "10 MB downloads under loss arrive intact" 3 "$ok"
ok=0; codes=""
for i in $(seq 40); do
	out=$(tb_client curl -sS --max-time 4 "http://$TB_VIP/" 2>&1)
	if [[ $out == b1 ]]; then ok=$((ok + 1)); else codes+="[$out] "; fi
done
[[ -n $codes ]] && tb_log "failures: $codes"
tb_log "counters: $(tb_stat 'dict((k, v) for k, v in list(j["totals"].items()) + list(j["totals"]["drops"].items()) if isinstance(v, int) and v and ("tcp" in k or "sess" in k or "no_" in k or "refused" in k))')"
# (a SYN lost twice costs 3 s of backoff: allow two of them on a busy box)
tb_check "40 short connections under loss succeed ($ok; at most 2 slow)" [ "$ok" -ge 38 ]
tb_expect_eq "no legitimate segment dropped by the window check" 0 "$(( $(drop tcp_out_of_window) - oow0 ))"
tb_x c nft delete table inet loss
sleep 1
est=$(tb_api GET "/api/v1/sessions?vip=$TB_VIP&limit=1000" | tb_json 'sum(1 for s in j["sessions"] if s["state"] == "ESTABLISHED")')
tb_log "sessions: $(tb_api GET "/api/v1/sessions?vip=$TB_VIP&limit=1000" | tb_json '" ".join(sorted(s["state"] for s in j["sessions"]))' | tr ' ' '\n' | sort | uniq -c | tr '\n' ' ')"
# (a curl that gave up closes with a RST, which the loss may eat: its session
# may stay; one that finished ends with FINs, which are retransmitted)
tb_check "every finished connection left ESTABLISHED (FINs counted under loss): $est left, $((40 - ok)) gave up" [ "$est" -le $((40 - ok)) ]
tb_mgw_stop
tb_done
