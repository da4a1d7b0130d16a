"""test_metrics_values.py: tocsin beside the reference, the VALUES of /metrics after the same events, so that
dashboards built on the reference's metrics show the same numbers. Each scenario runs on both daemons at
once (same config, own sinks), takes snapshots at points both reach deterministically (a notification
received, a counter reached), and compares the series that do not depend on timing:
1. alert states (active, suppressed by a silence or an inhibition, unprocessed, resolved), received and
   invalid alerts, aggregation groups, the dispatcher's processing count, nflog and silence queries;
2. a sink that answers 500 then 200 (a retry) with send_resolved: notification and request counters and
   the latency histogram's count;
3. a receiver that is down: one failed notification, every request failed;
4. groups muted by a time interval or silenced: nothing sent, nothing counted;
5. silences pending -> active -> expired, and the silence query counters of the API;
6. resolve_timeout and alert GC; config hash and reload gauges; HTTP request and response-size counts by
   handler and method, 4xx answers and unknown paths included.
Usage: python3 test_metrics_values.py <tocsin-binary>"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, Sink, now_rfc3339, run_parallel  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()
SCRAPES = "__scrapes"  # the key under which a snapshot records the scrapes before it


def parse(text):
    """{series: value} for every sample line; series is the name and its labels sorted."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)', line)
        if not m:
            continue
        labels = sorted(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        key = m.group(1) + ("{" + ",".join('%s="%s"' % kv for kv in labels) + "}" if labels else "")
        out[key] = float(m.group(3))
    return out


def scrape(d):
    """The metrics, and under SCRAPES how many scrapes of `d` came before (polls scrape too)."""
    m = parse(d.request("GET", "/metrics")[1])
    m[SCRAPES] = getattr(d, "scrapes", 0)
    d.scrapes = m[SCRAPES] + 1
    return m


def poll(fn, timeout=15, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def metric_at_least(d, series, n, timeout=15):
    return poll(lambda: scrape(d).get(series, 0) >= n, timeout)


def pick(m, prefixes, skip=()):
    return {k: v for k, v in m.items() if k.startswith(prefixes) and not any(s in k for s in skip)}


# The reference's alertmanager_silences gauge runs three silence queries (one per state) during every
# scrape, and its registry collects that gauge concurrently with the query counters: a scrape shows
# between none and all three of its own queries. tocsin counts them after rendering the counters (the
# low end); every earlier scrape's and request's queries must agree exactly.
SCRAPE_RACY = ("alertmanager_silences_queries_total", "alertmanager_silences_query_duration_seconds_count")


def compare(label, ours, ref, prefixes, skip=()):
    """Every series under `prefixes` has the same value in both snapshots (the silence queries of the
    scrapes themselves taken out, since polling scrapes each daemon a different number of times)."""
    o, r = pick(ours, prefixes, skip), pick(ref, prefixes, skip)
    for m, full in ((o, ours), (r, ref)):
        for k in m:
            if k.startswith(SCRAPE_RACY):
                m[k] -= 3 * full.get(SCRAPES, 0)

    def same(k):
        if o.get(k) is None or r.get(k) is None or not k.startswith(SCRAPE_RACY):
            return o.get(k) == r.get(k)
        return o[k] <= r[k] <= o[k] + 3

    diff = {k: (o.get(k), r.get(k)) for k in sorted(set(o) | set(r)) if not same(k)}
    R.check(label, not diff, "(ours, ref) %s" % diff)


def alert(name, **labels):
    return {"labels": dict(alertname=name, **labels)}


def silence(matchers, start=0.0, end=3600.0):
    return {"matchers": [{"name": k, "value": v, "isRegex": False} for k, v in matchers.items()],
            "startsAt": now_rfc3339(start), "endsAt": now_rfc3339(end), "createdBy": "t", "comment": "c"}


def both(config, scenario, extra=None, sink_args=None):
    """Runs scenario(daemon, sink, snaps) on tocsin and the reference at once; returns their snapshots."""
    def run(binary):
        sink = Sink(**(sink_args or {}))
        d = Daemon(binary, config.replace("SINK", sink.url), extra=extra, name=os.path.basename(binary))
        snaps = {}
        try:
            d.start()
            scenario(d, sink, snaps)
            return snaps
        finally:
            d.cleanup()
            sink.close()

    return run_parallel([lambda: run(TOCSIN), lambda: run(REFERENCE)])


ALERT_STATES = ("alertmanager_alerts{", "alertmanager_marked_alerts{")
COUNTS = ("alertmanager_alerts_received_total", "alertmanager_alerts_invalid_total",
          "alertmanager_dispatcher_aggregation_groups", "alertmanager_dispatcher_alert_processing_duration_seconds_count",
          "alertmanager_notifications_", "alertmanager_notification_requests_", "alertmanager_notification_latency_seconds_count",
          "alertmanager_nflog_queries_total", "alertmanager_nflog_query_errors_total", "alertmanager_silences{",
          "alertmanager_silences_queries_total", "alertmanager_silences_query_errors_total",
          "alertmanager_silences_query_duration_seconds_count", "alertmanager_nflog_query_duration_seconds_count")

STATES_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 1h
  routes:
    - matchers: [alertname="D"]
      receiver: hook
      continue: true
    - matchers: [alertname="D"]
      receiver: other
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [alertname]
receivers:
  - name: hook
    webhook_configs: [{url: 'SINK/hook', send_resolved: true}]
  - name: other
    webhook_configs: [{url: 'SINK/other'}]
"""


def scenario_states(d, sink, snaps):
    d.post_alerts([alert("A", severity="critical"), alert("A", severity="warning"), alert("B"), alert("C"), alert("D")])
    d.request("POST", "/api/v2/alerts", [{"labels": {}}])  # invalid: 400
    d.request("POST", "/api/v2/alerts", [{"labels": {"alertname": "X"}, "startsAt": now_rfc3339(60), "endsAt": now_rfc3339()}])
    snaps["posted"] = scrape(d)
    sink.wait_for(5, 10)  # D in two groups
    metric_at_least(d, "alertmanager_dispatcher_alert_processing_duration_seconds_count", 5, 5)
    snaps["flushed"] = scrape(d)
    # A silence for B: the state shown before anything re-evaluates B, then after an API listing.
    sid = __import__("json").loads(d.request("POST", "/api/v2/silences", silence({"alertname": "B"}))[1])["silenceID"]
    snaps["silenced"] = scrape(d)
    d.request("GET", "/api/v2/alerts")
    snaps["listed"] = scrape(d)
    # C resolved: its group sends the resolved notification at its next flush (group_interval 1h away);
    # the gauges count it out at once.
    d.post_alerts([{"labels": {"alertname": "C"}, "endsAt": now_rfc3339(-1)}])
    metric_at_least(d, "alertmanager_dispatcher_alert_processing_duration_seconds_count", 6, 5)
    snaps["resolved"] = scrape(d)
    d.request("GET", "/api/v2/alerts/groups")
    snaps["groups listed"] = scrape(d)
    # The silence expired: B stays suppressed in the gauges until something evaluates it again.
    d.request("DELETE", "/api/v2/silence/" + sid)
    snaps["unsilenced"] = scrape(d)
    d.request("GET", "/api/v2/alerts?filter=alertname%3D%22B%22")
    snaps["relisted"] = scrape(d)
    d.request("POST", "/api/v2/silences", silence({"alertname": "D"}))
    d.request("GET", "/api/v2/alerts/groups?filter=alertname%3D%22A%22")
    snaps["groups relisted"] = scrape(d)
    # The inhibiting alert resolves: the inhibited one stays suppressed in the gauges until evaluated.
    d.post_alerts([{"labels": {"alertname": "A", "severity": "critical"}, "endsAt": now_rfc3339(-1)}])
    metric_at_least(d, "alertmanager_dispatcher_alert_processing_duration_seconds_count", 7, 5)
    snaps["source resolved"] = scrape(d)
    d.request("GET", "/api/v2/alerts")
    snaps["uninhibited"] = scrape(d)


# What no comparison of every alertmanager_* series can hold equal: times and durations, tocsin's own
# families, the build, the HTTP histograms' buckets (compared in check_http), the config's hash.
TIMING = ("_sum", "_seconds_bucket", "alertmanager_config_last_reload_success_timestamp_seconds", "alertmanager_build_info",
          "alertmanager_nflog_entries", "alertmanager_nflog_maintenance", "alertmanager_http_response_size_bytes_bucket",
          "alertmanager_silences_query_duration_seconds{", "alertmanager_nflog_gc_duration_seconds{",
          "alertmanager_silences_gc_duration_seconds{", "alertmanager_nflog_snapshot_duration_seconds{",
          "alertmanager_silences_snapshot_duration_seconds{", "alertmanager_dispatcher_alert_processing_duration_seconds{",
          'quantile="', "alertmanager_config_hash",  # each config names its own sink's port
          "alertmanager_http_",  # polls (readiness at start, metrics) make a different number of requests
          "_snapshot_size_bytes")  # tocsin writes no snapshot: 0 where the reference has its bytes


def check_states():
    ours, ref = both(STATES_CFG, scenario_states)
    compare("states, at the end: every other alertmanager_* series", ours["uninhibited"], ref["uninhibited"],
            ("alertmanager_",), TIMING)
    for point in ("posted", "flushed", "silenced", "listed", "resolved", "groups listed", "unsilenced", "relisted",
                  "groups relisted", "source resolved", "uninhibited"):
        compare("states, %s: alert states" % point, ours[point], ref[point], ALERT_STATES)
        compare("states, %s: counters" % point, ours[point], ref[point], COUNTS)


RETRY_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: 'SINK/flaky', send_resolved: true}]
"""


def scenario_retry(d, sink, snaps):
    d.post_alerts([alert("R")])
    sink.wait_for(1, 10)
    metric_at_least(d, 'alertmanager_notifications_total{integration="webhook"}', 1, 5)
    metric_at_least(d, 'alertmanager_notification_requests_total{integration="webhook"}', 2, 5)  # the 500, then the 200
    metric_at_least(d, "alertmanager_nflog_queries_total", 1, 5)
    snaps["sent"] = scrape(d)
    d.post_alerts([{"labels": {"alertname": "R"}, "endsAt": now_rfc3339(-1)}])
    sink.wait_for(2, 10)
    metric_at_least(d, 'alertmanager_notifications_total{integration="webhook"}', 2, 5)
    metric_at_least(d, 'alertmanager_notification_requests_total{integration="webhook"}', 3, 5)
    snaps["resolved sent"] = scrape(d)


NOTIFY = ("alertmanager_notifications_", "alertmanager_notification_requests_",
          "alertmanager_notification_latency_seconds_count", "alertmanager_notification_latency_seconds_bucket")


def check_retry():
    ours, ref = both(RETRY_CFG, scenario_retry, sink_args={"fail": {"/flaky": 1}, "delay": {"/flaky": [0, 0, 1.3]}})
    # The nflog is queried once a flush, and a flush comes every group_interval while the group has alerts:
    # how many fall between the two notifications depends on how fast the test itself runs (slow under a
    # sanitizer), so those two series are compared in the states scenario, whose group_interval is 1h.
    compare("retry, at the end: every other alertmanager_* series", ours["resolved sent"], ref["resolved sent"],
            ("alertmanager_",), TIMING + ("alertmanager_nflog_queries_total", "alertmanager_nflog_query_duration_seconds_count"))
    for point in ("sent", "resolved sent"):
        # The first attempt (a 500 on loopback) and the second are well under the first bucket (1s); the
        # resolved notification is answered after 1.3s, in the second (5s).
        compare("retry, %s: notification counters and latency buckets" % point, ours[point], ref[point], NOTIFY)
        compare("retry, %s: alert states" % point, ours[point], ref[point], ALERT_STATES)


DOWN_CFG = """
route:
  receiver: hook
  group_wait: 100ms
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs: [{url: 'http://127.0.0.1:1/down'}]
"""


def scenario_down(d, sink, snaps):
    d.post_alerts([alert("Down")])
    # The reference gives up after its minimum flush timeout (10s, group_interval when longer); the
    # next flush starts at once.
    metric_at_least(d, 'alertmanager_notifications_failed_total{integration="webhook"}', 1, 25)
    snaps["failed"] = scrape(d)


def check_down():
    ours, ref = both(DOWN_CFG, scenario_down)
    key = '{integration="webhook"}'
    for who, m in (("tocsin", ours["failed"]), ("reference", ref["failed"])):
        R.check("down, %s: one notification, failed" % who,
                m.get("alertmanager_notifications_total" + key) in (1, 2) and m.get("alertmanager_notifications_failed_total" + key) == 1,
                pick(m, NOTIFY, ("_bucket", "latency")))
        R.check("down, %s: every request failed, as many latency observations" % who,
                m.get("alertmanager_notification_requests_total" + key, 0) >= 1 and
                m.get("alertmanager_notification_requests_total" + key) == m.get("alertmanager_notification_requests_failed_total" + key)
                == m.get("alertmanager_notification_latency_seconds_count" + key), pick(m, NOTIFY, ("_bucket",)))
    # The failed flush queried the nflog once; the next flush starts at once and may have queried it
    # again before the scrape, in either daemon. Each query found no entry (nothing was ever sent), which
    # both count as a query error.
    nflog = [(m.get("alertmanager_nflog_queries_total"), m.get("alertmanager_nflog_query_errors_total"))
             for m in (ours["failed"], ref["failed"])]
    R.check("down: nflog counters", all(q in (1, 2) and e == q for q, e in nflog), "(ours, ref) %s" % nflog)
    compare("down: alert states", ours["failed"], ref["failed"], ALERT_STATES)


MUTED_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 300ms
  group_interval: 1h
  routes:
    - matchers: [alertname=Muted]
      mute_time_intervals: [always]
    - matchers: [alertname=Inactive]
      active_time_intervals: [never]
time_intervals:
  - name: always
    time_intervals: [{weekdays: ['sunday:saturday']}]
  - name: never
    time_intervals: [{years: ['2001']}]
receivers:
  - name: hook
    webhook_configs: [{url: 'SINK/hook', send_resolved: true}]
"""


def scenario_muted(d, sink, snaps):
    d.request("POST", "/api/v2/silences", silence({"alertname": "Silenced"}))
    d.post_alerts([alert("Muted"), alert("Inactive"), alert("Silenced")])
    time.sleep(0.05)
    d.post_alerts([alert("Sentinel")])  # posted last: its flush comes after the others'
    sink.wait_for(1, 10)
    metric_at_least(d, 'alertmanager_notifications_total{integration="webhook"}', 1, 5)
    metric_at_least(d, 'alertmanager_notification_requests_total{integration="webhook"}', 1, 5)
    snaps["flushed"] = scrape(d)


def check_muted():
    ours, ref = both(MUTED_CFG, scenario_muted)
    compare("muted and silenced groups: every other alertmanager_* series", ours["flushed"], ref["flushed"],
            ("alertmanager_",), TIMING)
    compare("muted and silenced groups: counters", ours["flushed"], ref["flushed"], COUNTS + NOTIFY)
    compare("muted and silenced groups: alert states", ours["flushed"], ref["flushed"], ALERT_STATES)


SILENCES_CFG = """
route:
  receiver: hook
receivers:
  - name: hook
"""


def scenario_silences(d, sink, snaps):
    snaps["start"] = scrape(d)
    ids = []
    for m, start in (({"a": "1"}, 0), ({"a": "2"}, 0), ({"a": "3"}, 1.5)):
        code, body, _ = d.request("POST", "/api/v2/silences", silence(m, start))
        ids.append(__import__("json").loads(body)["silenceID"])
    snaps["created"] = scrape(d)
    d.request("DELETE", "/api/v2/silence/" + ids[0])
    d.request("DELETE", "/api/v2/silence/" + ids[0])  # already expired: 500 in 0.25
    d.request("DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000")  # 404... or 500
    snaps["expired"] = scrape(d)
    d.request("GET", "/api/v2/silences")
    d.request("GET", "/api/v2/silences?filter=a%3D%222%22")
    d.request("GET", "/api/v2/silence/" + ids[1])
    d.request("GET", "/api/v2/silence/" + ids[1][:-1] + "0")
    d.request("GET", "/api/v2/silences?filter=%7Bbad")
    snaps["queried"] = scrape(d)
    poll(lambda: scrape(d).get('alertmanager_silences{state="pending"}') == 0, 5)
    snaps["started"] = scrape(d)
    # Updates: a new comment is made in place; new matchers expire the silence and create another.
    body = silence({"a": "2"})
    body["id"] = ids[1]
    body["comment"] = "changed"
    d.request("POST", "/api/v2/silences", body)
    body["matchers"][0]["value"] = "22"
    d.request("POST", "/api/v2/silences", body)
    body["id"] = "no-such-id"
    d.request("POST", "/api/v2/silences", body)
    snaps["updated"] = scrape(d)


SILENCE_SERIES = ("alertmanager_silences{", "alertmanager_silences_queries_total", "alertmanager_silences_query_errors_total",
                  "alertmanager_silences_query_duration_seconds_count", "alertmanager_silences_gc_duration_seconds_count")


def check_silences():
    ours, ref = both(SILENCES_CFG, scenario_silences)
    compare("silences, at the end: every other alertmanager_* series", ours["updated"], ref["updated"],
            ("alertmanager_",), TIMING)
    for point in ("start", "created", "expired", "queried", "started", "updated"):
        compare("silences, %s" % point, ours[point], ref[point], SILENCE_SERIES)


TIMEOUT_CFG = """
global:
  resolve_timeout: 1s
route:
  receiver: hook
  group_wait: 100ms
  group_interval: 1h
receivers:
  - name: hook
"""


def scenario_timeout(d, sink, snaps):
    d.post_alerts([alert("T1"), alert("T2")])
    d.post_alerts([alert("T1")])  # re-posts: each is processed again
    d.post_alerts([alert("T1"), alert("T1")])
    metric_at_least(d, "alertmanager_dispatcher_alert_processing_duration_seconds_count", 5, 5)
    poll(lambda: scrape(d).get('alertmanager_alerts{state="active"}') == 2, 5)
    snaps["firing"] = scrape(d)
    poll(lambda: scrape(d).get('alertmanager_alerts{state="active"}') == 0, 5)
    snaps["timed out"] = scrape(d)
    # --alerts.gc-interval=1s: resolved alerts leave the store (and the marker).
    poll(lambda: scrape(d).get('alertmanager_marked_alerts{state="active"}') == 0, 5)
    snaps["collected"] = scrape(d)


def check_timeout():
    ours, ref = both(TIMEOUT_CFG, scenario_timeout, extra=["--alerts.gc-interval=1s"])
    compare("resolve_timeout and GC, at the end: every other alertmanager_* series", ours["collected"], ref["collected"],
            ("alertmanager_",), TIMING)
    for point in ("firing", "timed out", "collected"):
        compare("resolve_timeout and GC, %s: alert states" % point, ours[point], ref[point], ALERT_STATES)
        compare("resolve_timeout and GC, %s: counters" % point, ours[point], ref[point],
                ("alertmanager_alerts_received_total", "alertmanager_dispatcher_aggregation_groups",
                 "alertmanager_dispatcher_alert_processing_duration_seconds_count"))


CONFIG_CFG = """
route:
  receiver: hook
  routes:
    - matchers: [x=y]
      receiver: two
receivers:
  - name: hook
    webhook_configs: [{url: 'http://127.0.0.1:1/a'}, {url: 'http://127.0.0.1:1/b'}]
  - name: two
    slack_configs: [{api_url: 'http://127.0.0.1:1/s', channel: c}]
  - name: unused
    webhook_configs: [{url: 'http://127.0.0.1:1/c'}]
"""


def scenario_config(d, sink, snaps):
    snaps["start"] = scrape(d)
    good = open(d.config_path).read()
    with open(d.config_path, "w") as f:
        f.write(good + "bogus: [\n")
    d.request("POST", "/-/reload")
    snaps["bad"] = scrape(d)
    with open(d.config_path, "w") as f:
        f.write(good.replace("receiver: two", "receiver: hook"))
    time.sleep(1.01)  # the success timestamp has a resolution of one second... or better
    d.request("POST", "/-/reload")
    snaps["good"] = scrape(d)


def check_config():
    ours, ref = both(CONFIG_CFG, scenario_config)
    series = ("alertmanager_config_hash", "alertmanager_config_last_reload_successful ", "alertmanager_receivers",
              "alertmanager_integrations", "alertmanager_build_info", "alertmanager_cluster_enabled")
    for point in ("start", "bad", "good"):
        o = {k: v for k, v in ours[point].items() if not k.startswith("alertmanager_build_info")}
        r = {k: v for k, v in ref[point].items() if not k.startswith("alertmanager_build_info")}
        compare("config, %s" % point, o, r, series)
        for who, m in (("tocsin", ours[point]), ("reference", ref[point])):
            bi = [v for k, v in m.items() if k.startswith("alertmanager_build_info{")]
            R.check("config, %s, %s: one build_info series, 1" % (point, who), bi == [1.0], bi)
    ts = "alertmanager_config_last_reload_success_timestamp_seconds"
    for who, s in (("tocsin", ours), ("reference", ref)):
        R.check("config, %s: a bad reload keeps the success timestamp, a good one moves it" % who,
                s["start"][ts] == s["bad"][ts] < s["good"][ts] and abs(s["good"][ts] - time.time()) < 30,
                (s["start"][ts], s["bad"][ts], s["good"][ts]))


RELOAD_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: 'SINK/hook'}]
"""


def scenario_reload(d, sink, snaps):
    d.post_alerts([alert("L1"), alert("L1", x="2"), alert("L2")])
    d.post_alerts([{"labels": {"alertname": "L3"}, "endsAt": now_rfc3339(-1)}])
    sink.wait_for(2, 10)
    metric_at_least(d, 'alertmanager_notifications_total{integration="webhook"}', 2, 5)
    # Counted after the answer is read (in both): the sink has answered before they are.
    metric_at_least(d, 'alertmanager_notification_requests_total{integration="webhook"}', 2, 5)
    snaps["before"] = scrape(d)
    with open(d.config_path, "a") as f:
        f.write("# changed\n")
    d.request("POST", "/-/reload")
    # The reference's new dispatcher replays every stored alert, resolved ones included.
    metric_at_least(d, "alertmanager_dispatcher_alert_processing_duration_seconds_count", 8, 5)
    snaps["after"] = scrape(d)


def check_reload():
    ours, ref = both(RELOAD_CFG, scenario_reload)
    # After the reload, the reference's new groups flush again and query the notification log (tocsin
    # keeps its groups and timers: README, deliberate differences).
    for point in ("before", "after"):
        compare("reload, %s: counters" % point, ours[point], ref[point], COUNTS,
                skip=("nflog_quer",) if point == "after" else ())
        compare("reload, %s: alert states" % point, ours[point], ref[point], ALERT_STATES)


MAINT_CFG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: 'SINK/hook', send_resolved: true}, {url: 'SINK/two'}]
"""


def scenario_maintenance(d, sink, snaps):
    d.request("POST", "/api/v2/silences", silence({"a": "1"}, 0, 0.5))
    d.request("POST", "/api/v2/silences", {"matchers": [{"name": "b", "value": "x|y", "isRegex": True, "isEqual": False},
                                                        {"name": "alertname", "value": "Other", "isRegex": False}],
                                           "startsAt": now_rfc3339(60), "endsAt": now_rfc3339(7200), "createdBy": "someone",
                                           "comment": "a longer comment " * 10})
    d.post_alerts([alert("M1"), alert("M1", i="2"), alert("M2")])
    sink.wait_for(4, 10)
    snaps["start"] = scrape(d)
    poll(lambda: min(scrape(d).get("alertmanager_%s_gc_duration_seconds_count" % c, 0) for c in ("silences", "nflog")) >= 2, 5)
    snaps["two"] = scrape(d)


def check_maintenance():
    ours, ref = both(MAINT_CFG, scenario_maintenance, extra=["--data.maintenance-interval=1s"])
    compare("maintenance, at the end: every other alertmanager_* series", ours["two"], ref["two"], ("alertmanager_",), TIMING)
    # The bytes of the reference's snapshot, tocsin's computed for the same state: the ids (random),
    # the group keys (each names its own sink) and the nanoseconds of each time differ in length by a
    # few bytes.
    for c in ("silences", "nflog"):
        o, r = (s["two"].get("alertmanager_%s_snapshot_size_bytes" % c) for s in (ours, ref))
        R.check("maintenance: %s snapshot size within 5%% of the reference's" % c, r and o and abs(o - r) <= 0.05 * r, (o, r))
    # How many maintenances ran by a snapshot depends on how long each daemon took to get there (one a
    # second from its own start, and a loaded machine takes a second or more to deliver the first
    # notifications): the counts are checked as ranges, the silences' states exactly.
    counts = ("alertmanager_silences_gc_duration_seconds_count", "alertmanager_nflog_gc_duration_seconds_count",
              "alertmanager_silences_snapshot_duration_seconds_count", "alertmanager_nflog_snapshot_duration_seconds_count")
    for point, lo, hi in (("start", 0, 3), ("two", 2, 6)):
        compare("maintenance every 1s, %s" % point, ours[point], ref[point], ("alertmanager_silences{",))
        for name, snap in (("tocsin", ours[point]), ("reference", ref[point])):
            got = {c: snap.get(c) for c in counts}
            R.check("maintenance every 1s, %s, %s: %d-%d maintenances counted" % (point, name, lo, hi),
                    all(v is not None and lo <= v <= hi for v in got.values()), got)


HTTP_CFG = SILENCES_CFG


def scenario_http(d, sink, snaps):
    calls = [("GET", "/-/healthy"), ("HEAD", "/-/healthy"), ("GET", "/-/ready"), ("GET", "/api/v2/status"),
             ("GET", "/api/v2/receivers"), ("GET", "/api/v2/alerts"), ("GET", "/api/v2/alerts?filter=%7Bbad"),
             ("GET", "/api/v2/alerts/groups"), ("GET", "/api/v2/silences"), ("GET", "/api/v2/silence/nope"),
             ("DELETE", "/api/v2/silence/00000000-0000-0000-0000-000000000000"), ("GET", "/nope"), ("GET", "/api/v2/nope"),
             ("GET", "/api/v1/alerts"), ("POST", "/-/healthy"), ("PUT", "/api/v2/alerts"), ("GET", "/"),
             ("GET", "/api/v2/status/"), ("POST", "/api/v2/silences"), ("GET", "/debug/pprof/")]
    for method, path in calls:
        d.request(method, path, b"{}" if method in ("POST", "PUT") else None)
    d.request("POST", "/api/v2/alerts", [{"labels": {"alertname": "H"}}])
    d.request("POST", "/api/v2/alerts", b"not json")
    snaps["after"] = scrape(d)


def check_http():
    ours, ref = both(HTTP_CFG, scenario_http)
    compare("HTTP: request counts by handler and method", ours["after"], ref["after"],
            ("alertmanager_http_request_duration_seconds_count",))
    compare("HTTP: response-size counts by handler and method", ours["after"], ref["after"],
            ("alertmanager_http_response_size_bytes_count",))
    compare("HTTP: requests in flight", ours["after"], ref["after"], ("alertmanager_http_requests_in_flight",))
    compare("HTTP: received and invalid alerts", ours["after"], ref["after"],
            ("alertmanager_alerts_received_total", "alertmanager_alerts_invalid_total"))

    # Response sizes fall in the same bucket where the bodies are the same length.
    def buckets(m, handler):
        return {k: v for k, v in m.items() if k.startswith("alertmanager_http_response_size_bytes_bucket") and
                'handler="%s"' % handler in k}
    handlers = {re.search(r'handler="([^"]*)"', k).group(1) for k in ref["after"] if k.startswith("alertmanager_http_response_size_bytes_bucket")}
    # Bodies that differ on purpose: the status (versions, times), the metrics, the UI, /api/v1 (410 in
    # tocsin, as the newest release) and /debug (Go's pprof, which tocsin does not serve).
    for h in sorted(handlers - {"/api/v2/status", "/metrics", "/", "/alerts", "/debug/*subpath"}):
        compare("HTTP: response-size buckets of %s" % h, buckets(ours["after"], h), buckets(ref["after"], h), ("alertmanager_",))


def main():
    checks = [check_states, check_retry, check_down, check_muted, check_silences, check_timeout, check_config, check_http,
              check_reload, check_maintenance]
    only = os.environ.get("ONLY")
    errors = run_parallel([(lambda c=c: c()) for c in checks if not only or only in c.__name__])
    del errors
    R.finish()


if __name__ == "__main__":
    main()
