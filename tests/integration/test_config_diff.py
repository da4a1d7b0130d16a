"""test_config_diff.py: tocsin beside the reference on what a side-by-side check sees first.
1. Every configuration under tests/config/fixtures/diff is accepted or refused by `tocsin check-config`
   as its '# expect:' line says, with the file and the expected text in the message, and the reference's
   `amtool check-config` agrees (ok-newer: accepted by tocsin, refused by 0.25).
2. After the same activity, /metrics of both daemons holds the same alertmanager_* families, with the
   same types, label names and label values (tocsin's own extras excepted).
3. POST /-/reload with a bad configuration: both answer 500, keep the running configuration, and set
   alertmanager_config_last_reload_successful to 0 (back to 1 after a good reload)."""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, Sink, now_rfc3339, run_parallel  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
AMTOOL = shutil.which("amtool")
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "config", "fixtures", "diff")
R = Results()

# Families tocsin has and 0.25 does not.
TOCSIN_ONLY = {"alertmanager_nflog_entries", "alertmanager_nflog_maintenance_total",
               "alertmanager_nflog_maintenance_errors_total"}


def check_fixtures():
    files = sorted(glob.glob(os.path.join(FIXTURES, "*.yml")))
    R.check("at least 100 fixtures", len(files) >= 100, len(files))
    for f in files:
        name = os.path.basename(f)
        with open(f) as fh:
            expect = fh.readline().strip()[len("# expect: "):]
        t = subprocess.run([TOCSIN, "check-config", f], capture_output=True, text=True, timeout=10)
        out = t.stdout + t.stderr
        if expect in ("ok", "ok-newer"):
            ok = t.returncode == 0 and "SUCCESS" in out and "FAILED" not in out
        else:
            text = expect[len("error "):]
            ok = t.returncode != 0 and text in out and (name in out or "template:" in text)
        R.check("check-config %s: %s" % (name, expect[:60]), ok, out[-400:])
        if AMTOOL:
            a = subprocess.run([AMTOOL, "check-config", f], capture_output=True, text=True, timeout=10)
            ref_ok = a.returncode == 0
            R.check("amtool agrees on %s" % name, ref_ok == (expect == "ok"), (a.stdout + a.stderr)[-300:])


def check_report_shape():
    """Several files in one run: the report's lines and blank lines as amtool's, the failure count on
    stderr; a missing path stops the run as amtool's argument check does."""
    files = [os.path.join(FIXTURES, n) for n in ("ok_min.yml", "dup_recv.yml", "global_ok.yml", "tmpl_glob_none.yml")]
    t = subprocess.run([TOCSIN, "check-config"] + files, capture_output=True, text=True, timeout=10)
    R.check("check-config of 4 files: exit 1, failure count on stderr",
            t.returncode == 1 and t.stderr.strip().endswith("error: failed to validate 1 file(s)"), t.stderr)
    if AMTOOL:
        a = subprocess.run([AMTOOL, "check-config"] + files, capture_output=True, text=True, timeout=10)
        strip = lambda out: [re.sub(r"FAILED: .*", "FAILED", l) for l in out.splitlines()]  # noqa: E731
        R.check("check-config of 4 files: the report's shape is amtool's", strip(t.stdout) == strip(a.stdout),
                "\n%s\n%s" % (t.stdout, a.stdout))
    t = subprocess.run([TOCSIN, "check-config", files[0], "/nonexistent/x.yml"], capture_output=True, text=True, timeout=10)
    R.check("check-config of a missing path: refused before any check",
            t.returncode == 1 and t.stdout == "" and "path '/nonexistent/x.yml' does not exist" in t.stderr, t.stdout + t.stderr)


def parse_metrics(text):
    types, series = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s', line)
        if m:
            labels = tuple(sorted(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))
            series.setdefault(m.group(1), set()).add(labels)
    return types, series


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in types:
            return name[: -len(suffix)]
    return name


METRICS_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 1s
  repeat_interval: 1h
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [alertname]
receivers:
  - name: hook
    webhook_configs: [{url: '%s/hook'}]
  - name: unused
"""


def check_metrics():
    sink = Sink()  # one for both: the same config, the same alertmanager_config_hash

    def run(binary):
        d = Daemon(binary, METRICS_CFG % sink.url, name=os.path.basename(binary))
        try:
            d.start()
            d.post_alerts([{"labels": {"alertname": "A", "severity": "critical"}},
                           {"labels": {"alertname": "A", "severity": "warning"}},
                           {"labels": {"alertname": "B"}, "endsAt": now_rfc3339(-10)}])
            d.request("POST", "/api/v2/alerts", [{"labels": {}}])
            d.request("POST", "/api/v2/silences", {"matchers": [{"name": "alertname", "value": "Z", "isRegex": False}],
                                                   "startsAt": now_rfc3339(), "endsAt": now_rfc3339(3600),
                                                   "createdBy": "t", "comment": "c"})
            d.request("GET", "/-/healthy")
            # Each daemon sends one notification: the scrape waits for both (slow under a sanitizer)
            # instead of a fixed time, then for the answers' latencies to be recorded.
            sink.wait_for(2, 15)
            time.sleep(1.5)
            d.request("GET", "/metrics")
            return d.request("GET", "/metrics")[1]
        finally:
            d.cleanup()

    try:
        ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])
    finally:
        sink.close()
    ot, os_ = parse_metrics(ours)
    rt, rs = parse_metrics(ref)
    for fam, kind in sorted(rt.items()):
        if not fam.startswith("alertmanager_"):
            continue
        R.check("metric %s exists as a %s" % (fam, kind), ot.get(fam) == kind, ot.get(fam))
    for fam, kind in sorted(rt.items()):
        if fam.startswith("process_") or fam.startswith("promhttp_"):
            R.check("metric %s exists as a %s" % (fam, kind), ot.get(fam) == kind, ot.get(fam))
    extra = sorted(f for f in ot if f.startswith("alertmanager_") and f not in rt and f not in TOCSIN_ONLY)
    R.check("no alertmanager_* family the reference lacks", not extra, extra)
    names = lambda series: {tuple(k for k, _ in labels) for labels in series}  # noqa: E731
    R.check("alertmanager_build_info label names", names(os_.get("alertmanager_build_info", set())) ==
            names(rs.get("alertmanager_build_info", set())), os_.get("alertmanager_build_info"))
    # Label names and values, ignoring values that name the build or time a request.
    skip_values = {"alertmanager_build_info"}
    for name in sorted(rs):
        fam = family_of(name, rt)
        if not fam.startswith("alertmanager_") or fam in skip_values:
            continue
        R.check("series of %s" % name, os_.get(name) == rs[name],
                "ours %s ref %s" % (sorted(os_.get(name, set()))[:6], sorted(rs[name])[:6]))

    def value(text, series):
        m = re.search(r"^%s (\S+)$" % re.escape(series), text, re.M)
        return float(m.group(1)) if m else None

    for s in ('alertmanager_alerts{state="active"}', 'alertmanager_alerts{state="suppressed"}',
              'alertmanager_marked_alerts{state="active"}', 'alertmanager_alerts_received_total{status="firing",version="v2"}',
              'alertmanager_alerts_received_total{status="resolved",version="v2"}',
              'alertmanager_alerts_invalid_total{version="v2"}', 'alertmanager_silences{state="active"}',
              'alertmanager_notifications_total{integration="webhook"}', 'alertmanager_receivers',
              'alertmanager_integrations', 'alertmanager_dispatcher_aggregation_groups', 'alertmanager_config_hash',
              'alertmanager_dispatcher_alert_processing_duration_seconds_count',
              'alertmanager_http_request_duration_seconds_count{handler="/metrics",method="get"}',
              'alertmanager_http_request_duration_seconds_count{handler="/-/healthy",method="get"}',
              'alertmanager_http_requests_in_flight{method="get"}', 'promhttp_metric_handler_requests_in_flight',
              'promhttp_metric_handler_requests_total{code="200"}'):
        R.check("value of %s" % s, value(ours, s) == value(ref, s) and value(ours, s) is not None,
                "ours %s ref %s" % (value(ours, s), value(ref, s)))


RELOAD_GOOD = """
route:
  receiver: hook
receivers:
  - name: hook
    webhook_configs: [{url: 'http://127.0.0.1:1/'}]
"""


def check_reload():
    def run(binary):
        d = Daemon(binary, RELOAD_GOOD, name=os.path.basename(binary))
        try:
            d.start()
            before = d.request("GET", "/metrics")[1]
            with open(d.config_path, "w") as f:
                f.write(RELOAD_GOOD.replace("receiver: hook", "receiver: nope", 1))
            code, body, _ = d.request("POST", "/-/reload")
            bad = d.request("GET", "/metrics")[1]
            status = d.get_json("/api/v2/status")[1]
            with open(d.config_path, "w") as f:
                f.write(RELOAD_GOOD)
            code2 = d.request("POST", "/-/reload")[0]
            good = d.request("GET", "/metrics")[1]
            return code, body, before, bad, status, code2, good
        finally:
            d.cleanup()

    ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])

    def ok_flag(text):
        m = re.search(r"^alertmanager_config_last_reload_successful (\S+)$", text, re.M)
        return m and float(m.group(1))

    def config_hash(text):
        m = re.search(r"^alertmanager_config_hash (\S+)$", text, re.M)
        return m and float(m.group(1))

    for who, r in (("tocsin", ours), ("reference", ref)):
        code, body, before, bad, status, code2, good = r
        R.check("%s: bad reload answers 500 naming the problem" % who, code == 500 and "undefined receiver" in body, (code, body))
        R.check("%s: last_reload_successful 1 -> 0 -> 1" % who, (ok_flag(before), ok_flag(bad), ok_flag(good)) == (1, 0, 1),
                (ok_flag(before), ok_flag(bad), ok_flag(good)))
        R.check("%s: the running configuration is kept" % who,
                config_hash(bad) == config_hash(before) and "receiver: hook" in status["config"]["original"], status["config"]["original"][:200])
        R.check("%s: a good reload answers 200" % who, code2 == 200, code2)
    R.check("same config hash", config_hash(ours[2]) == config_hash(ref[2]), (config_hash(ours[2]), config_hash(ref[2])))


def check_cluster_metrics():
    """With a cluster listen address, the cluster's families are there too (tocsin: a cluster of one)."""
    from harness import free_port

    def run(binary):
        d = Daemon(binary, RELOAD_GOOD, name=os.path.basename(binary))
        args = [binary, "--config.file=" + d.config_path, "--storage.path=" + d.storage,
                "--web.listen-address=127.0.0.1:%d" % d.port, "--cluster.listen-address=127.0.0.1:%d" % free_port(),
                "--cluster.advertise-address=127.0.0.1:%d" % free_port()]
        d.log = open(d.log_path, "ab")
        d.proc = subprocess.Popen(args, stdout=d.log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and d.proc.poll() is None:
                try:
                    if d.request("GET", "/-/healthy")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.05)
            return d.request("GET", "/metrics")[1]
        finally:
            d.cleanup()

    ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])
    ot, os_ = parse_metrics(ours)
    rt, rs = parse_metrics(ref)
    missing = sorted(f for f in rt if f.startswith("alertmanager_") and ot.get(f) != rt[f])
    R.check("cluster enabled: every alertmanager_* family of the reference, same type", not missing, missing)
    for s in ("alertmanager_cluster_enabled", "alertmanager_cluster_members", "alertmanager_peer_position"):
        R.check("cluster enabled: %s" % s, os_.get(s) == rs.get(s) and re.search(r"^%s 1|^%s 0" % (s, s), ours, re.M),
                os_.get(s))


def check_http_metrics_prefix():
    """With --web.route-prefix, the router's handlers are labelled without the prefix, "/" included."""
    def run(binary):
        d = Daemon(binary, RELOAD_GOOD, name=os.path.basename(binary), extra=["--web.route-prefix=/p"])
        root = d.url
        d.url = root + "/p"  # the harness polls <url>/-/ready
        try:
            d.start()
            d.request("HEAD", "/-/healthy")
            d.request("POST", "/-/reload")
            d.request("GET", "/")
            d.request("GET", "/api/v2/status")
            d.url = root
            d.request("GET", "/")
            d.url = root + "/p"
            return d.request("GET", "/metrics")[1]
        finally:
            d.cleanup()

    ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])
    pick = lambda t: sorted(l for l in t.splitlines() if l.startswith("alertmanager_http_request_duration_seconds_count"))  # noqa: E731
    R.check("route prefix: request counts by handler and method", pick(ours) == pick(ref), "\n%s\n%s" % (pick(ours), pick(ref)))


UNPROCESSED_CFG = """
route:
  receiver: hook
  group_wait: 30s
receivers:
  - name: hook
    webhook_configs: [{url: 'http://127.0.0.1:1/'}]
"""


def check_unprocessed():
    """Before its group's first flush an alert is "unprocessed"; an API listing sets its state."""
    def gauges(d):
        body = d.request("GET", "/metrics")[1]
        return tuple(re.search(r'^alertmanager_alerts\{state="%s"\} (\S+)$' % st, body, re.M).group(1)
                     for st in ("active", "suppressed", "unprocessed"))

    def run(binary):
        d = Daemon(binary, UNPROCESSED_CFG, name=os.path.basename(binary))
        try:
            d.start()
            d.post_alerts([{"labels": {"alertname": "U", "i": str(i)}} for i in range(3)])
            before = gauges(d)
            d.request("GET", "/api/v2/alerts")
            return before, gauges(d)
        finally:
            d.cleanup()

    ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])
    R.check("alerts before the first flush: unprocessed", ours[0] == ref[0] == ("0", "0", "3"), (ours[0], ref[0]))
    R.check("alerts after an API listing: active", ours[1] == ref[1] == ("3", "0", "0"), (ours[1], ref[1]))


def main():
    check_fixtures()
    check_report_shape()
    check_metrics()
    check_cluster_metrics()
    check_http_metrics_prefix()
    check_unprocessed()
    check_reload()
    R.finish()


if __name__ == "__main__":
    main()
