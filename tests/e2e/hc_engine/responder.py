# A tiny HTTP responder for the hc_engine scenario. Answers every request
# according to the mode read from MODEFILE at that moment: a status number,
# "garbage" or "huge" (a status line followed by a megabyte). Logs the
# client address, the request line and the Host header, one line each.
import socket
import sys

port, modefile, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(64)
while True:
    c, peer = srv.accept()
    try:
        c.settimeout(2)
        req = b""
        while b"\r\n\r\n" not in req and len(req) < 8192:
            d = c.recv(4096)
            if not d:
                break
            req += d
        with open(modefile) as f:
            mode = f.read().strip()
        lines = req.decode(errors="replace").split("\r\n")
        host = next((l for l in lines if l.lower().startswith("host:")), "Host: -")
        with open(logfile, "a") as f:
            f.write(f"{peer[0]} mode={mode} {lines[0]} | {host}\n")
        if mode.isdigit():
            c.sendall(f"HTTP/1.1 {mode} Whatever\r\nContent-Length: 0\r\n\r\n".encode())
        elif mode == "garbage":
            c.sendall(b"\x00\x01\x02 not http at all\r\n\r\n")
        elif mode == "huge":
            c.sendall(b"HTTP/1.1 200 " + b"x" * (1 << 20) + b"\r\n\r\n")
    except OSError:
        pass  # the checker hangs up once it has the status line
    finally:
        c.close()
