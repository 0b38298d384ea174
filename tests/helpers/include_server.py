#!/usr/bin/env python3
"""A small HTTP(S) server for the remote-include tests, on loopback only.

  include_server.py ROOT PORT LOG [CERT KEY]

Serves the files under ROOT on 127.0.0.1:PORT (TLS with CERT and KEY when
given), one thread per request, with the validators a real server sends:
ETag (a hash of the content) and Last-Modified (the file's mtime), and
answers conditional requests (If-None-Match, If-Modified-Since) with 304.
Each request is logged to LOG as one line:

  GET /path STATUS inm=<If-None-Match or -> ims=<If-Modified-Since or ->

Test knobs:
  ROOT/.delay          holds a number of seconds to wait before answering
                       (re-read on every request: a slow server on demand)
  /stream/PATH         PATH without Content-Length (the body ends when the
                       connection closes)
  /redirect?to=URL     302 to URL
Prints "ready" on stdout once it listens.
"""
import hashlib
import http.server
import os
import ssl
import sys
import time
import urllib.parse
from email.utils import formatdate, parsedate_to_datetime

root, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
logf = open(log, "a", buffering=1)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection, closed after it
    server_version = "include_server/1"

    def log_message(self, fmt, *args):  # quiet on stderr
        pass

    def note(self, status):
        logf.write("%s %s %d inm=%s ims=%s\n" % (
            self.command, self.path, status,
            self.headers.get("If-None-Match", "-"),
            self.headers.get("If-Modified-Since", "-")))

    def do_GET(self):
        try:
            with open(os.path.join(root, ".delay")) as f:
                time.sleep(float(f.read().strip() or 0))
        except (OSError, ValueError):
            pass
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/redirect":
            to = urllib.parse.parse_qs(url.query).get("to", [""])[0]
            self.note(302)
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        stream = url.path.startswith("/stream/")
        rel = url.path[len("/stream/"):] if stream else url.path.lstrip("/")
        path = os.path.realpath(os.path.join(root, rel))
        if not path.startswith(os.path.realpath(root) + "/") or not os.path.isfile(path):
            self.note(404)
            self.send_error(404)
            return
        with open(path, "rb") as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        mtime = int(os.stat(path).st_mtime)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")]
        elif ims is not None:
            try:
                fresh = mtime <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.note(304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.note(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/yaml")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        if not stream:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(("127.0.0.1", port), Handler)
if len(sys.argv) > 5:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
