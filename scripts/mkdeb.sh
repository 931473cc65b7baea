#!/usr/bin/env bash
# mkdeb.sh OUTDIR VERSION: build mgw_VERSION_ARCH.deb in OUTDIR from the
# built ./mgw and ./mgwadm (`make deb` calls it). What goes in:
#   /usr/sbin/mgw, /usr/sbin/mgwadm
#   /lib/systemd/system/mgw.service            packaging/mgw.service
#   /etc/mgw/mgw.json (a conffile)             packaging/mgw.json
#   man pages mgw(8), mgwadm(8)                packaging/man/*.8
#   mgw.json(5)                                made from docs/config.md
#   bash completion for mgwadm                 packaging/mgwadm.bash-completion
#   /usr/share/doc/mgw: README, docs, the Grafana dashboard, copyright
# Depends: come from dpkg-shlibdeps (the packages of the shared libraries
# the two binaries link), so the package installs where those are.
set -euo pipefail

out=$(mkdir -p "$1" && cd "$1" && pwd) version=$2
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
arch=$(dpkg --print-architecture)
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

inst() { install -D -m "$1" "$2" "$stage/$3"; }
inst 0755 mgw usr/sbin/mgw
inst 0755 mgwadm usr/sbin/mgwadm
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$stage/usr/sbin/mgw" "$stage/usr/sbin/mgwadm"
inst 0644 packaging/mgw.service lib/systemd/system/mgw.service
inst 0644 packaging/mgw.json etc/mgw/mgw.json
inst 0644 packaging/mgwadm.bash-completion usr/share/bash-completion/completions/mgwadm
inst 0644 README.md usr/share/doc/mgw/README.md
inst 0644 docs/config.md usr/share/doc/mgw/config.md
inst 0644 docs/api.md usr/share/doc/mgw/api.md
inst 0644 packaging/grafana-mgw.json usr/share/doc/mgw/grafana-mgw.json
inst 0644 packaging/copyright usr/share/doc/mgw/copyright

man=$stage/usr/share/man
mkdir -p "$man/man5" "$man/man8"
for p in mgw mgwadm; do
	sed "s/@VERSION@/$version/" "packaging/man/$p.8" | gzip -9n >"$man/man8/$p.8.gz"
done
{
	printf '.TH MGW.JSON 5 "" "mgw %s" "File Formats"\n' "$version"
	printf '.SH NAME\nmgw.json \\- configuration file of mgw(8)\n'
	printf '.SH SYNOPSIS\n/etc/mgw/mgw.json\n.SH DESCRIPTION\n'
	awk -f scripts/md2man.awk docs/config.md
	printf '.SH SEE ALSO\n.BR mgw (8),\n.BR mgwadm (8)\n'
} | gzip -9n >"$man/man5/mgw.json.5.gz"
printf 'mgw (%s) unstable; urgency=medium\n\n  * Built from the source tree by make deb.\n\n -- mgw developers <mgw@localhost>  %s\n' \
	"$version" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" |
	gzip -9n >"$stage/usr/share/doc/mgw/changelog.Debian.gz"

# dpkg-shlibdeps wants a source tree with debian/control.
sh=$out/shlibs
rm -rf "$sh"
mkdir -p "$sh/debian"
printf 'Source: mgw\n\nPackage: mgw\nArchitecture: any\n' >"$sh/debian/control"
depends=$(cd "$sh" && dpkg-shlibdeps -O -e"$stage/usr/sbin/mgw" -e"$stage/usr/sbin/mgwadm" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

printf '/etc/mgw/mgw.json\n' >"$stage/DEBIAN/conffiles"
install -m 0755 packaging/deb/postinst "$stage/DEBIAN/postinst"
install -m 0755 packaging/deb/postrm "$stage/DEBIAN/postrm"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: mgw
Version: $version
Architecture: $arch
Maintainer: mgw developers <mgw@localhost>
Installed-Size: $size
Depends: $depends
Recommends: bash-completion
Section: net
Priority: optional
Description: layer-4 load balancer with a DPDK data plane
 mgw forwards TCP and UDP from virtual IPs to real servers (FULLNAT, NAT,
 direct routing, IPIP) in one process that also holds an HTTP JSON API, a
 status page, Prometheus metrics, health checks, OSPF and BGP speakers and
 session sync. mgwadm speaks ipvsadm's command line to it and imports
 keepalived.conf.
EOF
deb=$out/mgw_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
