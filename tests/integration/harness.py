"""harness.py: start tocsin or the reference Alertmanager on loopback with a webhook sink, post alerts,
collect notifications, and report results as 'N passed, N failed'. Standard library only."""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFERENCE = "/usr/bin/prometheus-alertmanager"


_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """A port for a daemon to listen on, free when asked. Picked at random below the kernel's ephemeral
    range (32768 and up), not by binding port 0: the kernel hands the ephemeral ports to the sinks and to
    every client connection of the tests running in parallel, and a port it has just handed out and
    taken back (a daemon another test stopped and is about to start again on the same port) could come
    back here, putting two tests on one daemon. A port is never handed out twice in one process: between
    this check and the daemon's bind another thread's pick would still look free. Across processes that
    window remains; Daemon.start checks that the port it reached is its own daemon's (listened_by)."""
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        with _ports_lock:
            if port in _ports_given:
                continue
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            finally:
                s.close()
            _ports_given.add(port)
            return port
    raise RuntimeError("no free port in 20000-31999")


def listened_by(pid, port):
    """Whether process `pid` holds the listening TCP socket on `port` (from /proc): a readiness probe
    answered by another test's daemon on a colliding port must not count as this daemon being up."""
    inodes = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except OSError:
            continue
    if not inodes:
        return False
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False


def now_rfc3339(offset=0.0):
    t = time.time() + offset
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


class Sink:
    """A webhook receiver on 127.0.0.1. `fail` maps a path to how many requests to answer 500 first;
    `delay` maps a path to the seconds to wait before answering each of its first requests (a slow receiver)."""

    def __init__(self, fail=None, status_for=None, delay=None):
        self.received = []  # (monotonic time, path, parsed JSON)
        self.attempts = []  # (monotonic time, path, status answered)
        self.fail = dict(fail or {})
        self.delay = {k: list(v) for k, v in (delay or {}).items()}
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                with sink.lock:
                    left = sink.fail.get(self.path, 0)
                    if left > 0:
                        sink.fail[self.path] = left - 1
                        code = 500
                    else:
                        code = 200
                    sink.attempts.append((time.monotonic(), self.path, code))
                    pause = sink.delay[self.path].pop(0) if sink.delay.get(self.path) else 0
                if pause:
                    time.sleep(pause)
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                # A notification counts as received once it has been answered: its time is the answer's.
                if code == 200:
                    try:
                        parsed = json.loads(body)
                    except ValueError:
                        parsed = {"_raw": body.decode("utf-8", "replace")}
                    with sink.lock:
                        sink.received.append((time.monotonic(), self.path, parsed))

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            # socketserver's default backlog (5) drops the SYNs of a burst of notifications sent at
            # once, and the kernel retries them a second later: a timing artefact of the sink.
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def notifications(self):
        with self.lock:
            return list(self.received)

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.notifications()) >= count:
                return True
            time.sleep(0.05)
        return len(self.notifications()) >= count

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Daemon:
    """tocsin or the reference on a free loopback port with its own storage directory."""

    def __init__(self, binary, config_text, storage=None, extra=None, name=None):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="tocsin-it-")
        self.storage = storage or os.path.join(self.dir, "data")
        self.config_path = os.path.join(self.dir, "alertmanager.yml")
        with open(self.config_path, "w") as f:
            f.write(config_text)
        self.extra = list(extra or [])
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.name = name or os.path.basename(binary)
        self.proc = None
        self.log_path = os.path.join(self.dir, "daemon.log")

    def start(self, timeout=15):
        for attempt in range(5):
            if self._start_once(timeout):
                self.ever_started = True
                return self
            # another test's daemon holds the port (it bound between free_port's check and this start):
            # a first start moves to a new port unless the port is already written into the arguments
            if getattr(self, "ever_started", False) or any(str(self.port) in a for a in self.extra):
                break
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
        raise RuntimeError("%s: port %d is held by another process" % (self.name, self.port))

    def _start_once(self, timeout):
        """Start and wait until ready; False when the port turned out to be another process's."""
        # Clustering off unless the test passes its own --cluster.listen-address (flags cannot repeat).
        cluster = [] if any(a.startswith("--cluster.listen-address") for a in self.extra) else ["--cluster.listen-address="]
        args = [self.binary, "--config.file=" + self.config_path, "--storage.path=" + self.storage,
                "--web.listen-address=127.0.0.1:%d" % self.port] + cluster + self.extra
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self.started = time.monotonic()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "address already in use" in self.read_log()[-2000:].lower():
                    self.proc = None
                    return False
                raise RuntimeError("%s exited with %s: %s" % (self.name, self.proc.returncode, self.read_log()[-2000:]))
            try:
                if self.request("GET", "/-/ready")[0] in getattr(self, "ready_codes", (200,)):
                    if listened_by(self.proc.pid, self.port):
                        return True
                    # else another process answered: ours is still binding, or failing to, and exits
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("%s not ready after %ss" % (self.name, timeout))

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=10):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)

    def post_alerts(self, alerts):
        code, body, _ = self.request("POST", "/api/v2/alerts", alerts)
        if code != 200:
            raise RuntimeError("%s: POST alerts answered %s %s" % (self.name, code, body))

    def get_json(self, path):
        code, body, _ = self.request("GET", path)
        return code, (json.loads(body) if body else None)

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def check(self, name, ok, detail=""):
        with self.lock:
            if ok:
                self.passed += 1
                print("PASS  " + name, flush=True)
            else:
                self.failed += 1
                print("FAIL  %s %s" % (name, detail), flush=True)
        return ok

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def summarize(notification):
    """What must agree between tocsin and the reference: everything but times and the external URL."""
    _, path, p = notification
    return (path, p.get("receiver"), p.get("status"), p.get("groupKey"),
            json.dumps(p.get("groupLabels"), sort_keys=True), json.dumps(p.get("commonLabels"), sort_keys=True),
            json.dumps(p.get("commonAnnotations"), sort_keys=True), p.get("truncatedAlerts"), p.get("version"),
            tuple((a.get("status"), json.dumps(a.get("labels"), sort_keys=True), a.get("fingerprint"),
                   a.get("generatorURL"), a.get("endsAt") == "0001-01-01T00:00:00Z") for a in p.get("alerts", [])))


def run_parallel(fns):
    """Runs each function on its own thread; returns their results (exceptions re-raised)."""
    results = [None] * len(fns)
    errors = [None] * len(fns)

    def wrap(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            errors[i] = e

    threads = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        if e is not None:
            raise e
    return results
