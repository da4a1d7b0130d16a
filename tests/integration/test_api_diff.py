"""test_api_diff.py: the same requests to tocsin and to the reference side by side, comparing status,
Content-Type and body (JSON compared as data, with silence ids and times normalised, lists whose order
the reference leaves open compared as sets). Covers what a client can get wrong: POST /api/v2/alerts
with every kind of bad body, time layouts and Content-Types; the query parameters of the alert
listings (booleans, filters good and bad, receiver regexes); silence bodies and ids; the router's
answers outside /api/v2 (404, 405, OPTIONS, HEAD, redirects)."""
import http.client
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

CFG = """
route:
  receiver: web
  group_by: [alertname]
  group_wait: 1h
  group_interval: 1h
  routes:
    - matchers: ['team="a"']
      receiver: team-a
      continue: true
    - matchers: ['team=~"a|b"']
      receiver: team-b
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
receivers:
  - name: web
  - name: team-a
  - name: team-b
"""

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
J = {"Content-Type": "application/json"}


def send(d, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        c.request(method, path, body=body, headers=dict(headers or {}))
        r = c.getresponse()
        headers = {}
        for k, v in r.getheaders():  # repeated headers (Vary) joined as one
            k = k.lower()
            headers[k] = headers[k] + ", " + v if k in headers else v
        return r.status, r.read().decode("utf-8", "replace"), headers
    except (OSError, http.client.HTTPException) as e:
        return -1, type(e).__name__, {}
    finally:
        c.close()


def canon(text):
    """JSON as sorted data with ids and times replaced; lists of objects as sets; else the text."""
    try:
        v = json.loads(text)
    except ValueError:
        return text
    v = json.loads(TS.sub("T", UUID.sub("ID", json.dumps(v, sort_keys=True))))
    if isinstance(v, dict) and isinstance(v.get("message"), str):  # go-swagger lists allowed methods in map order
        v["message"] = re.sub(r"\[([A-Z,]+)\]", lambda m: ",".join(sorted(m.group(1).split(","))), v["message"])
    if isinstance(v, list):
        v = sorted(json.dumps(e, sort_keys=True) for e in v)
    return v


def compare(name, method, path, body=None, headers=None, check_body=True, check_headers=()):
    if isinstance(body, (list, dict)) or body is True or body is None and method == "POST":
        body = json.dumps(body).encode()
    a = send(T, method, path, body, headers)
    b = send(REF, method, path, body, headers)
    problems = []
    if a[0] != b[0]:
        problems.append("status %s, reference %s" % (a[0], b[0]))
    if a[2].get("content-type") != b[2].get("content-type"):
        problems.append("content-type %r, reference %r" % (a[2].get("content-type"), b[2].get("content-type")))
    for h in check_headers:
        if a[2].get(h) != b[2].get(h):
            problems.append("header %s %r, reference %r" % (h, a[2].get(h), b[2].get(h)))
    if check_body and canon(a[1]) != canon(b[1]):
        problems.append("body\n   tocsin    %r\n   reference %r" % (a[1][:400], b[1][:400]))
    R.check("%s (%s %s)" % (name, method, path), not problems, "; ".join(problems))


def now(off=0):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + off)) + ".000Z"


def post_alerts():
    cases = [
        ("empty list", []),
        ("labels missing", [{"annotations": {"a": "b"}}]),
        ("labels null", [{"labels": None}]),
        ("labels empty", [{"labels": {}}]),
        ("empty label name", [{"labels": {"": "x"}}]),
        ("only empty values", [{"labels": {"a": ""}}]),
        ("UTF-8 label name", [{"labels": {"\u00e4": "x"}}]),
        ("label name with a leading digit", [{"labels": {"1a": "x"}}]),
        ("bad annotation name", [{"labels": {"alertname": "X"}, "annotations": {"a b": "x"}}]),
        ("startsAt after endsAt", [{"labels": {"a": "b"}, "startsAt": "2020-01-02T00:00:00Z", "endsAt": "2020-01-01T00:00:00Z"}]),
        ("a word for a time", [{"labels": {"a": "b"}, "startsAt": "yesterday"}]),
        ("month 13", [{"labels": {"a": "b"}, "endsAt": "2020-13-01T00:00:00Z"}]),
        ("a date without time", [{"labels": {"a": "b"}, "startsAt": "2020-01-01"}]),
        ("lowercase t", [{"labels": {"a": "b"}, "startsAt": "2020-01-01t00:00:00z"}]),
        ("a time without zone", [{"labels": {"alertname": "NoZone"}, "startsAt": "2020-01-01T00:00:00"}]),
        ("a space for the T", [{"labels": {"alertname": "Space"}, "endsAt": "2030-01-01 00:00:00"}]),
        ("minutes only", [{"labels": {"alertname": "Minutes"}, "startsAt": "2020-01-01T00:00Z"}]),
        ("offset without colon", [{"labels": {"alertname": "Offset"}, "startsAt": "2020-01-01T00:00:00.000+0100"}]),
        ("empty startsAt", [{"labels": {"alertname": "EmptyStart"}, "startsAt": ""}]),
        ("startsAt a number", [{"labels": {"a": "b"}, "startsAt": 5}]),
        ("startsAt a bool", [{"labels": {"a": "b"}, "startsAt": True}]),
        ("labels an array", [{"labels": ["a"]}]),
        ("label value a number", [{"labels": {"a": 1}}]),
        ("label value null", [{"labels": {"a": None}}]),
        ("annotations an array", [{"labels": {"a": "b"}, "annotations": []}]),
        ("annotation value a number", [{"labels": {"a": "b"}, "annotations": {"x": 1}}]),
        ("generatorURL a number", [{"labels": {"a": "b"}, "generatorURL": 3}]),
        ("generatorURL no URI", [{"labels": {"alertname": "GU"}, "generatorURL": "::not a uri"}]),
        ("generatorURL relative", [{"labels": {"alertname": "GU"}, "generatorURL": "graph?x=1"}]),
        ("generatorURL fine", [{"labels": {"alertname": "GU2"}, "generatorURL": "http://x/graph?g0.expr=up%3D%3D0"}]),
        ("two without labels", [{}, {}]),
        ("missing labels, then a type error", [{}, {"labels": 5}]),
        ("annotations wrong, then a bad time", [{"labels": {"a": "b"}, "annotations": 5, "startsAt": "x"}]),
        ("Labels capitalised", [{"Labels": {"alertname": "Cap"}}]),
        ("an alert a number", [5]),
        ("an object body", {"labels": {"a": "b"}}),
        ("a bool body", True),
        ("a null body", None),
        ("one good, one bad", [{"labels": {"alertname": "Good"}}, {"labels": {}}]),
    ]
    for name, body in cases:
        compare("POST alerts: " + name, "POST", "/api/v2/alerts", json.dumps(body).encode(), J)
    for name, body in [("not JSON", b"{bad"), ("empty", b""), ("blank", b" \n"), ("cut short", b'[{"labels":'),
                       ("trailing bytes", b'[{"labels":{"alertname":"Trail"}}] x'), ("byte order mark", b"\xef\xbb\xbf[]"),
                       ("an unknown escape", b'[{"labels":{"a":"\\q"}}]'), ("a huge number", b'[{"labels":{"a":1e999}}]'),
                       ("a huge time", b'[{"labels":{"a":"b"},"startsAt":-1e999}]'), ("a huge body", b"1e999")]:
        compare("POST alerts: body " + name, "POST", "/api/v2/alerts", body, J)
    for ct in ("", "text/plain", "Application/JSON; charset=utf-8", "application/vnd.api+json", "foo"):
        compare("POST alerts: Content-Type %r" % ct, "POST", "/api/v2/alerts", b"[]", {"Content-Type": ct} if ct else {})
    compare("POST alerts: text/plain with no body", "POST", "/api/v2/alerts", b"", {"Content-Type": "text/plain"})


def settle_groups(d, timeout=5.0):
    """The reference's dispatcher takes posted alerts from a channel, so a listing made right after a POST
    can miss some of them in /alerts/groups: wait until every listed alert is in a group (bounded)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st_a, alerts, _ = send(d, "GET", "/api/v2/alerts")
        st_g, groups, _ = send(d, "GET", "/api/v2/alerts/groups")
        if st_a == 200 and st_g == 200:
            fps = {a["fingerprint"] for a in json.loads(alerts)}
            grouped = {a["fingerprint"] for g in json.loads(groups) for a in g["alerts"]}
            if fps <= grouped:
                return
        time.sleep(0.05)


def listings():
    settle_groups(T)
    settle_groups(REF)
    queries = ["", "?active=false", "?silenced=false", "?inhibited=false", "?active=maybe", "?active=no",
               "?active=", "?silenced=0&silenced=", "?filter=alertname%3DWarn", "?filter=alertname%3D~W.%2A",
               "?filter=alertname%21%3DWarn", "?filter=bad", "?filter=a%3D~%28", "?filter=1a%3Db",
               "?filter=a%3D%22unterminated", "?filter=team%3D", "?filter=nolabel%21%3D", "?filter=%zz",
               "?filter=alertname%3DWarn;x", "?receiver=team-a", "?receiver=team-.%2A", "?receiver=%28",
               "?receiver=team-a&receiver=", "?filter=alertname%3DWarn&receiver=team-b"]
    for q in queries:
        compare("alerts listing %s" % q, "GET", "/api/v2/alerts" + q)
        compare("groups listing %s" % q, "GET", "/api/v2/alerts/groups" + q)


def silences():
    def s(**kw):
        base = {"matchers": [{"name": "alertname", "value": "X", "isRegex": False}], "startsAt": now(),
                "endsAt": now(3600), "createdBy": "me", "comment": "c"}
        base.update(kw)
        return {k: v for k, v in base.items() if v != "DROP"}
    cases = [
        ("no matchers", s(matchers=[])), ("matchers missing", s(matchers="DROP")),
        ("empty matcher name", s(matchers=[{"name": "", "value": "x", "isRegex": False}])),
        ("matches the empty string", s(matchers=[{"name": "a", "value": ".*", "isRegex": True}])),
        ("bad regex", s(matchers=[{"name": "a", "value": "(", "isRegex": True}])),
        ("isRegex missing", s(matchers=[{"name": "a", "value": "x"}])),
        ("endsAt before startsAt", s(startsAt=now(100), endsAt=now(50))),
        ("endsAt in the past", s(startsAt=now(-100), endsAt=now(-50))),
        ("createdBy missing", s(createdBy="DROP")), ("comment empty", s(comment="")),
        ("a word for a time", s(startsAt="now")), ("a time without zone", s(startsAt="2020-01-01T00:00:00")),
        ("unknown id", s(id="7e8a1d3c-1111-4222-8333-444455556666")),
        ("Comment capitalised", dict((k if k != "comment" else "Comment", v) for k, v in s().items())),
    ]
    for name, body in cases:
        compare("POST silence: " + name, "POST", "/api/v2/silences", json.dumps(body).encode(), J)
    for name, body in [("not JSON", b"{x"), ("an array", b"[]"), ("null", b"null"), ("a huge number", b'{"comment":1e999}'), ("trailing bytes", json.dumps(s()).encode() + b" x")]:
        compare("POST silence: body " + name, "POST", "/api/v2/silences", body, J)
    compare("POST silence: text/plain", "POST", "/api/v2/silences", json.dumps(s()).encode(), {"Content-Type": "text/plain"})
    for q in ["", "?filter=alertname%3DX", "?filter=a%3D~%28", "?filter=bad"]:
        compare("silence listing %s" % q, "GET", "/api/v2/silences" + q)
    for sid in ("7e8a1d3c-1111-4222-8333-444455556666", "7e8a1d3c111142228333444455556666", "nope"):
        compare("GET silence %s" % sid, "GET", "/api/v2/silence/" + sid)
        compare("DELETE silence %s" % sid, "DELETE", "/api/v2/silence/" + sid)


def router():
    for m in ("GET", "HEAD", "POST", "PUT", "OPTIONS"):
        for p in ("/-/healthy", "/-/ready", "/-/reload", "/metrics", "/nope", "/api/v2", "/api/v2/", "/api/v2/nope",
                  "/api/v2/status/", "/api/v2/alerts/groups/", "/-/healthy/", "/api/v2//receivers",
                  "/api/v2/./receivers", "/api/v2/silences/../receivers?x=1", "/-/healthy/.", "/../-/ready"):
            if (m, p) in (("POST", "/-/reload"),):
                continue
            compare("router", m, p, b"" if m in ("POST", "PUT") else None,
                    check_body=p not in ("/metrics", "/api/v2/status/"), check_headers=("x-content-type-options",))
    for m in ("PUT", "DELETE"):
        compare("405 inside /api/v2", m, "/api/v2/status")
    cors = ("vary", "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers")
    origin = {"Origin": "http://ui.example"}
    for m, hdrs in [("GET", {}), ("GET", origin), ("DELETE", origin), ("OPTIONS", origin),
                    ("OPTIONS", dict(origin, **{"Access-Control-Request-Method": "post"})),
                    ("OPTIONS", dict(origin, **{"Access-Control-Request-Method": "DELETE"})),
                    ("OPTIONS", {"Access-Control-Request-Method": "GET"}),
                    ("OPTIONS", dict(origin, **{"Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "content-type, x-requested-with"})),
                    ("OPTIONS", dict(origin, **{"Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "Authorization"}))]:
        for p in ("/api/v2/status", "/api/v2/silence/7e8a1d3c-1111-4222-8333-444455556666", "/api/v2/nope"):
            compare("CORS %r" % hdrs, m, p, headers=hdrs, check_headers=cors, check_body=p != "/api/v2/status")
    compare("CORS on a POST", "POST", "/api/v2/alerts", b"[]", dict(origin, **J), check_headers=cors)
    compare("HEAD inside /api/v2", "HEAD", "/api/v2/alerts")


class PrefixDaemon(Daemon):
    """A daemon run with --web.route-prefix=/am: its readiness is probed under the prefix."""

    def request(self, method, path, *args, **kwargs):
        return super().request(method, "/am" + path if path == "/-/ready" else path, *args, **kwargs)


def route_prefix():
    global T, REF
    saved = (T, REF)
    T = PrefixDaemon(TOCSIN, CFG, name="tocsin", extra=["--web.route-prefix=/am"])
    REF = PrefixDaemon(REFERENCE, CFG, name="reference", extra=["--web.route-prefix=/am"])
    try:
        T.start()
        REF.start()
        for m in ("GET", "POST", "HEAD", "OPTIONS"):
            for p in ("/", "/am", "/am/api/v2/receivers", "/am/-/healthy", "/amx/-/healthy", "/am/api/v2", "/am/nope",
                      "/-/healthy", "/api/v2/status"):
                compare("route prefix", m, p, b"" if m == "POST" else None)
    finally:
        T.cleanup()
        REF.cleanup()
        T, REF = saved


T = Daemon(TOCSIN, CFG, name="tocsin")
REF = Daemon(REFERENCE, CFG, name="reference")
try:
    T.start()
    REF.start()
    state = [
        {"labels": {"alertname": "Crit", "severity": "critical", "cluster": "c1"}},
        {"labels": {"alertname": "Warn", "severity": "warning", "cluster": "c1"}},
        {"labels": {"alertname": "Warn", "severity": "warning", "cluster": "c2", "team": "a"}},
        {"labels": {"alertname": "Sil", "team": "b"}, "annotations": {"summary": "s"}, "generatorURL": "http://g"},
    ]
    for d in (T, REF):
        d.post_alerts(state)
        sil = {"matchers": [{"name": "alertname", "value": "Sil", "isRegex": False}], "startsAt": now(),
               "endsAt": now(3600), "createdBy": "me", "comment": "c"}
        send(d, "POST", "/api/v2/silences", json.dumps(sil).encode(), J)
    listings()
    post_alerts()
    silences()
    router()
    R.check("tocsin still running", T.proc.poll() is None)
finally:
    T.cleanup()
    REF.cleanup()
route_prefix()
R.finish()
