#!/usr/bin/env python3
"""Receive sd_notify datagrams on a unix socket (a test NOTIFY_SOCKET).

  notify_listen.py SOCKET_PATH OUT_FILE SECONDS

Each datagram is written to OUT_FILE as one line: "<monotonic seconds> <msg>"
with the message's newlines replaced by '|'.
"""
import os
import socket
import sys
import time

path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.2)
end = time.monotonic() + seconds
with open(out, "w", buffering=1) as f:
    while time.monotonic() < end:
        try:
            msg = s.recv(65536)
        except socket.timeout:
            continue
        f.write("%.6f %s\n" % (time.monotonic(), msg.decode("utf-8", "replace").replace("\n", "|")))
