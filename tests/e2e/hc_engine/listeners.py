# Listens on COUNT TCP ports from BASE; accepts and closes every connection.
import selectors
import socket
import sys

base, count = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
for p in range(base, base + count):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p))
    s.listen(128)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        try:
            while True:
                c, _ = key.fileobj.accept()
                c.close()
        except BlockingIOError:
            pass
