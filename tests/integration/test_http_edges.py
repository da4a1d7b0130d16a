"""test_http_edges.py: the HTTP surface at its edges, side by side with the reference (Go's net/http,
httprouter and go-openapi answer there), and receivers that break their answers.

Raw requests go to both daemons; the status line, the headers that matter (Content-Type, Allow,
Content-Length, Connection, Location, Vary, Retry-After, WWW-Authenticate, Content-Encoding) and the body
must agree, Allow lists compared as sets (go-swagger writes them in map order). Protocol edges: HTTP/1.0
with and without keep-alive, pipelining, Expect, chunked bodies, Content-Length and Transfer-Encoding
errors, Host rules, absolute-form and odd targets, versions, bare LF, header limits, HEAD and OPTIONS.
API edges: Content-Type on any method, Accept negotiation, escaped paths, JSON oddities. The cases where
tocsin differs on purpose are checked against tocsin's own answer. Then a sink that closes inside its
answer's header (a failed request: retried) or inside a 200's body (sent: not retried).

Usage: test_http_edges.py <tocsin-binary>; prints 'N passed, N failed'. Standard library only.
"""
import gzip
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REFERENCE, Daemon, Results  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()
CONFIG = """
route:
  receiver: sink
  group_by: [alertname]
receivers:
- name: sink
"""
HEADERS = ("content-type", "allow", "content-length", "connection", "location", "vary", "retry-after",
           "www-authenticate", "content-encoding", "transfer-encoding")


def exchange(port, data, timeout=3.0):
    """Sends raw bytes; returns what came back until the peer closed or went quiet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while len(out) < 4 << 20:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return out


def responses(raw):
    """The answers in `raw`: (status line, {header: value}, body) each; a rest that is no answer is dropped."""
    out = []
    while raw.startswith(b"HTTP/"):
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            if k in HEADERS:
                v = v.strip()
                if k == "allow":
                    v = ",".join(sorted(x.strip() for x in v.split(",")))
                hdrs[k] = v
        status = lines[0]
        if "content-length" in hdrs:
            n = int(hdrs["content-length"])
            body, raw = rest[:n], rest[n:]
        elif status[9:10] == "1" or status[9:12] in ("204", "304"):
            body, raw = b"", rest
        else:
            body, raw = rest, b""
        # go-swagger lists the allowed methods of a 405 in map order, which varies between requests.
        m = re.search(rb"is not allowed, but \[([A-Z,]*)\] are", body)
        if m:
            body = body.replace(m.group(1), b",".join(sorted(m.group(1).split(b","))))
        out.append((status, hdrs, body))
    return out


def dechunk(body):
    out = b""
    while body:
        size, _, rest = body.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            break
        out += rest[:n]
        body = rest[n + 2:]
    return out


def compare(name, data, check_body=True):
    """The reference's answers to `data` and tocsin's must agree."""
    t = responses(exchange(T.port, data))
    r = responses(exchange(REF.port, data))
    if not check_body:
        t = [(s, h, b"") for s, h, _ in t]
        r = [(s, h, b"") for s, h, _ in r]
    R.check("same as the reference: " + name, t == r and len(t) > 0, "\n   tocsin    %r\n   reference %r" % (t, r))


def expect(name, data, status_line, body=None):
    """tocsin's own answer where it differs from the reference on purpose."""
    got = responses(exchange(T.port, data))
    ok = len(got) > 0 and got[0][0] == status_line and (body is None or got[0][2] == body)
    R.check("tocsin: " + name, ok, repr(got[:1]))


def req(method, target, headers=b"", body=b"", version=b"HTTP/1.1", host=True, close=True):
    h = method + b" " + target + b" " + version + b"\r\n"
    if host:
        h += b"Host: x\r\n"
    if close:
        h += b"Connection: close\r\n"
    return h + headers + b"\r\n" + body


def post(target, body, ct=b"application/json", method=b"POST", extra=b""):
    h = b"" if ct is None else b"Content-Type: " + ct + b"\r\n"
    return req(method, target, h + extra + b"Content-Length: %d\r\n" % len(body), body)


def protocol():
    A = b"/api/v2/alerts"
    ct = b"Content-Type: application/json\r\n"
    date = re.compile(rb"\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r\n")
    for path in (b"/-/healthy", b"/api/v2/receivers", b"/nope"):
        dated = [bool(date.search(exchange(d.port, req(b"GET", path)).partition(b"\r\n\r\n")[0] + b"\r\n")) for d in (T, REF)]
        R.check("a Date header in Go's format on GET %s, as the reference" % path.decode(), dated == [True, True], str(dated))
    compare("HTTP/1.0 without keep-alive", b"GET /-/healthy HTTP/1.0\r\n\r\n")
    compare("HTTP/1.0 with keep-alive, then a second request",
            b"GET /-/healthy HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /-/ready HTTP/1.0\r\n\r\n")
    compare("Connection: close", req(b"GET", b"/-/healthy"))
    compare("'close' in a second Connection line", req(b"GET", b"/-/healthy", b"Connection: keep-alive\r\n", close=False)
            .replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
    compare("pipelined requests", req(b"GET", b"/-/healthy", close=False) + req(b"GET", b"/api/v2/receivers"))
    compare("Expect: 100-continue", post(A, b"[]", extra=b"Expect: 100-continue\r\n"))
    compare("Expect: 100-continue on HTTP/1.0",
            b"POST /api/v2/alerts HTTP/1.0\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n[]")
    compare("an unknown Expect: 417", post(A, b"[]", extra=b"Expect: something\r\n"))
    compare("chunked body", req(b"POST", A, ct + b"Transfer-Encoding: chunked\r\n", b"1\r\n[\r\n1\r\n]\r\n0\r\n\r\n"))
    compare("chunked body with a trailer and an extension",
            req(b"POST", A, ct + b"Transfer-Encoding: chunked\r\n", b"2;x=y\r\n[]\r\n0\r\nX-T: 1\r\n\r\n"))
    compare("Transfer-Encoding: Chunked", req(b"POST", A, ct + b"Transfer-Encoding: Chunked\r\n", b"2\r\n[]\r\n0\r\n\r\n"))
    for te in (b"gzip", b"identity", b"chunked, chunked"):
        compare("Transfer-Encoding: %s (501)" % te.decode(), req(b"POST", A, ct + b"Transfer-Encoding: " + te + b"\r\n", b"2\r\n[]\r\n0\r\n\r\n"))
    for cl in (b"abc", b"+2", b"2, 2", b"-1"):
        compare("Content-Length: %s" % cl.decode(), req(b"POST", A, ct + b"Content-Length: " + cl + b"\r\n", b"[]"))
    compare("two equal Content-Lengths", req(b"POST", A, ct + b"Content-Length: 2\r\nContent-Length: 2\r\n", b"[]"))
    compare("two different Content-Lengths", req(b"POST", A, ct + b"Content-Length: 2\r\nContent-Length: 3\r\n", b"[] "))
    compare("POST without a body", req(b"POST", A, ct))
    compare("HTTP/1.1 without Host", req(b"GET", b"/-/healthy", host=False))
    compare("two Host headers", req(b"GET", b"/-/healthy", b"Host: y\r\n"))
    compare("a malformed Host", req(b"GET", b"/-/healthy", b"Host: a b\r\n", host=False))
    compare("an empty Host", req(b"GET", b"/-/healthy", b"Host: \r\n", host=False))
    compare("absolute-form target", req(b"GET", b"http://127.0.0.1/api/v2/receivers"))
    compare("absolute-form target, another host", req(b"GET", b"http://example.com/-/healthy?x=1"))
    compare("target without a slash", req(b"GET", b"api/v2/status"))
    compare("OPTIONS *", req(b"OPTIONS", b"*"))
    compare("GET *", req(b"GET", b"*"))
    compare("a bad escape in the path", req(b"GET", b"/api/v2/%zz"))
    compare("a bad escape in the query", req(b"GET", b"/api/v2/receivers?x=%zz&y=%G"))
    compare("a control byte in the target", req(b"GET", b"/-/healthy\x01"))
    compare("a fragment", req(b"GET", b"/-/healthy#frag"))
    compare("lowercase method", req(b"get", b"/-/healthy"))
    compare("unknown method", req(b"FOO", b"/api/v2/status"))
    compare("HTTP/1.2 served as 1.1", req(b"GET", b"/-/healthy", version=b"HTTP/1.2"))
    compare("HTTP/2.0 in plain text: 505", req(b"GET", b"/-/healthy", version=b"HTTP/2.0"))
    compare("HTTP/0.9 form", b"GET /-/healthy\r\n\r\n")
    compare("lines ended by a bare LF", b"GET /-/healthy HTTP/1.1\nHost: x\nConnection: close\n\n")
    compare("a header line without a colon", b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n")
    compare("a control byte in a header value", req(b"GET", b"/-/healthy", b"X-A: b\x01c\r\n"))
    compare("a CRLF before the request line", b"\r\n" + req(b"GET", b"/-/healthy"))
    compare("a URL of 100 KB", req(b"GET", b"/api/v2/receivers?x=" + b"a" * 100000))
    compare("header fields of 1000 KB (under 1 MiB + 4 KiB)",
            req(b"GET", b"/-/healthy", b"".join(b"X-P%d: %s\r\n" % (i, b"p" * 1000) for i in range(1000))))
    compare("header fields over 1 MiB + 4 KiB: 431",
            req(b"GET", b"/-/healthy", b"".join(b"X-P%d: %s\r\n" % (i, b"p" * 1000) for i in range(1060))))
    compare("a body on a GET outside the API", post(b"/-/healthy", b"hello", ct=None, method=b"GET"))
    # promhttp compresses /metrics for a scraper that accepts gzip; nothing else is compressed.
    for ae in (b"gzip", b"br, gzip;q=0.5", b"br", b"x-gzip"):
        got = {}
        for d in (T, REF):
            answers = responses(exchange(d.port, req(b"GET", b"/metrics", b"Accept-Encoding: " + ae + b"\r\n")))
            enc = answers[0][1].get("content-encoding") if answers else None
            body = answers[0][2] if answers else b""
            if "transfer-encoding" in (answers[0][1] if answers else {}):
                body = dechunk(body)
            try:
                text = gzip.decompress(body) if enc == "gzip" else body
            except OSError:
                text = b""
            got[d.name] = (enc, text.startswith(b"# HELP alertmanager_"))
        R.check("same as the reference: GET /metrics, Accept-Encoding: %s" % ae.decode(),
                got["tocsin"] == got["reference"] and got["tocsin"][1], str(got))
    compare("GET receivers, Accept-Encoding: gzip (not compressed)", req(b"GET", b"/api/v2/receivers", b"Accept-Encoding: gzip\r\n"))
    # Deliberate: Beast stores no field over 64 KiB; both Content-Length and chunked is refused
    # (request smuggling); framing errors in a chunked body are 400 before any handler runs.
    expect("one header field over 64 KiB: 431", req(b"GET", b"/-/healthy", b"X-Big: " + b"b" * 70000 + b"\r\n"),
           "HTTP/1.1 431 Request Header Fields Too Large", b"431 Request Header Fields Too Large")
    expect("a chunked body's trailer field over 64 KiB: 431",
           req(b"POST", A, ct + b"Transfer-Encoding: chunked\r\n", b"2\r\n[]\r\n0\r\nX-T: " + b"t" * 70000 + b"\r\n\r\n"),
           "HTTP/1.1 431 Request Header Fields Too Large")
    expect("Content-Length and Transfer-Encoding: 400",
           req(b"POST", A, ct + b"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n", b"2\r\n[]\r\n0\r\n\r\n"),
           "HTTP/1.1 400 Bad Request", b"400 Bad Request")
    expect("a bad chunk size: 400", req(b"POST", A, ct + b"Transfer-Encoding: chunked\r\n", b"zz\r\n[]\r\n0\r\n\r\n"),
           "HTTP/1.1 400 Bad Request")
    # HEAD and OPTIONS on every endpoint; other methods on the API.
    for p in (b"/", b"/metrics", b"/-/healthy", b"/-/ready", b"/-/reload", b"/api/v2/status", b"/api/v2/receivers",
              b"/api/v2/alerts", b"/api/v2/alerts/groups", b"/api/v2/silences",
              b"/api/v2/silence/7e8a1d3c-1111-4222-8333-444455556666"):
        for m in (b"HEAD", b"OPTIONS", b"PATCH", b"TRACE"):
            compare("%s %s" % (m.decode(), p.decode()), req(m, p), check_body=p not in (b"/", b"/metrics"))


def api():
    A, S = b"/api/v2/alerts", b"/api/v2/silences"
    sil = "/api/v2/silence/7e8a1d3c-1111-4222-8333-444455556666".encode()
    for accept in (b"text/html", b"application/xml", b"application/*", b"*/*;q=0", b"application/json;q=0.5, text/html",
                   b";;;", b"text/html;q=2"):
        compare("GET status, Accept: %s" % accept.decode(), req(b"GET", b"/api/v2/receivers", b"Accept: " + accept + b"\r\n"))
    compare("POST alerts with a JSON body, Accept: text/html", post(A, b"[]", extra=b"Accept: text/html\r\n"))
    for ct in (b"application/json; charset", b"application/json; =x", b"", b"application/json; a=1; a=2",
               b"application/json;", b"application/json; charset=\"utf-8\"", b"text/plain", b" ; x=y", b"a/b/c"):
        compare("POST alerts, Content-Type %r" % ct.decode(), post(A, b"[]", ct=ct))
    compare("GET alerts with a text body: 415", post(A, b"xx", ct=b"text/plain", method=b"GET"))
    compare("GET alerts with a body and no Content-Type: 415", post(A, b"xx", ct=None, method=b"GET"))
    compare("GET alerts with a chunked body: 415", req(b"GET", A, b"Transfer-Encoding: chunked\r\n", b"2\r\nxx\r\n0\r\n\r\n"))
    compare("GET alerts with Content-Length: 0", post(A, b"", ct=None, method=b"GET"))
    compare("DELETE silence with a body: 415", post(sil, b"xx", ct=None, method=b"DELETE"))
    compare("an escaped operation path: 404", req(b"GET", b"/api/v2/%73tatus"))
    compare("an escaped slash in the path: 404", req(b"GET", b"/api/v2%2Fstatus"))
    compare("an escaped silence id", req(b"GET", b"/api/v2/silence/%61bc"))
    compare("an escaped slash in a silence id", req(b"GET", b"/api/v2/silence/a%2Fb"))
    compare("a silence id with a space", req(b"GET", b"/api/v2/silence/a%20b"))
    compare("//api/v2/status", req(b"GET", b"//api/v2/status"))
    compare("/api/v2/receivers/", req(b"GET", b"/api/v2/receivers/"))
    compare("an alert with a lone surrogate escape", post(A, b'[{"labels":{"alertname":"\\ud800x","b":"\\udc00"}}]'))
    compare("a silence comment with a lone surrogate escape", post(S, json.dumps({
        "matchers": [{"name": "a", "value": "b", "isRegex": False}], "startsAt": "2030-01-01T00:00:00Z",
        "endsAt": "2030-01-02T00:00:00Z", "createdBy": "x", "comment": "PLACEHOLDER"}).encode().replace(b"PLACEHOLDER", b"\\ud83dx")),
        check_body=False)
    for name, body in (("null", b"null"), ("[]", b"[]"), ("a BOM", b"\xef\xbb\xbf[]"), ("duplicate keys", b'[{"labels":{"a":"1","a":"2"}}]'),
                       ("a huge integer", b'[{"labels":{"a":"b"},"x":123456789012345678901234567890}]'),
                       ("nesting of 10,001", b'[{"labels":{"a":"b"},"x":' + b"[" * 10001 + b"]" * 10001 + b"}]")):
        compare("POST alerts: " + name, post(A, body))
    for name, body in (("null", b"null"), ("{}", b"{}"), ("a BOM", b"\xef\xbb\xbf{}"), ("blank", b"  ")):
        compare("POST silences: " + name, post(S, body))


class BrokenSink:
    """/header: closes inside the answer's header; /body: a 200 that promises 100 bytes and sends 10."""

    def __init__(self):
        self.hits = {}
        sink = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink.hits[self.path] = sink.hits.get(self.path, 0) + 1
                if self.path == "/header":
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Len")
                else:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def receivers():
    sink = BrokenSink()
    cfg = """
route:
  receiver: header
  group_by: [alertname]
  group_wait: 50ms
  group_interval: 1s
  routes:
  - matchers: ['alertname="body"']
    receiver: body
receivers:
- name: header
  webhook_configs: [{url: '%s/header'}]
- name: body
  webhook_configs: [{url: '%s/body'}]
""" % (sink.url, sink.url)
    d = Daemon(TOCSIN, cfg, name="tocsin")
    try:
        d.start()
        d.post_alerts([{"labels": {"alertname": "header"}}, {"labels": {"alertname": "body"}}])
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and sink.hits.get("/header", 0) < 3:
            time.sleep(0.1)
        time.sleep(1.5)
        R.check("a receiver closing inside its answer's header: the request failed and was retried (as the reference)",
                sink.hits.get("/header", 0) >= 3, str(sink.hits))
        R.check("a receiver closing inside a 200's body: sent once, not retried (as the reference)",
                sink.hits.get("/body", 0) == 1, str(sink.hits))
        metrics = d.request("GET", "/metrics")[1]
        failed = [l for l in metrics.splitlines() if l.startswith('alertmanager_notification_requests_failed_total{integration="webhook"}')]
        R.check("failed requests counted", failed and float(failed[0].split()[-1]) >= 3, failed)
        R.check("'unexpected EOF' logged for the cut header", "unexpected EOF" in d.read_log())
    finally:
        d.cleanup()
        sink.close()


def web_timeout():
    """--web.timeout: Go's TimeoutHandler around the whole mux. At 1ns every answer is late: 503 with its
    text, for the lifecycle endpoints, the API and unknown paths alike; a silence posted meanwhile is
    created all the same by tocsin (seen after a restart without the flag)."""
    silence = json.dumps({"matchers": [{"name": "a", "value": "b", "isRegex": False}], "startsAt": "2030-01-01T00:00:00Z",
                          "endsAt": "2030-01-02T00:00:00Z", "createdBy": "t", "comment": "late"}).encode()
    global T, REF
    pair = [Daemon(TOCSIN, CONFIG, name="tocsin", extra=["--web.timeout=1ns"]),
            Daemon(REFERENCE, CONFIG, name="reference", extra=["--web.timeout=1ns"])]
    try:
        for d in pair:
            d.ready_codes = (503,)
            d.start()
        T, REF = pair
        compare("--web.timeout=1ns, GET /-/healthy", req(b"GET", b"/-/healthy"))
        compare("--web.timeout=1ns, GET /-/ready", req(b"GET", b"/-/ready"))
        compare("--web.timeout=1ns, HEAD /-/healthy", req(b"HEAD", b"/-/healthy"))
        compare("--web.timeout=1ns, GET /api/v2/status", req(b"GET", b"/api/v2/status"))
        compare("--web.timeout=1ns, GET /nope", req(b"GET", b"/nope"))
        compare("--web.timeout=1ns, POST /api/v2/silences", post(b"/api/v2/silences", silence))
        got = responses(exchange(T.port, req(b"GET", b"/-/healthy")))
        R.check("--web.timeout=1ns: tocsin's text", got and got[0][0] == "HTTP/1.1 503 Service Unavailable"
                and got[0][2] == b"Exceeded configured timeout of 1ns.\n", repr(got))
        for d in pair:
            d.stop()
            d.extra = []
            d.ready_codes = (200,)
            d.start()
        # The reference's handler goes on in its goroutine and its request context is cancelled: whether
        # the silence is made there is a race. tocsin's handler has run to its end when the answer is judged.
        listed = json.loads(T.request("GET", "/api/v2/silences")[1])
        R.check("--web.timeout=1ns: tocsin created the late silence all the same",
                [s["comment"] for s in listed] == ["late"], repr(listed))
    finally:
        for d in pair:
            d.cleanup()
        T = REF = None


web_timeout()
T = Daemon(TOCSIN, CONFIG, name="tocsin")
REF = Daemon(REFERENCE, CONFIG, name="reference")
try:
    T.start()
    REF.start()
    protocol()
    api()
    R.check("tocsin still running after the edges", T.proc.poll() is None)
    R.check("tocsin still healthy after the edges", T.request("GET", "/-/healthy")[0] == 200)
finally:
    T.cleanup()
    REF.cleanup()
receivers()
R.finish()
