#!/usr/bin/env bash
# tests/bench/api.sh — the API at scale, for `make bench`: mgw on the netns
# testbed (one backend, no traffic), then tests/lib/api_scale.py adds N
# servers to one service one POST at a time over one kept-alive connection,
# and puts the same N in one PUT /api/v1/config. Its last line is the
# script's JSON. Needs root (network namespaces); cleans up after itself.
#
#   BENCH_API_SERVERS=10000
set -uo pipefail
source "$(dirname "$0")/../lib/common.sh"
source "$TB_ROOT/tests/lib/testbed.sh"

n=${BENCH_API_SERVERS:-10000}
tb_init benchapi 120
cd "$TB_ROOT" || exit 1
tb_topology 1
tb_mgw_config "[]"
# room for the servers: limits.servers above N
sed -i 's|"servers": 4096, "services": 256|"servers": 65536, "services": 256|' "$TB_DIR/mgw.json"
tb_mgw_start || exit 1
tb_x lb "$TB_PY" tests/lib/api_scale.py "$n" | tail -n 1
