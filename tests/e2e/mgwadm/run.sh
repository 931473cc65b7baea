#!/usr/bin/env bash
# mgwadm against a real mgw: the ipvsadm command line drives the API.
# - -R of a realistic ipvsadm-save dump (dump.txt), then -S gives it back
# - -L -n prints exactly list.txt
# - -A -a -e -E -d -D change what the API shows, and traffic follows
#   (rr over two nginx backends; -w 0 takes one out of new connections)
# - -L -n -c shows the client's connections; --stats counts them; -Z -t zeroes one service, -Z all
# - a -R with a bad line, and a -R that mgw's validator refuses, apply
#   nothing; usage errors exit 2, refusals 1
# - -C empties the table
# - the API wants a token: MGW_TOKEN and --token
# - IPv6: -R of dump6.txt, -S -n gives it back, -L -n shows list6.txt, -e -d
#   -D on v6 addresses
# The dump mixes every forwarding method: -g (dr), -i (tunnel), -m (nat)
# and FULLNAT (-b as -S prints it; --fullnat spelled out gives the same).
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init mgwadm 100

HERE=$(cd "$(dirname "$0")" && pwd)
ADM=$TB_MGWADM
[[ -x $ADM ]] || { tb_log "no $ADM: run make"; exit 1; }

# mgwadm in the namespace where the API listens; status in ADM_RC.
adm() { ADM_RC=0; tb_x lb "$ADM" "$@" 2>"$TB_DIR/adm.err" || ADM_RC=$?; }
adm_in() { local f=$1; shift; ADM_RC=0; tb_x lb "$ADM" "$@" <"$f" 2>"$TB_DIR/adm.err" || ADM_RC=$?; }
adm_err() { cat "$TB_DIR/adm.err"; }
svc_json() { tb_api GET "/api/v1/services/$1" | tb_json "$2"; }

tb_topology 2
tb_http_backends 2
tb_mgw_config "[]"
# The API wants a token: mgwadm takes it from MGW_TOKEN (as tb_api does).
sed -i 's|"listen": "127.0.0.1:8080" }|"listen": "127.0.0.1:8080", "token": "s3cret-adm" }|' \
	"$TB_DIR/mgw.json"
grep -q s3cret-adm "$TB_DIR/mgw.json" || { tb_log "could not set api.token"; exit 1; }
export MGW_TOKEN=s3cret-adm
tb_mgw_start || exit 1

# ---- the token: from MGW_TOKEN, --token wins, none is refused
adm -L -n >/dev/null
tb_expect_eq "MGW_TOKEN: -L works ($(adm_err))" 0 "$ADM_RC"
adm --token wrong -L -n
tb_expect_eq "--token wrong: exit 1" 1 "$ADM_RC"
tb_check "it says a token is needed ($(adm_err))" grep -q "Bearer" "$TB_DIR/adm.err"
ADM_RC=0; tb_x lb env -u MGW_TOKEN "$ADM" -S 2>"$TB_DIR/adm.err" || ADM_RC=$?
tb_expect_eq "no token: exit 1" 1 "$ADM_RC"

# ---- -R a realistic dump, -S gives it back, -L -n as ipvsadm prints it
adm_in "$HERE/dump.txt" -R
tb_expect_eq "-R of the dump: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "the API holds the dump's 8 services" 8 \
	"$(tb_api GET /api/v1/services | tb_json 'len(j)')"
tb_expect_eq "each service forwards as its servers' flags say" \
	"dr tunnel nat fullnat fullnat dr fullnat nat" \
	"$(for s in tcp/10.0.0.10/80 tcp/10.0.0.10/443 tcp/10.0.0.20/3306 tcp/10.0.0.30/8080 \
		tcp/10.0.0.40/25 udp/10.0.0.10/53 udp/10.0.0.10/123 udp/10.0.0.20/514; do
		svc_json $s 'j["forward"]'; done | xargs)"
tb_expect_eq "persistence and mask reached mgw" "300 255.255.255.0" \
	"$(svc_json tcp/10.0.0.20/3306 'j["persistence_s"], j["persistence_mask"]' | tr -d "(),'")"
tb_expect_eq "thresholds reached mgw" "1000 800" \
	"$(svc_json udp/10.0.0.10/123 'j["servers"][0]["u_threshold"], j["servers"][0]["l_threshold"]' | tr -d "(),'")"
tb_expect_eq "mh-port reached mgw" True "$(svc_json tcp/10.0.0.30/8080 'j["mh_port"]')"
adm -S -n >"$TB_DIR/saved.txt"
tb_check "-S reproduces the dump" diff -u "$HERE/dump.txt" "$TB_DIR/saved.txt"
# the same dump with FULLNAT spelled --fullnat, restored on an empty table
sed 's/ -b -w / --fullnat -w /' "$HERE/dump.txt" >"$TB_DIR/dump-long.txt"
tb_check "(the long spelling is in it)" grep -q -- "--fullnat -w 5" "$TB_DIR/dump-long.txt"
adm -C
adm_in "$TB_DIR/dump-long.txt" -R
tb_expect_eq "-R of it on an empty table: exit 0 ($(adm_err))" 0 "$ADM_RC"
adm -S -n >"$TB_DIR/saved-long.txt"
tb_check "-S gives the dump back, FULLNAT as -b" diff -u "$HERE/dump.txt" "$TB_DIR/saved-long.txt"
adm -L -n >"$TB_DIR/list.txt"
tb_check "-L -n prints the expected table" diff -u "$HERE/list.txt" "$TB_DIR/list.txt"
# ipvsadm with no arguments lists too (numbers either way)
tb_check "no arguments = -L" bash -c "ip netns exec $(tb_nsname lb) $ADM | diff -q - $HERE/list.txt"

# ---- a bad line: nothing applied, the line named
printf '%s\n' "-A -t 10.0.0.50:80 -s rr" "-a -t 10.0.0.50:80 -r 10.1.0.11:80 -b" \
	"-A -t 10.0.0.51:80 -s sed" >"$TB_DIR/bad.txt"
adm_in "$TB_DIR/bad.txt" -R
tb_expect_eq "-R with a bad line: exit 1" 1 "$ADM_RC"
tb_check "the message names line 3 ($(adm_err))" grep -q "^mgwadm: line 3: .*sed.*nothing applied" "$TB_DIR/adm.err"
adm -S -n >"$TB_DIR/saved2.txt"
tb_check "nothing of it applied" diff -u "$HERE/dump.txt" "$TB_DIR/saved2.txt"

# ---- mgw's validator refuses the whole: nothing applied either
printf '%s\n' "-A -t 10.0.0.60:80 -s rr" "-A -t 10.0.0.61:80 -s rr -p 60 -M 255.0.255.0" \
	>"$TB_DIR/refused.txt"
adm_in "$TB_DIR/refused.txt" -R
tb_expect_eq "-R refused by mgw: exit 1" 1 "$ADM_RC"
tb_check "mgw's reason and field shown ($(adm_err))" \
	grep -q "^mgwadm: .*contiguous.*(services\[[0-9]*\]\.persistence_mask)" "$TB_DIR/adm.err"
adm -S -n >"$TB_DIR/saved3.txt"
tb_check "still nothing applied" diff -u "$HERE/dump.txt" "$TB_DIR/saved3.txt"

# ---- single commands change what the API shows, and traffic follows
adm -A -t 10.0.0.10:8000 -s rr
tb_expect_eq "-A: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-A: the API shows it" "rr fullnat 0" \
	"$(svc_json tcp/10.0.0.10/8000 'j["scheduler"], j["forward"], len(j["servers"])' | tr -d "(),'")"
adm -a -t 10.0.0.10:8000 -r 10.1.0.11:8080 -w 1
tb_expect_eq "-a b1: exit 0 ($(adm_err))" 0 "$ADM_RC"
adm -a -t 10.0.0.10:8000 -r 10.1.0.12:8080 --fullnat -w 1
tb_expect_eq "-a b2 --fullnat: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-a: the API shows two servers" "10.1.0.11:8080 10.1.0.12:8080" \
	"$(svc_json tcp/10.0.0.10/8000 '" ".join(s["ip"]+":"+str(s["port"]) for s in j["servers"])')"
for i in 1 2 3 4; do tb_client curl -s --max-time 5 "http://$TB_VIP:8000/"; done >"$TB_DIR/rr.txt"
tb_expect_eq "rr over both servers" "b1 b1 b2 b2" "$(sort "$TB_DIR/rr.txt" | xargs)"

adm -a -t 10.0.0.10:8000 -r 10.1.0.13:8080 -g
tb_expect_eq "-a -g on a FULLNAT service with servers: exit 1" 1 "$ADM_RC"
tb_check "the message says forwarding is per service ($(adm_err))" \
	grep -q "forwarding -g (dr) does not match.*per service" "$TB_DIR/adm.err"
adm -a -t 10.0.0.10:8000 -r 10.1.0.11:8080
tb_expect_eq "-a of an existing server: exit 1" 1 "$ADM_RC"

adm -e -t 10.0.0.10:8000 -r 10.1.0.12:8080 -w 0
tb_expect_eq "-e -w 0: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-e: the API shows weight 0" 0 \
	"$(svc_json tcp/10.0.0.10/8000 '[s["weight"] for s in j["servers"] if s["ip"]=="10.1.0.12"][0]')"
for i in 1 2 3 4; do tb_client curl -s --max-time 5 "http://$TB_VIP:8000/"; done >"$TB_DIR/w0.txt"
tb_expect_eq "weight 0: new connections avoid b2" "b1 b1 b1 b1" "$(sort "$TB_DIR/w0.txt" | xargs)"

adm -E -t 10.0.0.10:8000 -s wrr -p 60
tb_expect_eq "-E: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-E: the API shows wrr, persistence 60" "wrr 60" \
	"$(svc_json tcp/10.0.0.10/8000 'j["scheduler"], j["persistence_s"]' | tr -d "(),'")"

# ---- connections, counters, zero
adm -L -n -c >"$TB_DIR/conns.txt"
tb_expect_eq "-L -n -c: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-L -n -c header" "IPVS connection entries|pro expire state       source             virtual            destination" \
	"$(head -2 "$TB_DIR/conns.txt" | paste -sd'|')"
tb_check "-L -n -c lists the client's connections to 10.0.0.10:8000" \
	grep -Eq "^TCP [0-9]{2,}:[0-9]{2} +[A-Z_]+ +10\.0\.0\.1:[0-9]+ +10\.0\.0\.10:8000 +10\.1\.0\.1[12]:8080$" "$TB_DIR/conns.txt"
adm -L -n --stats -t 10.0.0.10:8000 >"$TB_DIR/stats.txt"
conns=$(awk '$1 == "TCP" {print $3}' "$TB_DIR/stats.txt")
tb_expect_eq "--stats: 8 connections counted" 8 "$conns"
adm -L -n --rate >/dev/null
tb_expect_eq "--rate: exit 0 ($(adm_err))" 0 "$ADM_RC"
adm -A -t 10.0.0.10:8001 -s rr
adm -a -t 10.0.0.10:8001 -r 10.1.0.11:8080 -m
for i in 1 2; do tb_client curl -s --max-time 5 "http://$TB_VIP:8001/"; done >/dev/null
conns1() { adm -L -n --stats -t 10.0.0.10:"$1" | awk '$1 == "TCP" {print $3}'; }
tb_expect_eq "a second service counted its 2 connections" 2 "$(conns1 8001)"
adm -Z -t 10.0.0.10:8000
tb_expect_eq "-Z -t: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-Z -t: that service's counters zeroed" 0 "$(conns1 8000)"
tb_expect_eq "-Z -t: its servers' too" 0 \
	"$(adm -L -n --stats -t 10.0.0.10:8000 | awk '$1 == "->" && $2 ~ /^[0-9]/ {print $3}' | sort -u | xargs)"
tb_expect_eq "-Z -t: the other service's kept" 2 "$(conns1 8001)"
adm -Z -t 10.0.0.10:8002
tb_expect_eq "-Z -t of no service: exit 1" 1 "$ADM_RC"
adm -Z
tb_expect_eq "-Z: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-Z: every counter zeroed" "0 0" "$(conns1 8000) $(conns1 8001)"
adm -D -t 10.0.0.10:8001

adm -d -t 10.0.0.10:8000 -r 10.1.0.12:8080
tb_expect_eq "-d: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-d: one server left" 1 "$(svc_json tcp/10.0.0.10/8000 'len(j["servers"])')"
adm -d -t 10.0.0.10:8000 -r 10.1.0.12:8080
tb_expect_eq "-d again: exit 1" 1 "$ADM_RC"
adm -D -t 10.0.0.10:8000
tb_expect_eq "-D: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_api GET /api/v1/services/tcp/10.0.0.10/8000 >/dev/null
tb_expect_eq "-D: the API has no such service" 404 "$TB_HTTP_CODE"
adm -D -t 10.0.0.10:8000
tb_expect_eq "-D again: exit 1" 1 "$ADM_RC"

# ---- usage errors exit 2; an unreachable API exits 1
adm -A -t 10.0.0.10:80 -s sed
tb_expect_eq "an LVS scheduler mgw lacks: exit 2" 2 "$ADM_RC"
adm -A -f 1
tb_expect_eq "-f: exit 2" 2 "$ADM_RC"
adm --api http://127.0.0.1:1 -L -n
tb_expect_eq "no API there: exit 1" 1 "$ADM_RC"
tb_check "it says so ($(adm_err))" grep -q "cannot reach mgw's API" "$TB_DIR/adm.err"

# ---- --set and -L --timeout: mgw's timeouts through PUT /config
adm --set 1000 0 120
tb_expect_eq "--set: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-L --timeout shows them (0 left tcpfin as it was)" \
	"Timeout (tcp tcpfin udp): 1000 60 120" "$(tb_x lb "$ADM" -L --timeout)"
tb_expect_eq "the API shows them" "1000 60 120" \
	"$(tb_api GET /api/v1/config | tb_json 'j["timeouts"]["tcp_established_s"], j["timeouts"]["tcp_fin_s"], j["timeouts"]["udp_s"]' | tr -d "(),'")"

# ---- IPv6 (issue 18): -R of a dump with v6 FULLNAT services on v6 servers
# (dump6.txt, with the brackets ipvsadm-save writes), -S -n gives the same
# lines back after the IPv4 ones, -L -n shows them (list6.txt). FULLNAT to
# v6 servers wants a v6 local IP: one is added to the running config first
# (not to mgw.json, which an mgw without IPv6 services would not start on).
tb_api DELETE /api/v1/services/tcp/fd00::10/8080
tb_expect_eq "the API knows v6 paths (no such service yet)" 404 "$TB_HTTP_CODE"
tb_api GET /api/v1/config
tb_api PUT /api/v1/config "$($TB_PY -c 'import json, sys
c = json.load(open(sys.argv[1])); c["localips"] = c.get("localips", []) + ["fd00:1::100"]
print(json.dumps(c))' "$TB_DIR/api.out")"
tb_expect_eq "the API takes a v6 local IP" 200 "$TB_HTTP_CODE"
tb_api POST /api/v1/services '{"proto": "tcp", "vip": "fd00::10", "port": 8080, "scheduler": "rr", "forward": "fullnat"}'
tb_expect_eq "the API takes a v6 service" 201 "$TB_HTTP_CODE"
adm -D -t "[fd00::10]:8080"
tb_expect_eq "-D -t [v6]:port: exit 0 ($(adm_err))" 0 "$ADM_RC"
adm -S -n >"$TB_DIR/before6.txt"
adm_in "$HERE/dump6.txt" -R
tb_expect_eq "-R of the v6 dump: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "the API holds them, addresses canonical" \
	"fd00::10 fullnat fd00:1::11:8080 fd00:1::12:8080" \
	"$(svc_json tcp/fd00::10/80 '" ".join([j["vip"], j["forward"]] + [s["ip"]+":"+str(s["port"]) for s in j["servers"]])')"
adm -S -n >"$TB_DIR/saved6.txt"
tb_check "-S -n: the IPv4 lines as before" \
	diff -u "$TB_DIR/before6.txt" <(grep -v '\[' "$TB_DIR/saved6.txt")
tb_check "-S -n: the v6 lines back, after the IPv4 ones" \
	diff -u <(cat "$TB_DIR/before6.txt" "$HERE/dump6.txt") "$TB_DIR/saved6.txt"
adm -L -n >"$TB_DIR/list6.txt"
tb_check "-L -n: the v6 services last, as list6.txt" \
	diff -u "$HERE/list6.txt" <(tail -n "$(wc -l <"$HERE/list6.txt")" "$TB_DIR/list6.txt")
adm -L -n -t "[fd00::10]:443"
tb_expect_eq "-L -n -t [v6]:port: exit 0 ($(adm_err))" 0 "$ADM_RC"
adm -e -t "[fd00::10]:80" -r "[fd00:1::12]:8080" -w 0
tb_expect_eq "-e on a v6 server: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-e: the API shows weight 0" 0 \
	"$(svc_json tcp/fd00::10/80 '[s["weight"] for s in j["servers"] if s["ip"]=="fd00:1::12"][0]')"
adm -d -t "[fd00::10]:80" -r "[fd00:1::12]:8080"
tb_expect_eq "-d of a v6 server: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-d: one server left" 1 "$(svc_json tcp/fd00::10/80 'len(j["servers"])')"
for p in 80 443; do adm -D -t "[fd00::10]:$p"; done
tb_check "-D of both: the table as before" \
	bash -c "ip netns exec $(tb_nsname lb) $ADM -S -n | diff -q - $TB_DIR/before6.txt"

# ---- -C: one atomic change to an empty table
adm -C
tb_expect_eq "-C: exit 0 ($(adm_err))" 0 "$ADM_RC"
tb_expect_eq "-C: no services left" 0 "$(tb_api GET /api/v1/services | tb_json 'len(j)')"
tb_expect_eq "-S of an empty table prints nothing" "" "$(tb_x lb "$ADM" -S -n)"

tb_mgw_stop
tb_expect_eq "mgw exits 0" 0 "$MGW_RC"
tb_done
