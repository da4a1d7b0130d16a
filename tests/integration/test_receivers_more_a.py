"""test_receivers_more_a.py: OpsGenie, VictorOps, Pushover and Telegram receivers end to end, tocsin and
the reference Alertmanager side by side (same config, same alerts, each with its own loopback sink).

For every request both send: method, path, query and headers are compared, and bodies byte for byte
where the config's own templates are rendered (where the default templates are, which tocsin words
differently, the one field that carries the alert list is set aside and the rest compared, key order
included). Each request is checked against the service's documented format: OpsGenie Alert API v2
(create, close by alias, update message / description), VictorOps' REST endpoint, Pushover's messages
API (parameters in the query of a POST, as 0.25 sends them; reached through a CONNECT proxy since its
URL is fixed) and Telegram's sendMessage. Also: retries (OpsGenie 429, 500, then 202; VictorOps and
Pushover 500 then 200; Telegram a 429 {"ok": false} then ok), an OpsGenie 422 that is not retried,
truncation warnings, *_file secrets and send_resolved.
usage: python3 test_receivers_more_a.py <tocsin-binary>"""
import json
import os
import re
import shutil
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, free_port, now_rfc3339, run_parallel  # noqa: E402
from receiver_sinks import self_signed_cert  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

EXTERNAL_URL = "http://alertmanager.example:9093"
OG_KEY = "0d6c9e2a-1b7f-4c3e-9a55-7f1e2d3c4b5a"
OG_FILE_KEY = "5b4c3d2e-f1e7-55a9-e3c4-f7b1a2e9c6d0"
VO_KEY = "vo-api-key-1234"
VO_FILE_KEY = "vo-file-key-5678"
PO_USER = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
PO_TOKENS = {"po-default": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "po-custom": "bzGDORePK8gMaC0QOYAMyEEuzJnyUi",
             "po-retry": "czGDORePK8gMaC0QOYAMyEEuzJnyUi"}
TG_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CHAT_ID = -1001234567890
LONG_NAME = "Very" + "\u00e9" * 300  # 301 runes: beyond OpsGenie's 130 and Pushover's 250
TG_OK = json.dumps({"ok": True, "result": {"message_id": 7, "date": 1700000000,
                                           "chat": {"id": CHAT_ID, "type": "supergroup", "title": "ops"},
                                           "text": "x"}})
OG_OK = '{"result":"Request will be processed","took":0.107,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}'
PO_OK = '{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}'
VO_OK = '{"result":"success","entity_id":"x"}'

OG_MESSAGE = "{{ .CommonLabels.alertname }} is {{ .Status }} on {{ len .Alerts }} <hosts> & " + "m\u00f6re " * 20
CUSTOM = ('{{ .Status }} {{ len .Alerts }} <alert(s)> & "quotes" for {{ .GroupLabels.alertname }}\n'
          '{{ range .Alerts }}- {{ .Labels.instance }}: {{ .Annotations.summary }}\n{{ end }}')

# What each receiver's sink key is (see Sink.key) and which requests belong to it.
KEYS = ["og-default", "og-custom", "og-retry", "og-bad", "vo-default", "vo-custom", "vo-retry",
        "po-default", "po-custom", "po-retry", "tg-default", "tg-custom", "tg-md", "tg-retry", "og-down", "vo-down"]
ONE_SHOT = ("og-retry", "og-bad", "vo-retry", "po-retry", "tg-retry", "og-down", "vo-down")  # one alert, no resolve
DOWN_PORT = free_port()  # nothing listens there: a refused connection


def yq(s):
    """A YAML double-quoted scalar (its value goes into the f-string below as is)."""
    return json.dumps(s)


class Sink:
    """Records every request (method, path with query, headers, body, CONNECT target) and answers from a
    per-key script, then a per-key default. Serves as an HTTP proxy for Pushover (CONNECT then TLS)."""

    def __init__(self, script, default):
        self.script = {k: list(v) for k, v in script.items()}
        self.default = default
        self.requests = []  # dicts, in arrival order
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            tunnel = None

            def do_CONNECT(self):
                cert, key = self_signed_cert()
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.load_cert_chain(cert, key)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                tls = ctx.wrap_socket(self.connection, server_side=True)
                self.connection = tls
                self.rfile = tls.makefile("rb")
                self.wfile = tls.makefile("wb")
                self.tunnel = self.path
                self.close_connection = False

            def handle_any(self):
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(n)
                path, _, query = self.path.partition("?")
                req = {"method": self.command, "target": self.path, "path": path, "query": query,
                       "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                       "tunnel": self.tunnel, "time": time.monotonic()}
                k = Sink.key(req)
                req["key"] = k
                with sink.lock:
                    steps = sink.script.get(k)
                    status, ctype, text = steps.pop(0) if steps else sink.default.get(k, (200, "text/plain", "ok"))
                    req["status"] = status
                    sink.requests.append(req)
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = handle_any

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def key(req):
        if req["path"] == "/1/messages.json":
            token = urllib.parse.parse_qs(req["query"]).get("token", [""])[0]
            for k, t in PO_TOKENS.items():
                if t == token:
                    return k
            return "po-?"
        return req["path"].strip("/").split("/")[0]

    def of(self, key, ok_only=True):
        with self.lock:
            return [r for r in self.requests if r["key"] == key and (not ok_only or r["status"] // 100 == 2)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def config(u, files):
    return f"""
route:
  receiver: og-default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
""" + "".join("    - {matchers: ['rx=\"%s\"'], receiver: %s}\n" % (k, k) for k in KEYS) + f"""
receivers:
  - name: og-default
    opsgenie_configs:
      - api_url: '{u}/og-default/'
        api_key: '{OG_KEY}'
  - name: og-custom
    opsgenie_configs:
      - api_url: '{u}/og-custom?region=eu&tenant=a%20b'
        api_key_file: '{files["og"]}'
        message: {yq(OG_MESSAGE)}
        description: {yq(CUSTOM)}
        source: 'tocsin-{{{{ .CommonLabels.team }}}}'
        details:
          team: 'owner-{{{{ .CommonLabels.team }}}}'
          alertname: 'overridden'
          runbook: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}?a=1&b=<2>'
        entity: '{{{{ .CommonLabels.instance }}}}'
        responders:
          - {{name: 'sre-{{{{ .CommonLabels.team }}}}', type: team}}
          - {{id: '4513b7ea-3b91-438f-b7e4-e3e54af9147c', type: schedule}}
          - {{username: 'oncall@example.org', type: user}}
          - {{name: ' dba, {{{{ .CommonLabels.team }}}} ,,net', type: teams}}
          - {{name: '{{{{ .CommonLabels.nosuchlabel }}}}', type: '{{{{ .CommonLabels.nosuchlabel }}}}'}}
        tags: ' a, b,,c{{{{ .CommonLabels.severity }}}} '
        note: 'note for {{{{ .GroupLabels.alertname }}}}'
        priority: '{{{{ if eq .CommonLabels.severity "critical" }}}}P1{{{{ else }}}}P3{{{{ end }}}}'
        actions: 'restart, page,'
        update_alerts: true
  - name: og-retry
    opsgenie_configs:
      - api_url: '{u}/og-retry/'
        api_key: '{OG_KEY}'
        send_resolved: false
        message: 'retry {{{{ .GroupLabels.alertname }}}}'
        description: 'd'
  - name: og-bad
    opsgenie_configs:
      - api_url: '{u}/og-bad/'
        api_key: '{OG_KEY}'
        send_resolved: false
  - name: vo-default
    victorops_configs:
      - api_url: '{u}/vo-default/'
        api_key: '{VO_KEY}'
        routing_key: 'team-{{{{ .CommonLabels.team }}}}'
  - name: vo-custom
    victorops_configs:
      - api_url: '{u}/vo-custom'
        api_key_file: '{files["vo"]}'
        routing_key: 'ops team?{{{{ .CommonLabels.severity }}}}'
        message_type: '{{{{ .CommonLabels.severity | toUpper }}}}'
        state_message: {yq(CUSTOM)}
        entity_display_name: '{{{{ .GroupLabels.alertname }}}} <{{{{ .Status }}}}>'
        monitoring_tool: 'tocsin & co'
        custom_fields:
          runbook: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}'
          zz_team: '{{{{ .CommonLabels.team }}}}'
          a_count: '{{{{ len .Alerts }}}}'
  - name: vo-retry
    victorops_configs:
      - api_url: '{u}/vo-retry/'
        api_key: '{VO_KEY}'
        routing_key: 'retry'
        message_type: 'bogus'
        state_message: 's'
        send_resolved: false
  - name: po-default
    pushover_configs:
      - user_key: '{PO_USER}'
        token: '{PO_TOKENS["po-default"]}'
        http_config: &proxy
          proxy_url: '{u}'
          tls_config:
            insecure_skip_verify: true
  - name: po-custom
    pushover_configs:
      - user_key: '{PO_USER}'
        token: '{PO_TOKENS["po-custom"]}'
        html: true
        title: '{{{{ .CommonLabels.alertname }}}} {{{{ .Status }}}}'
        message: {yq(CUSTOM + "<b>{{ .CommonLabels.team }}</b> {{ .CommonAnnotations.description }}")}
        url: 'http://runbooks.example/{{{{ .GroupLabels.alertname }}}}?x=1&y=2'
        url_title: 'Runbook for {{{{ .CommonLabels.team }}}}'
        sound: 'siren'
        priority: '{{{{ if eq .Status "firing" }}}}1{{{{ else }}}}-1{{{{ end }}}}'
        retry: 30s
        expire: 2h30m10s
        http_config: *proxy
  - name: po-retry
    pushover_configs:
      - user_key: '{PO_USER}'
        token: '{PO_TOKENS["po-retry"]}'
        message: '  '
        send_resolved: false
        http_config: *proxy
  - name: og-down
    opsgenie_configs:
      - api_url: 'http://127.0.0.1:{DOWN_PORT}/'
        api_key: '{OG_KEY}'
        send_resolved: false
  - name: vo-down
    victorops_configs:
      - api_url: 'http://127.0.0.1:{DOWN_PORT}/'
        api_key: '{VO_KEY}'
        routing_key: 'down'
        send_resolved: false
  - name: tg-default
    telegram_configs:
      - api_url: '{u}/tg-default'
        bot_token: '{TG_TOKEN}'
        chat_id: {CHAT_ID}
  - name: tg-custom
    telegram_configs:
      - api_url: '{u}/tg-custom'
        bot_token: '{TG_TOKEN}'
        chat_id: {CHAT_ID}
        message: {yq(CUSTOM + "<b>{{ .CommonLabels.team }}</b>")}
  - name: tg-md
    telegram_configs:
      - api_url: '{u}/tg-md'
        bot_token: '{TG_TOKEN}'
        chat_id: 42
        parse_mode: MarkdownV2
        disable_notifications: true
        message: {yq(CUSTOM)}
  - name: tg-retry
    telegram_configs:
      - api_url: '{u}/tg-retry'
        bot_token: '{TG_TOKEN}'
        chat_id: {CHAT_ID}
        parse_mode: ''
        message: 'retry {{{{ .GroupLabels.alertname }}}} <&>'
        send_resolved: false
"""


def alert(rx, name, instance, severity="warning", ends=None, **extra):
    a = {"labels": {"alertname": name, "rx": rx, "instance": instance, "severity": severity, "team": "storage"},
         "annotations": {"summary": "%s is bad on <%s> & \u2028 more" % (name, instance),
                         "description": "details of " + name},
         "generatorURL": "http://prometheus.example/graph?g0.expr=up"}
    a["labels"].update(extra)
    if ends is not None:
        a["endsAt"] = ends
    return a


def batch(ends=None):
    out = []
    for k in KEYS:
        name = {"og-custom": "OgCustom", "po-custom": LONG_NAME}.get(k, k.replace("-", "_").title())
        sev = "critical" if k in ("og-custom", "vo-custom") else "warning"
        n = 1 if k in ONE_SHOT else 2
        if ends is not None and k in ONE_SHOT:
            continue
        for i in range(n):
            out.append(alert(k, name, "%s-%d:9100" % (k, i + 1), sev, ends=ends))
    return out


def expected_done(sink):
    def n(k):
        return len(sink.of(k))
    return (all(n(k) >= 2 for k in ("og-default", "vo-default", "vo-custom", "po-default", "po-custom",
                                     "tg-default", "tg-custom", "tg-md"))
            and n("og-custom") >= 4 and n("og-retry") >= 1 and n("vo-retry") >= 1 and n("po-retry") >= 1
            and n("tg-retry") >= 1 and len(sink.of("og-bad", False)) >= 2)


def down_logged(log):
    return all(retry_errors(log, k) for k in ("og-down", "vo-down"))


def run(binary, tag):
    j = "application/json"
    tg_flood = (429, j, '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1",'
                        '"parameters":{"retry_after":1}}')
    script = {"og-retry": [(429, j, '{"message":"rate limited"}'), (500, j, '{"message":"oops"}')],
              "vo-retry": [(500, j, '{"result":"failure"}')], "po-retry": [(500, j, '{"status":0}')],
              "tg-retry": [tg_flood, (502, "text/html", "<html><body>502 Bad Gateway</body></html>")]}
    default = {k: (202, j, OG_OK) for k in KEYS if k.startswith("og")}
    default.update({k: (200, j, VO_OK) for k in KEYS if k.startswith("vo")})
    default.update({k: (200, j, PO_OK) for k in KEYS if k.startswith("po")})
    default.update({k: (200, j, TG_OK) for k in KEYS if k.startswith("tg")})
    default["og-bad"] = (422, j, '{"message":"Request body is not processable","took":0.0,"requestId":"r"}')
    sink = Sink(script, default)
    d = tempfile.mkdtemp(prefix="tocsin-rxa-")
    files = {"og": os.path.join(d, "og.key"), "vo": os.path.join(d, "vo.key")}
    with open(files["og"], "w") as f:
        f.write(OG_FILE_KEY)  # no newline: 0.25 sends an OpsGenie key file's bytes as they are
    with open(files["vo"], "w") as f:
        f.write(" " + VO_FILE_KEY + "\n")
    daemon = Daemon(binary, config(sink.url, files), extra=["--web.external-url=" + EXTERNAL_URL, "--log.level=debug"],
                    name="rxa@" + tag)
    out = {"tag": tag}
    try:
        daemon.start()
        t0 = time.monotonic()
        daemon.post_alerts(batch())
        while time.monotonic() < t0 + 10 and not all(sink.of(k) for k in ("og-default", "og-custom", "vo-default",
                                                                           "vo-custom", "po-default", "po-custom",
                                                                           "tg-default", "tg-custom", "tg-md")):
            time.sleep(0.05)
        time.sleep(0.3)
        daemon.post_alerts(batch(ends=now_rfc3339(-0.5)))
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not (expected_done(sink) and down_logged(daemon.read_log())):
            time.sleep(0.1)
        time.sleep(2.5)  # a duplicate delivery would show up in here
        out["sink"] = sink
    finally:
        daemon.stop()
        out["log"] = daemon.read_log()
        if os.environ.get("RXA_LOG_DIR"):  # keep the daemons' logs for a look after a failure
            with open(os.path.join(os.environ["RXA_LOG_DIR"], tag + ".log"), "w") as f:
                f.write(out["log"])
        daemon.cleanup()
        sink.close()
        shutil.rmtree(d, ignore_errors=True)
    return out


# ---------------------------------------------------------------- helpers

def show(x):
    if isinstance(x, bytes):
        x = x.decode("utf-8", "replace")
    return x if isinstance(x, str) else json.dumps(x, sort_keys=True)


def pairs(body):
    """A JSON object's (key, value) pairs in the order written."""
    return json.loads(body, object_pairs_hook=lambda p: p)


def without(body, field):
    """The JSON body's pairs, in order, with one top-level key's value replaced."""
    p = pairs(body)
    return [(k, "<default text>" if k == field else v) for k, v in p]


def query_without(q, field):
    return [(k, "<default text>" if k == field else v) for k, v in urllib.parse.parse_qsl(q, keep_blank_values=True)]


def compare_requests(key, ours, ref, default_field=None, in_query=False, headers=True, first=None):
    """Every request of `key` (status 2xx and not) sent by both: same count, method, path, query, headers
    and body (bytes, or with the default-template field set aside). With `first`, only that many (a
    receiver that fails at each flush sends as many as the run had flushes)."""
    a, b = ours["sink"].of(key, False)[:first], ref["sink"].of(key, False)[:first]
    R.check("%s: tocsin sent as many requests as the reference (%d)" % (key, len(b)), len(a) == len(b) and a,
            "tocsin %s reference %s" % ([(r["method"], r["target"][:80]) for r in a],
                                        [(r["method"], r["target"][:80]) for r in b]))
    for i, (x, y) in enumerate(zip(a, b)):
        tag = "%s[%d %s]" % (key, i, x["method"])
        if in_query and default_field:
            same_target = x["path"] == y["path"] and query_without(x["query"], default_field) == \
                query_without(y["query"], default_field)
        else:
            same_target = x["target"] == y["target"]
        R.check("%s: method, path and query == reference's" % tag, x["method"] == y["method"] and same_target,
                "\n  tocsin:    %s %s\n  reference: %s %s" % (x["method"], x["target"], y["method"], y["target"]))
        if default_field and not in_query:
            same = without(x["body"], default_field) == without(y["body"], default_field)
            R.check("%s: body == reference's (key order included; %s aside)" % (tag, default_field), same,
                    "\n  tocsin:    %s\n  reference: %s" % (show(x["body"]), show(y["body"])))
            R.check("%s: body ends with a newline as Go's encoder writes it" % tag,
                    x["body"].endswith(b"}\n") == y["body"].endswith(b"}\n"))
        else:
            R.check("%s: body bytes == reference's" % tag, x["body"] == y["body"],
                    "\n  tocsin:    %r\n  reference: %r" % (x["body"], y["body"]))
        if headers:
            ha = {k: v for k, v in x["headers"].items() if k not in ("host",) and not (k == "content-length"
                                                                                       and default_field)}
            hb = {k: v for k, v in y["headers"].items() if k not in ("host",) and not (k == "content-length"
                                                                                       and default_field)}
            R.check("%s: request headers == reference's" % tag, ha == hb,
                    "\n  tocsin:    %s\n  reference: %s" % (ha, hb))
    return a, b


def log_has(log, *words):
    return [ln for ln in log.splitlines() if all(w in ln for w in words)]


# ---------------------------------------------------------------- OpsGenie

def og_format_errors(r):
    errs = []
    if r["headers"].get("content-type") != "application/json":
        errs.append("content-type %r" % r["headers"].get("content-type"))
    auth = r["headers"].get("authorization", "")
    if not re.fullmatch(r"GenieKey [0-9a-f-]{36}", auth):
        errs.append("authorization %r" % auth)
    try:
        b = json.loads(r["body"])
    except ValueError:
        return errs + ["body not JSON"]
    m = re.fullmatch(r"/[^/]+/v2/alerts(?:/([0-9a-f]{64})/(close|message|description))?", r["path"])
    if not m:
        return errs + ["path %r" % r["path"]]
    q = urllib.parse.parse_qs(r["query"])
    if m.group(2) is None:
        if r["method"] != "POST":
            errs.append("create with %s" % r["method"])
        if not (isinstance(b.get("message"), str) and 0 < len(b["message"]) <= 130):
            errs.append("message missing or over 130 characters")
        if not (isinstance(b.get("alias"), str) and len(b["alias"]) <= 512):
            errs.append("alias")
        if len(b.get("description", "")) > 15000:
            errs.append("description over 15000")
        details = b.get("details", {})
        if not (isinstance(details, dict) and all(isinstance(v, str) for v in details.values())):
            errs.append("details not a map of strings")
        if len(b.get("source", "")) > 100:
            errs.append("source over 100")
        for x in b.get("responders", []):
            if x.get("type") not in ("team", "user", "escalation", "schedule") or not (x.get("id") or x.get("name")
                                                                                        or x.get("username")):
                errs.append("responder %r" % x)
        for k in ("tags", "actions"):
            if k in b and not (isinstance(b[k], list) and all(isinstance(t, str) and t for t in b[k])):
                errs.append("%s not a list of strings" % k)
        if "priority" in b and b["priority"] not in ("P1", "P2", "P3", "P4", "P5"):
            errs.append("priority %r" % b["priority"])
    else:
        if q.get("identifierType") != ["alias"]:
            errs.append("identifierType %r" % q.get("identifierType"))
        want = "POST" if m.group(2) == "close" else "PUT"
        if r["method"] != want:
            errs.append("%s with %s" % (m.group(2), r["method"]))
        allowed = {"close": {"source", "user", "note"}, "message": {"message"}, "description": {"description"}}
        if not set(b) <= allowed[m.group(2)]:
            errs.append("unexpected keys %s" % sorted(set(b) - allowed[m.group(2)]))
    return errs


def check_opsgenie(ours, ref):
    a, b = compare_requests("og-default", ours, ref, default_field="description")
    for res, reqs in (("tocsin", a), ("reference", b)):
        R.check("og-default: %s sent create then close" % res,
                [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in reqs] == [("POST", "alerts"), ("POST", "close")],
                [(r["method"], r["target"]) for r in reqs])
    for r in a + ours["sink"].of("og-custom", False) + ours["sink"].of("og-retry", False):
        errs = og_format_errors(r)
        R.check("%s %s %s: tocsin request in OpsGenie's documented format" % (r["key"], r["method"], r["path"][-40:]),
                not errs, "%s %s" % (errs, show(r["body"])))
    if a:
        R.check("og-default: alias is the SHA-256 of the group key, same on close",
                json.loads(a[0]["body"])["alias"] in a[-1]["path"], a[-1]["path"])
    a, b = compare_requests("og-custom", ours, ref)
    shape = [(r["method"], r["target"].split("/v2/alerts")[-1][:8] + r["target"][-30:]) for r in a]
    R.check("og-custom: create, update message, update description, close (with the api_url's query kept)",
            [r["method"] for r in a] == ["POST", "PUT", "PUT", "POST"] and all("region=eu" in r["query"] for r in a),
            shape)
    if a:
        c = json.loads(a[0]["body"])
        R.check("og-custom: key file read, message cut to 130 runes, teams expanded, empty responder dropped",
                a[0]["headers"].get("authorization") == "GenieKey " + OG_FILE_KEY and len(c["message"]) == 130
                and c["message"].endswith("\u2026") and [x.get("name") for x in c["responders"]]
                == ["sre-storage", None, None, "dba", " storage ", "net"], show(c))
    for res in (ours, ref):
        R.check("og-custom: %s logs the truncation warning" % res["tag"],
                bool(log_has(res["log"], "level=warn", "Truncated message", "max_runes=130")),
                res["log"][-1500:])
    a, b = compare_requests("og-retry", ours, ref)
    for res in (ours, ref):
        st = [r["status"] for r in res["sink"].of("og-retry", False)]
        R.check("og-retry: %s answered 429, 500, 202 and delivered once" % res["tag"], st == [429, 500, 202], st)
    for res in (ours, ref):
        # One attempt a flush (group_interval 2s; a first flush that went out late shortens the first gap);
        # a retry would follow within the retry backoff's first interval (0.25-0.75 s).
        reqs = res["sink"].of("og-bad", False)
        times = [r["time"] for r in reqs]
        gaps = [round(y - x, 2) for x, y in zip(times, times[1:])]
        R.check("og-bad: %s does not retry a 422 inside a flush (%d requests, gaps %s)"
                % (res["tag"], len(reqs), gaps), len(reqs) >= 2 and all(g >= 0.9 for g in gaps))
    compare_requests("og-bad", ours, ref, default_field="description", first=2)
    errs = log_has(ours["log"], "level=error", "og-bad", "422")
    R.check("og-bad: tocsin logs the 422 with OpsGenie's answer", bool(errs) and "not processable" in errs[0],
            ours["log"][-1500:])
    if errs:
        print("INFO  tocsin: " + errs[0], flush=True)


# ---------------------------------------------------------------- VictorOps

def vo_format_errors(r, resolved):
    errs = []
    if r["method"] != "POST" or r["headers"].get("content-type") != "application/json":
        errs.append("not a JSON POST")
    try:
        b = json.loads(r["body"])
    except ValueError:
        return errs + ["body not JSON"]
    if not all(isinstance(v, str) for v in b.values()):
        errs.append("a value is not a string")
    want = ("RECOVERY",) if resolved else ("CRITICAL", "WARNING", "INFO")
    if b.get("message_type") not in want:
        errs.append("message_type %r" % b.get("message_type"))
    if not b.get("entity_id"):
        errs.append("entity_id missing")
    if len(b.get("state_message", "")) > 20480:
        errs.append("state_message over 20480")
    return errs


def check_victorops(ours, ref):
    a, _ = compare_requests("vo-default", ours, ref, default_field="state_message")
    for i, r in enumerate(a):
        R.check("vo-default[%d]: path is api_url + api_key/routing_key" % i,
                r["path"] == "/vo-default/%s/team-storage" % VO_KEY, r["path"])
    a, _ = compare_requests("vo-custom", ours, ref)
    for k in ("vo-default", "vo-custom", "vo-retry"):
        for i, r in enumerate(ours["sink"].of(k)):
            errs = vo_format_errors(r, resolved=(i == 1))
            R.check("%s[%d]: tocsin body in VictorOps' REST format" % (k, i), not errs,
                    "%s %s" % (errs, show(r["body"])))
    if a:
        b = json.loads(a[0]["body"])
        R.check("vo-custom: file key trimmed, routing key path-escaped, message_type from a template, custom fields",
                a[0]["path"] == "/vo-custom/%s/ops%%20team%%3Fcritical" % VO_FILE_KEY
                and b.get("message_type") == "CRITICAL" and b.get("a_count") == "2" and b.get("zz_team") == "storage",
                "%s %s" % (a[0]["target"], show(b)))
    a, _ = compare_requests("vo-retry", ours, ref)
    for res in (ours, ref):
        st = [r["status"] for r in res["sink"].of("vo-retry", False)]
        R.check("vo-retry: %s answered 500, 200 and delivered once" % res["tag"], st == [500, 200], st)
    if a:
        R.check("vo-retry: an unknown message_type goes out as CRITICAL",
                json.loads(a[-1]["body"]).get("message_type") == "CRITICAL")


# ---------------------------------------------------------------- Pushover

def po_format_errors(r, firing):
    errs = []
    if r["method"] != "POST" or not (r["tunnel"] or "").startswith("api.pushover.net"):
        errs.append("not a POST to api.pushover.net (%s %s)" % (r["method"], r["tunnel"]))
    q = dict(urllib.parse.parse_qsl(r["query"], keep_blank_values=True))
    for k in ("token", "user"):
        if not re.fullmatch(r"[A-Za-z0-9]{30}", q.get(k, "")):
            errs.append("%s not 30 letters and digits" % k)
    if not (0 < len(q.get("message", "")) <= 1024):
        errs.append("message empty or over 1024")
    if len(q.get("title", "")) > 250 or len(q.get("url", "")) > 512 or len(q.get("url_title", "")) > 100:
        errs.append("title, url or url_title over its limit")
    try:
        p = int(q.get("priority", "0"))
    except ValueError:
        p = 99
    if not -2 <= p <= 2:
        errs.append("priority %r" % q.get("priority"))
    if p == 2 and not (int(q.get("retry", "0")) >= 30 and int(q.get("expire", "0")) <= 10800):
        errs.append("emergency priority without retry >= 30 and expire <= 10800")
    if "html" in q and q["html"] != "1":
        errs.append("html %r" % q["html"])
    if r["body"]:
        errs.append("a body besides the query")
    return errs


def check_pushover(ours, ref):
    compare_requests("po-default", ours, ref, default_field="message", in_query=True)
    a, _ = compare_requests("po-custom", ours, ref)
    for k in ("po-default", "po-custom", "po-retry"):
        for i, r in enumerate(ours["sink"].of(k)):
            errs = po_format_errors(r, i == 0)
            R.check("%s[%d]: tocsin request in Pushover's documented format" % (k, i), not errs,
                    "%s %s" % (errs, r["target"][:300]))
    if a:
        q = dict(urllib.parse.parse_qsl(a[0]["query"]))
        R.check("po-custom: title cut to 250 runes, html=1 with an escaped message, retry/expire in seconds",
                len(q.get("title", "")) == 250 and q.get("html") == "1"
                and "&lt;po-custom-1:9100&gt;" in q.get("message", "")
                and q.get("retry") == "30" and q.get("expire") == "9010", show(q))
    for res in (ours, ref):
        R.check("po-custom: %s logs the title truncation warning" % res["tag"],
                bool(log_has(res["log"], "level=warn", "Truncated title", "max_runes=250")), res["log"][-1500:])
    a, _ = compare_requests("po-retry", ours, ref)
    for res in (ours, ref):
        st = [r["status"] for r in res["sink"].of("po-retry", False)]
        R.check("po-retry: %s answered 500, 200 and delivered once" % res["tag"], st == [500, 200], st)
    if a:
        q = dict(urllib.parse.parse_qsl(a[-1]["query"]))
        R.check("po-retry: a blank message goes out as '(no details)'", q.get("message") == "(no details)", show(q))
    leaks = [ln for ln in ours["log"].splitlines() if PO_TOKENS["po-retry"] in ln]
    R.check("po-retry: tocsin never logs the token", not leaks, leaks[:1])


# ---------------------------------------------------------------- Telegram

def tg_format_errors(r):
    errs = []
    if r["method"] != "POST" or r["headers"].get("content-type") != "application/json":
        errs.append("not a JSON POST")
    if not re.fullmatch(r"/[a-z-]+/bot\d+:[A-Za-z0-9_-]+/sendMessage", r["path"]):
        errs.append("path %r" % r["path"])
    try:
        b = json.loads(r["body"])
    except ValueError:
        return errs + ["body not JSON"]
    if not re.fullmatch(r"-?\d+", str(b.get("chat_id", ""))):
        errs.append("chat_id %r" % b.get("chat_id"))
    if not (isinstance(b.get("text"), str) and 0 < len(b["text"]) <= 4096):
        errs.append("text empty or over 4096")
    if b.get("parse_mode", "HTML") not in ("HTML", "Markdown", "MarkdownV2"):
        errs.append("parse_mode %r" % b.get("parse_mode"))
    for k in ("disable_notification", "disable_web_page_preview"):
        if k in b and b[k] not in (True, False, "true", "false"):
            errs.append("%s %r" % (k, b[k]))
    return errs


def check_telegram(ours, ref):
    compare_requests("tg-default", ours, ref, default_field="text")
    a, _ = compare_requests("tg-custom", ours, ref)
    if a:
        t = json.loads(a[0]["body"]).get("text", "")
        R.check("tg-custom: HTML parse mode escapes what the template prints", "&lt;" in t and "<b>storage</b>" in t, t)
    compare_requests("tg-md", ours, ref)
    a, _ = compare_requests("tg-retry", ours, ref)
    for k in ("tg-default", "tg-custom", "tg-md", "tg-retry"):
        for i, r in enumerate(ours["sink"].of(k)):
            errs = tg_format_errors(r)
            R.check("%s[%d]: tocsin request in Telegram's sendMessage format" % (k, i), not errs,
                    "%s %s" % (errs, show(r["body"])))
    for res in (ours, ref):
        st = [r["status"] for r in res["sink"].of("tg-retry", False)]
        R.check("tg-retry: %s retried after a 429 {ok: false} and a 502 HTML page, delivered once" % res["tag"],
                st == [429, 502, 200], st)
    leaks = [ln for ln in ours["log"].splitlines() if TG_TOKEN in ln]
    R.check("tg-retry: tocsin never logs the bot token", not leaks, leaks[:1])


def retry_errors(log, receiver):
    return [m.group(1) for ln in log.splitlines() if "will retry" in ln and "receiver=%s " % receiver in ln
            for m in [re.search(r' err="((?:[^"\\]|\\.)*)"', ln)] if m]


def check_error_texts(ours, ref):
    """The error each failed attempt logs reads as the reference's (status, the service's answer)."""
    for k in ("og-retry", "vo-retry", "po-retry", "tg-retry"):
        a, b = retry_errors(ours["log"], k), retry_errors(ref["log"], k)
        R.check("%s: tocsin's failed-attempt errors == reference's %s" % (k, b), a == b and b, "tocsin %s" % a)
    for k in ("og-down", "vo-down"):
        a, b = retry_errors(ours["log"], k)[:1], retry_errors(ref["log"], k)[:1]
        R.check("%s: tocsin's error for a refused connection == reference's %s" % (k, b), a == b and b, "tocsin %s" % a)


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
    check_opsgenie(ours, ref)
    check_victorops(ours, ref)
    check_pushover(ours, ref)
    check_telegram(ours, ref)
    check_error_texts(ours, ref)
    R.finish()


if __name__ == "__main__":
    main()
