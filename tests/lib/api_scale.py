#!/usr/bin/env python3
"""Measure the API at scale: N servers added one call at a time (one kept-
alive connection), then the same N in one PUT /config. Prints timings.
Usage: api_scale.py N"""
import http.client
import json
import sys
import time

n = int(sys.argv[1])
c = http.client.HTTPConnection("127.0.0.1", 8080, timeout=60)


def call(method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        raise SystemExit(f"{method} {path}: {r.status} {data[:200]}")
    return json.loads(data)


def ip(i):
    return f"10.2.{i // 250}.{i % 250 + 1}"


call("POST", "/api/v1/services", {"proto": "tcp", "vip": "10.0.0.30", "port": 80, "scheduler": "rr"})
t0 = time.time()
lat = []
for i in range(n):
    t = time.time()
    call("POST", "/api/v1/services/tcp/10.0.0.30/80/servers", {"ip": ip(i), "port": 8080})
    lat.append(time.time() - t)
one_by_one = time.time() - t0
lat.sort()
cfg = call("GET", "/api/v1/config")
cfg["services"] = [s for s in cfg["services"] if s["vip"] != "10.0.0.30"]
call("PUT", "/api/v1/config", cfg)
cfg["services"].append({"proto": "tcp", "vip": "10.0.0.30", "port": 80, "scheduler": "rr",
                        "servers": [{"ip": ip(i), "port": 8080} for i in range(n)]})
t0 = time.time()
call("PUT", "/api/v1/config", cfg)
one_put = time.time() - t0
print(json.dumps({"servers": n, "one_at_a_time_s": round(one_by_one, 3),
                  "per_call_ms_p50": round(lat[n // 2] * 1000, 3),
                  "per_call_ms_p99": round(lat[n * 99 // 100] * 1000, 3),
                  "one_put_config_s": round(one_put, 3)}))
