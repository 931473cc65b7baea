#!/usr/bin/env bash
# The Debian package (issue 17): `make deb` builds an installable .deb, and
# what it installs works.
# - the package holds mgw, mgwadm, the unit, a default config (a conffile),
#   man pages mgw(8), mgwadm(8), mgw.json(5) and mgwadm's bash completion;
#   its version is the one mgw --version prints
# - dpkg installs it into a scratch root whose package database is this
#   box's (so Depends must be satisfied by Debian's packages, without
#   --force-depends); the installed mgw --version runs and the shipped
#   config passes --check
# - each man page renders with man -l and no warning; mgw.json(5) holds
#   every field docs/config.md lists (it is made from that file)
# - the unit passes systemd-analyze verify and is Type=notify with a
#   watchdog and a reload
# - the completion offers every option mgwadm --help lists
# - the installed binaries run on the testbed: HTTP through a VIP, the
#   installed mgwadm -L lists it, the unit's ExecReload= lines (check,
#   then SIGHUP) apply an edited file
# - dpkg -r keeps the conffile, --purge removes it
source "$(dirname "$0")/../../lib/common.sh"
source "$(dirname "$0")/../../lib/testbed.sh"
tb_init deb 150

t0=$(date +%s%N)
deb=$(make -C "$TB_ROOT" --no-print-directory deb 2>"$TB_DIR/make.log" | tail -n 1)
tb_log "make deb: $deb in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
tb_check "make deb built a .deb" [ -f "$deb" ]
[[ -f $deb ]] || { cat "$TB_DIR/make.log" >&2; tb_done; }

# --- what the package holds
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$TB_DIR/contents"
for f in /usr/sbin/mgw /usr/sbin/mgwadm /lib/systemd/system/mgw.service /etc/mgw/mgw.json \
	/usr/share/man/man8/mgw.8.gz /usr/share/man/man8/mgwadm.8.gz \
	/usr/share/man/man5/mgw.json.5.gz /usr/share/bash-completion/completions/mgwadm \
	/usr/share/doc/mgw/copyright /usr/share/doc/mgw/grafana-mgw.json; do
	tb_check "the package holds $f" grep -qx "$f" "$TB_DIR/contents"
done
tb_expect_eq "conffiles" /etc/mgw/mgw.json "$(dpkg-deb -I "$deb" conffiles)"
version=$(dpkg-deb -f "$deb" Version)
tb_expect_eq "package version = mgw --version" "$version" "$("$TB_ROOT/mgw" --version | awk '{print $2}')"
depends=$(dpkg-deb -f "$deb" Depends)
tb_log "Depends: $depends"
tb_check "Depends names DPDK's and jansson's libraries" grep -q 'librte-eal.*libjansson\|libjansson.*librte-eal' <<<"$depends"

# --- dpkg -i into a scratch root that has this box's package database
R=$TB_DIR/root
mkdir -p "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/triggers"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"
dpkg_r() { dpkg --root="$R" --log=/dev/null --force-script-chrootless "$@" 2>&1 | grep -v "files list file for package"; return "${PIPESTATUS[0]}"; }
tb_check "dpkg -i (Depends satisfied, no --force)" dpkg_r -i "$deb"
tb_expect_eq "dpkg says installed" "install ok installed" "$(dpkg --root="$R" -s mgw 2>/dev/null | sed -n 's/^Status: //p')"
tb_expect_eq "installed mgw --version" "mgw $version" "$("$R/usr/sbin/mgw" --version | awk '{print $1, $2}')"
tb_check "installed mgwadm --version runs" "$R/usr/sbin/mgwadm" --version
tb_check "the shipped config passes mgw --check" "$R/usr/sbin/mgw" --check -c "$R/etc/mgw/mgw.json"

# --- man pages: render without a warning, with their sections
for page in man8/mgw.8.gz man8/mgwadm.8.gz man5/mgw.json.5.gz; do
	MANWIDTH=100 man --warnings -l "$R/usr/share/man/$page" >"$TB_DIR/${page##*/}.txt" 2>"$TB_DIR/man.err"
	tb_check "man -l $page: no warning$(head -c 200 "$TB_DIR/man.err")" [ ! -s "$TB_DIR/man.err" ]
	tb_check "man -l $page: NAME and SEE ALSO" grep -q '^SEE ALSO' "$TB_DIR/${page##*/}.txt"
done
grep -q '^SIGNALS' "$TB_DIR/mgw.8.gz.txt" && grep -q 'SIGHUP' "$TB_DIR/mgw.8.gz.txt"
tb_check "mgw(8) has SIGNALS with SIGHUP" [ $? = 0 ]
tb_check "mgwadm(8) documents --import-keepalived" grep -q -- '--import-keepalived' "$TB_DIR/mgwadm.8.gz.txt"
missing=""
for field in $(grep -o '^| `[a-z_./]*`' "$TB_ROOT/docs/config.md" | tr -d '|` '); do
	grep -qF -- "$field" "$TB_DIR/mgw.json.5.gz.txt" || missing+=" $field"
done
nf=$(grep -c '^| `[a-z_./]*`' "$TB_ROOT/docs/config.md")
tb_expect_eq "mgw.json(5) holds every field of docs/config.md ($nf)" "" "$missing"

# --- the unit
unit=$R/lib/systemd/system/mgw.service
for kv in Type=notify WatchdogSec= 'ExecReload=/usr/sbin/mgw --check' 'ExecReload=/bin/kill -HUP $MAINPID' \
	'ExecStopPost=/usr/sbin/mgw --down-ports'; do
	tb_check "unit: $kv" grep -qF -- "$kv" "$unit"
done
if command -v systemd-analyze >/dev/null; then
	# the unit as installed names /usr/sbin; verify it against the scratch
	# root's binaries and man pages
	sed "s|/usr/sbin/|$R/usr/sbin/|g" "$unit" >"$TB_DIR/mgw.service"
	MANPATH=$R/usr/share/man systemd-analyze verify "$TB_DIR/mgw.service" >"$TB_DIR/verify.out" 2>&1
	rc=$?
	tb_check "systemd-analyze verify: rc $rc, '$(head -c 300 "$TB_DIR/verify.out")'" [ $rc = 0 -a ! -s "$TB_DIR/verify.out" ]
else
	tb_log "skip - no systemd-analyze here"
fi

# --- bash completion: every option of mgwadm --help
opts=$("$R/usr/sbin/mgwadm" --help 2>&1 | sed -n '/^Commands:/,/^How mgwadm differs/p' |
	grep -oE '(^|[[:space:]])--?[A-Za-z][A-Za-z-]*' | tr -d ' ' | sort -u)
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mgwadm; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$R/usr/share/bash-completion/completions/mgwadm" "$@"
}
all=$(comp mgwadm -)
missing=""
for o in $opts; do grep -qx -- "$o" <<<"$all" || missing+=" $o"; done
tb_expect_eq "completion offers every option of --help ($(wc -w <<<"$opts") of them)" "" "$missing"
tb_expect_eq "completion of -s" "rr wrr lc wlc sh mh" "$(comp mgwadm -A -s '' | xargs)"
tb_expect_eq "completion of --imp" "--import-keepalived" "$(comp mgwadm --imp)"

# --- the installed binaries on the testbed
TB_MGW=$R/usr/sbin/mgw
tb_topology 2
tb_http_backends 2
services="[ { \"proto\": \"tcp\", \"vip\": \"$TB_VIP\", \"port\": 80, \"scheduler\": \"rr\",
    \"servers\": $(tb_servers_json 8080 2) } ]"
tb_mgw_config "$services"
tb_mgw_start || tb_done
for i in $(seq 10); do tb_client curl -s --max-time 5 "http://$TB_VIP/"; done >"$TB_DIR/answers"
tb_expect_eq "10 answers through the installed mgw" 10 "$(grep -c '^b[12]$' "$TB_DIR/answers")"
list=$(tb_x lb "$R/usr/sbin/mgwadm" -L -n)
tb_check "installed mgwadm -L -n lists the VIP and both servers" \
	[ "$(grep -c -- '-> 10.1.0.1[12]:8080' <<<"$list")" = 2 -a "$(grep -c "TCP  $TB_VIP:80" <<<"$list")" = 1 ]

# the unit's ExecReload= lines, as systemd would run them, on an edited file
sed -i 's/"weight": 1 }/"weight": 7 }/g' "$TB_DIR/mgw.json"
rc=0
while IFS= read -r cmd; do
	cmd=${cmd#ExecReload=}
	cmd=${cmd//\/usr\/sbin\//$R/usr/sbin/}
	cmd=${cmd//\/etc\/mgw\/mgw.json/$TB_DIR/mgw.json}
	cmd=${cmd//\$MAINPID/$MGW_PID}
	tb_log "ExecReload: $cmd"
	$cmd || rc=$?
done < <(grep '^ExecReload=' "$unit")
tb_expect_eq "ExecReload= lines ran" 0 "$rc"
weights() { tb_api GET /api/v1/services/tcp/$TB_VIP/80 | tb_json '" ".join(str(s["weight"]) for s in j["servers"])'; }
weights_are_7() { [ "$(weights)" = "7 7" ]; }
tb_wait 5 weights_are_7
tb_expect_eq "the reload applied the edited weights" "7 7" "$(weights)"
tb_mgw_stop
tb_expect_eq "installed mgw stops with 0" 0 "$MGW_RC"

# --- remove keeps the conffile, purge removes it
tb_check "dpkg -r" dpkg_r -r mgw
tb_check "dpkg -r removed the binaries" [ ! -e "$R/usr/sbin/mgw" -a ! -e "$R/usr/sbin/mgwadm" ]
tb_check "dpkg -r kept /etc/mgw/mgw.json" [ -f "$R/etc/mgw/mgw.json" ]
tb_check "dpkg --purge" dpkg_r --purge mgw
tb_check "purge removed /etc/mgw/mgw.json" [ ! -e "$R/etc/mgw/mgw.json" ]
tb_done
