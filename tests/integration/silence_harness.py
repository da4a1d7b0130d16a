"""Small helpers for the silence/inhibition integration tests (standard library only).

Starts tocsin or the reference Alertmanager on 127.0.0.1 with a free port and a temporary storage
dir, waits for /-/ready, stops it with SIGTERM or SIGKILL; a webhook sink on a thread that records
every notification with its arrival time; HTTP helpers; a pass/fail counter.
Every process started here is registered and killed by `cleanup()` (also called atexit).
"""
import atexit
import datetime as _dt
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

REFERENCE = "/usr/bin/prometheus-alertmanager"
AMTOOL = "/usr/bin/amtool"

_live = []  # Daemons and sinks to clean up


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import free_port, listened_by  # noqa: E402,F401 - below the ephemeral range, see there


def rfc3339(t):
    """Seconds since the epoch -> RFC 3339 UTC with milliseconds."""
    d = _dt.datetime.fromtimestamp(t, tz=_dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def parse_time(s):
    """RFC 3339 (any fraction length, Z or offset) -> seconds since the epoch."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    main, _, rest = s.partition(".")
    if rest:
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        frac, tz = rest[:i], rest[i:]
        s = main + "." + (frac + "000000")[:6] + tz
    return _dt.datetime.fromisoformat(s).timestamp()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        t = self.text
        return "<%d %s>" % (self.status, t[:300] + ("..." if len(t) > 300 else ""))


def http_request(port, method, path, body=None, headers=None, timeout=10.0):
    """One HTTP request to 127.0.0.1:port. `body` may be bytes, str, or a JSON-able object."""
    h = dict(headers or {})
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    if isinstance(body, str):
        body = body.encode("utf-8")
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        c.close()


class Daemon:
    """tocsin (kind='tocsin', binary=path) or the reference (kind='ref')."""

    def __init__(self, kind, binary, config_text, storage=None, extra_args=()):
        self.kind = kind
        self.binary = binary if kind == "tocsin" else REFERENCE
        self.workdir = tempfile.mkdtemp(prefix="tocsin-it-%s-" % kind)
        self.own_storage = storage is None
        self.storage = storage or os.path.join(self.workdir, "data")
        os.makedirs(self.storage, exist_ok=True)
        self.config_path = os.path.join(self.workdir, "config.yml")
        with open(self.config_path, "w") as f:
            f.write(config_text)
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.workdir, "daemon.log")
        self._logf = None
        _live.append(self)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=30.0, port=None):
        for attempt in range(5):
            if self._start_once(timeout, port):
                return self
            if port:
                break  # the caller's port: no moving
        raise RuntimeError("%s: port %d is held by another process" % (self.kind, self.port))

    def _start_once(self, timeout, port):
        """Start and wait until ready; False when the port turned out to be another process's
        (see harness.listened_by)."""
        self.port = port or free_port()
        args = [
            self.binary,
            "--config.file=" + self.config_path,
            "--storage.path=" + self.storage,
            "--web.listen-address=127.0.0.1:%d" % self.port,
            "--cluster.listen-address=",
        ] + self.extra_args
        self._logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self._logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if "address already in use" in self.log_tail(2000).lower():
                    self.stop()
                    return False
                raise RuntimeError("%s exited with %s during start-up; log:\n%s" % (self.kind, self.proc.returncode, self.log_tail()))
            try:
                r = http_request(self.port, "GET", "/-/ready", timeout=1.0)
                if r.status == 200 and listened_by(self.proc.pid, self.port):
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        self.stop(kill=True)
        raise RuntimeError("%s not ready within %.0fs; log:\n%s" % (self.kind, timeout, self.log_tail()))

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, kill=False, timeout=10.0):
        if self.proc is None:
            return None
        p = self.proc
        if p.poll() is None:
            p.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        self.proc = None
        if self._logf:
            self._logf.close()
            self._logf = None
        return p.returncode

    def cleanup(self):
        self.stop(kill=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def req(self, method, path, body=None, headers=None, timeout=10.0):
        return http_request(self.port, method, path, body, headers, timeout)

    # convenience
    def post_alerts(self, alerts):
        return self.req("POST", "/api/v2/alerts", alerts)

    def post_silence(self, s):
        return self.req("POST", "/api/v2/silences", s)

    def get_alerts(self, query=""):
        return self.req("GET", "/api/v2/alerts" + (("?" + query) if query else ""))


class WebhookSink:
    """A webhook receiver on 127.0.0.1 recording (arrival_time, payload) for every POST."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n)
                try:
                    payload = json.loads(data.decode("utf-8"))
                except ValueError:
                    payload = {"_raw": data.decode("utf-8", "replace")}
                with sink.cond:
                    sink.events.append((time.time(), self.path, payload))
                    sink.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        _live.append(self)

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def snapshot(self):
        with self.lock:
            return list(self.events)

    def clear(self):
        with self.lock:
            self.events.clear()

    def wait_for(self, pred, timeout):
        """Waits until pred(events) is true; returns the events then, or None on timeout."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                if pred(self.events):
                    return list(self.events)
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.2))

    def cleanup(self):
        try:
            self.server.shutdown()
            self.server.server_close()
        except Exception:
            pass


def cleanup():
    while _live:
        x = _live.pop()
        try:
            x.cleanup()
        except Exception:
            traceback.print_exc()


atexit.register(cleanup)


def _on_signal(signum, frame):
    cleanup()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


def wait_until(fn, timeout, interval=0.05):
    """Polls fn() until it returns a truthy value; returns it, or the last value on timeout."""
    deadline = time.time() + timeout
    v = fn()
    while not v and time.time() < deadline:
        time.sleep(interval)
        v = fn()
    return v


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("PASS " + name, flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print("FAIL " + name + ((": " + str(detail)) if detail != "" else ""), flush=True)
        return bool(cond)

    def run(self, name, fn, *args):
        """Runs a test section; an exception is one failure."""
        try:
            fn(*args)
        except Exception as e:
            self.check(name + " (exception)", False, "%s\n%s" % (e, traceback.format_exc()))

    def finish(self):
        cleanup()
        if self.failures:
            print("failures:\n  " + "\n  ".join(self.failures))
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(1 if self.failed else 0)


def tocsin_binary():
    if len(sys.argv) < 2:
        print("usage: %s <path-to-tocsin>" % sys.argv[0])
        sys.exit(2)
    p = os.path.abspath(sys.argv[1])
    if not os.access(p, os.X_OK):
        print("not executable: " + p)
        sys.exit(2)
    return p


def type_shape(v):
    """The shape of a JSON value: keys and value types, recursively (lists by their first element)."""
    if isinstance(v, dict):
        return {k: type_shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [type_shape(v[0])] if v else []
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if v is None:
        return "null"
    return "string"
