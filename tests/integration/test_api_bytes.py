"""test_api_bytes.py: GET /api/v2/alerts and /api/v2/alerts/groups byte for byte beside the reference's:
key order, Go's escaping (<, >, &, U+2028/9, control characters, invalid UTF-8; a group's own labels and
receiver are written raw, as go-swagger's encoder does), time formats, the trailing newline, receivers
of routes with `continue` (in /groups: those of the listed groups, sorted), silencedBy, inhibitedBy,
state. Normalised away before comparing: what cannot agree between two daemons (updatedAt, each one's
receive time; silence ids, mapped to the order of creation) and what the reference leaves to Go's map
order (the order of silencedBy, which source alert inhibitedBy names)."""
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

CFG = """
route:
  receiver: web
  group_by: [team]
  group_wait: 10m
  routes:
    - matchers: ['team="a"']
      receiver: team-a
      continue: true
    - matchers: ['team=~"a|b"']
      receiver: "esc<&>"
      group_by: [alertname, team]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [team]
receivers:
  - name: web
  - name: team-a
  - name: "esc<&>"
"""

# Values that exercise every escaping branch; each alert gets one in a label and an annotation.
TRICKY = [
    "plain",
    "<b>&amp;</b>",
    'quote " and back\\slash',
    "nl\ncr\rtab\t",
    "ctl \x01\x1f\x7f",
    "line\u2028para\u2029",
    "caf\u00e9 \u00fc \U0001F600 \u20ac",
    "",
]


def alert(i, team, severity, value, ends):
    a = {
        "labels": {"alertname": "Bytes%d" % (i % 3), "team": team, "severity": severity, "i": str(i)},
        "annotations": {"summary": value, "z": "s%d" % i},
        "startsAt": "2024-02-29T23:59:59.%03dZ" % (i * 37 % 1000),
        "endsAt": ends,
    }
    if value:
        a["labels"]["v"] = value
    if i % 2:
        # url.Parse (the reference validates a URI) refuses control characters.
        a["generatorURL"] = "http://g/?q=%s&x=<%d>" % ("".join(c for c in value if c >= " " and c != "\x7f"), i)
    return a


def raw_get(d, path):
    with urllib.request.urlopen(d.url + path, timeout=10) as r:
        return r.status, r.read()


def normalise(body, ids):
    body = re.sub(rb'"updatedAt":"[^"]*"', b'"updatedAt":"U"', body)
    for n, sid in enumerate(ids):
        body = body.replace(sid.encode(), b"SILENCE-%d" % n)
    body = re.sub(rb'"inhibitedBy":\["[0-9a-f]{16}"\]', b'"inhibitedBy":["I"]', body)
    sort_list = lambda m: m.group(1) + b",".join(sorted(m.group(2).split(b","))) + b"]"
    body = re.sub(rb'("silencedBy":\[)([^\]]*)\]', sort_list, body)
    return body


def main():
    ours = Daemon(TOCSIN, CFG, name="tocsin")
    ref = Daemon(REFERENCE, CFG, name="reference")
    ends = time.strftime("%Y-%m-%dT%H:%M:%S.250Z", time.gmtime(time.time() + 3600))
    alerts = []
    for i in range(24):
        team = "abc"[i % 3]
        severity = "critical" if i % 5 == 0 else "warning"
        alerts.append(alert(i, team, severity, TRICKY[i % len(TRICKY)], ends))
    # Invalid UTF-8 in a generatorURL: Go's decoder makes each bad byte U+FFFD on the way in.
    invalid = json.dumps([alert(99, "c", "info", "x", ends)]).encode().replace(b"http://g/", b"http://g/\xff\xe2\x82/")
    silences = [
        {"matchers": [{"name": "team", "value": "b", "isRegex": False, "isEqual": True}]},
        {"matchers": [{"name": "alertname", "value": "Bytes[01]", "isRegex": True, "isEqual": True}]},
        {"matchers": [{"name": "i", "value": "7", "isRegex": False, "isEqual": True}]},
    ]
    try:
        ours.start()
        ref.start()
        ids = {}
        for d in (ours, ref):
            d.post_alerts(alerts)
            code, body, _ = d.request("POST", "/api/v2/alerts", invalid, {"Content-Type": "application/json"})
            R.check("%s: invalid UTF-8 body accepted" % d.name, code == 200, body)
            ids[d.name] = []
        paths = ["/api/v2/alerts", "/api/v2/alerts/groups", "/api/v2/alerts?filter=team%3D%22a%22",
                 "/api/v2/alerts/groups?receiver=web", "/api/v2/alerts/groups?receiver=team-a",
                 "/api/v2/alerts/groups?receiver=esc.%2A",
                 "/api/v2/alerts?receiver=team-a", "/api/v2/alerts?active=false",
                 "/api/v2/alerts/groups?silenced=false&inhibited=false"]
        for stage in ("without silences", "with silences"):
            if stage == "with silences":
                for s in silences:
                    for d in (ours, ref):
                        body = dict(s, startsAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
                                    endsAt=ends, createdBy="t", comment="c")
                        code, resp, _ = d.request("POST", "/api/v2/silences", body)
                        if R.check("%s: silence created" % d.name, code == 200, resp):
                            ids[d.name].append(json.loads(resp)["silenceID"])
            for path in paths:
                ca, ba = raw_get(ours, path)
                cb, bb = raw_get(ref, path)
                na, nb = normalise(ba, ids["tocsin"]), normalise(bb, ids["reference"])
                detail = ""
                if na != nb:
                    k = next((j for j in range(min(len(na), len(nb))) if na[j] != nb[j]), min(len(na), len(nb)))
                    detail = "\n first difference at byte %d:\n tocsin    %r\n reference %r" % (
                        k, na[max(0, k - 120):k + 120], nb[max(0, k - 120):k + 120])
                R.check("GET %s %s: same bytes as the reference (%d bytes)" % (path, stage, len(na)),
                        ca == cb == 200 and na == nb, detail)
    finally:
        ours.cleanup()
        ref.cleanup()
    R.finish()


if __name__ == "__main__":
    main()
