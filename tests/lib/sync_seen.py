#!/usr/bin/env python3
"""When did each peer's session appear here? Polls GET /api/v1/sessions of
the mgw in this namespace every 5 ms until STOP exists, and writes
"proto clientport first_seen_time" for every foreign session it saw.
Usage: sync_seen.py VIP STOP OUT"""
import json
import os
import sys
import time
import urllib.request

vip, stop, out = sys.argv[1], sys.argv[2], sys.argv[3]
url = f"http://127.0.0.1:8080/api/v1/sessions?vip={vip}&limit=100000"  # the API's cap per answer
seen = {}
while not os.path.exists(stop):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            j = json.load(r)
    except Exception:
        time.sleep(0.05)
        continue
    now = time.time()
    for s in j["sessions"]:
        if s.get("foreign"):
            key = (s["proto"], s["client"].rsplit(":", 1)[1])
            seen.setdefault(key, now)
    time.sleep(0.005)
with open(out, "w") as f:
    for (proto, port), t in seen.items():
        f.write(f"{proto} {port} {t:.6f}\n")
