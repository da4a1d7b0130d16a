"""test_logs_diff.py: tocsin's log lines against the reference Alertmanager's, event by event.

Both daemons run side by side on the same configs and get the same events: start-up, alerts received,
flushes, a notification sent, failures (a sink answering 500, a refused connection, a sink that hangs
past the flush's deadline), a group muted by a time interval, a silenced alert, API refusals, reloads
good and bad (SIGHUP and POST /-/reload), a config that cannot be applied, a bad config at start-up,
SIGTERM and the maintenance it runs. For each event the line must exist in both logs (or in neither)
with the same level, msg and keys in the same order (logfmt), the same sorted keys and value types
(JSON), and where the reference's value does not depend on the host or time, the same value.
ts must be RFC 3339 UTC with milliseconds, caller file:line.

usage: python3 test_logs_diff.py <tocsin-binary>"""
import json
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REFERENCE, Daemon, Results, Sink, now_rfc3339, run_parallel  # noqa: E402

TOCSIN = sys.argv[1]
R = Results()
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CALLER = re.compile(r"^[\w.+-]+\.(go|cpp):\d+$")
GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|µs|ms|s)|(\d+h)?(\d+m)?\d+(\.\d+)?s)$")
# Lines only tocsin writes, for what only it does (state loaded from SQLite at start, the bounded wait
# for in-flight notifications at exit).
TOCSIN_ONLY = {"State loaded", "notifications still in flight at shutdown were abandoned"}


def parse_logfmt(line):
    """go-logfmt's output as an ordered list of (key, value); quoted values are JSON-escaped strings."""
    out, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        if i >= n:
            break
        j = line.index("=", i)
        key = line[i:j]
        i = j + 1
        if i < n and line[i] == '"':
            k = i + 1
            while line[k] != '"':
                k += 2 if line[k] == "\\" else 1
            value = json.loads(line[i:k + 1])
            i = k + 1
        else:
            k = line.find(" ", i)
            k = n if k < 0 else k
            value = line[i:k]
            i = k
        out.append((key, value))
    return out


class Log:
    """A daemon's log, parsed line by line (logfmt or JSON)."""

    def __init__(self, daemon, fmt="logfmt"):
        self.d = daemon
        self.fmt = fmt

    def lines(self):
        out = []
        for raw in self.d.read_log().splitlines():
            if not raw.strip():
                continue
            try:
                if self.fmt == "json":
                    obj = json.loads(raw)
                    out.append({"raw": raw, "pairs": list(obj.items()), "d": obj})
                else:
                    pairs = parse_logfmt(raw)
                    out.append({"raw": raw, "pairs": pairs, "d": dict(pairs)})
            except (ValueError, IndexError):
                out.append({"raw": raw, "pairs": [], "d": {}})
        return out

    def find(self, pred):
        for ln in self.lines():
            if pred(ln["d"]):
                return ln
        return None

    def count(self, pred):
        return sum(1 for ln in self.lines() if pred(ln["d"]))

    def wait_count(self, pred, n, timeout):
        deadline = time.monotonic() + timeout
        while self.count(pred) < n and time.monotonic() < deadline:
            time.sleep(0.05)

    def wait(self, pred, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            ln = self.find(pred)
            if ln is not None or time.monotonic() > deadline:
                return ln
            time.sleep(0.05)


def keys(ln):
    return [k for k, _ in ln["pairs"] if k not in ("ts", "caller")]


def compare(name, ref_ln, toc_ln, same_values=(), json_types=False):
    """Both lines exist with the same level and keys (in order), well-formed ts and caller; the values
    of `same_values` are equal."""
    if not R.check(name + ": a line in both logs", ref_ln is not None and toc_ln is not None,
                   "reference=%s tocsin=%s" % (ref_ln and ref_ln["raw"], toc_ln and toc_ln["raw"])):
        return False
    r, t = ref_ln["d"], toc_ln["d"]
    ok = R.check(name + ": level and keys as the reference's",
                 r.get("level") == t.get("level") and keys(ref_ln) == keys(toc_ln),
                 "\n    reference: %s\n    tocsin:    %s" % (ref_ln["raw"], toc_ln["raw"]))
    ok &= R.check(name + ": ts and caller well-formed",
                  bool(TS.match(t.get("ts", "")) and CALLER.match(t.get("caller", ""))),
                  toc_ln["raw"])
    for k in same_values:
        ok &= R.check("%s: %s as the reference's" % (name, k), r.get(k) == t.get(k), "%r vs %r" % (r.get(k), t.get(k)))
    if json_types:
        bad = [k for k in r if k in t and type(r[k]) is not type(t[k])]
        ok &= R.check(name + ": JSON value types as the reference's", not bad, bad)
        ok &= R.check(name + ": JSON keys sorted", [k for k, _ in toc_ln["pairs"]] == sorted(t), toc_ln["raw"])
    return ok


def msg(m, **kv):
    return lambda d: d.get("msg") == m and all(d.get(k) == v for k, v in kv.items())


def has(key):
    return lambda d: key in d


# ---- the main scenario: debug, logfmt -------------------------------------------------------------

def main_config(sink):
    return """
route:
  receiver: ok
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - matchers: [dest=fail]
    receiver: fail
  - matchers: [dest=refused]
    receiver: refused
  - matchers: [dest=hang]
    receiver: hang
  - matchers: [dest=muted]
    receiver: ok
    mute_time_intervals: [always]
  - matchers: [dest=inactive]
    receiver: ok
    active_time_intervals: [never]
time_intervals:
- name: always
  time_intervals:
  - times:
    - start_time: "00:00"
      end_time: "24:00"
- name: never
  time_intervals:
  - years: ["1999"]
receivers:
- name: ok
  webhook_configs: [{url: "%(u)s/ok"}]
- name: fail
  webhook_configs: [{url: "%(u)s/fail"}]
- name: refused
  webhook_configs: [{url: "http://127.0.0.1:1/x"}]
- name: hang
  webhook_configs: [{url: "%(u)s/hang"}]
- name: unused
  webhook_configs: [{url: "%(u)s/unused"}]
""" % {"u": sink.url}


ALERTS = [("A", "ok"), ("B", "fail"), ("C", "refused"), ("D", "hang"), ("E", "muted"), ("I", "inactive"), ("S", "ok")]


def drive_main(d):
    """Runs the events against one daemon; returns its exit code."""
    log = Log(d)
    d.start()
    code, body, _ = d.request("POST", "/api/v2/silences", {
        "matchers": [{"name": "alertname", "value": "S", "isRegex": False}], "startsAt": now_rfc3339(),
        "endsAt": now_rfc3339(3600), "createdBy": "test", "comment": "logs"})
    sid = json.loads(body)["silenceID"]
    d.post_alerts([{"labels": {"alertname": n, "dest": dest}, "startsAt": now_rfc3339(-5)} for n, dest in ALERTS])
    d.request("POST", "/api/v2/alerts", [{"labels": {}}])
    d.request("GET", "/api/v2/silence/2b3f2a40-4a8e-4b4e-9e3f-000000000000")
    # The failures end at the flush's deadline (at least 10 s, the reference's MinTimeout).
    for recv in ("fail", "refused", "hang"):
        log.wait(lambda x, recv=recv: x.get("msg") == "Notify for alerts failed"
                 and x.get("err", "").startswith(recv + "/"), 20)
    d.request("DELETE", "/api/v2/silence/" + sid)
    good = open(d.config_path).read()
    completed = msg("Completed loading of configuration file")
    n = log.count(completed)
    d.signal(signal.SIGHUP)
    log.wait_count(completed, n + 1, 5)
    with open(d.config_path, "w") as f:
        f.write("route: {receiver: nope}\nreceivers: []\n")
    d.signal(signal.SIGHUP)
    log.wait(msg("Loading configuration file failed"), 5)
    d.request("POST", "/-/reload")
    with open(d.config_path, "w") as f:
        f.write(good)
    d.request("POST", "/-/reload")
    return d.stop(timeout=15)


def check_main():
    # A sink each: the first request to /hang hangs past the deadline, later ones are answered.
    sinks = [Sink(fail={"/fail": 100000}, delay={"/hang": [13]}) for _ in range(2)]
    ref = Daemon(REFERENCE, main_config(sinks[0]), extra=["--log.level=debug"], name="reference")
    toc = Daemon(TOCSIN, main_config(sinks[1]), extra=["--log.level=debug"], name="tocsin")
    try:
        rcs = run_parallel([lambda: drive_main(ref), lambda: drive_main(toc)])
        R.check("SIGTERM: both exit 0", rcs == [0, 0], rcs)
        rl, tl = Log(ref), Log(toc)

        def both(name, pred, same=()):
            compare(name, rl.find(pred), tl.find(pred), same)

        both("start: Starting Alertmanager", msg("Starting Alertmanager"))
        both("start: build_context", has("build_context"))
        both("start: externalURL at debug", has("externalURL"))
        both("start: Loading configuration file", msg("Loading configuration file"), ("component",))
        both("start: Completed loading of configuration file", msg("Completed loading of configuration file"))
        both("start: unused receiver skipped", msg("skipping creation of receiver not referenced by any route"),
             ("receiver",))
        both("start: routePrefix at debug", has("routePrefix"), ("routePrefix",))
        both("start: Listening on", msg("Listening on"))
        both("start: TLS is disabled.", msg("TLS is disabled."), ("http2",))
        for d, lg in ((ref, rl), (toc, tl)):
            R.check("start: %s's listener address as Go prints it" % d.name,
                    all(x["d"].get("address") == "127.0.0.1:%d" % d.port
                        for x in lg.lines() if x["d"].get("msg") in ("Listening on", "TLS is disabled.")))
        for name, _ in ALERTS:
            both("alert %s: Received alert" % name,
                 lambda x, name=name: x.get("msg") == "Received alert" and x.get("alert", "").startswith(name + "["),
                 ("component", "alert"))
        both("flush: flushing with aggrGroup and alerts", msg("flushing", aggrGroup='{}:{alertname="A"}'),
             ("component", "aggrGroup", "alerts"))
        both("flush of a route's group: aggrGroup", msg("flushing", aggrGroup='{}/{dest="fail"}:{alertname="B"}'),
             ("aggrGroup", "alerts"))
        both("sent: Notify success", msg("Notify success", receiver="ok"),
             ("component", "receiver", "integration", "attempts"))
        warn = "Notify attempt failed, will retry later"
        both("500: warn line", msg(warn, receiver="fail"), ("level", "integration", "attempts"))
        t = tl.find(msg(warn, receiver="fail"))
        R.check("500: err as the reference's words",
                t is not None and t["d"]["err"].startswith("unexpected status code 500"),
                t and t["raw"])
        both("refused: warn line", msg(warn, receiver="refused"), ("level", "attempts"))
        r, t = rl.find(msg(warn, receiver="refused")), tl.find(msg(warn, receiver="refused"))
        R.check("refused: err ends as Go's dial error",
                r and t and r["d"]["err"].endswith(": dial tcp 127.0.0.1:1: connect: connection refused")
                and t["d"]["err"].endswith(": dial tcp 127.0.0.1:1: connect: connection refused"), t and t["raw"])
        failed = "Notify for alerts failed"
        for recv in ("fail", "refused"):
            pred = (lambda recv: lambda x: x.get("msg") == failed and x.get("level") == "error"
                    and x.get("err", "").startswith(recv + "/webhook[0]: notify retry canceled after "))(recv)
            both("%s: error line at the deadline" % recv, pred, ("component", "num_alerts"))
        hang = lambda x: x.get("msg") == failed and x.get("err", "").startswith("hang/webhook[0]: ")  # noqa: E731
        both("hang: error line at the deadline", hang, ("level", "num_alerts"))
        r, t = rl.find(hang), tl.find(hang)
        R.check("hang: canceled after 2 attempts, context deadline exceeded",
                r and t and all(x["d"]["err"].startswith("hang/webhook[0]: notify retry canceled after 2 attempts: ")
                                and x["d"]["err"].endswith(": context deadline exceeded") for x in (r, t)),
                t and t["raw"])
        R.check("hang: no warn line (the deadline ended the attempt)",
                rl.find(msg(warn, receiver="hang")) is None and tl.find(msg(warn, receiver="hang")) is None,
                tl.find(msg(warn, receiver="hang")))
        both("muted: mute time line", msg("Notifications not sent, route is within mute time"), ("component",))
        both("inactive: active time line", msg("Notifications not sent, route is not within active time"),
             ("component",))
        both("silenced: the silencer's line", msg("determined current silences state"), ("total", "active", "pending"))
        both("api: refused alerts", msg("Failed to validate alerts"), ("component", "version", "path", "method", "err"))
        both("api: unknown silence", msg("Failed to find silence"), ("path", "method", "err", "id"))
        both("reload: failed", msg("Loading configuration file failed"), ("component",))
        t = tl.find(msg("Loading configuration file failed"))
        R.check("reload: failed names the error",
                t is not None and 'undefined receiver "nope" used in route' in t["d"]["err"],
                t and t["raw"])
        completed = msg("Completed loading of configuration file")
        R.check("reload: start, SIGHUP and POST each complete a load", rl.count(completed) == tl.count(completed) == 3,
                (rl.count(completed), tl.count(completed)))
        both("stop: Received SIGTERM", msg("Received SIGTERM, exiting gracefully..."))
        for comp in ("nflog", "silences"):
            both("stop: %s Running maintenance" % comp, msg("Running maintenance", component=comp))
            both("stop: %s Maintenance done" % comp, msg("Maintenance done", component=comp))
            t = tl.find(msg("Maintenance done", component=comp))
            R.check("stop: %s duration as Go's" % comp, t is not None and bool(GO_DURATION.match(t["d"]["duration"])),
                    t and t["raw"])
        extra = sorted({x["d"].get("msg") for x in tl.lines()} - {x["d"].get("msg") for x in rl.lines()} - TOCSIN_ONLY)
        R.check("no msg that the reference never writes", not extra, extra)
    finally:
        for d in (ref, toc):
            d.cleanup()
        for sink in sinks:
            sink.close()


# ---- info level, JSON ---------------------------------------------------------------------------

def drive_json(d):
    log = Log(d, "json")
    d.start()
    d.post_alerts([{"labels": {"alertname": "Flaky"}}])
    d.request("POST", "/api/v2/alerts", [{"labels": {"a": "b"}, "startsAt": now_rfc3339(), "endsAt": now_rfc3339(-60)}])
    d.request("POST", "/api/v2/silences", {"matchers": [{"name": "a", "value": "b", "isRegex": False}],
                                           "startsAt": now_rfc3339(-20), "endsAt": now_rfc3339(-10),
                                           "createdBy": "t", "comment": "c"})
    d.post_alerts([{"labels": {"alertname": "J"}}])
    log.wait(msg("Failed to create silence: end time can't be in the past"), 5)
    log.wait(msg("Notify success"), 10)
    return d.stop()


def check_json_info():
    # A sink each, answering 500 once: the send succeeds on its second attempt (an info line).
    sinks = [Sink(fail={"/flaky": 1}) for _ in range(2)]
    cfg = """
route: {receiver: r, group_wait: 0s, routes: [{matchers: [alertname=Flaky], receiver: flaky}]}
receivers: [{name: r}, {name: flaky, webhook_configs: [{url: '%s/flaky'}]}]
"""
    ref = Daemon(REFERENCE, cfg % sinks[0].url, extra=["--log.format=json"], name="reference")
    toc = Daemon(TOCSIN, cfg % sinks[1].url, extra=["--log.format=json"], name="tocsin")
    try:
        rcs = run_parallel([lambda: drive_json(ref), lambda: drive_json(toc)])
        R.check("json: both exit 0", rcs == [0, 0], rcs)
        rl, tl = Log(ref, "json"), Log(toc, "json")
        R.check("json: every tocsin line is a JSON object", all(x["d"] for x in tl.lines()), tl.d.read_log()[:500])
        def events(lg):
            return [x["d"].get("msg") or ",".join(sorted(set(x["d"]) - {"ts", "caller", "level"}))
                    for x in lg.lines() if x["d"].get("msg") not in TOCSIN_ONLY]
        # Start-up in the same order; the events after it race with each other (sends, requests).
        R.check("json info: the same lines", sorted(events(rl)) == sorted(events(tl)),
                "\n    reference: %s\n    tocsin:    %s" % (events(rl), events(tl)))
        R.check("json info: start-up lines in the same order", events(rl)[:6] == events(tl)[:6],
                "\n    reference: %s\n    tocsin:    %s" % (events(rl)[:6], events(tl)[:6]))
        R.check("json info: no debug line", all(x["d"].get("level") != "debug" for x in tl.lines()))
        for name, pred, same in [
                ("Starting Alertmanager", msg("Starting Alertmanager"), ()),
                ("build_context", has("build_context"), ()),
                ("Loading configuration file", msg("Loading configuration file"), ("component",)),
                ("Listening on", msg("Listening on"), ()),
                ("TLS is disabled.", msg("TLS is disabled."), ("http2",)),
                ("refused alerts", msg("Failed to validate alerts"), ("err", "path", "method", "version")),
                ("a first failed attempt", msg("Notify attempt failed, will retry later"), ("receiver", "attempts")),
                ("success on the second attempt", msg("Notify success"), ("receiver", "integration", "attempts")),
                ("refused silence", msg("Failed to create silence: end time can't be in the past"), ("path",)),
                ("Received SIGTERM", msg("Received SIGTERM, exiting gracefully..."), ())]:
            compare("json: " + name, rl.find(pred), tl.find(pred), same, json_types=True)
    finally:
        for d in (ref, toc):
            d.cleanup()
        for sink in sinks:
            sink.close()


# ---- start-up failures and filtering -----------------------------------------------------------

def run_once(binary, cfg, extra, timeout=10, port=None):
    """Starts a daemon expected to stop by itself (or stops it once ready); returns (rc, log)."""
    d = Daemon(binary, cfg, extra=extra)
    try:
        import subprocess
        args = [binary, "--config.file=" + d.config_path, "--storage.path=" + d.storage,
                "--web.listen-address=127.0.0.1:%d" % (port or d.port), "--cluster.listen-address="] + extra
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while p.poll() is None and time.monotonic() < deadline:
            try:
                if d.request("GET", "/-/ready", timeout=1)[0] == 200:
                    p.send_signal(signal.SIGTERM)
                    break
            except OSError:
                pass
            time.sleep(0.05)
        _, err = p.communicate(timeout=timeout)
        return p.returncode, err.decode("utf-8", "replace")
    finally:
        d.cleanup()


def last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None
    pairs = parse_logfmt(lines[-1])
    return {"raw": lines[-1], "pairs": pairs, "d": dict(pairs)}


def check_startup_failures(tmp):
    bad = "route: {receiver: nope}\nreceivers: []\n"
    (rrc, rlog), (trc, tlog) = run_parallel([lambda: run_once(REFERENCE, bad, []), lambda: run_once(TOCSIN, bad, [])])
    R.check("bad config at start: both exit 1", (rrc, trc) == (1, 1), (rrc, trc))
    compare("bad config at start: last line", last_line(rlog), last_line(tlog), ("level", "component", "msg"))
    t = last_line(tlog)
    R.check("bad config at start: the error",
            t is not None and 'undefined receiver "nope" used in route' in t["d"].get("err", ""),
            t and t["raw"])

    tdir = os.path.join(tmp, "templates")
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, "bad.tmpl"), "w") as f:
        f.write('{{ define "x" }}{{ .Foo \n')
    tcfg = "route: {receiver: r}\nreceivers: [{name: r}]\ntemplates: ['%s/*.tmpl']\n" % tdir
    (rrc, rlog), (trc, tlog) = run_parallel([lambda: run_once(REFERENCE, tcfg, ["--log.level=error"]),
                                             lambda: run_once(TOCSIN, tcfg, ["--log.level=error"])])
    R.check("unusable config at start: both exit 1", (rrc, trc) == (1, 1), (rrc, trc))
    r, t = last_line(rlog), last_line(tlog)
    compare("unusable config at start: the level-less line even at --log.level=error", r, t, ("component", "msg"))
    R.check("unusable config at start: err as the reference's",
            r is not None and t is not None and r["d"].get("err") == t["d"].get("err"),
            (r and r["raw"], t and t["raw"]))

    good = "route: {receiver: r}\nreceivers: [{name: r}]\n"
    import socket
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        (rrc, rlog), (trc, tlog) = run_parallel([lambda: run_once(REFERENCE, good, [], port=port),
                                                 lambda: run_once(TOCSIN, good, [], port=port)])
    finally:
        taken.close()
    R.check("address in use: both exit 1", (rrc, trc) == (1, 1), (rrc, trc))
    compare("address in use: Listen error", last_line(rlog), last_line(tlog), ("level", "msg", "err"))

    (rrc, rlog), (trc, tlog) = run_parallel([lambda: run_once(REFERENCE, good, ["--log.level=warn"]),
                                             lambda: run_once(TOCSIN, good, ["--log.level=warn"])])
    R.check("--log.level=warn: start and stop write nothing, as the reference",
            (rlog.strip(), tlog.strip()) == ("", ""),
            (rlog[:300], tlog[:300]))


def main():
    tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "tocsin-logs-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    errors = []

    def guarded(fn, *a):
        try:
            fn(*a)
        except Exception as e:  # noqa: BLE001 - reported as a failure
            errors.append(e)
            R.check("%s ran" % fn.__name__, False, repr(e))

    t = threading.Thread(target=guarded, args=(check_main,))
    t.start()
    guarded(check_json_info)
    guarded(check_startup_failures, tmp)
    t.join()
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    R.finish()


if __name__ == "__main__":
    main()
