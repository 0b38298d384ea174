#!/usr/bin/env python3
"""Socket actions for pidtree's integration tests (loopback / test netns only).

  nettool.py listen tcp|udp ADDR PORT HOLD MARKER
      bind (and listen for tcp), print the bound port, sleep HOLD seconds
  nettool.py send [--connect] [--fork] [--hold S] MARKER ADDR PORT COUNT [ADDR PORT COUNT ...]
      one UDP socket sends COUNT datagrams to each destination (connect(2)
      first and use send() with --connect: one destination only), waits
      HOLD seconds, then closes it.  --fork: a child process creates the
      socket and sends, then exits; the parent closes its copy later.
      --connect-first: connect(2) to the first destination, send COUNT
      datagrams there with send() and COUNT more with sendto() naming it;
      the other destinations get theirs with sendto() on that connected
      socket.
  nettool.py udpsink ADDR PORT SECONDS [COUNT]
      print "ready" once bound, receive UDP datagrams for SECONDS (or until
      COUNT have arrived), then print how many arrived
MARKER is only there to appear in this process's command line.
"""
import os
import socket
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listen(proto, addr, port, hold, _marker):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family_of(addr), kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    if proto == "tcp":
        s.listen(8)
    print(s.getsockname()[1], flush=True)
    time.sleep(float(hold))


def send(args):
    connect = fork = connect_first = False
    hold = 0.0
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--connect":
            connect = True
        elif opt == "--fork":
            fork = True
        elif opt == "--connect-first":
            connect_first = True
        elif opt == "--hold":
            hold = float(args.pop(0))
    args.pop(0)  # marker
    dests = [(args[i], int(args[i + 1]), int(args[i + 2])) for i in range(0, len(args), 3)]
    s = socket.socket(family_of(dests[0][0]), socket.SOCK_DGRAM)

    def work():
        if connect_first:
            addr, port, count = dests[0]
            s.connect((addr, port))
            for _ in range(count):
                s.send(b"pidtree-test")
            for _ in range(count):
                s.sendto(b"pidtree-test", (addr, port))
            for addr, port, count in dests[1:]:
                for _ in range(count):
                    s.sendto(b"pidtree-test", (addr, port))
            return
        for addr, port, count in dests:
            if connect:
                s.connect((addr, port))
            for _ in range(count):
                if connect:
                    s.send(b"pidtree-test")
                else:
                    s.sendto(b"pidtree-test", (addr, port))

    if fork:
        pid = os.fork()
        if pid == 0:
            work()
            print(os.getpid(), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
    else:
        work()
        print(os.getpid(), flush=True)
    time.sleep(hold)
    s.close()


def udpsink(addr, port, seconds, count=0):
    s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    print("ready", flush=True)
    s.settimeout(0.2)
    n = 0
    end = time.time() + float(seconds)
    while time.time() < end and not (int(count) and n >= int(count)):
        try:
            s.recv(2048)
            n += 1
        except socket.timeout:
            pass
    print(n, flush=True)


if __name__ == "__main__":
    cmd, rest = sys.argv[1], sys.argv[2:]
    if cmd == "listen":
        listen(*rest)
    elif cmd == "send":
        send(rest)
    elif cmd == "udpsink":
        udpsink(*rest)
    else:
        sys.exit(__doc__)
