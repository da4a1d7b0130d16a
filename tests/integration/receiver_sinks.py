"""receiver_sinks.py: loopback sinks for test_receivers_e2e.py.

HttpSink records every request (path, headers, raw body, parsed JSON) and answers from a per-path
script of (status, content type, body) tuples, then a default. It also serves as an HTTP proxy: a
CONNECT is answered 200 and the tunnel is served over TLS with a throwaway self-signed certificate
(the clients must skip verification), so a receiver whose URL is fixed (PagerDuty v1) still lands here.

SmtpSink is an in-process aiosmtpd server on 127.0.0.1 (plain, no AUTH) keeping each message's bytes.
Needs /usr/bin/python3 (python3-aiosmtpd) for SmtpSink only."""
import atexit
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import free_port

_CERT_LOCK = threading.Lock()
_CERT = None


def self_signed_cert():
    """(cert path, key path) of a throwaway certificate for events.pagerduty.com, made once per run."""
    global _CERT
    with _CERT_LOCK:
        if _CERT is None:
            d = tempfile.mkdtemp(prefix="tocsin-rx-cert-")
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=events.pagerduty.com",
                            "-addext", "subjectAltName=DNS:events.pagerduty.com"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
            _CERT = (cert, key)
            atexit.register(shutil.rmtree, d, True)
        return _CERT


class Request:
    def __init__(self, method, path, headers, body, tunneled_host):
        self.time = time.monotonic()
        self.method = method
        self.path = path
        self.headers = headers  # dict, header names lower-cased
        self.body = body
        self.tunneled_host = tunneled_host  # the CONNECT target when it came through the proxy
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None


class HttpSink:
    DEFAULT = (200, "text/plain; charset=utf-8", "ok")

    def __init__(self, script=None, default=None):
        """script: {path: [(status, content_type, body), ...]} answered in order; then `default`
        (a tuple, or {path: tuple})."""
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.default = default or {}
        self.requests = []  # every Request, in arrival order
        self.answers = []  # (path, status) for every request
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            tunnel = None

            def do_CONNECT(self):
                cert, key = self_signed_cert()
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.load_cert_chain(cert, key)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                tls = ctx.wrap_socket(self.connection, server_side=True)
                self.connection = tls
                self.rfile = tls.makefile("rb")
                self.wfile = tls.makefile("wb")
                self.tunnel = self.path
                self.close_connection = False

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(n)
                req = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, self.tunnel)
                with sink.lock:
                    steps = sink.script.get(self.path)
                    if steps:
                        status, ctype, text = steps.pop(0)
                    elif isinstance(sink.default, dict):
                        status, ctype, text = sink.default.get(self.path, HttpSink.DEFAULT)
                    else:
                        status, ctype, text = sink.default
                    sink.requests.append(req)
                    sink.answers.append((self.path, status))
                data = text.encode() if isinstance(text, str) else text
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self, path=None, ok_only=True):
        """Requests (optionally for one path) that were answered 2xx (or all with ok_only=False)."""
        with self.lock:
            pairs = list(zip(self.requests, self.answers))
        return [r for r, (_, st) in pairs if (path is None or r.path == path) and (not ok_only or st // 100 == 2)]

    def statuses(self, path):
        with self.lock:
            return [st for p, st in self.answers if p == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    def __init__(self):
        from aiosmtpd.controller import Controller  # python3-aiosmtpd, for /usr/bin/python3

        self.messages = []  # (monotonic time, mail_from, rcpt_tos, raw bytes)
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink.lock:
                    sink.messages.append((time.monotonic(), envelope.mail_from, list(envelope.rcpt_tos),
                                          envelope.original_content or envelope.content))
                return "250 OK queued"

        self.port = free_port()
        self.smarthost = "127.0.0.1:%d" % self.port
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()

    def received(self):
        with self.lock:
            return list(self.messages)

    def close(self):
        try:
            self.controller.stop()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
