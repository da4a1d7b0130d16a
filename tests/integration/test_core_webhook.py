"""test_core_webhook.py: the core notification scenarios, each run on tocsin and on the reference
Alertmanager side by side with the same config and the same alerts; the webhook payloads must agree
(same groups, same alerts, same order) and arrive at the same times within a second."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, Sink, now_rfc3339, run_parallel, summarize  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()


def config(sink, route_extra="", receivers_extra="", group_wait="1s", group_interval="2s", repeat="1h",
           send_resolved="true", max_alerts=0):
    return f"""
route:
  receiver: default
  group_by: [alertname]
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat}
{route_extra}
receivers:
  - name: default
    webhook_configs:
      - url: {sink.url}/default
        send_resolved: {send_resolved}
        max_alerts: {max_alerts}
{receivers_extra}
"""


def scenario(name, cfg_fn, steps, duration, sink_fail=None, sink_delay=None):
    """Runs `steps` (a list of (seconds, fn(daemon))) on a fresh daemon; returns the notifications
    with their time relative to the start."""

    def run(binary):
        sink = Sink(fail=sink_fail, delay=sink_delay)
        d = Daemon(binary, cfg_fn(sink), name=name + "@" + os.path.basename(binary))
        try:
            d.start()
            t0 = time.monotonic()
            for at, fn in steps:
                delay = t0 + at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                fn(d)
            rest = t0 + duration - time.monotonic()
            if rest > 0:
                time.sleep(rest)
            return [(round(t - t0, 2), p, body) for t, p, body in sink.notifications()], sink.attempts, d
        finally:
            d.cleanup()
            sink.close()

    ours, ref = run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])
    return ours, ref


def compare(name, ours, ref, tolerance=1.0):
    a, b = ours[0], ref[0]
    R.check(name + ": same number of notifications", len(a) == len(b), "tocsin %d, reference %d\n  tocsin: %s\n  ref: %s" % (
        len(a), len(b), [summarize(n) for n in a], [summarize(n) for n in b]))
    sa = sorted(summarize(n) for n in a)
    sb = sorted(summarize(n) for n in b)
    R.check(name + ": same payloads", sa == sb, "\n  tocsin: %s\n  ref:    %s" % (sa, sb))
    ta = sorted((summarize(n), n[0]) for n in a)
    tb = sorted((summarize(n), n[0]) for n in b)
    if len(ta) == len(tb):
        worst = max([abs(x[1] - y[1]) for x, y in zip(ta, tb)] or [0])
        R.check(name + ": same timing within %.1fs (worst %.2fs)" % (tolerance, worst), worst <= tolerance,
                "tocsin %s ref %s" % ([x[1] for x in ta], [y[1] for y in tb]))


def alert(name, ends_offset=None, **labels):
    a = {"labels": dict(alertname=name, **labels), "annotations": {"summary": name + " summary"},
         "generatorURL": "http://prometheus.example/graph"}
    if ends_offset is not None:
        a["endsAt"] = now_rfc3339(ends_offset)
    return a


def main():
    # 1. Grouping and group_wait batching: three alerts in two groups, sent once each after group_wait.
    ours, ref = scenario("grouping", lambda s: config(s), [
        (0.0, lambda d: d.post_alerts([alert("A", i="1"), alert("B", i="1")])),
        (0.3, lambda d: d.post_alerts([alert("A", i="2")])),
    ], 3.0)
    compare("grouping", ours, ref)
    groups = {n[2]["groupLabels"]["alertname"]: n for n in ours[0]}
    R.check("grouping: group A carries both alerts", "A" in groups and len(groups["A"][2]["alerts"]) == 2)
    R.check("grouping: sent after group_wait (1s)", all(0.8 <= n[0] <= 1.6 for n in ours[0]),
            [n[0] for n in ours[0]])

    # 2. A late alert waits for group_interval, then goes out with the others.
    ours, ref = scenario("group_interval", lambda s: config(s, group_interval="2s"), [
        (0.0, lambda d: d.post_alerts([alert("A", i="1")])),
        (1.5, lambda d: d.post_alerts([alert("A", i="2")])),
    ], 4.5)
    compare("group_interval", ours, ref)
    R.check("group_interval: two sends, second at ~3s with 2 alerts",
            len(ours[0]) == 2 and 2.7 <= ours[0][1][0] <= 3.6 and len(ours[0][1][2]["alerts"]) == 2,
            [(n[0], len(n[2]["alerts"])) for n in ours[0]])

    # 3. repeat_interval: an unchanged group is re-sent only when repeat_interval has passed.
    # repeat 2.5s with flushes every 1s: the re-send comes at the 3.5s flush, half a second clear of
    # either edge, so both implementations agree whatever the scheduling jitter.
    ours, ref = scenario("repeat", lambda s: config(s, group_wait="500ms", group_interval="1s", repeat="2500ms"), [
        (0.0, lambda d: d.post_alerts([alert("A")])),
    ], 5.8)
    compare("repeat", ours, ref)
    R.check("repeat: sent at ~0.5s and repeated at ~3.5s", len(ours[0]) == 2 and 3.2 <= ours[0][1][0] <= 3.9,
            [n[0] for n in ours[0]])

    # 4. Resolved notifications (send_resolved true), and none with send_resolved false.
    for sr in ("true", "false"):
        ours, ref = scenario("resolved-" + sr, lambda s, sr=sr: config(s, send_resolved=sr, group_wait="500ms", group_interval="1s"), [
            (0.0, lambda d: d.post_alerts([alert("A")])),
            (1.0, lambda d: d.post_alerts([alert("A", ends_offset=0)])),
        ], 3.2)
        compare("resolved send_resolved=" + sr, ours, ref)
        statuses = [n[2]["status"] for n in ours[0]]
        want = ["firing", "resolved"] if sr == "true" else ["firing"]
        R.check("resolved send_resolved=%s: statuses %s" % (sr, want), statuses == want, statuses)

    # 5. continue: fan-out to every matching route in order.
    route_extra = """  routes:
    - matchers: ['team="a"']
      receiver: team-a
      continue: true
    - matchers: ['severity=~"crit.*"']
      receiver: pager
"""
    def cont_cfg(s):
        rx = f"""  - name: team-a
    webhook_configs:
      - url: {s.url}/team-a
  - name: pager
    webhook_configs:
      - url: {s.url}/pager
"""
        return config(s, route_extra=route_extra, receivers_extra=rx, group_wait="500ms")
    ours, ref = scenario("continue", cont_cfg, [
        (0.0, lambda d: d.post_alerts([alert("A", team="a", severity="critical"), alert("B", team="b")])),
    ], 2.0)
    compare("continue", ours, ref)
    paths = sorted(n[1] for n in ours[0])
    R.check("continue: team-a and pager get A, default gets B", paths == ["/default", "/pager", "/team-a"], paths)

    # 6. max_alerts truncates and counts the rest.
    ours, ref = scenario("max_alerts", lambda s: config(s, max_alerts=2, group_wait="500ms"), [
        (0.0, lambda d: d.post_alerts([alert("A", i=str(i)) for i in range(5)])),
    ], 1.8)
    compare("max_alerts", ours, ref)
    R.check("max_alerts: 2 alerts and truncatedAlerts 3",
            len(ours[0]) == 1 and len(ours[0][0][2]["alerts"]) == 2 and ours[0][0][2]["truncatedAlerts"] == 3)

    # 7. Alerts older than group_wait in one request flush the new group at once, together.
    ours, ref = scenario("old-batch", lambda s: config(s, group_wait="30s"), [
        (0.0, lambda d: d.post_alerts([dict(alert("Old", i=str(i)), startsAt=now_rfc3339(-120)) for i in range(3)])),
    ], 1.5)
    compare("old alerts batch", ours, ref)
    R.check("old alerts batch: one notification with all 3, at once",
            len(ours[0]) == 1 and len(ours[0][0][2]["alerts"]) == 3 and ours[0][0][0] < 0.5,
            [(n[0], len(n[2]["alerts"])) for n in ours[0]])

    # 8. A failing sink that recovers: retried, delivered once.
    ours, ref = scenario("retry", lambda s: config(s, group_wait="200ms", group_interval="10s"), [
        (0.0, lambda d: d.post_alerts([alert("A")])),
    ], 4.0, sink_fail={"/default": 2})
    compare("retry", ours, ref, tolerance=1.5)
    R.check("retry: 3 attempts, delivered once",
            len(ours[1]) == 3 and len(ours[0]) == 1, "attempts %s" % ours[1])

    # 9. Group keys: a match_re route's key carries the anchored pattern ("^(?:v)$", as 0.25 prints
    # it); group_by ['...'] and a group_by label the alert lacks.
    route_extra = """  routes:
    - match_re: {svc: 'a|b.*'}
      match: {k: '1'}
      receiver: keys
      group_by: ['...']
    - matchers: ['k="2"']
      receiver: keys
      group_by: [cluster, absent]
"""

    def keys_cfg(s):
        rx = f"""  - name: keys
    webhook_configs:
      - url: {s.url}/keys
"""
        return config(s, route_extra=route_extra, receivers_extra=rx, group_wait="500ms")
    ours, ref = scenario("group keys", keys_cfg, [
        (0.0, lambda d: d.post_alerts([alert("A", svc="a", k="1"), alert("A", svc="bb", k="1"),
                                       alert("B", k="2", cluster="c"), alert("C", k="2")])),
    ], 1.6)
    compare("group keys", ours, ref)
    keys = sorted(n[2]["groupKey"] for n in ours[0])
    R.check("group keys: anchored match_re in the key",
            '{}/{k="1",svc=~"^(?:a|b.*)$"}:{alertname="A", k="1", svc="a"}' in keys, keys)

    # 10. Two sibling routes with the same matchers, the first with continue: each has its own group
    # (the same group key), so both receivers get the alert.
    route_extra = """  routes:
    - matchers: ['sev="crit"']
      receiver: chat
      continue: true
    - matchers: ['sev="crit"']
      receiver: pager
"""

    def twins_cfg(s):
        rx = f"""  - name: chat
    webhook_configs:
      - url: {s.url}/chat
  - name: pager
    webhook_configs:
      - url: {s.url}/pager
"""
        return config(s, route_extra=route_extra, receivers_extra=rx, group_wait="500ms")
    ours, ref = scenario("twin routes", twins_cfg, [(0.0, lambda d: d.post_alerts([alert("A", sev="crit")]))], 1.4)
    compare("twin routes", ours, ref)
    R.check("twin routes: chat and pager both notified", sorted(n[1] for n in ours[0]) == ["/chat", "/pager"],
            [n[1] for n in ours[0]])

    # 11. A slow receiver (1.5 s an answer) with group_interval 1s: the tick that comes while a flush is
    # still sending is kept, and the next flush starts as soon as that one completes, with what came
    # meanwhile (the reference's group loop does the same), not at the notifier's next wake-up.
    ours, ref = scenario("slow receiver", lambda s: config(s, group_wait="500ms", group_interval="1s"), [
        (0.0, lambda d: d.post_alerts([alert("A", i="1")])),
        (0.6, lambda d: d.post_alerts([alert("A", i="2")])),
    ], 4.2, sink_delay={"/default": [1.5, 1.5]})
    compare("slow receiver", ours, ref, tolerance=0.4)
    R.check("slow receiver: sent at ~2.0s and, right after, at ~3.5s with both alerts",
            [len(n[2]["alerts"]) for n in ours[0]] == [1, 2] and 1.8 <= ours[0][0][0] <= 2.3
            and 3.3 <= ours[0][1][0] <= 3.8, [(n[0], len(n[2]["alerts"])) for n in ours[0]])

    # 12. Twenty groups of one slow receiver flush together: all sent at once, as the reference (one
    # goroutine a group) does, not a few at a time.
    ours, ref = scenario("slow receiver, many groups", lambda s: config(s, group_wait="500ms", group_interval="10s"), [
        (0.0, lambda d: d.post_alerts([alert("G%02d" % i) for i in range(20)])),
    ], 2.6, sink_delay={"/default": [1.5] * 20})
    compare("slow receiver, many groups", ours, ref, tolerance=0.4)

    # 13. A receiver that answers 500, then hangs: the retry's request ends at the flush's deadline
    # (group_wait 0.5 s + 10 s), not a whole timeout after it started, and the next flush delivers.
    ours, ref = scenario("hang after a 500", lambda s: config(s, group_wait="500ms", group_interval="1s"), [
        (0.0, lambda d: d.post_alerts([alert("A")])),
    ], 11.5, sink_fail={"/default": 1}, sink_delay={"/default": [0, 12]})
    compare("hang after a 500", ours, ref, tolerance=0.4)
    R.check("hang after a 500: delivered once, at the deadline (~10.5s)",
            len(ours[0]) == 1 and 10.3 <= ours[0][0][0] <= 10.7, [n[0] for n in ours[0]])

    R.finish()


if __name__ == "__main__":
    main()
