#!/usr/bin/env bash
# Installs what mgw needs to build and test, with apt-get, only when missing.
# Idempotent: when everything is present it prints one line and does nothing.
set -euo pipefail

build_pkgs=(gcc make pkg-config dpdk dpdk-dev libdpdk-dev libmicrohttpd-dev
            libjansson-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
            libssl-dev)
# prometheus: its promtool lints /metrics; chromium (+ nodejs/npm for
# playwright-core) drives the status page; python3-jsonschema and
# python3-yaml check API answers against docs/openapi.yaml; strace counts
# what mgw sends to syslog; man-db and dpkg-dev (dpkg-shlibdeps) for make
# deb and its test; linux-perf samples the data lcore (cpu-clock: no
# hardware counters needed) for make bench-peers' per-stage breakdown.
test_pkgs=(iproute2 ethtool tcpdump nginx-light socat wrk python3 python3-scapy
           hping3 curl bird2 frr ipvsadm procps jq clang nftables haproxy
           libnginx-mod-stream prometheus chromium nodejs npm
           python3-jsonschema python3-yaml strace man-db dpkg-dev linux-perf)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	# nginx-light provides nginx; accept any installed nginx flavour.
	if [[ $p == nginx-light ]] && command -v nginx >/dev/null; then continue; fi
	# a nodejs from elsewhere may bring its own npm (and conflict with Debian's)
	if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm packages for the browser test, in the build tree (never committed).
npm_dir="$(cd "$(dirname "$0")/.." && pwd)/build/npm"
npm_missing() {
	[[ "${1:-}" == "--test" ]] && [[ ! -f $npm_dir/node_modules/playwright-core/package.json ]]
}

if ((${#missing[@]} == 0)) && ! npm_missing "${1:-}"; then
	echo "deps: all present"
	exit 0
fi
sudo=""
((EUID == 0)) || sudo="sudo"
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q || true
	$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
	# Debian starts these daemons on install; tests run their own instances.
	for svc in nginx bird frr haproxy prometheus; do
		$sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
	done
fi
if npm_missing "${1:-}"; then
	# The browser is Debian's chromium: playwright-core only drives it
	# (it downloads no browser of its own).
	echo "deps: npm install playwright-core into $npm_dir"
	mkdir -p "$npm_dir"
	npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error playwright-core@1.64 >/dev/null
fi
