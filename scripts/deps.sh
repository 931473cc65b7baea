#!/usr/bin/env bash
# Installs what mgw needs to build and test, with apt-get, only when missing.
# Idempotent: when everything is present it prints one line and does nothing.
set -euo pipefail

build_pkgs=(gcc make pkg-config dpdk dpdk-dev libdpdk-dev libmicrohttpd-dev
            libjansson-dev libprotobuf-c-dev protobuf-c-compiler libcmocka-dev
            libssl-dev)
test_pkgs=(iproute2 ethtool tcpdump nginx-light socat wrk python3 python3-scapy
           hping3 curl bird2 frr ipvsadm procps jq clang nftables haproxy
           libnginx-mod-stream)

want=("${build_pkgs[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	# nginx-light provides nginx; accept any installed nginx flavour.
	if [[ $p == nginx-light ]] && command -v nginx >/dev/null; then continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
((EUID == 0)) || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q || true
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts these daemons on install; tests run their own instances.
for svc in nginx bird frr haproxy; do
	$sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
