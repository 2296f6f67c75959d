#!/usr/bin/env python3
"""A fault-injecting HTTPS proxy between a branch's rasync and rahq, for the
sync tests (tests/sync/faults.sh, convergence.sh) and bench_sync.

It terminates the branch's TLS with a server certificate from HQ's CA (so
the branch's pinned CA accepts it), forwards each HTTP/1.1 request to rahq
over its own mutual-TLS connection (a client certificate for the same
branch, made by the test: rahq takes the identity from it) and, as its
control file says, breaks the exchange on the way:

  drop          close the branch's connection; HQ never sees the request
  drop_reply    forward, let HQ commit, close before answering
  delay         wait `delay_ms` (default 1500) before forwarding
  reset_body    forward the head and half the body, then reset both sides
  reset_reply   forward, send half of HQ's answer, then reset
  status5xx     answer 503 without forwarding (Retry-After: `retry_after`, default
                1; 0 for none)
  stall         read the request, then send nothing and hold the connection for
                `hold_ms` (default 60000) or until the branch gives up
  dup           forward the request twice (duplicated delivery); answer the second
  truncate      forward; answer 200 with HQ's body cut in half
  garbage       forward; answer 200 with an HTML page in place of HQ's JSON
  pass          nothing (a script step that lets one request through)

The control file (JSON) is read again whenever it changes:
  {"mode": "off"}
  {"mode": "random", "rate": 0.3, "faults": ["drop", ...], "seed": 1,
   "match": "POST /v1/events"}            (match: optional prefix of "METHOD PATH")
  {"mode": "script", "steps": [{"match": "PATCH", "fault": "reset_body"}, ...]}
A script step is used once (or `times` times), by the first request it
matches. (libcurl sends a request again by itself, once and silently, when
a connection it reused dies before any answer: a test that wants rasync to
see a drop asks for it twice.) Every fault
applied is logged (`fault N: FAULT METHOD PATH`) and counted in the stats
file (JSON, rewritten after each request), so a test can see that the
faults it asked for happened; it also counts the request body bytes the
branch sent, by method (`bytes_PATCH`: what an upload really cost).

With --connect it is instead a plain HTTP CONNECT proxy (for `[sync]
proxy`): the branch's TLS passes through untouched, and the faults are on
the tunnel (drop or a reset: the tunnel refused; status5xx: a 503).

usage: faultproxy.py --connect --control FILE --port-file FILE [--stats FILE]
   or: faultproxy.py --upstream HOST:PORT --ca HQ_CA.pem --cert SRV.pem
         --key SRV.key --client-cert C.pem --client-key C.key
         --control FILE --port-file FILE [--stats FILE] [--rate-bps N]
--rate-bps caps the bytes per second the proxy passes from the branch to HQ
(the bench's bandwidth cap, on top of or in place of rasync's own).
--trace FILE appends one JSON line per request: "t" when its head arrived
and "t_body" when its body had (seconds on the monotonic clock), "method",
"path", "bytes" (body), "fault" (or null), "conn" (the branch connection's
number) -- what a test measures backoff delays and upload rates from.
"""
import argparse
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time

FAULTS = ("drop", "drop_reply", "delay", "reset_body", "reset_reply", "status5xx", "dup",
          "truncate", "garbage", "stall")


class Control:
    """The control file, re-read when its mtime or size changes."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.sig = None
        self.conf = {"mode": "off"}
        self.steps = []
        self.rng = random.Random(1)

    def _load(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        sig = (st.st_mtime_ns, st.st_size, st.st_ino)
        if sig == self.sig:
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                conf = json.load(f)
        except (OSError, ValueError):
            return  # half-written: keep the old one, try again next request
        self.sig = sig
        self.conf = conf
        self.steps = list(conf.get("steps", []))
        self.rng = random.Random(conf.get("seed", 1))

    def choose(self, method, path):
        line = "%s %s" % (method, path)
        with self.lock:
            self._load()
            mode = self.conf.get("mode", "off")
            if mode == "script":
                for i, st in enumerate(self.steps):
                    if line.startswith(st.get("match", "")):
                        st["times"] = int(st.get("times", 1)) - 1
                        if st["times"] <= 0:
                            del self.steps[i]
                        return st["fault"], st
                return None, None
            if mode == "random":
                if not line.startswith(self.conf.get("match", "")):
                    return None, None
                if self.rng.random() < float(self.conf.get("rate", 0.2)):
                    return self.rng.choice(self.conf.get("faults", FAULTS)), self.conf
            return None, None


class Stats:
    def __init__(self, path, trace=None):
        self.path = path
        self.trace = trace
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "faults": 0}
        self.n = 0

    def add(self, fault, method, path, body_len, t=None, t_body=None, conn=0):
        with self.lock:
            if self.trace:
                with open(self.trace, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"t": t, "t_body": t_body, "method": method, "path": path,
                                        "bytes": body_len, "fault": fault, "conn": conn}) + "\n")
            self.counts["requests"] += 1
            key = "bytes_" + method  # request body bytes the branch sent, by method
            self.counts[key] = self.counts.get(key, 0) + body_len
            self.counts["n_" + method] = self.counts.get("n_" + method, 0) + 1
            if os.environ.get("FAULTPROXY_TRACE"):
                print("faultproxy: %s %s (%d bytes)%s" % (method, path, body_len,
                                                        " " + fault if fault else ""), flush=True)
            if fault:
                self.n += 1
                self.counts["faults"] += 1
                self.counts[fault] = self.counts.get(fault, 0) + 1
                print("faultproxy: fault %d: %s %s %s" % (self.n, fault, method, path), flush=True)
            if self.path:
                tmp = self.path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as f:
                    json.dump(self.counts, f)
                os.replace(tmp, self.path)


class Closed(Exception):
    pass


def read_until(sock, buf, marker, limit=65536):
    while marker not in buf:
        if len(buf) > limit:
            raise Closed("head too long")
        data = sock.recv(65536)
        if not data:
            raise Closed("closed")
        buf += data
    i = buf.index(marker) + len(marker)
    return buf[:i], buf[i:]


def read_exact(sock, buf, n):
    while len(buf) < n:
        data = sock.recv(min(1 << 20, max(65536, n - len(buf))))
        if not data:
            raise Closed("closed in a body")
        buf += data
    return buf[:n], buf[n:]


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0]
    headers = []
    for ln in lines[1:]:
        if ln:
            k, _, v = ln.partition(":")
            headers.append((k.strip(), v.strip()))
    return first, headers


def header(headers, name):
    for k, v in headers:
        if k.lower() == name.lower():
            return v
    return None


def read_body(sock, buf, headers, no_body=False):
    """The body of a message (Content-Length or chunked), de-chunked."""
    if no_body:
        return b"", buf
    te = header(headers, "Transfer-Encoding")
    if te and "chunked" in te.lower():
        body = b""
        while True:
            line, buf = read_until(sock, buf, b"\r\n")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                _, buf = read_until(sock, buf, b"\r\n")  # no trailers from rahq
                return body, buf
            chunk, buf = read_exact(sock, buf, size + 2)
            body += chunk[:size]
    n = int(header(headers, "Content-Length") or 0)
    return read_exact(sock, buf, n)


def build(first, headers, body, drop=("transfer-encoding", "content-length", "connection")):
    out = [first]
    for k, v in headers:
        if k.lower() not in drop:
            out.append("%s: %s" % (k, v))
    out.append("Content-Length: %d" % len(body))
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def reset(sock):
    """An abortive close (RST), as a cut cable's far end would see it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Throttle:
    """A shared token bucket: bytes per second from branches to HQ."""

    def __init__(self, bps):
        self.bps = bps
        self.lock = threading.Lock()
        self.t = time.monotonic()

    def send(self, sock, data):
        if not self.bps:
            sock.sendall(data)
            return
        step = max(4096, self.bps // 50)
        for i in range(0, len(data), step):
            piece = data[i:i + step]
            with self.lock:
                now = time.monotonic()
                self.t = max(self.t, now) + len(piece) / self.bps
                wait = self.t - now - 0.02
            if wait > 0:
                time.sleep(wait)
            sock.sendall(piece)


class Proxy:
    def __init__(self, a):
        self.a = a
        host, _, port = (a.upstream or ":0").rpartition(":")
        self.up = (host, int(port))
        self.control = Control(a.control)
        self.stats = Stats(a.stats, a.trace)
        self.conns = 0
        self.throttle = Throttle(a.rate_bps)
        if a.connect:
            return
        self.srv_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.srv_ctx.load_cert_chain(a.cert, a.key)
        self.srv_ctx.set_alpn_protocols(["http/1.1"])
        self.cli_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.cli_ctx.load_verify_locations(a.ca)
        self.cli_ctx.load_cert_chain(a.client_cert, a.client_key)
        self.cli_ctx.check_hostname = False  # rahq's name is checked by the branch, not here

    def upstream(self):
        raw = socket.create_connection(self.up, timeout=120)
        return self.cli_ctx.wrap_socket(raw)

    def exchange(self, up, upbuf, req_head_first, req_headers, body, method):
        """Sends one request upstream; returns (status line, headers, body, upbuf)."""
        self.throttle.send(up, build(req_head_first, req_headers, body))
        head, upbuf = read_until(up, upbuf, b"\r\n\r\n")
        first, headers = parse_head(head[:-4])
        status = int(first.split()[1])
        rbody, upbuf = read_body(up, upbuf, headers,
                                 method == "HEAD" or status in (204, 304) or status < 200)
        return first, headers, rbody, upbuf

    def tunnel(self, raw):
        """--connect: an HTTP CONNECT proxy (what `[sync] proxy` talks to);
        the TLS inside the tunnel is the branch's and HQ's own."""
        try:
            head, buf = read_until(raw, b"", b"\r\n\r\n")
            first, _ = parse_head(head[:-4])
            method, target = first.split()[0], first.split()[1]
            fault, _ = self.control.choose(method, target)
            if fault == "pass":
                fault = None
            self.stats.add(fault, method, target, 0)
            if method != "CONNECT" or fault in ("drop", "reset_body", "reset_reply"):
                reset(raw)
                return
            if fault == "status5xx":
                raw.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
                raw.close()
                return
            host, _, port = target.rpartition(":")
            up = socket.create_connection((host, int(port)), timeout=120)
        except (Closed, OSError, ValueError, IndexError):
            reset(raw)
            return
        raw.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if buf:
            up.sendall(buf)

        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data:
                        break
                    b.sendall(data)
            except OSError:
                pass
            for x in (a, b):
                try:
                    x.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=pipe, args=(up, raw), daemon=True)
        t.start()
        pipe(raw, up)
        t.join()
        up.close()
        raw.close()

    def serve(self, raw):
        if self.a.connect:
            return self.tunnel(raw)
        try:
            cli = self.srv_ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        up, upbuf, buf = None, b"", b""
        self.conns += 1
        conn = self.conns
        try:
            while True:
                try:
                    if not buf:  # the head's time: when its first bytes came
                        data = cli.recv(65536)
                        if not data:
                            return
                        buf = data
                    t_head = time.monotonic()
                    head, buf = read_until(cli, buf, b"\r\n\r\n")
                except (Closed, OSError, ssl.SSLError):
                    return
                first, headers = parse_head(head[:-4])
                method, path = first.split()[0], first.split()[1]
                body, buf = read_body(cli, buf, headers)
                t_body = time.monotonic()
                fault, conf = self.control.choose(method, path)
                if fault == "pass":
                    fault = None
                self.stats.add(fault, method, path, len(body), t_head, t_body, conn)
                if fault == "drop":
                    reset(cli)
                    return
                if fault == "stall":
                    # Accepted, read, and then nothing: until the branch gives up.
                    cli.settimeout(int(conf.get("hold_ms", 60000)) / 1000.0)
                    try:
                        while cli.recv(65536):
                            pass
                    except (OSError, ssl.SSLError):
                        pass
                    print("faultproxy: stalled %s %s for %.1f s, until the branch went" %
                          (method, path, time.monotonic() - t_body), flush=True)
                    reset(cli)
                    return
                if fault == "status5xx":
                    msg = b'{"protocol": 1, "error": "busy", "message": "fault proxy: 503"}'
                    hdrs = [("Content-Type", "application/json")]
                    ra = int(conf.get("retry_after", 1))
                    if ra > 0:
                        hdrs.append(("Retry-After", str(ra)))
                    cli.sendall(build("HTTP/1.1 503 Service Unavailable", hdrs, msg))
                    continue
                if fault == "delay":
                    time.sleep(int(conf.get("delay_ms", 1500)) / 1000.0)
                if up is None:
                    up, upbuf = self.upstream(), b""
                if fault == "reset_body":
                    self.throttle.send(up, build(first, headers, body)[:len(head) + len(body) // 2])
                    time.sleep(0.05)
                    reset(up)
                    reset(cli)
                    return
                for _ in range(2 if fault == "dup" else 1):
                    if up is None:
                        up, upbuf = self.upstream(), b""
                    rfirst, rheaders, rbody, upbuf = self.exchange(up, upbuf, first, headers,
                                                                   body, method)
                    # rahq may end its side of keep-alive (Connection: close):
                    # the branch's connection stays, the next request gets a
                    # new one upstream, as a real reverse proxy does.
                    if "close" in (header(rheaders, "Connection") or "").lower():
                        up.close()
                        up = None
                if fault == "drop_reply":
                    reset(cli)
                    return
                if fault == "truncate" and method != "HEAD":
                    rfirst = "HTTP/1.1 200 OK"
                    rbody = rbody[:len(rbody) // 2]
                if fault == "garbage" and method != "HEAD":
                    rfirst = "HTTP/1.1 200 OK"
                    rheaders = [("Content-Type", "text/html")]
                    rbody = b"<html><body>502 Bad Gateway (fault proxy)</body></html>"
                if method == "HEAD":
                    # A HEAD answer keeps HQ's headers (its lengths too) and has no body.
                    out = ("\r\n".join([rfirst] + ["%s: %s" % kv for kv in rheaders
                                                   if kv[0].lower() != "connection"]) +
                           "\r\n\r\n").encode("latin-1")
                else:
                    out = build(rfirst, rheaders, rbody)
                if fault == "reset_reply":
                    cli.sendall(out[:max(1, len(out) // 2)])
                    time.sleep(0.05)
                    reset(cli)
                    return
                cli.sendall(out)
        except (Closed, OSError, ssl.SSLError, ValueError, IndexError) as e:
            print("faultproxy: connection ended: %s" % e, flush=True)
        finally:
            for s in (cli, up):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    def run(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", self.a.port))
        ls.listen(64)
        tmp = self.a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.replace(tmp, self.a.port_file)
        print("faultproxy: listening on 127.0.0.1:%d, upstream %s:%d" %
              (ls.getsockname()[1], *self.up), flush=True)
        while True:
            c, _ = ls.accept()
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()


def main():
    p = argparse.ArgumentParser(description="fault-injecting HTTPS proxy for the sync tests")
    for opt in ("--control", "--port-file"):
        p.add_argument(opt, required=True)
    for opt in ("--upstream", "--ca", "--cert", "--key", "--client-cert", "--client-key"):
        p.add_argument(opt)
    p.add_argument("--connect", action="store_true")
    p.add_argument("--stats")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rate-bps", type=int, default=0)
    p.add_argument("--trace")
    a = p.parse_args()
    if not a.connect and not all((a.upstream, a.ca, a.cert, a.key, a.client_cert, a.client_key)):
        p.error("--upstream, --ca, --cert, --key, --client-cert and --client-key are needed "
                "(all but --connect)")
    Proxy(a).run()


if __name__ == "__main__":
    sys.exit(main())
