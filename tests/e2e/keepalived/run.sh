#!/usr/bin/env bash
# mgwadm --import-keepalived (issue 17): realistic keepalived.conf files
# (NAT, DR, TUN, FNAT with groups and an include; TCP, HTTP and UDP
# checkers) give exactly the JSON and warnings in tests/data/keepalived/,
# which mgw's own validator accepts; a file of what mgw cannot carry is
# refused line by line, exit 1, nothing printed; a malformed one names its
# line; --apply puts the FNAT one in place as one change and traffic flows
# through its VIPs; a refused --apply changes nothing.
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init keepalived 120

cd "$TB_ROOT" || exit 1
D=tests/data/keepalived
ADM="$TB_ROOT/mgwadm"
same_json() { $TB_PY -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])) else 1)" "$1" "$2"; }

for f in nat dr tun fnat; do
	"$ADM" --import-keepalived $D/$f.conf >"$TB_DIR/$f.json" 2>"$TB_DIR/$f.err"
	tb_expect_eq "$f.conf: imported" 0 "$?"
	tb_check "$f.conf: the JSON of $D/$f.json" same_json "$TB_DIR/$f.json" "$D/$f.json" ||
		diff "$D/$f.json" "$TB_DIR/$f.json" >&2
	tb_check "$f.conf: the warnings of $D/$f.err" cmp -s "$TB_DIR/$f.err" "$D/$f.err" ||
		diff "$D/$f.err" "$TB_DIR/$f.err" >&2
	# what it prints is a config mgw takes: ports and routes around it
	$TB_PY - "$TB_DIR/$f.json" >"$TB_DIR/$f-full.json" <<'PY'
import json, sys
part = json.load(open(sys.argv[1]))
cfg = {"dpdk": {"lcores": "0-1"},
       "ports": [{"name": "wan", "dev": "net_af_packet0,iface=wan", "ip": "10.0.0.2/24"},
                 {"name": "lan", "dev": "net_af_packet1,iface=lan", "ip": "10.1.0.2/24"}],
       "routes": [{"prefix": "10.7.0.0/16", "via": "10.1.0.1"}],
       "localips": ["10.1.0.100"]}
cfg.update(part)
print(json.dumps(cfg))
PY
	tb_check "$f.conf: mgw --check accepts the result" "$TB_MGW" --check -c "$TB_DIR/$f-full.json"
done
tb_expect_eq "the group expanded: fnat.conf gives 3 services" 3 "$(tb_json 'len(j["services"])' <"$D/fnat.json")"
tb_expect_eq "lb_kind FNAT → fullnat" fullnat "$(tb_json 'j["services"][0]["forward"]' <"$D/fnat.json")"
tb_expect_eq "local address group → localips" "10.1.0.100 10.1.0.101" "$(tb_json '" ".join(j["localips"])' <"$D/fnat.json")"

"$ADM" --import-keepalived $D/refused.conf >"$TB_DIR/refused.out" 2>"$TB_DIR/refused.err"
tb_expect_eq "refused.conf: exit 1" 1 "$?"
tb_expect_eq "refused.conf: nothing on stdout" 0 "$(wc -c <"$TB_DIR/refused.out")"
tb_check "refused.conf: every refusal by file:line and keyword ($D/refused.err)" cmp -s "$TB_DIR/refused.err" "$D/refused.err" ||
	diff "$D/refused.err" "$TB_DIR/refused.err" >&2
for kw in vrrp_instance quorum notify_down SSL_GET MISC_CHECK 'virtual_server: firewall-mark'; do
	tb_check "refused.conf names $kw" grep -q "^$D/refused.conf:[0-9]*: $kw" "$TB_DIR/refused.err"
done
printf 'virtual_server 10.0.0.10 80 {\n    lb_algo rr\n' >"$TB_DIR/open.conf"
"$ADM" --import-keepalived "$TB_DIR/open.conf" >/dev/null 2>"$TB_DIR/open.err"
tb_expect_eq "an unclosed block: exit 1" 1 "$?"
tb_check "... naming its file and line" grep -q "open.conf:1: virtual_server: its block is never closed" "$TB_DIR/open.err"

# --apply on a running mgw
tb_topology 3
tb_http_backends 3
tb_mgw_config "[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\", \"servers\": $(tb_servers_json 8080 1) } ]"
tb_mgw_start || exit 1
tb_x lb "$ADM" --import-keepalived $D/fnat.conf --apply >"$TB_DIR/apply.out" 2>"$TB_DIR/apply.err"
tb_expect_eq "--apply: exit 0" 0 "$?"
cat "$TB_DIR/apply.out" >&2
tb_api GET /api/v1/config >"$TB_DIR/after.json"
tb_expect_eq "--apply: the services are the import's" "10.0.0.20:80 10.0.0.21:80 10.0.0.22:8443" \
	"$(tb_json '" ".join(sorted("%s:%d" % (s["vip"], s["port"]) for s in j["services"]))' <"$TB_DIR/after.json")"
tb_expect_eq "--apply: the local IPs added" "10.1.0.100 10.1.0.101" "$(tb_json '" ".join(j["localips"])' <"$TB_DIR/after.json")"
for vip in 10.0.0.20 10.0.0.21; do
	tb_check "traffic through $vip" tb_wait 5 bash -c "ip netns exec $(tb_nsname c) curl -s --max-time 2 http://$vip/ | grep -q '^b[12]$'"
done
tb_x lb "$ADM" -L -n >"$TB_DIR/list.txt"
tb_check "mgwadm -L shows them (FullNat)" grep -q "TCP  10.0.0.21:80 rr" "$TB_DIR/list.txt"
tb_x lb "$ADM" --import-keepalived $D/refused.conf --apply >/dev/null 2>&1
tb_expect_eq "a refused --apply: exit 1" 1 "$?"
tb_api GET /api/v1/config >"$TB_DIR/after2.json"
tb_check "... and nothing changed" same_json "$TB_DIR/after.json" "$TB_DIR/after2.json"
tb_done
