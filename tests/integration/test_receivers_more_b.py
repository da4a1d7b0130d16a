"""test_receivers_more_b.py: Discord, Webex, WeChat and SNS receivers end to end, tocsin and the reference
Alertmanager side by side (same config, same alerts, each with its own loopback sink).

For every request both send: method, path, query, headers and body are compared (bodies byte for byte
where the config's own templates are rendered; where the default templates are, which are worded
differently, the fields that do not carry the alert list), and each body is checked against the
service's documented format (Discord's execute-webhook JSON and embed limits, Webex's create-message
JSON, WeChat Work's message/send JSON and gettoken query, SNS's Publish form). SNS requests are signed
with AWS Signature Version 4: both daemons' signatures are recomputed here with hmac/hashlib. Also:
retries (Discord 500, 500, 200; Webex 500, 200; SNS 500 then 200 inside one send, the AWS SDK's own
retry), WeChat's token cache and re-fetch on code 42001, Webex's byte truncation, SNS's SMS
truncation, send_resolved, failures not retried within a flush (Discord 400, SNS 400 with an AWS
error, WeChat without a token) with the reference's error text, and the one known difference:
Discord titles beyond 256 characters, which 0.25 sends whole (and Discord refuses) and tocsin cuts.
usage: python3 test_receivers_more_b.py <tocsin-binary>"""
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, now_rfc3339, run_parallel  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

EXTERNAL_URL = "http://alertmanager.example:9093"
WEBEX_TOKEN = "webex-bot-token-0123456789"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "eu-west-1"
LONG = "x" + "\u00e9" * 4000  # 8001 bytes, 4001 runes: beyond SMS's 1600 bytes and Discord's 256 characters
# Beyond Webex's 7439 bytes with more than 7436 runes: the reference's TruncateInBytes slices the runes
# at 7436 and panics (the whole process exits) on a text with fewer, so none is sent to it.
WEBEX_LONG = "x" * 7001 + "\u00e9" * 600
P = {
    "discord-default": "/api/webhooks/1/default-token",
    "discord-custom": "/api/webhooks/2/custom-token",
    "discord-retry": "/api/webhooks/3/retry-token",
    "discord-long": "/api/webhooks/4/long-token",
    "discord-400": "/api/webhooks/5/bad-token",
    "webex-default": "/webex/default/v1/messages",
    "webex-custom": "/webex/custom/v1/messages",
    "webex-long": "/webex/long/v1/messages",
    "webex-retry": "/webex/retry/v1/messages",
    "sns-topic": "/sns/topic/",
    "sns-sms": "/sns/sms/",
    "sns-fifo": "/sns/fifo/",
    "sns-retry": "/sns/retry/",
    "sns-400": "/sns/bad/",
}
WECHAT = ("wx-text", "wx-md", "wx-retry", "wx-bad")
for w in WECHAT:
    P[w + "-token"] = "/%s/cgi-bin/gettoken" % w
    P[w + "-send"] = "/%s/cgi-bin/message/send" % w

CUSTOM_MESSAGE = ('{{ .Status }} {{ len .Alerts }} <alert(s)> & "quotes" for {{ .GroupLabels.alertname }}\n'
                  '{{ range .Alerts }}- {{ .Labels.instance }}: {{ .Annotations.summary }}\n{{ end }}')


def yq(s):
    """A YAML double-quoted scalar."""
    return json.dumps(s)


def config(u):
    return f"""
route:
  receiver: discord-default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
{"".join("    - {matchers: ['rx=%s'], receiver: %s}%s" % (yq(k), k, chr(10)) for k in
         ["discord-custom", "discord-retry", "discord-long", "discord-400", "webex-default", "webex-custom",
          "webex-long", "webex-retry", "wx-text", "wx-md", "wx-retry", "wx-bad", "sns-topic", "sns-sms", "sns-fifo",
          "sns-retry", "sns-400"])}
receivers:
  - name: discord-default
    discord_configs:
      - webhook_url: '{u}{P["discord-default"]}'
  - name: discord-custom
    discord_configs:
      - webhook_url: '{u}{P["discord-custom"]}'
        title: '[{{{{ .Status | toUpper }}}}] {{{{ .CommonLabels.alertname }}}} <b>{{{{ .CommonAnnotations.odd }}}}'
        message: {yq(CUSTOM_MESSAGE)}
  - name: discord-retry
    discord_configs:
      - webhook_url: '{u}{P["discord-retry"]}'
        send_resolved: false
        title: 'retry {{{{ .GroupLabels.alertname }}}}'
        message: {yq(CUSTOM_MESSAGE)}
  - name: discord-long
    discord_configs:
      - webhook_url: '{u}{P["discord-long"]}'
        send_resolved: false
        title: '{{{{ .CommonAnnotations.long }}}}'
        message: 'short'
  - name: discord-400
    discord_configs:
      - webhook_url: '{u}{P["discord-400"]}'
        send_resolved: false
  - name: webex-default
    webex_configs:
      - api_url: '{u}{P["webex-default"]}'
        room_id: 'room-default'
        http_config:
          authorization:
            credentials: '{WEBEX_TOKEN}'
  - name: webex-custom
    webex_configs:
      - api_url: '{u}{P["webex-custom"]}'
        room_id: 'room-custom'
        message: {yq(CUSTOM_MESSAGE)}
        http_config:
          authorization:
            type: Token
            credentials: '{WEBEX_TOKEN}'
  - name: webex-long
    webex_configs:
      - api_url: '{u}{P["webex-long"]}'
        room_id: 'room-long'
        send_resolved: false
        message: '{{{{ .CommonAnnotations.long }}}}'
        http_config:
          authorization:
            credentials: '{WEBEX_TOKEN}'
  - name: webex-retry
    webex_configs:
      - api_url: '{u}{P["webex-retry"]}'
        room_id: 'room-retry'
        send_resolved: false
        message: {yq(CUSTOM_MESSAGE)}
        http_config:
          authorization:
            credentials: '{WEBEX_TOKEN}'
  - name: wx-text
    wechat_configs:
      - api_url: '{u}/wx-text/cgi-bin/'
        corp_id: 'ww-corp & co'
        api_secret: 'secret/with+chars'
        agent_id: '1000002'
        to_party: '2'
        message: {yq(CUSTOM_MESSAGE)}
  - name: wx-md
    wechat_configs:
      - api_url: '{u}/wx-md/cgi-bin/'
        corp_id: 'ww-md'
        api_secret: 'md-secret'
        agent_id: '{{{{ .CommonLabels.agent }}}}'
        to_user: '@all'
        to_tag: 'tag-{{{{ .GroupLabels.alertname }}}}'
        message_type: markdown
        send_resolved: true
        message: {yq(CUSTOM_MESSAGE)}
  - name: wx-retry
    wechat_configs:
      - api_url: '{u}/wx-retry/cgi-bin/'
        corp_id: 'ww-retry'
        api_secret: 'retry-secret'
        to_user: 'ops'
  - name: wx-bad
    wechat_configs:
      - api_url: '{u}/wx-bad/cgi-bin/'
        corp_id: 'ww-bad'
        api_secret: 'wrong'
        to_user: 'ops'
  - name: sns-topic
    sns_configs:
      - api_url: '{u}{P["sns-topic"]}'
        sigv4: {{region: {REGION}, access_key: {ACCESS_KEY}, secret_key: '{SECRET_KEY}'}}
        topic_arn: 'arn:aws:sns:{REGION}:123456789012:alerts'
        subject: '[{{{{ .Status | toUpper }}}}] {{{{ .CommonLabels.alertname }}}} & co'
        message: {yq(CUSTOM_MESSAGE)}
        attributes:
          severity: '{{{{ .CommonLabels.severity }}}}'
          status: '{{{{ .Status }}}}'
          'a key with spaces': 'v/a+l=u&e'
  - name: sns-sms
    sns_configs:
      - api_url: '{u}{P["sns-sms"]}'
        sigv4: {{region: {REGION}, access_key: {ACCESS_KEY}, secret_key: '{SECRET_KEY}'}}
        phone_number: '+15555550123'
        send_resolved: false
        message: '{{{{ .CommonAnnotations.long }}}}'
  - name: sns-fifo
    sns_configs:
      - api_url: '{u}{P["sns-fifo"]}'
        sigv4: {{region: {REGION}, access_key: {ACCESS_KEY}, secret_key: '{SECRET_KEY}'}}
        topic_arn: 'arn:aws:sns:{REGION}:123456789012:alerts.fifo'
  - name: sns-retry
    sns_configs:
      - api_url: '{u}{P["sns-retry"]}'
        sigv4: {{region: {REGION}, access_key: {ACCESS_KEY}, secret_key: '{SECRET_KEY}'}}
        target_arn: 'arn:aws:sns:{REGION}:123456789012:endpoint/GCM/app/0123'
        send_resolved: false
        message: {yq(CUSTOM_MESSAGE)}
  - name: sns-400
    sns_configs:
      - api_url: '{u}{P["sns-400"]}'
        sigv4: {{region: {REGION}, access_key: {ACCESS_KEY}, secret_key: '{SECRET_KEY}'}}
        topic_arn: 'arn:aws:sns:{REGION}:123456789012:missing'
        send_resolved: false
"""


SNS_OK = (200, "text/xml", '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
          '<MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult><ResponseMetadata>'
          '<RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata></PublishResponse>')
SNS_400 = (400, "text/xml", '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender'
           '</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>y</RequestId>'
           '</ErrorResponse>')
SNS_500 = (500, "text/xml", '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver'
           '</Type><Code>InternalError</Code><Message>try again</Message></Error><RequestId>x</RequestId>'
           '</ErrorResponse>')
WX_OK = (200, "application/json; charset=UTF-8", '{"errcode":0,"errmsg":"ok"}')


class Req:
    def __init__(self, method, target, headers, body):
        self.time = time.monotonic()
        self.method = method
        u = urllib.parse.urlsplit(target)
        self.path = u.path
        self.query = u.query
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None


class Sink:
    """Records GETs and POSTs; answers from a per-path script, then a per-path default."""

    def __init__(self, script, default):
        self.script = {k: list(v) for k, v in script.items()}
        self.default = default
        self.log = []  # (Req, status)
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(n)
                req = Req(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with sink.lock:
                    steps = sink.script.get(req.path)
                    answer = steps.pop(0) if steps else sink.default.get(req.path, (200, "text/plain", "ok"))
                    status, ctype, text = answer
                    sink.log.append((req, status))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = handle_any

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 128
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a daemon closing its keep-alive connections at exit

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def all(self, path):
        with self.lock:
            return [r for r, _ in self.log if r.path == path]

    def ok(self, path):
        with self.lock:
            return [r for r, st in self.log if r.path == path and st // 100 == 2]

    def statuses(self, path):
        with self.lock:
            return [st for r, st in self.log if r.path == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def alert(rx, name, instance, ends=None, **extra):
    a = {"labels": {"alertname": name, "rx": rx, "instance": instance, "severity": "critical", "agent": "1000007"},
         "annotations": {"summary": "%s <down> & out on %s" % (name, instance),
                         "odd": "\u2028\u2029\b\f\t\x01\x7f\u00e9"},  # what encoding/json escapes, or not
         "generatorURL": "http://prometheus.example/graph?g0.expr=up"}
    a["annotations"].update(extra)
    if ends is not None:
        a["endsAt"] = ends
    return a


def batch(ends=None):
    out = []
    for rx in ("discord-default", "discord-custom", "webex-default", "webex-custom", "wx-md", "sns-topic", "sns-fifo"):
        name = "".join(p.capitalize() for p in rx.split("-"))
        out += [alert(rx, name, "host-1:9100", ends), alert(rx, name, "host-2:9100", ends)]
    if ends is None:
        for rx in ("discord-retry", "discord-400", "webex-retry", "wx-text", "wx-retry", "wx-bad", "sns-retry",
                   "sns-400"):
            out.append(alert(rx, "".join(p.capitalize() for p in rx.split("-")), "host-1:9100"))
        for rx in ("discord-long", "webex-long", "sns-sms"):
            out.append(alert(rx, "".join(p.capitalize() for p in rx.split("-")), "host-1:9100",
                             long=WEBEX_LONG if rx == "webex-long" else LONG))
    return out


# Delivered (2xx) requests each path must end with: firing, and resolved where send_resolved holds.
EXPECTED = {
    "discord-default": 2, "discord-custom": 2, "discord-retry": 1, "discord-long": 1,
    "webex-default": 2, "webex-custom": 2, "webex-long": 1, "webex-retry": 1,
    "wx-text-token": 1, "wx-text-send": 1, "wx-md-token": 1, "wx-md-send": 2, "wx-retry-token": 2, "wx-retry-send": 2,
    "sns-topic": 2, "sns-sms": 1, "sns-fifo": 2, "sns-retry": 1,
}
FIRING_ONLY = {k: 1 for k in EXPECTED}


def done(sink, want):
    return all(len(sink.ok(P[k])) >= n for k, n in want.items())


def run(binary, tag):
    script = {
        P["discord-retry"]: [(500, "text/plain", "oops"), (500, "text/plain", "oops")],
        P["webex-retry"]: [(500, "application/json", '{"message":"try later"}')],
        P["sns-retry"]: [SNS_500],
        P["wx-retry-token"]: [(200, "application/json", '{"errcode":0,"access_token":"tok-a","expires_in":7200}'),
                              (200, "application/json", '{"errcode":0,"access_token":"tok-b","expires_in":7200}')],
        P["wx-retry-send"]: [(200, "application/json", '{"code":42001,"error":"access_token expired"}')],
    }
    default = {P[k]: SNS_OK for k in ("sns-topic", "sns-sms", "sns-fifo", "sns-retry")}
    default[P["sns-400"]] = SNS_400
    default[P["wx-bad-token"]] = (200, "application/json", '{"errcode":40001,"errmsg":"invalid credential"}')
    default[P["discord-400"]] = (400, "application/json", '{"message": "Cannot send an empty message", "code": 50006}')
    for w in WECHAT:
        token = '{"errcode":0,"errmsg":"ok","access_token":"tok-%s","expires_in":7200}' % w
        default.setdefault(P[w + "-token"], (200, "application/json", token))
        default.setdefault(P[w + "-send"], WX_OK)
    sink = Sink(script, default)
    d = Daemon(binary, config(sink.url), extra=["--web.external-url=" + EXTERNAL_URL, "--log.level=debug"],
               name="rxb@" + tag)
    out = {"tag": tag}
    try:
        d.start()
        d.post_alerts(batch())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not done(sink, FIRING_ONLY):
            time.sleep(0.05)
        time.sleep(0.3)
        d.post_alerts(batch(ends=now_rfc3339(-0.5)))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not done(sink, EXPECTED):
            time.sleep(0.1)
        time.sleep(2.5)  # a duplicate or an extra resolved notification would show up in here
        out["sink"] = sink
    finally:
        d.stop()
        out["log"] = d.read_log()
        d.cleanup()
        sink.close()
    return out


def show(x):
    return json.dumps(x, sort_keys=True, ensure_ascii=False)[:3000]


def short(b):
    return repr(b[:1500])


# ---------------------------------------------------------------- format checks

def discord_format_errors(b):
    """Discord's Execute Webhook JSON: content (<= 2000 characters) and/or embeds (<= 10), an embed's
    title <= 256 and description <= 4096 characters, color an integer 0..0xFFFFFF."""
    if not isinstance(b, dict):
        return ["not a JSON object"]
    errs = []
    if not isinstance(b.get("content"), str) or len(b["content"]) > 2000:
        errs.append("content not a string of at most 2000 characters")
    embeds = b.get("embeds")
    if not isinstance(embeds, list) or not 1 <= len(embeds) <= 10:
        return errs + ["embeds not a list of 1..10"]
    for e in embeds:
        if not isinstance(e.get("title"), str) or len(e["title"]) > 256:
            errs.append("embed title not a string of at most 256 characters (%d)" % len(e.get("title") or ""))
        if not isinstance(e.get("description"), str) or len(e["description"]) > 4096:
            errs.append("embed description not a string of at most 4096 characters")
        if not isinstance(e.get("color"), int) or not 0 <= e["color"] <= 0xFFFFFF:
            errs.append("embed color not an integer 0..0xFFFFFF")
    return errs


def webex_format_errors(b, room):
    """Webex's POST /v1/messages: roomId and markdown (at most 7439 bytes)."""
    if not isinstance(b, dict):
        return ["not a JSON object"]
    errs = []
    if b.get("roomId") != room:
        errs.append("roomId %r, want %r" % (b.get("roomId"), room))
    if not isinstance(b.get("markdown"), str) or not b["markdown"] or len(b["markdown"].encode()) > 7439:
        errs.append("markdown not a non-empty string of at most 7439 bytes")
    return errs


def wechat_format_errors(b):
    """WeChat Work's message/send for an application: msgtype text or markdown, its {content}, an
    agentid, one of touser/toparty/totag, safe 0 or 1."""
    if not isinstance(b, dict):
        return ["not a JSON object"]
    errs = []
    t = b.get("msgtype")
    if t not in ("text", "markdown"):
        return ["msgtype %r" % t]
    c = b.get(t)
    if not (isinstance(c, dict) and isinstance(c.get("content"), str) and c["content"]):
        errs.append("%s.content missing" % t)
    if not any(isinstance(b.get(k), str) and b[k] for k in ("touser", "toparty", "totag")):
        errs.append("none of touser/toparty/totag")
    for k in ("touser", "toparty", "totag", "agentid"):
        if k in b and not isinstance(b[k], str):
            errs.append("%s not a string" % k)
    if b.get("safe") not in ("0", "1", 0, 1):
        errs.append("safe %r" % b.get("safe"))
    return errs


def sns_form(body):
    return urllib.parse.parse_qs(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")


def sns_format_errors(body, target):
    """SNS's Publish (Query API, 2010-03-31): Action, Version, one target, Message, attributes numbered
    from 1 with Name, DataType and StringValue; a Subject under 100 characters."""
    f = sns_form(body)
    errs = []
    one = {k: v[0] for k, v in f.items() if len(v) == 1}
    if len(one) != len(f):
        errs.append("repeated fields")
    if one.get("Action") != "Publish" or one.get("Version") != "2010-03-31":
        errs.append("Action/Version %r %r" % (one.get("Action"), one.get("Version")))
    targets = [k for k in ("TopicArn", "TargetArn", "PhoneNumber") if k in one]
    if targets != [target]:
        errs.append("targets %s, want [%s]" % (targets, target))
    if "Message" not in one:
        errs.append("no Message")
    if "Subject" in one and (len(one["Subject"].encode("latin-1").decode("utf-8", "replace")) >= 100
                             or "\n" in one["Subject"]):
        errs.append("Subject not one line under 100 characters")
    n = 1
    while "MessageAttributes.entry.%d.Name" % n in one:
        if one.get("MessageAttributes.entry.%d.Value.DataType" % n) != "String" or \
                "MessageAttributes.entry.%d.Value.StringValue" % n not in one:
            errs.append("attribute %d incomplete" % n)
        n += 1
    if any(k.startswith("MessageAttributes.entry.%d." % n) for k in one):
        errs.append("attributes not numbered from 1")
    return errs


def sigv4_errors(r, host):
    """Recomputes the request's AWS Signature Version 4 with the secret key."""
    auth = r.headers.get("authorization", "")
    amz_date = r.headers.get("x-amz-date", "")
    try:
        algo, rest = auth.split(" ", 1)
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        cred, signed, sig = parts["Credential"], parts["SignedHeaders"], parts["Signature"]
    except (ValueError, KeyError):
        return ["Authorization %r unreadable" % auth]
    errs = []
    if algo != "AWS4-HMAC-SHA256":
        errs.append("algorithm %r" % algo)
    scope = "%s/%s/sns/aws4_request" % (amz_date[:8], REGION)
    if cred != ACCESS_KEY + "/" + scope:
        errs.append("credential %r, want %r" % (cred, ACCESS_KEY + "/" + scope))
    if signed != "content-length;content-type;host;x-amz-date":
        errs.append("signed headers %r" % signed)
    values = {"host": host}
    values.update(r.headers)
    canon = "\n".join(["POST", r.path, r.query,
                       "".join("%s:%s\n" % (h, values.get(h, "").strip()) for h in signed.split(";")),
                       signed, hashlib.sha256(r.body).hexdigest()])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canon.encode()).hexdigest()])
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (amz_date[:8], REGION, "sns", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    want = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if sig != want:
        errs.append("signature %s, recomputed %s" % (sig, want))
    t = time.mktime(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")) - time.timezone if amz_date else 0
    if abs(time.time() - t) > 300:
        errs.append("X-Amz-Date %r not within 5 minutes of now" % amz_date)
    return errs


# ---------------------------------------------------------------- comparisons

SKIP_HEADERS = ("host", "content-length")


def compare_headers(key, a, b, extra_skip=()):
    skip = SKIP_HEADERS + tuple(extra_skip)
    ha = {k: v for k, v in a.headers.items() if k not in skip}
    hb = {k: v for k, v in b.headers.items() if k not in skip}
    R.check("%s: request headers == reference's%s" % (key, " (but %s)" % ", ".join(extra_skip) if extra_skip else ""),
            ha == hb, "\n  tocsin:    %s\n  reference: %s" % (ha, hb))


def pairs(ours, ref, key, want, status_names):
    """The delivered requests of one path, checked in number, paired in order."""
    a = ours["sink"].ok(P[key])
    b = ref["sink"].ok(P[key])
    R.check("%s: tocsin delivered %d (%s)" % (key, want, ", ".join(status_names)), len(a) == want,
            "got %d: %s" % (len(a), [short(r.body) for r in a]))
    R.check("%s: reference delivered %d" % (key, want), len(b) == want, "got %d" % len(b))
    return list(zip(a, b, status_names))


def check_method_path_query(key, x, y):
    R.check("%s: same method, path and query (%s %s?%s)" % (key, x.method, x.path, x.query),
            (x.method, x.path, urllib.parse.parse_qs(x.query)) == (y.method, y.path, urllib.parse.parse_qs(y.query)),
            "tocsin %s %s?%s reference %s %s?%s" % (x.method, x.path, x.query, y.method, y.path, y.query))


def check_discord(ours, ref):
    for key, n, exact in (("discord-default", 2, False), ("discord-custom", 2, True), ("discord-retry", 1, True)):
        names = ["firing", "resolved"][:n]
        for x, y, st in pairs(ours, ref, key, n, names):
            check_method_path_query(key, x, y)
            errs = discord_format_errors(x.json)
            R.check("%s[%s]: tocsin body in Discord's webhook format" % (key, st), not errs,
                    "%s %s" % (errs, short(x.body)))
            R.check("%s[%s]: reference body in Discord's webhook format" % (key, st), not discord_format_errors(y.json))
            if exact:
                R.check("%s[%s]: tocsin body bytes == reference's" % (key, st), x.body == y.body,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            else:
                # The default message is our own wording; the rest must agree.
                ex, ey = x.json["embeds"][0], y.json["embeds"][0]
                same = (list(x.json) == list(y.json) and x.json["content"] == y.json["content"] and list(ex) == list(ey)
                        and ex["title"] == ey["title"] and ex["color"] == ey["color"])
                R.check("%s[%s]: same keys, content, title and color as the reference (title %r, color %s)"
                        % (key, st, ex.get("title"), ex.get("color")), same,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
                R.check("%s[%s]: tocsin description lists both instances" % (key, st),
                        "host-1:9100" in ex["description"] and "host-2:9100" in ex["description"], ex["description"])
            R.check("%s[%s]: color %s for %s" % (key, st, x.json["embeds"][0]["color"], st),
                    x.json["embeds"][0]["color"] == (0x992D22 if st == "firing" else 0x2ECC71))
            R.check("%s[%s]: Content-Type application/json" % (key, st),
                    x.headers.get("content-type") == "application/json")
            compare_headers("%s[%s]" % (key, st), x, y)
    for res in (ours, ref):
        st = res["sink"].statuses(P["discord-retry"])
        R.check("discord-retry: %s answered 500, 500, 200 (retried, delivered once)" % res["tag"],
                st == [500, 500, 200], st)
    # Titles beyond Discord's 256 characters: 0.25 sends them whole (Discord answers 400), tocsin cuts them.
    a, b = ours["sink"].ok(P["discord-long"]), ref["sink"].ok(P["discord-long"])
    if a and b:
        ta, tb = a[0].json["embeds"][0]["title"], b[0].json["embeds"][0]["title"]
        R.check("discord-long: tocsin cuts the title to 256 characters ending in '…' (reference sends %d)" % len(tb),
                len(ta) == 256 and ta.endswith("\u2026") and tb.startswith(ta[:-1]), len(ta))
        R.check("discord-long: tocsin body in Discord's webhook format", not discord_format_errors(a[0].json),
                discord_format_errors(a[0].json))
        R.check("discord-long: tocsin logs a 'Truncated title' warning",
                any("level=warn" in ln and "Truncated title" in ln for ln in ours["log"].splitlines()))
    else:
        R.check("discord-long: both delivered", False, "%d %d" % (len(a), len(b)))


def check_webex(ours, ref):
    for key, n, exact, room in (("webex-default", 2, False, "room-default"), ("webex-custom", 2, True, "room-custom"),
                                ("webex-long", 1, True, "room-long"), ("webex-retry", 1, True, "room-retry")):
        names = ["firing", "resolved"][:n]
        for x, y, st in pairs(ours, ref, key, n, names):
            check_method_path_query(key, x, y)
            errs = webex_format_errors(x.json, room)
            R.check("%s[%s]: tocsin body in Webex's create-message format" % (key, st), not errs,
                    "%s %s" % (errs, short(x.body)))
            R.check("%s[%s]: reference body in Webex's create-message format" % (key, st),
                    not webex_format_errors(y.json, room))
            if exact:
                R.check("%s[%s]: tocsin body bytes == reference's" % (key, st), x.body == y.body,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            else:
                R.check("%s[%s]: same keys and roomId as the reference; markdown lists both instances" % (key, st),
                        list(x.json) == list(y.json) and x.json["roomId"] == y.json["roomId"]
                        and "host-1:9100" in x.json["markdown"] and "host-2:9100" in x.json["markdown"],
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            want_auth = ("Token " if key == "webex-custom" else "Bearer ") + WEBEX_TOKEN
            R.check("%s[%s]: Authorization from http_config (%s)" % (key, st, want_auth.split()[0]),
                    x.headers.get("authorization") == want_auth, x.headers.get("authorization"))
            compare_headers("%s[%s]" % (key, st), x, y)
    a = ours["sink"].ok(P["webex-long"])
    if a and a[0].json:
        m = a[0].json["markdown"]
        R.check("webex-long: markdown cut to %d bytes (<= 7439) on a character boundary, ending in '…'"
                % len(m.encode()), m == WEBEX_LONG[:7001 + 217] + "\u2026", len(m.encode()))
    for res in (ours, ref):
        st = res["sink"].statuses(P["webex-retry"])
        R.check("webex-retry: %s answered 500, 200 (retried, delivered once)" % res["tag"], st == [500, 200], st)


def check_wechat(ours, ref):
    # Tokens: fetched once and cached (wx-md sends twice with one token); wx-retry's 42001 drops it.
    # wx-retry's first send is answered 200 {"code":42001}, the second (with a new token) 200 {"errcode":0}.
    for w, sends in (("wx-text", ["firing"]), ("wx-md", ["firing", "resolved"]), ("wx-retry", ["42001", "retry"])):
        ntok = 2 if w == "wx-retry" else 1
        for x, y, st in pairs(ours, ref, w + "-token", ntok, ["token"] * ntok):
            check_method_path_query(w + "-token", x, y)
            q = urllib.parse.parse_qs(x.query)
            R.check("%s: gettoken is a GET with corpid and corpsecret" % w,
                    x.method == "GET" and set(q) == {"corpid", "corpsecret"} and x.body == b"",
                    "%s %s" % (x.method, x.query))
            compare_headers(w + "-token", x, y)
        for x, y, st in pairs(ours, ref, w + "-send", len(sends), sends):
            check_method_path_query(w + "-send", x, y)
            errs = wechat_format_errors(x.json)
            R.check("%s[%s]: tocsin body in WeChat's message/send format" % (w, st), not errs,
                    "%s %s" % (errs, short(x.body)))
            R.check("%s[%s]: reference body in WeChat's message/send format" % (w, st),
                    not wechat_format_errors(y.json))
            if w != "wx-retry":
                R.check("%s[%s]: tocsin body bytes == reference's" % (w, st), x.body == y.body,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            else:
                same = (list(x.json) == list(y.json)
                        and all(x.json[k] == y.json[k] for k in x.json if k not in ("text", "markdown"))
                        and x.json["markdown"] == y.json["markdown"])
                R.check("%s[%s]: same keys and fields as the reference (but the default text)" % (w, st), same,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            compare_headers("%s-send[%s]" % (w, st), x, y)
    for res in (ours, ref):
        toks = [urllib.parse.parse_qs(r.query).get("access_token") for r in res["sink"].all(P["wx-retry-send"])]
        R.check("wx-retry: %s re-fetched the token after code 42001 and retried (tokens %s)" % (res["tag"], toks),
                toks == [["tok-a"], ["tok-b"]])
        toks = [urllib.parse.parse_qs(r.query).get("access_token") for r in res["sink"].all(P["wx-md-send"])]
        R.check("wx-md: %s reused the cached token (%s)" % (res["tag"], toks), toks == [["tok-wx-md"]] * 2)
    a = ours["sink"].ok(P["wx-md-send"])
    if a and a[0].json:
        R.check("wx-md: markdown message with templated agentid and totag",
                a[0].json.get("msgtype") == "markdown" and a[0].json.get("agentid") == "1000007"
                and a[0].json.get("totag") == "tag-WxMd" and a[0].json.get("text") == {"content": ""}, show(a[0].json))


def check_sns(ours, ref):
    for key, n, target, exact in (("sns-topic", 2, "TopicArn", True), ("sns-sms", 1, "PhoneNumber", True),
                                  ("sns-fifo", 2, "TopicArn", False), ("sns-retry", 1, "TargetArn", True)):
        names = ["firing", "resolved"][:n]
        for x, y, st in pairs(ours, ref, key, n, names):
            check_method_path_query(key, x, y)
            errs = sns_format_errors(x.body, target)
            R.check("%s[%s]: tocsin body a Publish form" % (key, st), not errs, "%s %s" % (errs, short(x.body)))
            R.check("%s[%s]: reference body a Publish form" % (key, st), not sns_format_errors(y.body, target))
            if exact:
                R.check("%s[%s]: tocsin body bytes == reference's" % (key, st), x.body == y.body,
                        "\n  tocsin:    %s\n  reference: %s" % (short(x.body), short(y.body)))
            else:
                fa, fb = sns_form(x.body), sns_form(y.body)
                fa.pop("Message", None)
                fb.pop("Message", None)
                R.check("%s[%s]: every field but the default message == reference's" % (key, st), fa == fb,
                        "\n  tocsin:    %s\n  reference: %s" % (fa, fb))
            host = urllib.parse.urlsplit(ours["sink"].url).netloc
            errs = sigv4_errors(x, host)
            R.check("%s[%s]: tocsin's SigV4 signature verifies" % (key, st), not errs, errs)
            errs = sigv4_errors(y, urllib.parse.urlsplit(ref["sink"].url).netloc)
            R.check("%s[%s]: reference's SigV4 signature verifies (the recomputation is right)" % (key, st),
                    not errs, errs)
            compare_headers("%s[%s]" % (key, st), x, y, ("x-amz-date", "authorization"))
    a = ours["sink"].ok(P["sns-sms"])
    if a:
        f = sns_form(a[0].body)
        m = f.get("Message", [""])[0].encode("latin-1")
        R.check("sns-sms: message cut to 1600 bytes with attribute truncated=true",
                len(m) == 1600 and f.get("MessageAttributes.entry.1.Name") == ["truncated"]
                and f.get("MessageAttributes.entry.1.Value.StringValue") == ["true"], (len(m), f.keys()))
    a = ours["sink"].ok(P["sns-fifo"])
    if a:
        f = sns_form(a[0].body)
        R.check("sns-fifo: MessageDeduplicationId and MessageGroupId are the group key's SHA-256",
                len(f.get("MessageDeduplicationId", [""])[0]) == 64
                and f.get("MessageDeduplicationId") == f.get("MessageGroupId"), f)
    for res in (ours, ref):
        st = res["sink"].statuses(P["sns-retry"])
        times = [r.time for r in res["sink"].all(P["sns-retry"])]
        R.check("sns-retry: %s answered 500, 200: the SDK's retry within one send (%s, %.2fs apart)"
                % (res["tag"], st, (times[1] - times[0]) if len(times) > 1 else -1),
                st == [500, 200] and times[1] - times[0] < 0.9, st)


def error_of(log, receiver):
    """The first error logged for a receiver's failed notification, without the reference's prefix
    ("<receiver>/<integration>[i]: notify retry canceled ... attempts: "), whichever way the line names it."""
    for ln in log.splitlines():
        if "level=error" not in ln or ("receiver=%s " % receiver not in ln and 'err="%s/' % receiver not in ln):
            continue
        m = re.search(r'err="((?:[^"\\]|\\.)*)"', ln)
        if m:
            return re.sub(r"^[^ ]*?: notify retry canceled (due to unrecoverable error )?after \d+ attempts: ", "",
                          m.group(1))
    return None


def check_errors(ours, ref):
    """Failures that are not retried within a flush, in the reference's words."""
    for receiver, path in (("wx-bad", P["wx-bad-token"]), ("sns-400", P["sns-400"]), ("discord-400", P["discord-400"])):
        a, b = error_of(ours["log"], receiver), error_of(ref["log"], receiver)
        R.check("%s: tocsin's error == reference's (%s)" % (receiver, b), a is not None and a == b,
                "\n  tocsin:    %s\n  reference: %s" % (a, b))
        for res in (ours, ref):
            times = [r.time for r in res["sink"].all(path)]
            gaps = [round(y - x, 2) for x, y in zip(times, times[1:])]
            R.check("%s: %s sent one request a flush (not retried; %d requests, gaps %s)"
                    % (receiver, res["tag"], len(times), gaps), len(times) >= 1 and all(g >= 1.5 for g in gaps))
    R.check("wx-bad: no message/send without a token",
            not ours["sink"].all(P["wx-bad-send"]) and not ref["sink"].all(P["wx-bad-send"]))


def main():
    if not os.path.exists(TOCSIN):
        R.check("tocsin binary %s exists" % TOCSIN, False)
        R.finish()
    t0 = time.monotonic()
    try:
        ours, ref = run_parallel([lambda: run(TOCSIN, "tocsin"), lambda: run(REFERENCE, "reference")])
    except Exception as e:  # noqa: BLE001 - a daemon that does not start is a failure, not a crash
        R.check("both daemons ran the scenario", False, repr(e))
        R.finish()
    print("INFO  both runs took %.1fs" % (time.monotonic() - t0), flush=True)
    check_discord(ours, ref)
    check_webex(ours, ref)
    check_wechat(ours, ref)
    check_sns(ours, ref)
    check_errors(ours, ref)
    R.finish()


if __name__ == "__main__":
    main()
