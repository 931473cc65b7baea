#!/usr/bin/env python3
"""docs/openapi.yaml against the code and against real answers.

  openapi_check.py routes SPEC web/*.c   every route of the C tables is
                                         documented, every documented
                                         operation is a route
  openapi_check.py answers SPEC DIR      every answer recorded in DIR (by
                                         tb_api with TB_API_RECORD=DIR) is
                                         one the spec allows: its status is
                                         listed for its operation (or is an
                                         error under `default`), its body
                                         matches the schema

Prints one line per problem and a summary; exit 1 on any problem.
"""
import glob
import json
import os
import re
import sys

import jsonschema
import yaml

METHODS = ("get", "put", "post", "patch", "delete")


def template_re(path):
    return re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")


def routes(spec, files):
    doc = {(m.upper(), re.sub(r"\{[^}]*\}", "*", p))
           for p, item in spec["paths"].items() for m in item if m in METHODS}
    code = set()
    for f in files:
        with open(f, encoding="utf-8") as fh:
            for m in re.finditer(r'\{\s*"(GET|PUT|POST|PATCH|DELETE)",\s*"([^"]+)"', fh.read()):
                code.add((m.group(1), m.group(2)))
    bad = 0
    for m, p in sorted(code - doc):
        print(f"undocumented route: {m} {p}")
        bad += 1
    for m, p in sorted(doc - code):
        print(f"documented but not a route: {m} {p}")
        bad += 1
    print(f"routes: {len(code)} in the code, {len(doc)} documented, {bad} problems")
    return bad


def validator(spec, schema):
    root = dict(schema)
    root["components"] = spec["components"]
    return jsonschema.Draft202012Validator(root)


def answers(spec, rec_dir):
    ops = []
    for p, item in spec["paths"].items():
        for m in item:
            if m in METHODS:
                ops.append((m.upper(), template_re(p), p, item[m]))
    error_schema = spec["components"]["responses"]["Error"]["content"]["application/json"]["schema"]
    bad = n = 0
    seen = set()
    for meta in sorted(glob.glob(os.path.join(rec_dir, "*.meta"))):
        with open(meta, encoding="utf-8", errors="replace") as fh:
            method, path, status = fh.read().split("\n")[0].split(" ", 2)
        with open(meta[:-5] + ".body", "rb") as fh:
            raw = fh.read()
        if status == "000":        # no answer (a deliberately stopped mgw)
            continue
        n += 1
        url = path.split("?", 1)[0]
        op = next((o for o in ops if o[0] == method and o[1].match(url)), None)
        where = f"{method} {path} -> {status}"
        if op is None:
            known = any(o[1].match(url) for o in ops)
            if not (status == "405" if known else status in ("404", "405")):
                print(f"{where}: no such operation in the spec, and not a 404/405")
                bad += 1
                continue
            schema = error_schema
        else:
            seen.add((op[0], op[2]))
            resp = op[3]["responses"].get(status)
            if resp is None:
                if status.startswith("2"):
                    print(f"{where}: status not documented for {op[0]} {op[2]}")
                    bad += 1
                    continue
                resp = op[3]["responses"]["default"]
            if "$ref" in resp:
                resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
            content = resp.get("content", {})
            if "application/json" not in content:
                continue
            schema = content["application/json"]["schema"]
        try:
            body = json.loads(raw)
        except ValueError as e:
            print(f"{where}: not JSON ({e}): {raw[:80]!r}")
            bad += 1
            continue
        errs = sorted(validator(spec, schema).iter_errors(body), key=lambda e: list(e.path))
        for e in errs[:3]:
            print(f"{where}: {'/'.join(map(str, e.path)) or '(top)'}: {e.message[:200]}")
        bad += bool(errs)
    print(f"answers: {n} checked, {len(seen)} operations seen, {bad} problems")
    return bad


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("routes", "answers"):
        sys.exit(__doc__)
    with open(sys.argv[2], encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    jsonschema.Draft202012Validator.check_schema(
        {"components": spec["components"]})
    bad = routes(spec, sys.argv[3:]) if sys.argv[1] == "routes" else answers(spec, sys.argv[3])
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
