"""Raw-socket probes of mgw's API limits. Each prints one JSON line.

  early HOST PORT TOKEN LENGTH   headers declaring LENGTH body bytes, no body:
                                 how long until an answer, and its status
  conns HOST PORT N              open N idle connections: how many stay open
                                 and whether a request on one more is answered
  slow HOST PORT SECONDS         send a request's headers a byte at a time,
                                 every 0.3 s: when the server closes
  bodies HOST PORT TOKEN SIZE    two requests each holding most of a SIZE body,
                                 then both finished: their statuses
"""
import json
import socket
import sys
import time


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def read_answer(s, limit=5.0):
    s.settimeout(limit)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def early(host, port, token, length):
    s = connect(host, port)
    t0 = time.time()
    s.sendall(("POST /api/v1/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %s\r\n\r\n" % (token, length)).encode())
    data = read_answer(s, 5.0)
    return {"status": status_of(data), "ms": round((time.time() - t0) * 1000)}


def conns(host, port, n):
    held = []
    for _ in range(int(n)):
        held.append(connect(host, port))
    time.sleep(0.5)
    open_ = 0
    for s in held:
        s.settimeout(0.2)
        try:
            open_ += 0 if s.recv(1) == b"" else 1
        except socket.timeout:
            open_ += 1
        except ConnectionResetError:
            pass
    extra = connect(host, port)
    try:
        extra.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        answered = status_of(read_answer(extra, 2.0))
    except (BrokenPipeError, ConnectionResetError):
        answered = None
    for s in held:
        s.close()
    return {"held_open": open_, "extra_answered": answered}


def slow(host, port, seconds):
    s = connect(host, port)
    req = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 200 + b"\r\n\r\n"
    t0 = time.time()
    closed = None
    for b in req:
        try:
            s.send(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            closed = time.time() - t0
            break
        s.settimeout(0.3)
        try:
            if s.recv(4096) == b"":
                closed = time.time() - t0
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = time.time() - t0
            break
        if time.time() - t0 > float(seconds):
            break
    return {"closed_after_s": None if closed is None else round(closed, 2)}


def bodies(host, port, token, size):
    size = int(size)
    head = ("PUT /api/v1/config HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, size)).encode()
    body = b'{"pad": "' + b"x" * (size - 11) + b'"}'
    part = size * 9 // 10
    a, b = connect(host, port), connect(host, port)
    for s in (a, b):
        s.sendall(head + body[:part])
        time.sleep(0.3)
    out = {}
    for name, s in (("first", a), ("second", b)):
        s.sendall(body[part:])
        data = read_answer(s, 5.0)
        out[name] = status_of(data)
        out[name + "_body"] = data.split(b"\r\n\r\n", 1)[-1][:300].decode("utf-8", "replace")
    return out


cmd, args = sys.argv[1], sys.argv[2:]
print(json.dumps({"early": early, "conns": conns, "slow": slow, "bodies": bodies}[cmd](*args)))
