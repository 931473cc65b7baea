"""Stand in for systemd's notification socket: bind an AF_UNIX datagram
socket at PATH and append each message to OUT as one line,
"<ms since epoch> <message with newlines as '|'>"."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        f.write("%d %s\n" % (time.time() * 1000, msg.replace("\n", "|")))
