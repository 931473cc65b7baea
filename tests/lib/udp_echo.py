#!/usr/bin/env python3
"""UDP echo server for the testbed: answers NAME:<payload> to every datagram."""
import socket
import sys

addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(name + b":" + data, peer)
