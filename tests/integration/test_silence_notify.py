#!/usr/bin/python3
"""Silences and inhibition change what is notified (issue 3), on tocsin and on the reference.

- a silence suppresses a firing alert's notification; expiring it (DELETE) lets the next flush notify;
- a silence that ends by itself (endsAt reached) lets the next flush notify without a re-post;
- a pending silence that starts marks the alert suppressed without a re-post;
- an inhibiting alert quiets a target (inhibit_rules with equal); resolving the source lets it through;
- GET /api/v2/alerts (and /alerts/groups) show silencedBy / inhibitedBy and state "suppressed";
  the filters silenced=false, inhibited=false, active=false work.
Each scenario runs on both daemons; tocsin's observations must match the expected ones and the
reference's.
Usage: test_silence_notify.py <path-to-tocsin>
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silence_harness import Daemon, Results, WebhookSink, rfc3339, tocsin_binary  # noqa: E402

R = Results()

GROUP_INTERVAL = 1.0


def config(sink):
    return """
global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: %s
    send_resolved: true
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]
- source_match:
    kind: cause
  target_match_re:
    kind: symptom.*
  equal: [cluster]
""" % sink.url("/hook")


def alert(name, ends=None, **labels):
    a = {"labels": dict(alertname=name, **labels), "annotations": {"summary": name}}
    if ends is not None:
        a["endsAt"] = rfc3339(ends)
    return a


def group_events(sink, name):
    return [e for e in sink.snapshot() if e[2].get("groupLabels", {}).get("alertname") == name]


def firing_sets(events):
    """For each notification: the sorted (instance-ish label, status) pairs it carried."""
    out = []
    for _, _, p in events:
        out.append(sorted((a["labels"].get("instance", a["labels"].get("kind", "")), a["status"]) for a in p.get("alerts", [])))
    return out


def find_alert(d, name, query="", **labels):
    r = d.get_alerts(query)
    if r.status != 200:
        return None
    for a in r.json():
        if a["labels"].get("alertname") == name and all(a["labels"].get(k) == v for k, v in labels.items()):
            return a
    return None


def silence_body(matchers, start, end, comment="notify test"):
    return {"matchers": [{"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in matchers.items()],
            "startsAt": rfc3339(start), "endsAt": rfc3339(end), "createdBy": "it", "comment": comment}


def scenario_silence(d, sink):
    """Returns a dict of observations."""
    obs = {}
    now = time.time()
    r = d.post_silence(silence_body({"alertname": "SilencedA"}, now, now + 3600))
    obs["silence created"] = r.status
    sid = r.json()["silenceID"] if r.status == 200 else ""
    d.post_alerts([alert("SilencedA", instance="a1"), alert("ControlA", instance="c1")])
    # The control alert proves the pipeline works; the silenced one stays quiet meanwhile.
    obs["control notified"] = sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "ControlA" for e in ev), 10) is not None
    time.sleep(3 * GROUP_INTERVAL)
    obs["silenced notified while silenced"] = len(group_events(sink, "SilencedA"))

    a = find_alert(d, "SilencedA")
    obs["api state"] = a and a["status"]["state"]
    obs["api silencedBy is the silence"] = bool(a) and a["status"]["silencedBy"] == [sid]
    obs["api inhibitedBy"] = a and a["status"]["inhibitedBy"]
    obs["silenced=false hides it"] = find_alert(d, "SilencedA", "silenced=false") is None
    obs["silenced=true shows it"] = find_alert(d, "SilencedA", "silenced=true") is not None
    obs["active=false shows it"] = find_alert(d, "SilencedA", "active=false") is not None
    obs["active=false hides the active control"] = find_alert(d, "ControlA", "active=false") is None
    obs["inhibited=false still shows it"] = find_alert(d, "SilencedA", "inhibited=false") is not None
    obs["control state"] = (find_alert(d, "ControlA") or {}).get("status", {}).get("state")
    g = d.req("GET", "/api/v2/alerts/groups")
    gsil = None
    if g.status == 200:
        for grp in g.json():
            for al in grp["alerts"]:
                if al["labels"].get("alertname") == "SilencedA":
                    gsil = al["status"]
    obs["groups show silencedBy"] = bool(gsil) and gsil["silencedBy"] == [sid] and gsil["state"] == "suppressed"
    g2 = d.req("GET", "/api/v2/alerts/groups?silenced=false")
    obs["groups silenced=false hides it"] = g2.status == 200 and not any(
        al["labels"].get("alertname") == "SilencedA" for grp in g2.json() for al in grp["alerts"])

    # Expire: the next flush notifies.
    t0 = time.time()
    obs["expire status"] = d.req("DELETE", "/api/v2/silence/" + sid).status
    ev = sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "SilencedA" for e in ev), 10)
    obs["notified after expiry"] = ev is not None
    if ev is not None:
        dt = group_events(sink, "SilencedA")[0][0] - t0
        obs["notified within 2 group_intervals + 1s"] = dt <= 2 * GROUP_INTERVAL + 1.0
        print("  %s: notification %.2fs after the silence expired" % (d.kind, dt))
        obs["notification content"] = firing_sets(group_events(sink, "SilencedA")[:1])
    a = find_alert(d, "SilencedA")
    obs["api state after expiry"] = a and a["status"]["state"]
    obs["api silencedBy after expiry"] = a and a["status"]["silencedBy"]
    return obs


def scenario_silence_ends_by_itself(d, sink):
    obs = {}
    now = time.time()
    r = d.post_silence(silence_body({"alertname": "SilencedB"}, now, now + 3.0))
    obs["silence created"] = r.status
    d.post_alerts([alert("SilencedB", instance="b1")])
    time.sleep(1.5)
    obs["notified before the silence ends"] = len(group_events(sink, "SilencedB"))
    a = find_alert(d, "SilencedB")
    obs["state while silenced"] = a and a["status"]["state"]
    ev = sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "SilencedB" for e in ev), 10)
    obs["notified after the silence ended (no re-post)"] = ev is not None
    if ev is not None:
        t = group_events(sink, "SilencedB")[0][0]
        obs["not before endsAt"] = t >= now + 3.0 - 0.05
        obs["within endsAt + 2 group_intervals + 1s"] = t <= now + 3.0 + 2 * GROUP_INTERVAL + 1.0
        print("  %s: notification %.2fs after the silence's endsAt" % (d.kind, t - (now + 3.0)))
    a = find_alert(d, "SilencedB")
    obs["state after"] = a and a["status"]["state"]

    # A pending silence that starts: the alert becomes suppressed without a re-post.
    now = time.time()
    d.post_alerts([alert("PendingC", instance="p1")])
    r = d.post_silence(silence_body({"alertname": "PendingC"}, now + 2.0, now + 3600))
    obs["pending silence created"] = r.status
    a = find_alert(d, "PendingC")
    obs["state before the silence starts"] = a and a["status"]["state"]
    sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "PendingC" for e in ev), 10)
    obs["notified before the silence starts"] = len(group_events(sink, "PendingC"))
    time.sleep(max(0.0, now + 2.5 - time.time()))
    a = find_alert(d, "PendingC")
    obs["state after the silence starts"] = a and a["status"]["state"]
    return obs


def scenario_inhibit(d, sink):
    obs = {}
    d.post_alerts([alert("SourceI", severity="critical", instance="i1")])
    time.sleep(0.3)
    d.post_alerts([alert("TargetI", severity="warning", instance="i1"),
                   alert("TargetI", severity="warning", instance="i2")])
    ev = sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "TargetI" for e in ev), 10)
    time.sleep(2 * GROUP_INTERVAL)
    obs["source notified"] = len(group_events(sink, "SourceI")) >= 1
    obs["target notifications while inhibited"] = firing_sets(group_events(sink, "TargetI"))
    src = find_alert(d, "SourceI")
    t1 = find_alert(d, "TargetI", instance="i1")
    t2 = find_alert(d, "TargetI", instance="i2")
    obs["i1 state"] = t1 and t1["status"]["state"]
    obs["i1 inhibitedBy is the source"] = bool(t1 and src) and t1["status"]["inhibitedBy"] == [src["fingerprint"]]
    obs["i1 silencedBy"] = t1 and t1["status"]["silencedBy"]
    obs["i2 state"] = t2 and t2["status"]["state"]
    obs["source state (does not inhibit itself)"] = src and src["status"]["state"]
    obs["inhibited=false hides i1"] = find_alert(d, "TargetI", "inhibited=false", instance="i1") is None
    obs["inhibited=false keeps i2"] = find_alert(d, "TargetI", "inhibited=false", instance="i2") is not None
    obs["silenced=false keeps i1"] = find_alert(d, "TargetI", "silenced=false", instance="i1") is not None
    obs["active=false shows i1 only"] = (find_alert(d, "TargetI", "active=false", instance="i1") is not None and
                                         find_alert(d, "TargetI", "active=false", instance="i2") is None)
    # Resolve the source: the target gets through on the next flush.
    sink_before = len(group_events(sink, "TargetI"))
    t0 = time.time()
    d.post_alerts([alert("SourceI", ends=time.time(), severity="critical", instance="i1")])
    ev = sink.wait_for(lambda ev: len([e for e in ev if e[2].get("groupLabels", {}).get("alertname") == "TargetI"]) > sink_before, 10)
    obs["target notified after the source resolved"] = ev is not None
    if ev is not None:
        e = group_events(sink, "TargetI")[sink_before]
        obs["notification after resolution"] = firing_sets([e])
        obs["within 2 group_intervals + 1s"] = e[0] - t0 <= 2 * GROUP_INTERVAL + 1.0
        print("  %s: target notified %.2fs after the source resolved" % (d.kind, e[0] - t0))
    t1 = find_alert(d, "TargetI", instance="i1")
    obs["i1 state after"] = t1 and t1["status"]["state"]
    obs["i1 inhibitedBy after"] = t1 and t1["status"]["inhibitedBy"]

    # Deprecated source_match/target_match_re with equal on a label missing on both sides.
    d.post_alerts([alert("CauseD", kind="cause")])
    time.sleep(0.3)
    d.post_alerts([alert("SymptomD", kind="symptom-x"), alert("SymptomD", kind="symptom-y", cluster="c9")])
    sink.wait_for(lambda ev: any(e[2].get("groupLabels", {}).get("alertname") == "SymptomD" for e in ev), 5)
    time.sleep(2 * GROUP_INTERVAL)
    obs["deprecated rule: notifications"] = firing_sets(group_events(sink, "SymptomD"))
    x = find_alert(d, "SymptomD", kind="symptom-x")
    y = find_alert(d, "SymptomD", kind="symptom-y")
    obs["deprecated rule: missing-both-sides label inhibited"] = x and x["status"]["state"]
    obs["deprecated rule: differing label not inhibited"] = y and y["status"]["state"]
    return obs


EXPECT = {
    "silence": {
        "silence created": 200, "control notified": True, "silenced notified while silenced": 0,
        "api state": "suppressed", "api silencedBy is the silence": True, "api inhibitedBy": [],
        "silenced=false hides it": True, "silenced=true shows it": True, "active=false shows it": True,
        "active=false hides the active control": True, "inhibited=false still shows it": True,
        "control state": "active", "groups show silencedBy": True, "groups silenced=false hides it": True,
        "expire status": 200, "notified after expiry": True, "notified within 2 group_intervals + 1s": True,
        "notification content": [[("a1", "firing")]], "api state after expiry": "active",
        "api silencedBy after expiry": [],
    },
    "silence ends by itself": {
        "silence created": 200, "notified before the silence ends": 0, "state while silenced": "suppressed",
        "notified after the silence ended (no re-post)": True, "not before endsAt": True,
        "within endsAt + 2 group_intervals + 1s": True, "state after": "active",
        "pending silence created": 200, "state before the silence starts": "active",
        "notified before the silence starts": 1, "state after the silence starts": "suppressed",
    },
    "inhibit": {
        "source notified": True, "target notifications while inhibited": [[("i2", "firing")]],
        "i1 state": "suppressed", "i1 inhibitedBy is the source": True, "i1 silencedBy": [],
        "i2 state": "active", "source state (does not inhibit itself)": "active",
        "inhibited=false hides i1": True, "inhibited=false keeps i2": True, "silenced=false keeps i1": True,
        "active=false shows i1 only": True, "target notified after the source resolved": True,
        "notification after resolution": [[("i1", "firing"), ("i2", "firing")]],
        "within 2 group_intervals + 1s": True, "i1 state after": "active", "i1 inhibitedBy after": [],
        "deprecated rule: notifications": [[("symptom-y", "firing")]],
        "deprecated rule: missing-both-sides label inhibited": "suppressed",
        "deprecated rule: differing label not inhibited": "active",
    },
}

SCENARIOS = [("silence", scenario_silence), ("silence ends by itself", scenario_silence_ends_by_itself),
             ("inhibit", scenario_inhibit)]


def run_on(kind, binary, results):
    sink = WebhookSink()
    d = Daemon(kind, binary, config(sink))
    try:
        d.start()
        for name, fn in SCENARIOS:
            try:
                results[(kind, name)] = fn(d, sink)
            except Exception as e:  # recorded, compared below
                import traceback
                results[(kind, name)] = {"exception": "%s\n%s" % (e, traceback.format_exc())}
    finally:
        d.cleanup()
        sink.cleanup()


def main():
    binary = tocsin_binary()
    results = {}
    # Both daemons side by side (each with its own sink), in parallel to keep the test short.
    threads = [threading.Thread(target=run_on, args=(k, binary if k == "tocsin" else None, results))
               for k in ("tocsin", "ref")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    for name, _ in SCENARIOS:
        t = results.get(("tocsin", name), {"missing": True})
        r = results.get(("ref", name), {"missing": True})
        R.check("%s: ran on tocsin" % name, "exception" not in t and "missing" not in t, t.get("exception", t))
        R.check("%s: ran on the reference" % name, "exception" not in r and "missing" not in r, r.get("exception", r))
        for key, want in EXPECT[name].items():
            tv = t.get(key)
            if isinstance(tv, list):
                tv = [[tuple(x) for x in y] if isinstance(y, list) else y for y in tv]
            R.check("%s: tocsin: %s == %r" % (name, key, want), tv == want, "got %r" % (tv,))
            rv = r.get(key)
            if isinstance(rv, list):
                rv = [[tuple(x) for x in y] if isinstance(y, list) else y for y in rv]
            if rv != want:
                print("  NOTE reference differs from the expectation for %s / %s: %r" % (name, key, rv))
            R.check("%s: tocsin == reference: %s" % (name, key), tv == rv, "tocsin %r; reference %r" % (tv, rv))
    R.finish()


if __name__ == "__main__":
    main()
