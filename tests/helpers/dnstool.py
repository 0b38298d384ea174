#!/usr/bin/env python3
"""DNS actions for pidtree's dns integration test (loopback / test netns only).

  dnstool.py resolve [--family 4|6] [--udp] [--wait FILE] [--fork] [--again S]
                     --expect-ns ADDR NAME PORT MARKER
      getaddrinfo(NAME) through the system resolver (the test bind-mounts a
      resolv.conf naming only ADDR, which is checked first), print the first
      address, then connect(2) a TCP socket to it on PORT (--udp: send one
      datagram from a UDP socket and close it).  --wait: connect only once
      FILE exists.  --fork: a child process connects, the resolver waits
      for it.  --again S: S seconds later connect again to the same address
      without resolving it anew.
  dnstool.py connect [--udp] [--bind ADDR] ADDR PORT MARKER
      connect(2) (or send a datagram) to ADDR:PORT without any lookup.
  dnstool.py query --server ADDR [--port N] --count N --info FILE --hold S MARKER
      one unconnected UDP socket sends N A queries (q0.dnsint.test, ...,
      random ids) to the server, writes "PORT ID0 ID1 ..." to FILE, then
      keeps the socket open S seconds, reading whatever arrives.
  dnstool.py answer --src ADDR:PORT --dst ADDR:PORT --id N --qname NAME
                    --a ADDR [--kind ok|loop|short] [--cname NAME]
      send one DNS response datagram from ADDR:PORT (bound for the purpose)
      to the client: a well-formed A answer (with a CNAME first when asked),
      or a malformed one: a compression pointer to itself (loop), or an
      answer count with no record behind it (short).
Every address given must be loopback or in the test's own network namespace.
MARKER is only there to appear in the process's command line.
"""
import os
import socket
import struct
import sys
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def opts(args, spec):
    """Parse --key [value] options in spec ({name: takes_value}) off the front."""
    out = {}
    while args and args[0].startswith("--"):
        key = args.pop(0)[2:]
        if key not in spec:
            sys.exit("unknown option --" + key)
        out[key] = args.pop(0) if spec[key] else True
    return out


def touch(addr, port, udp, bind=None):
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    s = socket.socket(family_of(addr), kind)
    if bind:
        s.bind((bind, 0))
    s.settimeout(2)
    try:
        if udp:
            s.sendto(b"pidtree-dns-test", (addr, port))
        else:
            s.connect((addr, port))
    except OSError:
        pass  # a closed port answers RST: the connect was made all the same
    s.close()


def check_resolver(expect):
    with open("/etc/resolv.conf") as f:
        servers = [l.split()[1] for l in f if l.startswith("nameserver")]
    if servers != [expect]:
        sys.exit("refusing to resolve: /etc/resolv.conf names %s, not only %s" % (servers, expect))


def resolve(args):
    o = opts(args, {"family": True, "udp": False, "wait": True, "fork": False,
                    "again": True, "expect-ns": True})
    name, port = args[0], int(args[1])
    check_resolver(o["expect-ns"])
    fam = {"4": socket.AF_INET, "6": socket.AF_INET6}.get(o.get("family", "4"))
    infos = socket.getaddrinfo(name, port, fam, socket.SOCK_STREAM)
    addr = infos[0][4][0]
    print(addr, flush=True)
    if "wait" in o:
        while not os.path.exists(o["wait"]):
            time.sleep(0.05)
    udp = "udp" in o
    if "fork" in o:
        pid = os.fork()
        if pid == 0:
            touch(addr, port, udp)
            os._exit(0)
        os.waitpid(pid, 0)
    else:
        touch(addr, port, udp)
    if "again" in o:
        time.sleep(float(o["again"]))
        touch(addr, port, udp)


def connect(args):
    o = opts(args, {"udp": False, "bind": True})
    touch(args[0], int(args[1]), "udp" in o, o.get("bind"))


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(args):
    o = opts(args, {"server": True, "port": True, "count": True, "info": True, "hold": True})
    server, port = o["server"], int(o.get("port", 53))
    s = socket.socket(family_of(server), socket.SOCK_DGRAM)
    s.bind(("::1" if ":" in server else "127.0.0.1", 0))
    ids = []
    for i in range(int(o["count"])):
        qid = struct.unpack("!H", os.urandom(2))[0]
        ids.append(qid)
        msg = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
        msg += name_wire("q%d.dnsint.test" % i) + struct.pack("!HH", 1, 1)
        s.sendto(msg, (server, port))
    with open(o["info"] + ".tmp", "w") as f:
        f.write("%d %s\n" % (s.getsockname()[1], " ".join(str(i) for i in ids)))
    os.rename(o["info"] + ".tmp", o["info"])
    s.settimeout(0.2)
    end = time.time() + float(o["hold"])
    while time.time() < end:
        try:
            s.recvfrom(4096)
        except OSError:
            pass
    s.close()


def hostport(v):
    host, _, port = v.rpartition(":")
    return host.strip("[]"), int(port)


def answer(args):
    o = opts(args, {"src": True, "dst": True, "id": True, "qname": True, "a": True,
                    "kind": True, "cname": True})
    kind = o.get("kind", "ok")
    qname = o["qname"]
    qid = int(o["id"])
    body = name_wire(qname) + struct.pack("!HH", 1, 1)  # the question
    records = b""
    n = 0
    owner = b"\xc0\x0c"  # a pointer to the question's name
    if "cname" in o:
        target = name_wire(o["cname"])
        records += owner + struct.pack("!HHIH", 5, 1, 300, len(target)) + target
        owner = target
        n += 1
    addr = socket.inet_pton(socket.AF_INET, o["a"])
    if kind == "loop":
        # the owner name is a compression pointer to itself
        here = 12 + len(body) + len(records)
        owner = struct.pack("!H", 0xc000 | here)
    if kind != "short":
        records += owner + struct.pack("!HHIH", 1, 1, 300, 4) + addr
    n += 1  # short: counted in the header, missing from the message
    msg = struct.pack("!HHHHHH", qid, 0x8180, 1, n, 0, 0) + body + records
    src, sport = hostport(o["src"])
    dst, dport = hostport(o["dst"])
    s = socket.socket(family_of(src), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.sendto(msg, (dst, dport))
    s.close()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"resolve": resolve, "connect": connect, "query": query, "answer": answer}[cmd](args)


if __name__ == "__main__":
    main()
