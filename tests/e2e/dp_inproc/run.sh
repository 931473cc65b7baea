#!/usr/bin/env bash
# The data plane on two lcores driven packet by packet (tests/tools/dp_inproc.c):
# fragments and ICMP errors that land on the lcore without the session are
# handed to the one with it, refused flows get RST / port unreachable, a
# sorry server takes over, on_down: reset sends each end a RST it accepts,
# a client packet on the lcore without its session is handed on, and reply steering falls back to software without rte_flow. Runs in a
# namespace of its own (its memif sockets are abstract, per namespace).
source "$(dirname "$0")/../../lib/common.sh"
tb_init dp_inproc 60
tool="$TB_BUILD/tools/dp_inproc"
[[ -x $tool ]] || { tb_log "FAIL - $tool not built (make)"; exit 1; }
tb_ns x
tb_bg x dp_inproc "$tool"
pid=$TB_LAST_PID
rc=0
wait "$pid" || rc=$?
grep -E "^(ok|FAIL)" "$TB_DIR/dp_inproc.log" | while read -r line; do tb_log "$line"; done
tb_check "every check passed (exit $rc)" [ "$rc" -eq 0 ]
tb_check "the checks ran" grep -q "^passed: 0 failure" "$TB_DIR/dp_inproc.log"
tb_done
