"""test_receiver_faults.py: receivers that answer 500, 429 with Retry-After, hang, close the connection
or are absent never delay another receiver's notifications nor the API; metrics and logs say what
happened; a failing sink that recovers gets the notification once."""
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Results, Sink, free_port  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()


class BadSink:
    """mode: 'hang' (never answers within the test), 'close' (drops the connection), '429'."""

    def __init__(self, mode):
        self.hits = 0
        sink = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                sink.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if mode == "hang":
                    time.sleep(20)
                    return
                if mode == "close":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def main():
    good = Sink()
    failing = Sink(fail={"/flaky": 3})
    bad = {m: BadSink(m) for m in ("hang", "close", "429")}
    absent = "http://127.0.0.1:%d" % free_port()
    routes = "\n".join(f"""    - matchers: ['target="{name}"']
      receiver: {name}""" for name in ("hang", "close", "r429", "absent", "flaky"))
    cfg = f"""
route:
  receiver: good
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 20s
  routes:
{routes}
receivers:
  - name: good
    webhook_configs: [{{url: '{good.url}/good'}}]
  - name: hang
    webhook_configs: [{{url: '{bad["hang"].url}/hang'}}]
  - name: close
    webhook_configs: [{{url: '{bad["close"].url}/close'}}]
  - name: r429
    webhook_configs: [{{url: '{bad["429"].url}/429'}}]
  - name: absent
    webhook_configs: [{{url: '{absent}/absent'}}]
  - name: flaky
    webhook_configs: [{{url: '{failing.url}/flaky'}}]
"""
    d = Daemon(TOCSIN, cfg, extra=["--log.level=debug"])
    try:
        d.start()
        # Many groups for every failing receiver first: each retries until its deadline.
        batch = []
        for name in ("hang", "close", "r429", "absent"):
            batch += [{"labels": {"alertname": "%s%d" % (name, i), "target": name}} for i in range(100)]
        d.post_alerts(batch)
        d.post_alerts([{"labels": {"alertname": "flaky", "target": "flaky"}}])
        time.sleep(0.5)
        t0 = time.monotonic()
        d.post_alerts([{"labels": {"alertname": "Good"}}])
        R.check("a healthy receiver is notified within 2s while others fail", good.wait_for(1, 2.0),
                "after %.2fs" % (time.monotonic() - t0))
        t1 = time.monotonic()
        code = d.request("GET", "/api/v2/alerts")[0]
        R.check("the API answers promptly meanwhile", code == 200 and time.monotonic() - t1 < 1.0)
        R.check("a failing sink that recovers gets the notification once", failing.wait_for(1, 8.0) and len(failing.notifications()) == 1,
                len(failing.notifications()))
        time.sleep(1.0)
        body = d.request("GET", "/metrics")[1]
        failed = [l for l in body.splitlines() if l.startswith("alertmanager_notification_requests_failed_total{integration=\"webhook\"}")]
        R.check("metrics count failed requests", failed and float(failed[0].split()[-1]) > 0, failed)
        log = d.read_log()
        # As the reference's: a retried failure has a warn line with receiver= and integration=; one not
        # retried (the 429) only the flush's error line, whose err starts "<receiver>/<integration>: ".
        R.check("a line per failing receiver names receiver and integration",
                all(("receiver=%s" % n) in log for n in ("close", "absent")) and 'err="r429/webhook[0]: ' in log
                and "integration=webhook" in log and "level=warn" in log)
        R.check("the 429 sink was not hammered (backoff)", bad["429"].hits < 400, bad["429"].hits)
        t2 = time.monotonic()
        rc = d.stop(timeout=30)
        R.check("SIGTERM with notifications stuck in retries exits 0 within 15s", rc == 0 and time.monotonic() - t2 < 15,
                "rc=%s after %.1fs" % (rc, time.monotonic() - t2))
    finally:
        d.cleanup()
        good.close()
        failing.close()
        for b in bad.values():
            b.close()
    R.finish()


if __name__ == "__main__":
    main()
