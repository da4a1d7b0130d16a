"""test_receivers_e2e.py: Slack, PagerDuty (v2 and v1) and email receivers end to end, tocsin and the
reference Alertmanager side by side (same config, same alerts, each with its own loopback sinks).

Checks each body against the receiver's documented format (Slack incoming webhook / attachments,
PagerDuty Events API v2 and the v1 generic API, RFC 5322 mail parsed by Python's email package) and
against the reference's body; the Slack bot-token form (Authorization header, a 200 {"ok": false}
answer counted as a failure by tocsin); and retries (500, 500, 200: delivered once, a warn log line).
usage: /usr/bin/python3 test_receivers_e2e.py <tocsin-binary>"""
import email
import email.policy
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, now_rfc3339, run_parallel  # noqa: E402
from receiver_sinks import HttpSink, SmtpSink  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

EXTERNAL_URL = "http://alertmanager.example:9093"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"
SERVICE_KEY = "fedcba9876543210fedcba9876543210"
BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
PATHS = {
    "slack-default": "/services/T000/B000/default",
    "slack-custom": "/services/T000/B000/custom",
    "slack-bot": "/api/chat.postMessage",
    "slack-retry": "/services/T000/B000/retry",
    "pd-v2": "/v2/enqueue",
    "pd-v1": "/generic/2010-04-15/create_event.json",
    "webhook": "/hooks/tocsin",
}
EMAIL_TEXT = ('{{ .Status }} {{ len .Alerts }} alert(s) for {{ .GroupLabels.alertname }}\n'
              '{{ range .Alerts }}- {{ .Labels.alertname }} on {{ .Labels.instance }}: {{ .Annotations.summary }}\n{{ end }}')


def config(http, smtp):
    u = http.url
    return f"""
global:
  smtp_from: 'Tocsin Alerts <alerts@example.org>'
  smtp_smarthost: '{smtp.smarthost}'
  smtp_require_tls: false
  smtp_hello: tocsin.test
route:
  receiver: slack-default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - {{matchers: ['rx="slack-custom"'], receiver: slack-custom}}
    - {{matchers: ['rx="slack-bot"'], receiver: slack-bot}}
    - {{matchers: ['rx="slack-retry"'], receiver: slack-retry}}
    - {{matchers: ['rx="pd-v2"'], receiver: pd-v2}}
    - {{matchers: ['rx="pd-v1"'], receiver: pd-v1}}
    - {{matchers: ['rx="email"'], receiver: email}}
    - {{matchers: ['rx="webhook"'], receiver: webhook}}
receivers:
  - name: slack-default
    slack_configs:
      - api_url: '{u}{PATHS["slack-default"]}'
        send_resolved: true
  - name: slack-custom
    slack_configs:
      - api_url: '{u}{PATHS["slack-custom"]}'
        send_resolved: true
        channel: '#alerts-{{{{ .CommonLabels.team }}}}'
        username: 'tocsin-bot'
        icon_emoji: ':rotating_light:'
        color: '{{{{ if eq .Status "firing" }}}}danger{{{{ else }}}}good{{{{ end }}}}'
        title: '[{{{{ .Status | toUpper }}}}{{{{ if eq .Status "firing" }}}}:{{{{ .Alerts.Firing | len }}}}{{{{ end }}}}] {{{{ .CommonLabels.alertname }}}}'
        title_link: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}'
        pretext: 'Group {{{{ .GroupLabels.alertname }}}} ({{{{ len .Alerts }}}} alerts)'
        text: "{{{{ range .Alerts }}}}*{{{{ .Labels.alertname }}}}* on `{{{{ .Labels.instance }}}}` ({{{{ .Status }}}}): {{{{ .Annotations.summary }}}}\\n{{{{ end }}}}"
        fallback: '{{{{ .CommonLabels.alertname }}}} is {{{{ .Status }}}}'
        footer: 'tocsin e2e <@U123>'
        callback_id: 'cb-{{{{ .GroupLabels.alertname }}}}'
        image_url: 'http://img.example/{{{{ .GroupLabels.alertname }}}}.png'
        thumb_url: 'http://img.example/thumb.png'
        short_fields: true
        fields:
          - title: Severity
            value: '{{{{ .CommonLabels.severity }}}}'
          - title: Instances
            value: '{{{{ range .Alerts }}}}{{{{ .Labels.instance }}}} {{{{ end }}}}'
            short: false
        actions:
          - type: button
            text: 'Runbook for {{{{ .GroupLabels.alertname }}}}'
            url: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}'
            style: primary
          - type: button
            text: 'Silence'
            name: silence
            value: '{{{{ .GroupLabels.alertname }}}}'
            style: danger
            confirm:
              title: 'Sure?'
              text: 'Silence {{{{ .GroupLabels.alertname }}}}'
              ok_text: 'Yes'
              dismiss_text: 'No'
        mrkdwn_in: [text, pretext, title]
        link_names: true
  - name: slack-bot
    slack_configs:
      - api_url: '{u}{PATHS["slack-bot"]}'
        channel: '#no-such-channel'
        http_config:
          authorization:
            credentials: '{BOT_TOKEN}'
  - name: slack-retry
    slack_configs:
      - api_url: '{u}{PATHS["slack-retry"]}'
  - name: pd-v2
    pagerduty_configs:
      - url: '{u}{PATHS["pd-v2"]}'
        routing_key: '{ROUTING_KEY}'
        send_resolved: true
        severity: '{{{{ .CommonLabels.severity }}}}'
        class: 'disk'
        component: '{{{{ .CommonLabels.instance }}}}'
        group: 'team-{{{{ .CommonLabels.team }}}}'
        details:
          team: '{{{{ .CommonLabels.team }}}}'
        links:
          - href: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}'
            text: 'runbook'
        images:
          - src: 'http://img.example/{{{{ .GroupLabels.alertname }}}}.png'
            alt: 'graph'
            href: 'http://graph.example/'
  - name: pd-v1
    pagerduty_configs:
      - service_key: '{SERVICE_KEY}'
        send_resolved: true
        http_config:
          proxy_url: '{u}'
          tls_config:
            insecure_skip_verify: true
  - name: webhook
    webhook_configs:
      - url: '{u}{PATHS["webhook"]}'
        max_alerts: 1
  - name: email
    email_configs:
      - to: 'oncall@example.org, second@example.org'
        text: "{EMAIL_TEXT.replace(chr(10), chr(92) + "n")}"
        send_resolved: false
"""


def alert(rx, name, instance, severity="warning", ends=None):
    a = {"labels": {"alertname": name, "rx": rx, "instance": instance, "severity": severity, "team": "storage"},
         "annotations": {"summary": "%s is bad on %s" % (name, instance), "description": "details of " + name},
         "generatorURL": "http://prometheus.example/graph?g0.expr=up"}
    if ends is not None:
        a["endsAt"] = ends
    return a


def webhook_alert(instance, ends=None):
    """An alert whose annotation holds what encoding/json escapes: <, >, & and U+2028."""
    a = alert("webhook", "HookAlert", instance, ends=ends)
    a["annotations"]["description"] = "a <b>bold</b> & \u2028 claim"
    return a


def firing_batch():
    return [
        alert("slack-default", "DiskFull", "db-1:9100"), alert("slack-default", "DiskFull", "db-2:9100"),
        alert("slack-custom", "HighLatency", "web-1:80", "critical"),
        alert("slack-custom", "HighLatency", "web-2:80", "critical"),
        alert("slack-bot", "BotAlert", "bot-1"),
        alert("slack-retry", "RetryAlert", "retry-1"),
        alert("pd-v2", "PdV2Alert", "pd-1:9100", "critical"),
        alert("pd-v1", "PdV1Alert", "pd-2:9100"),
        alert("email", "MailAlert", "mail-1:25"), alert("email", "MailAlert", "mail-2:25"),
        webhook_alert("hook-1"), webhook_alert("hook-2"),
    ]


def resolved_batch():
    end = now_rfc3339(-0.5)
    return [
        alert("slack-default", "DiskFull", "db-1:9100", ends=end),
        alert("slack-default", "DiskFull", "db-2:9100", ends=end),
        alert("slack-custom", "HighLatency", "web-1:80", "critical", ends=end),
        alert("slack-custom", "HighLatency", "web-2:80", "critical", ends=end),
        alert("pd-v2", "PdV2Alert", "pd-1:9100", "critical", ends=end),
        alert("pd-v1", "PdV1Alert", "pd-2:9100", ends=end),
        webhook_alert("hook-1", ends=end), webhook_alert("hook-2", ends=end),
    ]


def expected_done(http, smtp):
    def n(key):
        return len(http.received(PATHS[key]))
    return (n("slack-default") >= 2 and n("slack-custom") >= 2 and n("slack-bot") >= 1 and n("slack-retry") >= 1
            and n("pd-v2") >= 2 and n("pd-v1") >= 2 and n("webhook") >= 2 and len(smtp.received()) >= 1)


def run(binary, tag):
    slack_ok = (200, "text/plain; charset=utf-8", "ok")
    http = HttpSink(
        script={PATHS["slack-retry"]: [(500, "text/plain", "internal error"), (500, "text/plain", "internal error")]},
        default={
            PATHS["slack-default"]: slack_ok, PATHS["slack-custom"]: slack_ok, PATHS["slack-retry"]: slack_ok,
            PATHS["slack-bot"]: (200, "application/json; charset=utf-8",
                                 '{"ok":false,"error":"channel_not_found","warning":"missing_charset"}'),
            PATHS["pd-v2"]: (202, "application/json", '{"status":"success","message":"Event processed"}'),
            PATHS["pd-v1"]: (200, "application/json", '{"status":"success","message":"Event processed"}'),
        })
    smtp = SmtpSink()
    d = Daemon(binary, config(http, smtp), extra=["--web.external-url=" + EXTERNAL_URL, "--log.level=debug"],
               name="rx@" + tag)
    out = {"tag": tag}
    try:
        d.start()
        t0 = time.monotonic()
        d.post_alerts(firing_batch())
        # Resolve once the firing notifications are out (group_wait 1s), bounded.
        deadline = t0 + 10
        while time.monotonic() < deadline and not (len(http.received(PATHS["pd-v2"])) >= 1
                                                    and len(http.received(PATHS["pd-v1"])) >= 1
                                                    and len(http.received(PATHS["slack-custom"])) >= 1
                                                    and len(http.received(PATHS["slack-default"])) >= 1):
            time.sleep(0.05)
        time.sleep(0.3)
        d.post_alerts(resolved_batch())
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not expected_done(http, smtp):
            time.sleep(0.1)
        time.sleep(2.5)  # anything extra (a duplicate delivery) would show up in here
        out["http"] = http
        out["smtp"] = smtp.received()
        # slack-bot fails every flush (each group_interval) until the daemon stops: the requests the sink
        # had just before and just after the scrape bound what the scraped failure count may say.
        before = len(http.received(PATHS["slack-bot"]))
        code, body, _ = d.request("GET", "/metrics")
        out["metrics"] = body if code == 200 else ""
        out["bot_requests_at_scrape"] = (before, len(http.received(PATHS["slack-bot"])))
    finally:
        d.stop()
        out["log"] = d.read_log()
        d.cleanup()
        http.close()
        smtp.close()
    return out


# ---------------------------------------------------------------- format checks

def slack_format_errors(b):
    """Slack's incoming-webhook message with legacy attachments, as documented."""
    errs = []
    if not isinstance(b, dict):
        return ["body is not a JSON object"]
    for k in ("channel", "username", "icon_emoji", "icon_url", "text"):
        if k in b and not isinstance(b[k], str):
            errs.append("%s not a string" % k)
    if "link_names" in b and not isinstance(b["link_names"], bool):
        errs.append("link_names not a bool")
    atts = b.get("attachments")
    if not isinstance(atts, list) or not atts:
        return errs + ["attachments not a non-empty list"]
    for a in atts:
        if not isinstance(a, dict):
            errs.append("attachment not an object")
            continue
        for k in ("title", "title_link", "pretext", "text", "fallback", "callback_id", "color", "footer",
                  "image_url", "thumb_url", "author_name"):
            if k in a and not isinstance(a[k], str):
                errs.append("attachment.%s not a string" % k)
        if not a.get("fallback") and not a.get("text"):
            errs.append("attachment has neither text nor fallback")
        if "color" in a and not re.fullmatch(r"good|warning|danger|#[0-9a-fA-F]{6}", a["color"]):
            errs.append("attachment.color %r is not good/warning/danger/#rrggbb" % a["color"])
        if "mrkdwn_in" in a and not (isinstance(a["mrkdwn_in"], list) and all(isinstance(x, str) for x in a["mrkdwn_in"])):
            errs.append("mrkdwn_in not a list of strings")
        for f in a.get("fields", []) if isinstance(a.get("fields", []), list) else [None]:
            if not (isinstance(f, dict) and isinstance(f.get("title", ""), str) and isinstance(f.get("value", ""), str)
                    and isinstance(f.get("short", False), bool)):
                errs.append("bad field %r" % (f,))
        for x in a.get("actions", []) if isinstance(a.get("actions", []), list) else [None]:
            if not (isinstance(x, dict) and isinstance(x.get("type"), str) and isinstance(x.get("text"), str)):
                errs.append("bad action %r" % (x,))
            elif "confirm" in x and not (isinstance(x["confirm"], dict) and isinstance(x["confirm"].get("text"), str)):
                errs.append("bad action confirm %r" % (x,))
    return errs


def pd_v2_format_errors(b, action):
    errs = []
    if not isinstance(b, dict):
        return ["not a JSON object"]
    if not (isinstance(b.get("routing_key"), str) and len(b["routing_key"]) == 32):
        errs.append("routing_key not 32 characters")
    if b.get("event_action") != action:
        errs.append("event_action %r, want %r" % (b.get("event_action"), action))
    if not (isinstance(b.get("dedup_key"), str) and 0 < len(b["dedup_key"]) <= 255):
        errs.append("dedup_key missing or too long")
    p = b.get("payload")
    if not isinstance(p, dict):
        return errs + ["payload not an object"]
    for k in ("summary", "source", "severity"):
        if not (isinstance(p.get(k), str) and p[k]):
            errs.append("payload.%s missing" % k)
    if len(p.get("summary", "")) > 1024:
        errs.append("summary over 1024 characters")
    if p.get("severity") not in ("critical", "error", "warning", "info"):
        errs.append("payload.severity %r" % p.get("severity"))
    for k in ("class", "component", "group"):
        if k in p and not isinstance(p[k], str):
            errs.append("payload.%s not a string" % k)
    if "custom_details" in p and not isinstance(p["custom_details"], dict):
        errs.append("custom_details not an object")
    for x in b.get("links", []):
        if not (isinstance(x, dict) and isinstance(x.get("href"), str)):
            errs.append("bad link %r" % (x,))
    for x in b.get("images", []):
        if not (isinstance(x, dict) and isinstance(x.get("src"), str)):
            errs.append("bad image %r" % (x,))
    return errs


def pd_v1_format_errors(b, action):
    errs = []
    if not isinstance(b, dict):
        return ["not a JSON object"]
    if b.get("service_key") != SERVICE_KEY:
        errs.append("service_key %r" % b.get("service_key"))
    if b.get("event_type") != action:
        errs.append("event_type %r, want %r" % (b.get("event_type"), action))
    if not (isinstance(b.get("incident_key"), str) and b["incident_key"]):
        errs.append("incident_key missing")
    if action == "trigger" and not (isinstance(b.get("description"), str) and b["description"]):
        errs.append("description missing on trigger")
    if "details" in b and not isinstance(b["details"], dict):
        errs.append("details not an object")
    return errs


def without_alert_lists(b, where):
    """The body with the details that render our own alert list wording ('firing', 'resolved') removed."""
    b = json.loads(json.dumps(b))
    d = b
    for k in where:
        d = d.get(k, {}) if isinstance(d, dict) else {}
    if isinstance(d, dict):
        d.pop("firing", None)
        d.pop("resolved", None)
    return b


def show(x):
    return json.dumps(x, sort_keys=True, indent=None)


# ---------------------------------------------------------------- checks

def check_slack(ours, ref, key, statuses):
    p = PATHS[key]
    a = [r.json for r in ours["http"].received(p)]
    b = [r.json for r in ref["http"].received(p)]
    R.check("%s: tocsin sent %d (firing, resolved)" % (key, len(statuses)), len(a) == len(statuses),
            "got %d: %s" % (len(a), show(a)))
    R.check("%s: reference sent %d" % (key, len(statuses)), len(b) == len(statuses), "got %d: %s" % (len(b), show(b)))
    for i, st in enumerate(statuses):
        if i >= len(a) or i >= len(b):
            continue
        errs = slack_format_errors(a[i])
        R.check("%s[%s]: tocsin body in Slack's attachments format" % (key, st), not errs, "%s %s" % (errs, show(a[i])))
        errs = slack_format_errors(b[i])
        R.check("%s[%s]: reference body in Slack's attachments format" % (key, st), not errs, "%s" % errs)
        R.check("%s[%s]: tocsin body == reference body" % (key, st), a[i] == b[i],
                "\n  tocsin:    %s\n  reference: %s" % (show(a[i]), show(b[i])))
        R.check("%s[%s]: Content-Type application/json" % (key, st),
                ours["http"].received(p)[i].headers.get("content-type", "").startswith("application/json"))


def check_slack_custom_content(ours):
    got = [r.json for r in ours["http"].received(PATHS["slack-custom"])]
    if not got:
        return
    b = got[0]
    att = b["attachments"][0]
    ok = (b.get("channel") == "#alerts-storage" and b.get("username") == "tocsin-bot" and b.get("link_names") is True
          and att.get("color") == "danger" and att.get("title") == "[FIRING:2] HighLatency"
          and "web-1:80" in att.get("text", "") and "web-2:80" in att.get("text", "")
          and att.get("mrkdwn_in") == ["text", "pretext", "title"]
          and [f.get("short") for f in att.get("fields", [])] == [True, False]
          and len(att.get("actions", [])) == 2 and att["actions"][1].get("confirm", {}).get("ok_text") == "Yes")
    R.check("slack-custom: custom fields rendered (channel, range over .Alerts, fields/short_fields, actions, "
            "mrkdwn_in, link_names)", ok, show(b))


def check_slack_bot(ours, ref):
    p = PATHS["slack-bot"]
    for res in (ours, ref):
        reqs = res["http"].received(p)
        R.check("slack-bot: %s sent Authorization: Bearer <token>" % res["tag"],
                bool(reqs) and all(r.headers.get("authorization") == "Bearer " + BOT_TOKEN for r in reqs),
                [r.headers.get("authorization") for r in reqs])
        R.check("slack-bot: %s body names the channel" % res["tag"],
                bool(reqs) and reqs[0].json and reqs[0].json.get("channel") == "#no-such-channel")
    a = [r.json for r in ours["http"].received(p)]
    b = [r.json for r in ref["http"].received(p)]
    R.check("slack-bot: tocsin body == reference body", a[:1] == b[:1] and len(a) >= 1,
            "\n  tocsin:    %s\n  reference: %s" % (show(a), show(b)))

    def failed(metrics):
        m = re.search(r'^alertmanager_notifications_failed_total\{integration="slack"\}\s+([0-9.e+]+)$', metrics, re.M)
        return float(m.group(1)) if m else None
    f = failed(ours["metrics"])
    R.check("slack-bot: tocsin alertmanager_notifications_failed_total{integration=\"slack\"} > 0 (got %s)" % f,
            f is not None and f > 0)
    # A failed flush is not logged in the nflog, so each group_interval (2s) flush tries again; an
    # unrecoverable answer must not be retried inside a flush: one request per failed notification.
    # The sink counts a request when it arrives, the daemon its failure once the answer is read, and
    # flushes go on while the metrics are scraped: the count may trail the requests by the one in flight.
    times = [r.time for r in ours["http"].received(p)]
    gaps = [round(y - x, 2) for x, y in zip(times, times[1:])]
    lo, hi = ours["bot_requests_at_scrape"]
    R.check("slack-bot: {ok:false} not retried within a flush (one request per failed notification, %d-%d requests "
            "at the scrape, gaps %s)" % (lo, hi, gaps),
            f is not None and lo - 1 <= f <= hi and all(g >= 1.5 for g in gaps), "failed_total %s" % f)
    errs = [ln for ln in ours["log"].splitlines() if "level=error" in ln and "channel_not_found" in ln]
    if errs:
        print("INFO  tocsin: " + errs[0], flush=True)
    print("INFO  reference 0.25 alertmanager_notifications_failed_total{integration=\"slack\"} = %s "
          "(0.25 takes a 200 {ok:false} for success)" % failed(ref["metrics"]), flush=True)
    R.check("slack-bot: tocsin logs the Slack error", "channel_not_found" in ours["log"],
            ours["log"][-1500:])


def check_retry(ours, ref):
    p = PATHS["slack-retry"]
    for res in (ours, ref):
        st = res["http"].statuses(p)
        R.check("slack-retry: %s answered 500, 500, 200 and delivered once" % res["tag"], st == [500, 500, 200], st)
    a = [r.json for r in ours["http"].received(p)]
    b = [r.json for r in ref["http"].received(p)]
    R.check("slack-retry: tocsin body == reference body", len(a) == 1 and a == b,
            "\n  tocsin:    %s\n  reference: %s" % (show(a), show(b)))
    warn = [ln for ln in ours["log"].splitlines()
            if "level=warn" in ln and "receiver=slack-retry" in ln and "integration=" in ln]
    R.check("slack-retry: tocsin logs a warn line with receiver= and integration=", bool(warn),
            ours["log"][-2000:])
    if warn:
        print("INFO  tocsin: " + warn[0], flush=True)
    refwarn = [ln for ln in ref["log"].splitlines() if "will retry" in ln and "slack-retry" in ln]
    if refwarn:
        print("INFO  reference: " + refwarn[0], flush=True)


def check_pagerduty(ours, ref, key, fmt, where):
    p = PATHS[key]
    a = [r.json for r in ours["http"].received(p)]
    b = [r.json for r in ref["http"].received(p)]
    R.check("%s: tocsin sent trigger then resolve" % key, len(a) == 2, "got %d: %s" % (len(a), show(a)))
    R.check("%s: reference sent trigger then resolve" % key, len(b) == 2, "got %d: %s" % (len(b), show(b)))
    if key == "pd-v1":
        for res in (ours, ref):
            reqs = res["http"].received(p)
            R.check("pd-v1: %s reached events.pagerduty.com through the proxy" % res["tag"],
                    bool(reqs) and all((r.tunneled_host or "").startswith("events.pagerduty.com") for r in reqs),
                    [r.tunneled_host for r in reqs])
    for i, action in enumerate(("trigger", "resolve")):
        if i < len(a):
            errs = fmt(a[i], action)
            R.check("%s[%s]: tocsin body in the documented format" % (key, action), not errs, "%s %s" % (errs, show(a[i])))
        if i < len(b):
            errs = fmt(b[i], action)
            R.check("%s[%s]: reference body in the documented format" % (key, action), not errs, "%s" % errs)
        if i < len(a) and i < len(b):
            x, y = without_alert_lists(a[i], where), without_alert_lists(b[i], where)
            R.check("%s[%s]: tocsin body == reference body (but the firing/resolved details)" % (key, action), x == y,
                    "\n  tocsin:    %s\n  reference: %s" % (show(a[i]), show(b[i])))
            da, db = a[i], b[i]
            for k in where:
                da, db = da.get(k, {}), db.get(k, {})
            if da.get("firing") != db.get("firing") or da.get("resolved") != db.get("resolved"):
                print("INFO  %s[%s] alert list details differ (expected, our own wording):\n  tocsin:    %s\n"
                      "  reference: %s" % (key, action, show({k: da.get(k) for k in ("firing", "resolved")}),
                                           show({k: db.get(k) for k in ("firing", "resolved")})), flush=True)
    dk = "dedup_key" if key == "pd-v2" else "incident_key"
    if len(a) == 2:
        R.check("%s: tocsin %s same for trigger and resolve" % (key, dk), a[0].get(dk) == a[1].get(dk))


def parse_mail(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_email(ours, ref):
    a, b = ours["smtp"], ref["smtp"]
    R.check("email: tocsin delivered 1 message", len(a) == 1, len(a))
    R.check("email: reference delivered 1 message", len(b) == 1, len(b))
    if not a or not b:
        return
    ma, mb = parse_mail(a[0][3]), parse_mail(b[0][3])
    R.check("email: same envelope (MAIL FROM, RCPT TO)", a[0][1:3] == b[0][1:3], "%s vs %s" % (a[0][1:3], b[0][1:3]))
    R.check("email: no parse defects in tocsin's message", not ma.defects and all(not p.defects for p in ma.walk()),
            [str(x) for p in ma.walk() for x in p.defects])
    for h in ("Subject", "From", "To"):
        R.check("email: same %s header (%r)" % (h, str(ma.get(h))), str(ma.get(h)) == str(mb.get(h)),
                "tocsin %r reference %r" % (str(ma.get(h)), str(mb.get(h))))
    for h in ("Message-Id", "Date"):
        R.check("email: tocsin has a %s header" % h, ma.get(h) is not None, list(ma.keys()))
    try:
        R.check("email: tocsin Date parses", email.utils.parsedate_to_datetime(str(ma.get("Date"))) is not None)
    except (TypeError, ValueError) as e:
        R.check("email: tocsin Date parses", False, "%s: %r" % (e, str(ma.get("Date"))))
    R.check("email: tocsin message is multipart/alternative", ma.get_content_type() == "multipart/alternative",
            ma.get_content_type())

    def part(m, ctype):
        for p in m.walk():
            if p.get_content_type() == ctype and not p.is_multipart():
                return p.get_content()
        return None
    ha_names = sorted({k.lower() for k in ma.keys()})
    hb_names = sorted({k.lower() for k in mb.keys()})
    if ha_names != hb_names:
        print("INFO  email header names differ: tocsin %s, reference %s" % (ha_names, hb_names), flush=True)
    R.check("email: tocsin has every header the reference sends",
            set(hb_names) <= set(ha_names), "missing %s" % sorted(set(hb_names) - set(ha_names)))
    ta, tb = part(ma, "text/plain"), part(mb, "text/plain")
    R.check("email: same text part (custom template)", ta is not None and ta == tb,
            "\n  tocsin:    %r\n  reference: %r" % (ta, tb))
    ha, hb = part(ma, "text/html"), part(mb, "text/html")
    R.check("email: reference has an html part", hb is not None)
    R.check("email: tocsin html part is HTML with the alert names", ha is not None and "<html" in ha.lower()
            and "MailAlert" in ha and "mail-1:25" in ha and "mail-2:25" in ha, (ha or "")[:500])


def check_webhook_bytes(ours, ref):
    """The webhook bodies byte for byte (times, which each daemon sets itself, and the notification_reason
    only tocsin sends, aside): key order, escapes of <, >, & and U+2028, the final newline, max_alerts."""
    def norm(body):
        text = body.decode("utf-8", "replace")
        text = re.sub(r'"notification_reason":"[^"]*",', "", text)
        return re.sub(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z', "<time>", text)
    a = [norm(r.body) for r in ours["http"].received(PATHS["webhook"])]
    b = [norm(r.body) for r in ref["http"].received(PATHS["webhook"])]
    R.check("webhook: reference sent firing then resolved", len(b) == 2, "got %d" % len(b))
    R.check("webhook: tocsin body bytes == reference's", a == b, "\n  tocsin:    %r\n  reference: %r" % (a, b))


def check_request_headers(ours, ref):
    """Every HTTP request carries the reference's headers, values included (Go's client sends no Accept and,
    with compression disabled by Prometheus' round tripper, no Accept-Encoding)."""
    for key, path in sorted(PATHS.items()):
        a = ours["http"].received(path)
        b = ref["http"].received(path)
        if not a or not b:
            continue
        skip = ("host", "content-length")
        ha = {k: v for k, v in a[0].headers.items() if k not in skip}
        hb = {k: v for k, v in b[0].headers.items() if k not in skip}
        R.check("%s: request headers == reference's" % key, ha == hb, "\n  tocsin:    %s\n  reference: %s" % (ha, hb))


def main():
    if not os.path.exists(TOCSIN):
        print("tocsin binary %s not found" % TOCSIN)
        R.check("tocsin binary exists", False)
        R.finish()
    t0 = time.monotonic()
    try:
        ours, ref = run_parallel([lambda: run(TOCSIN, "tocsin"), lambda: run(REFERENCE, "reference")])
    except Exception as e:  # noqa: BLE001 - a daemon that does not start is a failure, not a crash
        R.check("both daemons ran the scenario", False, repr(e))
        R.finish()
    print("INFO  both runs took %.1fs" % (time.monotonic() - t0), flush=True)
    check_slack(ours, ref, "slack-default", ["firing", "resolved"])
    check_slack(ours, ref, "slack-custom", ["firing", "resolved"])
    check_slack_custom_content(ours)
    check_slack_bot(ours, ref)
    check_retry(ours, ref)
    check_pagerduty(ours, ref, "pd-v2", pd_v2_format_errors, ("payload", "custom_details"))
    check_pagerduty(ours, ref, "pd-v1", pd_v1_format_errors, ("details",))
    check_email(ours, ref)
    check_request_headers(ours, ref)
    check_webhook_bytes(ours, ref)
    R.finish()


if __name__ == "__main__":
    main()
