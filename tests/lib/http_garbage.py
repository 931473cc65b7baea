#!/usr/bin/env python3
"""Throw malformed HTTP at mgw's API: truncated requests, garbage bytes,
oversize headers, half-sent bodies. Usage: http_garbage.py HOST PORT ROUNDS"""
import socket
import sys

host, port, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
payloads = [
    b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n",             # no end of headers
    b"GARBAGE\r\n\r\n",
    b"\x00\xff\xfe\x01\r\n\r\n",
    b"POST /api/v1/services HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"proto\"",  # short body
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",               # huge URL
    b"GET /api/v1/status HTTP/1.1\r\n" + b"X: " + b"y" * 70000 + b"\r\n\r\n",
    b"POST /api/v1/services HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
    b"PUT /api/v1/config HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
]
for _ in range(rounds):
    for p in payloads:
        s = socket.socket()
        s.settimeout(0.3)
        try:
            s.connect((host, port))
            s.sendall(p)
            # Half the time hang up at once (a truncated request); else
            # wait briefly for whatever answer comes.
            if _ % 2:
                s.recv(4096)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            s.close()
print("ok")
