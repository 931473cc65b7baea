#!/usr/bin/env python3
"""What becomes of a connection to HOST:PORT (IPv4 or IPv6) that sends a
byte: prints "reset" (a RST, at the connect or after), "eof", "data" or
"timeout". For a SYN proxy whose server refuses mgw's SYN: the client,
connected to the proxy, must see "reset".

usage: connect_fate.py HOST PORT"""
import socket
import sys
import time

try:
    # (on a slow box the reset may already meet the connect)
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
    s.sendall(b'x')
    time.sleep(0.5)
    print('eof' if not s.recv(10) else 'data')
except ConnectionResetError:
    print('reset')
except socket.timeout:
    print('timeout')
