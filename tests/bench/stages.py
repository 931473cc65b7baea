#!/usr/bin/env python3
"""Where a data lcore's time goes, per stage, from `perf script` output of a
cpu-clock recording with call chains (perf record -e cpu-clock -g -t TID).

Each sample is put in one stage: a system call anywhere on its stack names
it (sendto: a tx kick; poll/recvfrom: rx wake-ups; read/write: the TAP
exception path); kernel time without one is interrupts and softirq; user
time goes to the innermost of its frames that belongs to a stage (a memcpy
inside the session open counts as the SYN path).

Usage: perf script -F ip,sym -i FILE | stages.py LABEL
Prints "stages LABEL: N samples" and one line per stage, biggest first, and
last a JSON object {stage: percent}."""
import json
import re
import sys

# A veth delivers inside the sender's system call: the softirq that runs the
# receiving namespace's stack (a server's or the client's TCP) on the way
# out of a kick is charged to the kick; it is split out first.
SYSCALLS = [
    ("softirq on this core: the receivers' stacks (mostly inside tx kicks)",
     r"^(__do_softirq|net_rx_action|__netif_receive_skb|process_backlog)$"),
    ("tx kick: copy and transmit (sendto)", r"__x64_sys_sendto|__sys_sendto"),
    ("rx wake-up (poll, recvfrom)", r"__x64_sys_(poll|ppoll|recvfrom|recvmsg)"),
    ("TAP exception path (read, write)", r"__x64_sys_(read|readv|write|writev)\b"),
    ("other system calls", r"__x64_sys_|do_syscall_64"),
]
USER = [
    ("LIP:lport pick", r"dp_laddr|lport_round|laddr_"),
    ("SYN path (new session)", r"dp_sess_open|dp_sched|sched_pick|maglev|dp_fullnat_new|synproxy|cookie"),
    ("session table", r"dp_sess_|sess_tbl|dp_wheel|wheel_|dp_evict"),
    ("neighbour", r"dp_neigh|neigh_|dp_arp|arp_"),
    ("TAP exception path (PMD)", r"^pmd_(rx|tx)_burst|tap_|dp_punt|punt_"),
    ("port rx/tx (PMD)", r"af_xdp|af_packet|kick_tx|umem|xsk_|reserve_fill|eth_.*_(rx|tx)"),
    ("packet path (parse, rewrite, forward)", r"^dp_|rewrite|xlate|seq_|tcpwin|csum|rte_ipv4"),
    ("the loop (polls, rings, mempool)", r"rte_|lcore"),
]


def classify(frames):
    """frames: [(addr, sym)] leaf first -> (stage, detail: the system call
    or the leaf function, for the stages that are a remainder)"""
    for name, rx in SYSCALLS:
        hit = next((s for _, s in frames if re.search(rx, s)), None)
        if hit:
            return name, hit
    if not frames:
        return "unknown", ""
    if frames[0][0] >= 0xFFFF800000000000:
        return "kernel, no system call (interrupts, softirq)", frames[0][1]
    for _, s in frames:
        for name, rx in USER:
            if re.search(rx, s):
                return name, s
    return "other user code", frames[0][1]


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else ""
    counts, detail, frames, n = {}, {}, [], 0

    def flush():
        nonlocal frames, n
        if frames:
            st, d = classify(frames)
            counts[st] = counts.get(st, 0) + 1
            detail.setdefault(st, {})
            detail[st][d] = detail[st].get(d, 0) + 1
            n += 1
        frames = []

    for line in sys.stdin:
        t = line.strip()
        if not t:
            flush()
            continue
        if not line[0].isspace():   # a sample's header line
            flush()
            continue
        parts = t.split(None, 1)
        try:
            addr = int(parts[0], 16)
        except ValueError:
            continue
        sym = parts[1] if len(parts) > 1 else "[unknown]"
        frames.append((addr, re.sub(r"\+0x[0-9a-f]+$", "", sym.split(" (")[0])))
    flush()
    print(f"stages {label}: {n} samples")
    pct = {}
    for st, c in sorted(counts.items(), key=lambda kv: -kv[1]):
        pct[st] = round(100.0 * c / n, 1)
        top = sorted(detail[st].items(), key=lambda kv: -kv[1])[:3]
        print(f"  {pct[st]:5.1f} %  {st}  ("
              + ", ".join(f"{d} {100.0 * c / n:.1f}" for d, c in top) + ")")
    print(json.dumps(pct))


if __name__ == "__main__":
    main()
