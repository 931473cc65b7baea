#!/usr/bin/env python3
"""TCP sink for the icmp scenario: reads each connection to its end and
answers with the SHA-256 (hex) of what it read. An address with a colon
is IPv6."""
import hashlib
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(64)
while True:
    c, _ = s.accept()
    h = hashlib.sha256()
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            h.update(d)
        c.sendall(h.hexdigest().encode())
    except OSError:
        pass
    c.close()
