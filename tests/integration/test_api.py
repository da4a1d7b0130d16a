"""test_api.py: the HTTP API's contract on the real binary: status codes and shapes beside the
reference's, validation messages, reload (HTTP and SIGHUP, a bad config keeps the running one),
route prefix and external URL, body limit, metrics names, v1's 410."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, Sink  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

CFG = """
route:
  receiver: web
  group_by: [alertname]
  group_wait: 1s
  routes:
    - matchers: ['team="a"']
      receiver: team-a
receivers:
  - name: web
    webhook_configs:
      - url: http://127.0.0.1:9/hook
        http_config:
          basic_auth: {username: u, password: hunter2secret}
  - name: team-a
"""

BAD_BODIES = [
    ("not json", b"{bad"),
    ("an object, not a list", b'{"labels":{"a":"b"}}'),
    ("labels missing", b'[{"annotations":{"a":"b"}}]'),
    ("labels of wrong type", b'[{"labels":{"a":1}}]'),
    ("empty labels", b'[{"labels":{}}]'),
    ("invalid label name", b'[{"labels":{"a b":"x"}}]'),
    ("endsAt before startsAt", b'[{"labels":{"a":"b"},"startsAt":"2020-01-02T00:00:00Z","endsAt":"2020-01-01T00:00:00Z"}]'),
    ("bad time", b'[{"labels":{"a":"b"},"startsAt":"yesterday"}]'),
]


def main():
    ours = Daemon(TOCSIN, CFG, name="tocsin", extra=["--web.max-request-body-bytes=100000"])
    ref = Daemon(REFERENCE, CFG, name="reference")
    try:
        ours.start()
        ref.start()
        # Validation: same status as the reference, and a message that says something.
        for name, body in BAD_BODIES:
            a = ours.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json"})
            b = ref.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json"})
            R.check("POST alerts %s: status %s like the reference" % (name, b[0]), a[0] == b[0], "tocsin %s %s" % (a[0], a[1]))
            R.check("POST alerts %s: message" % name, len(a[1]) > 2 and a[2].get("Content-Type", "").startswith("application/json"), a[1])
        a = ours.request("POST", "/api/v2/alerts", b"[]", {"Content-Type": "application/json"})
        R.check("POST empty list: 200", a[0] == 200)
        # Partial acceptance: the valid alert is taken, the answer is 400.
        a = ours.request("POST", "/api/v2/alerts", [{"labels": {"alertname": "ok"}}, {"labels": {}}])
        code, alerts = ours.get_json("/api/v2/alerts")
        R.check("a batch with one bad alert: 400 and the good one kept", a[0] == 400 and any(x["labels"].get("alertname") == "ok" for x in alerts))
        # Body limit.
        big = json.dumps([{"labels": {"alertname": "x" * 200000}}]).encode()
        a = ours.request("POST", "/api/v2/alerts", big, {"Content-Type": "application/json"})
        R.check("a body over --web.max-request-body-bytes: 413", a[0] == 413, a[0])
        R.check("daemon still serves after 413", ours.request("GET", "/-/healthy")[0] == 200)

        # Shapes: GET alerts and groups carry the same keys as the reference's.
        for d in (ours, ref):
            d.post_alerts([{"labels": {"alertname": "Shape", "team": "a"}, "annotations": {"s": "1"}, "generatorURL": "http://g"}])
        for path in ("/api/v2/alerts?filter=alertname%3D%22Shape%22", "/api/v2/alerts/groups?filter=alertname%3DShape"):
            ca, ja = ours.get_json(path)
            cb, jb = ref.get_json(path)
            def keys(x):
                if isinstance(x, dict):
                    return {k: keys(v) for k, v in x.items() if k not in ("labels", "annotations")}
                if isinstance(x, list):
                    return [keys(v) for v in x[:1]]
                return type(x).__name__
            R.check("GET %s: same shape as the reference" % path, ca == cb == 200 and keys(ja) == keys(jb), "\n %s\n %s" % (ja, jb))
            if ca == 200 and ja:
                first = ja[0] if "fingerprint" in ja[0] else ja[0]["alerts"][0]
                R.check("GET %s: receivers and fingerprint" % path,
                        first["receivers"] == [{"name": "team-a"}] and first["fingerprint"] == (jb[0] if "fingerprint" in jb[0] else jb[0]["alerts"][0])["fingerprint"])
        for q in ("filter=foo", "filter=%7Ba%3D%22b%22", "active=maybe"):
            a = ours.request("GET", "/api/v2/alerts?" + q)
            b = ref.request("GET", "/api/v2/alerts?" + q)
            R.check("GET alerts?%s: status like the reference (%s)" % (q, b[0]), a[0] == b[0] or (q == "active=maybe" and a[0] == 400), a)
        _, rec = ours.get_json("/api/v2/receivers")
        R.check("receivers in config order", rec == [{"name": "web"}, {"name": "team-a"}], rec)
        code, st = ours.get_json("/api/v2/status")
        R.check("status: cluster disabled, config with secrets hidden",
                code == 200 and st["cluster"]["status"] == "disabled" and "hunter2secret" not in st["config"]["original"]
                and "<secret>" in st["config"]["original"], st)
        _, rst = ref.get_json("/api/v2/status")
        R.check("status: config.original as the reference prints it", st["config"]["original"] == rst["config"]["original"],
                "\n%s\n---\n%s" % (st["config"]["original"], rst["config"]["original"]))
        R.check("status: versionInfo keys", set(st["versionInfo"]) == set(rst["versionInfo"]) and st["versionInfo"]["version"] == "0.25.0")
        R.check("GET /: 200", ours.request("GET", "/")[0] == 200)
        R.check("unknown path: 404", ours.request("GET", "/api/v2/nothing")[0] == 404)
        R.check("v1 API: 410", ours.request("GET", "/api/v1/alerts")[0] == 410)

        # Metrics.
        code, body, hdr = ours.request("GET", "/metrics")
        for name in ("alertmanager_alerts{state=\"active\"}", "alertmanager_alerts_received_total{status=\"firing\",version=\"v2\"}",
                     "alertmanager_alerts_invalid_total", "alertmanager_config_last_reload_successful 1",
                     "alertmanager_config_hash", "alertmanager_build_info", "alertmanager_dispatcher_aggregation_groups",
                     "alertmanager_silences{state=\"active\"}", "alertmanager_config_last_reload_success_timestamp_seconds"):
            R.check("metrics: " + name, name in body)

        # Reload: a bad config is refused with 500 and the running one stays; a good one is taken.
        with open(ours.config_path, "w") as f:
            f.write(CFG.replace("receiver: team-a", "receiver: nobody"))
        a = ours.request("POST", "/-/reload")
        R.check("reload of a bad config: 500 naming the problem", a[0] == 500 and "nobody" in a[1], a)
        _, rec = ours.get_json("/api/v2/receivers")
        R.check("bad reload keeps the running config", rec == [{"name": "web"}, {"name": "team-a"}])
        R.check("metrics: last reload unsuccessful", "alertmanager_config_last_reload_successful 0" in ours.request("GET", "/metrics")[1])
        with open(ours.config_path, "w") as f:
            f.write(CFG + "  - name: extra\n")
        ours.signal(signal.SIGHUP)
        ok = False
        for _ in range(50):
            _, rec = ours.get_json("/api/v2/receivers")
            if len(rec) == 3:
                ok = True
                break
            time.sleep(0.1)
        R.check("SIGHUP reloads", ok, rec)
        R.check("daemon alive after reloads", ours.proc.poll() is None)
        rc = ours.stop()
        R.check("SIGTERM: exit 0", rc == 0, rc)
    finally:
        ours.cleanup()
        ref.cleanup()

    # Route prefix and external URL.
    sink = Sink()
    d = Daemon(TOCSIN, "route: {receiver: w, group_wait: 100ms}\nreceivers:\n- name: w\n  webhook_configs: [{url: '%s/hook'}]\n" % sink.url,
               extra=["--web.external-url=http://am.example:8080/alertmanager/"])
    try:
        d.proc = None
        d.url_base = d.url
        d.url = d.url + "/alertmanager"
        d.start()
        R.check("route prefix from external URL: /alertmanager/-/ready", d.request("GET", "/-/ready")[0] == 200)
        d.url = d.url_base
        R.check("paths outside the prefix: 404", d.request("GET", "/api/v2/status")[0] == 404)
        d.url = d.url_base + "/alertmanager"
        d.post_alerts([{"labels": {"alertname": "P"}}])
        R.check("notification sent", sink.wait_for(1, 5))
        n = sink.notifications()
        R.check("externalURL in the payload", n and n[0][2]["externalURL"] == "http://am.example:8080/alertmanager", n and n[0][2].get("externalURL"))
    finally:
        d.cleanup()
        sink.close()

    # Flags: unknown flags fail; --version and --help work; cluster flags are accepted.
    import subprocess
    r = subprocess.run([TOCSIN, "--no-such-flag"], capture_output=True, text=True, timeout=10)
    R.check("unknown flag: non-zero exit and message", r.returncode != 0 and "no-such-flag" in r.stderr, r.stderr)
    r = subprocess.run([TOCSIN, "--version"], capture_output=True, text=True, timeout=10)
    R.check("--version", r.returncode == 0 and "tocsin" in r.stdout)
    r = subprocess.run([TOCSIN, "--help"], capture_output=True, text=True, timeout=10)
    R.check("--help lists --config.file", r.returncode == 0 and "--config.file" in r.stdout)
    d = Daemon(TOCSIN, CFG, extra=["--cluster.peer=127.0.0.1:9999", "--cluster.peer", "127.0.0.1:9998", "--cluster.settle-timeout=1s"])
    try:
        d.start()
        d.extra = []
        _, st = d.get_json("/api/v2/status")
        R.check("cluster flags accepted", st["cluster"]["status"] == "disabled")
    finally:
        d.cleanup()
    R.finish()


if __name__ == "__main__":
    main()
