#!/usr/bin/env python3
# Writes the seed corpora of tests/fuzz/corpus (checked in; run again only
# to change them): the fixtures of tests/fixtures for config and settings,
# hand-made inputs for the others.  The encoders below mirror how the
# harnesses read their input (fz_range, fz_bytes and fz_event in common.c,
# the record framing of fuzz_records.c, the modes of fuzz_json.c and
# fuzz_procfs.c).  Usage: tests/fuzz/seeds.py [SRCDIR]
import hashlib
import os
import shutil
import struct
import sys

top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
corpus = os.path.join(top, "tests", "fuzz", "corpus")
fixtures = os.path.join(top, "tests", "fixtures")


def write(name, data):
    d = os.path.join(corpus, name)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


class Enc:
    """The inverse of common.c's readers."""

    def __init__(self):
        self.b = bytearray()

    def u8(self, v):
        self.b += struct.pack("<B", v & 0xFF)

    def u16(self, v):
        self.b += struct.pack("<H", v & 0xFFFF)

    def u32(self, v):
        self.b += struct.pack("<I", v & 0xFFFFFFFF)

    def u64(self, v):
        self.b += struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)

    def range(self, lo, hi, v):
        span, x = hi - lo, v - lo
        assert 0 <= x <= span
        if span == 0:
            return
        if span < 256:
            self.u8(x)
        elif span < 65536:
            self.u16(x)
        elif span < 1 << 32:
            self.u32(x)
        else:
            self.u64(x)

    def bytes(self, mx, data):
        if isinstance(data, str):
            data = data.encode()
        assert len(data) <= mx
        self.range(0, mx, len(data))
        self.b += data

    def addr(self, a, raw):
        # a: None, ("4", bytes4), ("6", bytes16) or ("raw", text)
        if a is None:
            self.u8(0)
        elif a[0] == "raw":
            assert raw
            self.u8(3)
            self.bytes(45, a[1])
        else:
            self.u8(1 if a[0] == "4" else 2)
            self.bytes(16, a[1])

    def event(self, ev, maxdests, raw):
        self.u8(ev.get("probe", 0))
        self.u64(ev.get("ts", 1795858965759464))
        self.u32(ev.get("pid", 1775))
        procs = ev.get("procs", [])
        self.range(0, 32, len(procs))
        for i, p in enumerate(procs):
            self.u32(p.get("pid", 1))
            self.u32(p.get("ppid", 0))
            self.u32(p.get("uid", 0))
            self.u32(p.get("loginuid", 0xFFFFFFFF))
            self.u64(p.get("start", 0))
            self.bytes(512 if i else 8192, p.get("cmdline", ""))
            self.bytes(64, p.get("username", "root"))
            if "loginname" in p:
                self.u8(1)
                self.bytes(64, p["loginname"])
            else:
                self.u8(0)
        for k in ("daddr", "saddr", "laddr"):
            self.addr(ev.get(k), raw)
        self.u8(1 if ev.get("has_port") else 0)
        self.u16(ev.get("port", 0))
        self.u8(ev.get("protocol", 0))
        dests = ev.get("dests", [])
        self.range(0, maxdests, len(dests))
        for d in dests:
            self.b += struct.pack("<d", d.get("duration", 1.5))
            self.addr(d.get("daddr"), raw)
            self.u16(d.get("port", 53))
            self.u64(d.get("count", 3))
        errs = ev.get("errors", [])
        self.range(0, 3, len(errs))
        for e in errs:
            self.bytes(300, e)
        fields = ev.get("fields", [])
        self.range(0, 18, len(fields))
        for key, kind, val in fields:
            if isinstance(key, int):
                self.u8(key)  # index into common.c's keys[]
            else:
                self.u8(0xC0)
                self.bytes(64, key)
            if kind == "str":
                self.u8(0)
                self.bytes(1024, val)
            elif kind == "int":
                self.u8(1)
                self.u64(val)
            else:
                self.u8(2)
                self.u8(1 if val else 0)


V4 = lambda s: ("4", bytes(int(x) for x in s.split(".")))
V6 = lambda s: ("6", __import__("ipaddress").IPv6Address(s).packed)

EVENTS = [
    # the DESIGN.md example: tcp_connect, three processes
    dict(probe=0, procs=[dict(pid=1775, ppid=23231, uid=1000, cmdline="weechat", username="oholiab"),
                         dict(pid=23231, ppid=1, uid=1000, cmdline="-zsh", username="oholiab"),
                         dict(pid=1, cmdline="/sbin/init", username="root")],
         daddr=V4("185.30.166.37"), saddr=V4("10.1.2.3"), has_port=1, port=6697),
    # net_listen over IPv6, snapshot field, udp protocol
    dict(probe=1, pid=53, procs=[dict(pid=53, cmdline="/usr/sbin/dnsmasq -k", username="dnsmasq")],
         laddr=V6("fe80::1"), has_port=1, port=53, protocol=2, fields=[(4, "bool", True)]),
    # udp_session with destinations
    dict(probe=2, pid=900, procs=[dict(pid=900, cmdline="dig example.org", username="u")],
         protocol=2, dests=[dict(daddr=V4("192.0.2.1"), port=53, duration=0.25, count=2),
                            dict(daddr=V6("2001:db8::53"), port=5353, duration=float("nan"))]),
    # hostile bytes: controls, invalid UTF-8, U+2028, a bidi override, quotes and brackets
    dict(probe=0, procs=[dict(pid=6, cmdline=b"evil\n\r\t\x1b[2J\"]\\\xc3\x28\xe2\x80\xa8\xe2\x80\xae\xc2\x85\xf4\x90\x80\x80x",
                              username=b"\xff\xfe", loginname="root\x00x")],
         daddr=V4("127.0.0.1"), saddr=V4("127.0.0.1"), has_port=1, port=80,
         errors=["ancestry truncated at depth 32", b"\xe2\x82"],
         fields=[(0, "str", b"web1.example\xe2\x80\xae"), (1, "int", 1000), (6, "str", "x]\"="),
                 ("weird-key", "str", "refused")]),
    # long cmdline, deep tree
    dict(probe=4, procs=[dict(pid=i + 2, cmdline="a" * (4000 if i == 0 else 100)) for i in range(32)]),
]


def seeds_events():
    for ev in EVENTS:
        e = Enc()
        e.u8(3)
        e.event(ev, 64, True)
        e.range(0, 65536, 4096)
        write("json", e.b)
    for s in [b"plain", b"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", b"\xc0\xaf\xed\xa0\x80\xf8\x88\x80\x80\x80",
              b"\"\\\x00\x01\x1f\x7f", b"\xe2\x80\xa8\xe2\x80\xa9\xc2\x85"]:
        write("json", b"\x00" + s)
    e = Enc()
    e.u8(1)
    e.u64(18446744073709551615)
    e.b += struct.pack("<d", 1.0000005)
    e.u64(1 << 63)
    write("json", e.b)
    e = Enc()
    e.u8(2)
    e.u64(253402300799999999)  # 9999-12-31T23:59:59.999999Z
    e.range(1, 64, 28)
    write("json", e.b)

    for i, ev in enumerate(EVENTS):
        e = Enc()
        e.range(0, 23, 10)
        e.range(0, 7, 6)
        e.bytes(300, "host.example.com" if i % 2 else "h\x01st with spaces")
        e.bytes(60, "pidtree")
        e.bytes(40, "pidtree@32473")
        e.u8(1)
        e.u8(1)
        e.u32(4242)
        e.u8(1)
        e.range(480, 4096, 480 if i == 4 else 2048)
        e.range(0, 2, i % 3)
        e.u8(0x80)
        e.event(ev, 16, True)
        write("rfc5424", e.b)
    e = Enc()
    e.range(0, 23, 4)
    e.range(0, 7, 3)
    e.bytes(300, "")
    e.bytes(60, "")
    e.bytes(40, "x")
    e.u8(0)
    e.u8(0)
    e.u8(0)
    e.u8(0)
    e.range(480, 1 << 20, 8192)
    e.range(0, 2, 0)
    e.u8(0x01)
    e.bytes(40, "lost_event_telemetry")
    e.u64(12)
    write("rfc5424", e.b)

    for i, ev in enumerate(EVENTS):
        e = Enc()
        e.bytes(64, "pidtree")
        e.range(0, 7, 6)
        e.u8(1)
        e.range(1024, 4096, 1024 if i == 4 else 4096)
        e.u8(0x80)
        ev = dict(ev)
        for k in ("daddr", "saddr", "laddr"):
            if ev.get(k) and ev[k][0] == "raw":
                del ev[k]
        e.event(ev, 64, False)
        write("journald", e.b)
    e = Enc()
    e.bytes(64, "")
    e.range(0, 7, 3)
    e.u8(0)
    e.range(1024, 1 << 24, 65536)
    e.u8(0x10)
    e.bytes(40, "lost_event_telemetry")
    e.bytes(4096, "x\n" * 100)
    write("journald", e.b)


def seeds_hosts():
    write("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                   "# The following lines are desirable for IPv6 capable hosts\n"
                   "ff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n10.0.0.1 web1.example web1 # comment\n")
    write("hosts", "10.1.2.3 a\r\n10.1.2.3 b\r\n::ffff:10.1.2.3 mapped\r\n  \t\n#only\n"
                   "fe80::1%eth0 zoned\n300.1.2.3 bad\n10.0.0.9\n10.0.0.8 \x00nul\n2001:db8::1 v6 v6b\tv6c")
    write("hosts", "1.2.3.4 " + " ".join("n%d" % i for i in range(200)) + "\n" + "x" * 100 + " y\n")


def seeds_procfs():
    stat = b"1234 (cat) R 1000 1234 1000 34816 1234 4194304 100 0 0 0 0 0 0 0 20 0 1 0 98765 9000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    write("procfs", b"\x00" + stat)
    write("procfs", b"\x00" + stat.replace(b"(cat)", b"(a) b) (c)"))
    write("procfs", b"\x00" + b"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0 18446744073709551615")
    e = Enc()
    e.u8(1)
    e.u32(77)
    e.u32(1)
    e.u32(0x200000)
    e.u64(123456789)
    e.range(0, 15, 7)
    e.b += b") (\n x)"
    e.u8(3)
    for _ in range(46):
        e.u64(0xFFFFFFFFFFFFFFFF)
        e.u8(1)
    e.u8(1)
    write("procfs", e.b)
    for trunc, mx, argv in [(0, 64, b"/usr/bin/python3\0-c\0print(1)\0"), (1, 16, b"a\0b\0c\0"),
                            (0, 4, b"abcdef\0\0\0"), (0, 600, b"\0\0")]:
        e = Enc()
        e.u8(2)
        e.range(0, 600, mx)
        e.u8(trunc)
        e.bytes(4096, argv)
        write("procfs", e.b)
    for have, how in [(0, 3), (2, 1), (8, 0), (0, 2)]:
        e = Enc()
        e.u8(3)
        e.u8(have)
        e.u8(how)
        e.u64(4)
        e.u64(98765)
        e.range(8, 512, 32)
        e.bytes(1500, stat)
        e.bytes(5000, b"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\n")
        e.bytes(40, b"1000")
        e.bytes(1024, b"cat\0/etc/hostname\0" * 3)
        write("procfs", e.b)


# ---- ring-buffer records (fuzz_records.c) ----
TYPES = {"tcp": 1, "listen": 2, "udp_end": 3, "udp_start": 4, "exec": 5, "fork": 6, "exit": 7}
TICK = 10000000  # ns per clock tick at USER_HZ 100


def hdr(t, flags=0, ts=5000000000):
    return struct.pack("<IIQ", TYPES[t], flags, ts)


def anc(tgid, ppid, start_ticks, comm, uid=0, loginuid=0xFFFFFFFF, exec_id=1):
    return struct.pack("<IIIIQQ16s", tgid, ppid, uid, loginuid, start_ticks * TICK, exec_id,
                       comm.encode() if isinstance(comm, str) else comm)


def tree(chain, argv=b""):
    b = struct.pack("<II", len(chain), len(argv)) + b"".join(anc(*a) for a in chain)
    b += bytes(48 * (32 - len(chain)))
    return b + argv + bytes(512 - len(argv))


def conn(t, family, sport, dport, saddr, daddr, chain, argv=b"", flags=0, proto=6):
    return hdr(t, flags) + struct.pack("<HHHH16s16sII", family, proto, dport, sport, saddr, daddr, 0, 0) + tree(chain, argv)


def exec_rec(tgid, ppid, start, comm, argv, flags=0, exec_id=2):
    return (hdr("exec", flags) + anc(tgid, ppid, start, comm, exec_id=exec_id) +
            struct.pack("<II", len(argv), 0) + argv + bytes(4096 - len(argv)))


def fork_rec(tgid, ppid, start, comm, pstart, exec_id=2):
    # the child inherits its parent's self_exec_id
    return hdr("fork") + anc(tgid, ppid, start, comm, exec_id=exec_id) + struct.pack("<IIQ", ppid, 0, pstart * TICK)


def exit_rec(tgid, start, ts=9000000000):
    return hdr("exit", ts=ts) + struct.pack("<IIQ", tgid, 0, start * TICK)


def udp_start(cookie, chain):
    return hdr("udp_start") + struct.pack("<Q", cookie) + tree(chain)


def udp_end(cookie, tgid, dests, flags=0):
    b = hdr("udp_end", ts=7000000000) + struct.pack("<Q", cookie)
    b += struct.pack("<QQIIII", 1000, 2000, tgid, len(dests), flags, 0)
    for fam, addr, port, count in dests:
        b += struct.pack("<16sHHIQQQ", addr, fam, port, 0, count, 1000, 3000000000)
    return b + bytes(48 * (8 - len(dests)))


def frame(sel, rec, length=None, given=None):
    """sel, length, bytes given: the rest of the record is zeros."""
    length = len(rec) if length is None else length
    rec = rec.rstrip(b"\0") if given is None else rec[:given]
    return struct.pack("<BHH", sel, length, len(rec)) + rec


def records(scan, max_sessions, offset, frames):
    return struct.pack("<BBq", scan, max_sessions - 1, offset) + b"".join(frames)


def seeds_records():
    v4 = lambda s: bytes(int(x) for x in s.split(".")) + bytes(12)
    v6 = lambda s: __import__("ipaddress").IPv6Address(s).packed
    sh = (100, 1, 5, "s) h (x", 1000, 1000)  # the fake /proc's pid 100
    init = (1, 0, 0, "systemd")
    # exec, fork, connect from the child (ancestry through the fake /proc), exit, expire
    write("records", records(0, 4, 1700000000000000000, [
        frame(0xE4, exec_rec(1000, 100, 300, "curl", b"curl\0-s\0http://192.0.2.1/\0")),
        frame(0xE5, fork_rec(1001, 1000, 301, "curl", 300)),
        frame(0xE0, conn("tcp", 2, 40000, 443, v4("10.0.0.5"), v4("192.0.2.1"),
                         [(1001, 1000, 301, "curl", 0, 1000, 2), (1000, 100, 300, "curl", 0, 1000, 2),
                          sh, init])),
        frame(0xE6, exit_rec(1001, 301)),
        struct.pack("<BH", 0xF8, 100),
        frame(0xE0, conn("tcp", 10, 40001, 80, v6("2001:db8::2"), v6("::ffff:192.0.2.9"),
                         [(1001, 1000, 301, "curl")], argv=b"curl\0-6\0")),
    ]))
    # listeners, a scanned cache, a leaf argv that is truncated or faulted, a truncated walk
    write("records", records(1, 2, -5000000000, [
        frame(0xE1, conn("listen", 10, 53, 0, v6("::"), bytes(16), [sh, init], proto=17)),
        frame(0xE1, conn("listen", 2, 22, 0, v4("0.0.0.0"), bytes(16), [(200, 100, 7, "defunct"), sh, init],
                         argv=b"sshd\0-D\0", flags=2)),
        frame(0xE0, conn("tcp", 2, 1, 2, v4("127.0.0.1"), v4("127.0.0.1"), [(500, 2, 1, "kworker/0:1")],
                         flags=1 | 4)),
        struct.pack("<BH", 0xF9, 0x0502), struct.pack("<BH", 0xF9, 0x2001), struct.pack("<BH", 0xFB, 0x1003),
    ]))
    # UDP sessions: start and end, an end without a start, more sessions than the table holds
    write("records", records(0, 2, 0, [
        frame(0xE3, udp_start(7, [(900, 100, 40, "dig"), sh])),
        frame(0xE2, udp_end(7, 900, [(2, v4("192.0.2.53"), 53, 1), (10, v6("2001:db8::53"), 53, 4)])),
        frame(0xE2, udp_end(9, 901, [(2, v4("192.0.2.54"), 53, 1)] * 8, flags=1)),
        frame(0xE3, udp_start(10, [(902, 1, 41, "a")])),
        frame(0xE3, udp_start(11, [(903, 1, 42, "b")])),
        frame(0xE3, udp_start(12, [(904, 1, 43, "c")])),
        frame(0xE3, udp_start(10, [(905, 1, 44, "d")])),
        frame(0xE2, udp_end(11, 903, [])),
    ]))
    # malformed: short records of every type, unknown types, an empty record
    bad = []
    for sel, rec in [(0xE0, conn("tcp", 2, 1, 1, bytes(16), bytes(16), [init])), (0xE4, exec_rec(1, 0, 0, "x", b"x")),
                     (0xE5, fork_rec(2, 1, 1, "y", 0)), (0xE6, exit_rec(2, 1)), (0xE3, udp_start(1, [init])),
                     (0xE2, udp_end(1, 1, []))]:
        bad.append(frame(sel, rec, length=len(rec) - 1))
    bad.append(frame(0xF0, struct.pack("<IIQ", 0, 0, 0)))
    bad.append(frame(0xF0, struct.pack("<IIQ", 255, 0, 0)))
    bad.append(frame(0xF0, struct.pack("<IIQ", 0x10000, 0, 0)))
    bad.append(frame(0xF0, b"\x01\x00"))
    bad.append(frame(0x00, b""))
    write("records", records(0, 1, 0x7FFFFFFFFFFFFFFF, bad))


def seeds_fixtures():
    for sub, name in (("config", "config"), ("settings", "settings")):
        src = os.path.join(fixtures, sub)
        for root, _, files in os.walk(src):
            for f in sorted(files):
                with open(os.path.join(root, f), "rb") as fh:
                    write(name, fh.read())
    # main.yml NUL inc.yml: includes between the two files
    write("config", "tcp_connect: !include inc.yml\nnet_listen:\n  filters: !include inc.yml\0"
                    "filters:\n  - subnet_name: a\n    network: 10.0.0.0/8\n    except_ports: [22]\n")
    write("config", "_n: &n {network: 127.0.0.1, network_mask: 255.0.0.0}\ntcp_connect:\n"
                    "  filters: [*n, {<<: *n, subnet_name: b}]\n  excludeports: [1-1024]\0")
    write("config", "tcp_connect: !include inc.yml\0x: !include main.yml\n")
    write("config", "udp_session: !include inc.yml\0session_max_duration: 0\nmax_sessions: 99999999\n"
                    "plugins:\n  sourceipmap: {hostfiles: [a], enabled: maybe}\n")
    # merge keys from a list of mappings; nesting past the 64-level limit, directly, through an alias
    # and through an include
    write("config", "_a: &a {filters: [{network: 10.0.0.0/8}]}\n_b: &b {excludeports: [22]}\n"
                    "tcp_connect:\n  <<: [*a, *b]\n")
    write("config", "tcp_connect:\n  x: " + "[" * 66 + "]" * 66 + "\n")
    write("config", "_a: &a " + "[" * 40 + "]" * 40 + "\n_b: " + "[" * 30 + "*a" + "]" * 30 + "\n")
    write("config", "tcp_connect: " + "[" * 40 + "!include inc.yml" + "]" * 40 + "\0" + "[" * 30 + "]" * 30)
    write("config", "net_listen:\n  protocols: [tcp, udp, sctp]\n  snapshot_periodicity: 2147483648\n"
                    "  filters:\n    - network: 2001:db8::/129\n    - network: fd00::\n      network_mask: 'ff00::'\n"
                    "      include_ports: [1,2,3,4,5,6,7,8,9]\n")


def seeds_regressions():
    # fuzz_config: a syntax error at the end of a file without a final
    # newline was reported on the line after the last (src/config/ytree.c)
    write("config", b"\n[\\")
    # fuzz_records: record time + a clock offset in int64_t: undefined
    # behaviour past 2^63 ns, a date 584,000 years ahead for a record older
    # than a clock set back past it (src/core/clock.h)
    v4 = bytes([192, 0, 2, 1]) + bytes(12)
    rec = lambda ts: frame(0xE0, hdr("tcp", ts=ts) + struct.pack("<HHHH16s16sII", 2, 6, 80, 1, v4, v4, 0, 0) +
                           tree([(1, 0, 0, "systemd")]))
    write("records", records(0, 1, 0x7FFFFFFFFFFFFFFF, [rec(0xFFFFFFFFFFFFFFF0), rec(1 << 63)]))
    write("records", records(0, 1, -2000000000, [rec(1000000000), rec(0)]))
    write("records", records(0, 1, -0x8000000000000000, [rec(0xFFFFFFFFFFFFFFFF), rec(5)]))


def main():
    if os.path.isdir(corpus):
        shutil.rmtree(corpus)
    seeds_fixtures()
    seeds_hosts()
    seeds_procfs()
    seeds_events()
    seeds_records()
    seeds_regressions()


main()
