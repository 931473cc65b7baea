#!/usr/bin/env python3
"""connprobe.py — TCP connection attempts for the attack_policy scenario.

  connprobe.py try SRC DST PORT N [TIMEOUT]     N connects in a row from SRC;
      prints "ok K refused K timeout K" (each socket closed at once)
  connprobe.py hold SRC DST PORT N SECONDS      open N connections from SRC
      and hold them for SECONDS; prints "held K" once they are up, then
      sleeps and closes them (run it in the background)
"""
import socket
import sys
import time


def attempt(src, dst, port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    try:
        s.connect((dst, port))
        return s, "ok"
    except ConnectionRefusedError:
        s.close()
        return None, "refused"
    except (socket.timeout, OSError):
        s.close()
        return None, "timeout"


def main():
    mode, src, dst, port, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    if mode == "try":
        timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
        res = {"ok": 0, "refused": 0, "timeout": 0}
        for _ in range(n):
            s, r = attempt(src, dst, port, timeout)
            res[r] += 1
            if s:
                s.close()   # orderly (FIN): the session leaves ESTABLISHED
        print("ok %d refused %d timeout %d" % (res["ok"], res["refused"], res["timeout"]))
    elif mode == "hold":
        held = []
        for _ in range(n):
            s, r = attempt(src, dst, port, 2.0)
            if s:
                held.append(s)
        print("held %d" % len(held), flush=True)
        time.sleep(float(sys.argv[6]))
        for s in held:
            s.close()
    else:
        sys.exit("usage: connprobe.py try|hold SRC DST PORT N [TIMEOUT|SECONDS]")


if __name__ == "__main__":
    main()
