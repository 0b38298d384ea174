#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rfc5424.py [FILE]: strict RFC 5424 parser for the integration tests.

Reads syslog records, one per line (as an rsyslog omfile template
"<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID%
%STRUCTURED-DATA% %msg%" writes them), and prints one JSON object per
record: pri, version, timestamp, hostname, app_name, procid, msgid, sd
({SD-ID: [[name, value], ...]}, PARAM-VALUEs unescaped), bom (bool), msg,
len (bytes of the record).  Exits 1 naming the line on the first record that
does not follow the RFC 5424 ABNF (header field lengths and characters,
SD-NAME rules, PARAM-VALUE escaping, UTF-8).
"""
import json
import sys

NIL = "-"
BOM = b"\xef\xbb\xbf"


class Bad(Exception):
    pass


def header_field(rec, pos, maxlen, what):
    end = rec.find(b" ", pos)
    if end < 0:
        raise Bad("%s: no space after it" % what)
    field = rec[pos:end]
    if not field or len(field) > maxlen:
        raise Bad("%s: length %d not in 1-%d" % (what, len(field), maxlen))
    if any(c < 33 or c > 126 for c in field):
        raise Bad("%s: not PRINTUSASCII" % what)
    return field.decode("ascii"), end + 1


def sd_name(rec, pos, what):
    start = pos
    while pos < len(rec) and rec[pos] not in b' =]"':
        if rec[pos] < 33 or rec[pos] > 126:
            raise Bad("%s: not PRINTUSASCII" % what)
        pos += 1
    if not 1 <= pos - start <= 32:
        raise Bad("%s: length %d not in 1-32" % (what, pos - start))
    return rec[start:pos].decode("ascii"), pos


def param_value(rec, pos):
    out = bytearray()
    while True:
        if pos >= len(rec):
            raise Bad("PARAM-VALUE not closed")
        c = rec[pos]
        if c == ord("\\") and pos + 1 < len(rec) and rec[pos + 1] in b'"\\]':
            out.append(rec[pos + 1])
            pos += 2
            continue
        if c == ord('"'):
            break
        if c == ord("]"):
            raise Bad("unescaped ']' in PARAM-VALUE")
        out.append(c)
        pos += 1
    try:
        return out.decode("utf-8"), pos + 1
    except UnicodeDecodeError as e:
        raise Bad("PARAM-VALUE not UTF-8: %s" % e)


def parse(rec):
    r = {"len": len(rec)}
    if not rec.startswith(b"<"):
        raise Bad("no PRI")
    end = rec.find(b">")
    pri = rec[1:end]
    if not 1 <= len(pri) <= 3 or not pri.isdigit() or (len(pri) > 1 and pri[0:1] == b"0"):
        raise Bad("bad PRI")
    r["pri"] = int(pri)
    if r["pri"] > 191:
        raise Bad("PRI > 191")
    if rec[end + 1:end + 3] != b"1 ":
        raise Bad("VERSION is not 1")
    pos = end + 3
    r["timestamp"], pos = header_field(rec, pos, 64, "TIMESTAMP")
    r["hostname"], pos = header_field(rec, pos, 255, "HOSTNAME")
    r["app_name"], pos = header_field(rec, pos, 48, "APP-NAME")
    r["procid"], pos = header_field(rec, pos, 128, "PROCID")
    r["msgid"], pos = header_field(rec, pos, 32, "MSGID")
    sd = {}
    if rec[pos:pos + 1] == b"-":
        pos += 1
    else:
        while rec[pos:pos + 1] == b"[":
            sdid, pos = sd_name(rec, pos + 1, "SD-ID")
            if sdid in sd:
                raise Bad("SD-ID %s twice" % sdid)
            params = []
            while rec[pos:pos + 1] == b" ":
                name, pos = sd_name(rec, pos + 1, "PARAM-NAME")
                if rec[pos:pos + 2] != b'="':
                    raise Bad("PARAM %s: no =\"" % name)
                value, pos = param_value(rec, pos + 2)
                params.append([name, value])
            if rec[pos:pos + 1] != b"]":
                raise Bad("SD-ELEMENT not closed")
            pos += 1
            sd[sdid] = params
        if not sd:
            raise Bad("no STRUCTURED-DATA")
    r["sd"] = sd
    msg = b""
    if pos < len(rec):
        if rec[pos:pos + 1] != b" ":
            raise Bad("no space before MSG")
        msg = rec[pos + 1:]
    r["bom"] = msg.startswith(BOM)
    if r["bom"]:
        msg = msg[3:]
    try:
        r["msg"] = msg.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Bad("MSG not UTF-8: %s" % e)
    return r


def main():
    f = open(sys.argv[1], "rb") if len(sys.argv) > 1 else sys.stdin.buffer
    for n, line in enumerate(f, 1):
        line = line.rstrip(b"\n")
        try:
            print(json.dumps(parse(line), ensure_ascii=False))
        except Bad as e:
            sys.stderr.write("record %d: %s: %r\n" % (n, e, line[:200]))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
