#!/usr/bin/python3
"""Silences API v2 on tocsin and the reference Alertmanager side by side (issue 3).

create / get / list / update / expire; every malformed silence gets the same status code from both
(and tocsin's message is not empty); the JSON shapes of the answers have the same keys and value
types; the update rules (update in place vs expire-and-create) behave the same.
Usage: test_silences_api.py <path-to-tocsin>
"""
import copy
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silence_harness import Daemon, Results, rfc3339, tocsin_binary, type_shape  # noqa: E402

CONFIG = """
route:
  receiver: default
receivers:
- name: default
"""

R = Results()


def m(name, value, regex=False, equal=True):
    return {"name": name, "value": value, "isRegex": regex, "isEqual": equal}


_seq = [0]


def silence(now, **kw):
    # Distinct default endsAt values: the reference's list order is undefined between ties.
    _seq[0] += 1
    s = {
        "matchers": [m("alertname", "Disk")],
        "startsAt": rfc3339(now - 1),
        "endsAt": rfc3339(now + 3600 + 7 * _seq[0]),
        "createdBy": "it",
        "comment": "api test",
    }
    s.update(kw)
    return s


def both(daemons, method, path, body=None, headers=None):
    return {k: d.req(method, path, body, headers) for k, d in daemons.items()}


def same_status(name, rs, require_msg=False):
    t, r = rs["tocsin"], rs["ref"]
    ok = R.check(name + ": status %d == reference %d" % (t.status, r.status), t.status == r.status,
                 "tocsin %r; reference %r" % (t, r))
    if require_msg and t.status >= 400:
        R.check(name + ": tocsin message non-empty", t.text.strip() not in ("", '""'), repr(t))
    if ok and t.status >= 400 and t.text.strip() != r.text.strip():
        print("  NOTE message differs for %s:\n    tocsin:    %s\n    reference: %s" % (name, t.text.strip(), r.text.strip()))
    return ok


def malformed(daemons):
    now = time.time()
    cases = []

    def add(name, body, raw=False):
        cases.append((name, body, raw))

    add("no matchers", silence(now, matchers=[]))
    add("matchers missing", {k: v for k, v in silence(now).items() if k != "matchers"})
    add("matchers null", silence(now, matchers=None))
    add("only matcher matches empty (=\"\")", silence(now, matchers=[m("a", "")]))
    add("regex matching empty and a negative matcher (accepted)", silence(now, matchers=[m("a", ".*", regex=True), m("b", "x", equal=False)]))
    add("only a negative regex matcher (accepted)", silence(now, matchers=[m("a", ".+", regex=True, equal=False)]))
    add("bad regex", silence(now, matchers=[m("a", "(", regex=True)]))
    add("bad regex second matcher", silence(now, matchers=[m("a", "b"), m("c", "[z-a]", regex=True)]))
    add("bad label name", silence(now, matchers=[m("0bad", "x")]))
    add("empty label name", silence(now, matchers=[m("", "x")]))
    add("endsAt before startsAt", silence(now, startsAt=rfc3339(now + 600), endsAt=rfc3339(now + 300)))
    add("endsAt equals startsAt", silence(now, startsAt=rfc3339(now + 600), endsAt=rfc3339(now + 600)))
    add("endsAt in the past", silence(now, startsAt=rfc3339(now - 600), endsAt=rfc3339(now - 300)))
    for f in ("createdBy", "comment", "startsAt", "endsAt"):
        s = silence(now)
        del s[f]
        add("missing " + f, s)
    add("createdBy null", silence(now, createdBy=None))
    add("empty createdBy (accepted)", silence(now, createdBy=""))
    add("createdBy number", silence(now, createdBy=5))
    add("comment bool", silence(now, comment=True))
    add("startsAt number", silence(now, startsAt=12345))
    add("startsAt not a time", silence(now, startsAt="yesterday"))
    add("endsAt not a time", silence(now, endsAt="2024-13-45T99:00:00Z"))
    add("matchers is a string", silence(now, matchers="alertname=Disk"))
    add("matchers is an object", silence(now, matchers={"name": "a", "value": "b"}))
    add("matcher is a string", silence(now, matchers=["a=b"]))
    add("matcher isRegex string", silence(now, matchers=[{"name": "a", "value": "b", "isRegex": "no"}]))
    add("matcher value number", silence(now, matchers=[{"name": "a", "value": 3, "isRegex": False}]))
    add("matcher missing name", silence(now, matchers=[{"value": "b", "isRegex": False}]))
    add("matcher missing value", silence(now, matchers=[{"name": "a", "isRegex": False}]))
    add("matcher missing isRegex", silence(now, matchers=[{"name": "a", "value": "b"}]))
    add("id is a number", silence(now, id=7))
    add("body is an array", [silence(now)])
    add("body is a string", "\"hello\"", raw=True)
    add("not JSON", "this is not json", raw=True)
    add("truncated JSON", '{"matchers": [', raw=True)
    add("empty body", "", raw=True)
    add("unknown id (uuid) on update", silence(now, id=str(uuid.uuid4())))
    add("unknown id (not a uuid) on update", silence(now, id="no-such-silence"))

    for name, body, raw in cases:
        rs = {}
        for k, d in daemons.items():
            if raw:
                rs[k] = d.req("POST", "/api/v2/silences", body, {"Content-Type": "application/json"})
            else:
                rs[k] = d.post_silence(copy.deepcopy(body))
        same_status("POST malformed: " + name, rs, require_msg=True)
        R.check("POST malformed: %s: rejected by tocsin" % name,
                rs["tocsin"].status >= 400 or rs["ref"].status < 400, repr(rs["tocsin"]))

    # Specific expectations from the issue.
    now = time.time()
    t = daemons["tocsin"]
    r = t.post_silence(silence(now, id=str(uuid.uuid4())))
    R.check("update of an unknown id is 404", r.status == 404, repr(r))
    for name, body in [("no matchers", silence(now, matchers=[])),
                       ("matches empty", silence(now, matchers=[m("a", "")])),
                       ("bad regex", silence(now, matchers=[m("a", "(", regex=True)])),
                       ("endsAt before startsAt", silence(now, startsAt=rfc3339(now + 600), endsAt=rfc3339(now + 300))),
                       ("endsAt in the past", silence(now, startsAt=rfc3339(now - 600), endsAt=rfc3339(now - 300)))]:
        r = t.post_silence(body)
        R.check("tocsin rejects %s with 4xx and a message" % name, 400 <= r.status < 500 and len(r.text.strip()) > 2, repr(r))

    # Unknown ids on GET and DELETE.
    u = str(uuid.uuid4())
    same_status("GET unknown uuid", both(daemons, "GET", "/api/v2/silence/" + u))
    R.check("GET unknown uuid is 404 on tocsin", daemons["tocsin"].req("GET", "/api/v2/silence/" + u).status == 404)
    same_status("GET non-uuid id", both(daemons, "GET", "/api/v2/silence/not-a-uuid"))
    same_status("DELETE unknown uuid", both(daemons, "DELETE", "/api/v2/silence/" + u))
    same_status("DELETE non-uuid id", both(daemons, "DELETE", "/api/v2/silence/not-a-uuid"))
    same_status("GET empty id", both(daemons, "GET", "/api/v2/silence/"))
    same_status("DELETE empty id", both(daemons, "DELETE", "/api/v2/silence/"))
    same_status("GET silences with bad filter", both(daemons, "GET", "/api/v2/silences?filter=%7Ba%3D%7D"))
    same_status("PUT /api/v2/silences", both(daemons, "PUT", "/api/v2/silences", silence(time.time())))


def create_get_list(daemons):
    now = time.time()
    ids = {}
    bodies = [
        ("active-eq", silence(now, matchers=[m("alertname", "Disk"), m("env", "prod")], comment="active-eq")),
        ("active-re", silence(now, matchers=[m("job", "node.*", regex=True), m("env", "dev", equal=False)], comment="active-re")),
        ("active-nre", silence(now, matchers=[m("alertname", "CPU"), m("team", "db|web", regex=True, equal=False)],
                               comment="active-nre", endsAt=rfc3339(now + 1800))),
        ("pending", silence(now, startsAt=rfc3339(now + 3600), endsAt=rfc3339(now + 7200), comment="pending")),
        ("pending2", silence(now, startsAt=rfc3339(now + 1800), endsAt=rfc3339(now + 7200), comment="pending2",
                             matchers=[m("env", "prod")])),
        ("to-expire", silence(now, comment="to-expire", matchers=[m("alertname", "Gone")])),
    ]
    for name, b in bodies:
        rs = {k: d.post_silence(copy.deepcopy(b)) for k, d in daemons.items()}
        if same_status("create " + name, rs):
            R.check("create %s: 200" % name, rs["tocsin"].status == 200, repr(rs["tocsin"]))
        if rs["tocsin"].status == 200 and rs["ref"].status == 200:
            R.check("create %s: response shape" % name,
                    type_shape(rs["tocsin"].json()) == type_shape(rs["ref"].json()),
                    "%r vs %r" % (rs["tocsin"], rs["ref"]))
            ids[name] = {k: rs[k].json()["silenceID"] for k in rs}
            try:
                uuid.UUID(ids[name]["tocsin"])
                R.check("create %s: id is a uuid" % name, True)
            except ValueError:
                R.check("create %s: id is a uuid" % name, False, ids[name]["tocsin"])

    # Expire one.
    if "to-expire" in ids:
        rs = {k: d.req("DELETE", "/api/v2/silence/" + ids["to-expire"][k]) for k, d in daemons.items()}
        same_status("DELETE active silence", rs)
        R.check("DELETE active silence: 200", rs["tocsin"].status == 200, repr(rs["tocsin"]))
        rs = {k: d.req("DELETE", "/api/v2/silence/" + ids["to-expire"][k]) for k, d in daemons.items()}
        same_status("DELETE already expired silence", rs)
    if "pending2" in ids:
        rs = {k: d.req("DELETE", "/api/v2/silence/" + ids["pending2"][k]) for k, d in daemons.items()}
        same_status("DELETE pending silence", rs)

    # GET each silence.
    for name in ids:
        rs = {k: d.req("GET", "/api/v2/silence/" + ids[name][k]) for k, d in daemons.items()}
        if not same_status("GET silence " + name, rs) or rs["tocsin"].status != 200:
            continue
        tj, rj = rs["tocsin"].json(), rs["ref"].json()
        R.check("GET silence %s: shape" % name, type_shape(tj) == type_shape(rj), "tocsin %r\nref %r" % (tj, rj))
        R.check("GET silence %s: key order" % name, list(tj.keys()) == list(rj.keys()), "%r vs %r" % (list(tj), list(rj)))
        R.check("GET silence %s: id" % name, tj.get("id") == ids[name]["tocsin"])
        for key in ("comment", "createdBy", "status"):
            R.check("GET silence %s: %s equal" % (name, key), tj.get(key) == rj.get(key), "%r vs %r" % (tj.get(key), rj.get(key)))
        norm = lambda ms: sorted((x["name"], x["value"], x["isRegex"], x.get("isEqual", True)) for x in ms)
        R.check("GET silence %s: matchers equal" % name, norm(tj.get("matchers", [])) == norm(rj.get("matchers", [])),
                "%r vs %r" % (tj.get("matchers"), rj.get("matchers")))
        if name in ("pending",):
            R.check("GET silence %s: startsAt kept" % name, tj["startsAt"][:19] == rj["startsAt"][:19],
                    "%s vs %s" % (tj["startsAt"], rj["startsAt"]))

    # List: same silences, same order, same shapes.
    rs = both(daemons, "GET", "/api/v2/silences")
    if same_status("GET /api/v2/silences", rs) and rs["tocsin"].status == 200:
        tl, rl = rs["tocsin"].json(), rs["ref"].json()
        R.check("list: same number", len(tl) == len(rl), "%d vs %d" % (len(tl), len(rl)))
        R.check("list: same order (by comment)", [x["comment"] for x in tl] == [x["comment"] for x in rl],
                "%r vs %r" % ([x["comment"] for x in tl], [x["comment"] for x in rl]))
        R.check("list: same states", [x["status"]["state"] for x in tl] == [x["status"]["state"] for x in rl],
                "%r vs %r" % ([x["status"]["state"] for x in tl], [x["status"]["state"] for x in rl]))
        R.check("list: element shapes", [type_shape(x) for x in tl] == [type_shape(x) for x in rl])
        R.check("list: element key order", [list(x) for x in tl] == [list(x) for x in rl],
                "%r vs %r" % ([list(x) for x in tl][:1], [list(x) for x in rl][:1]))
        R.check("list: content type", rs["tocsin"].headers.get("content-type", "").startswith("application/json"),
                rs["tocsin"].headers.get("content-type"))

    # Filters.
    for q in ['alertname="Disk"', "env=prod", 'alertname=~"D.*"', "job=node1", "env!=prod", "team=db",
              "alertname=Gone", 'nosuch="x"']:
        import urllib.parse
        rs = both(daemons, "GET", "/api/v2/silences?filter=" + urllib.parse.quote(q))
        if same_status("list filter %s" % q, rs) and rs["tocsin"].status == 200:
            a = sorted(x["comment"] for x in rs["tocsin"].json())
            b = sorted(x["comment"] for x in rs["ref"].json())
            R.check("list filter %s: same silences" % q, a == b, "%r vs %r" % (a, b))
    return ids


def state_of(d, sid):
    r = d.req("GET", "/api/v2/silence/" + sid)
    return r.json()["status"]["state"] if r.status == 200 else "HTTP %d" % r.status


def update_rules(daemons):
    """Each case: create a silence, post a modified copy with its id, compare what happened."""
    def case(name, base, change, expect_same=None):
        now = time.time()
        out = {}
        for k, d in daemons.items():
            b = base(now)
            r = d.post_silence(b)
            if r.status != 200:
                out[k] = ("create failed", r)
                continue
            sid = r.json()["silenceID"]
            g = d.req("GET", "/api/v2/silence/" + sid).json()
            u = change(now, copy.deepcopy(g))
            u["id"] = sid
            for key in ("status", "updatedAt"):
                u.pop(key, None)
            r2 = d.post_silence(u)
            if r2.status != 200:
                out[k] = ("update status %d" % r2.status, state_of(d, sid))
                continue
            nid = r2.json()["silenceID"]
            out[k] = ("same id" if nid == sid else "new id", state_of(d, sid), state_of(d, nid))
        R.check("update rule: %s: same outcome" % name, out.get("tocsin") == out.get("ref"),
                "tocsin %r; reference %r" % (out.get("tocsin"), out.get("ref")))
        if expect_same is not None and out.get("tocsin") and out["tocsin"][0] in ("same id", "new id"):
            R.check("update rule: %s: %s" % (name, "in place" if expect_same else "new id"),
                    (out["tocsin"][0] == "same id") == expect_same, repr(out["tocsin"]))

    active = lambda now: silence(now, comment="upd")
    pending = lambda now: silence(now, startsAt=rfc3339(now + 600), endsAt=rfc3339(now + 1200), comment="upd")

    def set_(**kw):
        def f(now, s):
            for k, v in kw.items():
                s[k] = v(now) if callable(v) else v
            return s
        return f

    case("active: change comment", active, set_(comment="changed"), True)
    case("active: extend endsAt", active, set_(endsAt=lambda now: rfc3339(now + 7200)), True)
    case("active: shorten endsAt (future)", active, set_(endsAt=lambda now: rfc3339(now + 60)), True)
    case("active: change createdBy", active, set_(createdBy="someone-else"), True)
    case("active: change matchers", active, set_(matchers=[m("alertname", "Other")]), False)
    case("active: add a matcher", active, set_(matchers=[m("alertname", "Disk"), m("env", "prod")]), False)
    case("active: matcher to regex", active, set_(matchers=[m("alertname", "Disk", regex=True)]), False)
    case("active: move startsAt earlier", active, set_(startsAt=lambda now: rfc3339(now - 600)), False)
    case("active: move startsAt to the future", active, set_(startsAt=lambda now: rfc3339(now + 60)), False)
    case("active: endsAt in the past", active, set_(endsAt=lambda now: rfc3339(now - 10)))
    case("pending: change comment", pending, set_(comment="changed"), True)
    case("pending: move startsAt later", pending, set_(startsAt=lambda now: rfc3339(now + 900)), True)
    case("pending: move startsAt to now-ish past", pending, set_(startsAt=lambda now: rfc3339(now - 60)), False)
    case("pending: change endsAt", pending, set_(endsAt=lambda now: rfc3339(now + 5000)), True)
    case("pending: change matchers", pending, set_(matchers=[m("alertname", "Other")]), False)

    # Expired silence updated: a new silence.
    def expired_case():
        out = {}
        for k, d in daemons.items():
            now = time.time()
            sid = d.post_silence(silence(now, comment="exp")).json()["silenceID"]
            d.req("DELETE", "/api/v2/silence/" + sid)
            g = d.req("GET", "/api/v2/silence/" + sid).json()
            for key in ("status", "updatedAt"):
                g.pop(key, None)
            g["endsAt"] = rfc3339(now + 3600)
            g["comment"] = "revived"
            r = d.post_silence(g)
            if r.status != 200:
                out[k] = ("update status %d" % r.status,)
                continue
            nid = r.json()["silenceID"]
            out[k] = ("same id" if nid == sid else "new id", state_of(d, sid), state_of(d, nid))
        R.check("update rule: expired: revive: same outcome", out["tocsin"] == out["ref"],
                "tocsin %r; reference %r" % (out["tocsin"], out["ref"]))
        R.check("update rule: expired: revive gives a new id", out["tocsin"][0] == "new id", repr(out["tocsin"]))
    expired_case()

    # A new silence starting in the past starts now (both).
    now = time.time()
    for k, d in daemons.items():
        sid = d.post_silence(silence(now, startsAt=rfc3339(now - 3600), comment="past-start")).json()["silenceID"]
        g = d.req("GET", "/api/v2/silence/" + sid).json()
        from silence_harness import parse_time
        R.check("%s: new silence with startsAt in the past starts about now" % k,
                abs(parse_time(g["startsAt"]) - now) < 5, g["startsAt"])

    # updatedAt changes on an in-place update.
    for k, d in daemons.items():
        now = time.time()
        sid = d.post_silence(silence(now, comment="ua")).json()["silenceID"]
        g1 = d.req("GET", "/api/v2/silence/" + sid).json()
        time.sleep(0.05)
        u = {x: g1[x] for x in ("matchers", "startsAt", "endsAt", "createdBy")}
        u.update(id=sid, comment="ua2")
        d.post_silence(u)
        g2 = d.req("GET", "/api/v2/silence/" + sid).json()
        R.check("%s: updatedAt advances on an in-place update" % k, g2["updatedAt"] > g1["updatedAt"] and g2["comment"] == "ua2",
                "%s -> %s" % (g1["updatedAt"], g2["updatedAt"]))


def main():
    binary = tocsin_binary()
    daemons = {}
    try:
        daemons["tocsin"] = Daemon("tocsin", binary, CONFIG).start()
        daemons["ref"] = Daemon("ref", None, CONFIG).start()
        R.run("malformed", malformed, daemons)
        R.run("create/get/list", create_get_list, daemons)
        R.run("update rules", update_rules, daemons)
        # Status reports version the way amtool wants it.
        st = daemons["tocsin"].req("GET", "/api/v2/status").json()
        R.check("status: versionInfo.version is 0.25.0", st.get("versionInfo", {}).get("version") == "0.25.0",
                st.get("versionInfo"))
    finally:
        for d in daemons.values():
            d.cleanup()
    R.finish()


if __name__ == "__main__":
    main()
