#!/usr/bin/python3
"""Silences survive kill -9 (issue 3).

Creates 1,000 silences on tocsin (active and pending, a few expired, a few updated), kills it with
SIGKILL right after the last answers, restarts it on the same --storage.path: all 1,000 are back
with the same ids, matchers, times and states, and they still silence alerts. The SQLite database
passes PRAGMA integrity_check, both straight after the crash (on a copy) and after a clean stop.
Usage: test_silence_crash.py <path-to-tocsin>
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silence_harness import Daemon, Results, rfc3339, tocsin_binary  # noqa: E402

R = Results()

CONFIG = """
route:
  receiver: default
receivers:
- name: default
"""

TOTAL = 1000
LAST_BATCH = 5  # created after the snapshot, right before the kill


def integrity(db):
    if shutil.which("sqlite3"):
        p = subprocess.run(["sqlite3", db, "PRAGMA integrity_check"], capture_output=True, text=True, timeout=60)
        return (p.stdout + p.stderr).strip()
    c = sqlite3.connect(db)
    try:
        return "\n".join(r[0] for r in c.execute("PRAGMA integrity_check"))
    finally:
        c.close()


def body(i, now):
    ms = [{"name": "alertname", "value": "Crash%d" % i, "isRegex": False, "isEqual": True}]
    if i % 3 == 0:
        ms.append({"name": "instance", "value": "host-%d.*" % i, "isRegex": True, "isEqual": True})
    if i % 5 == 0:
        ms.append({"name": "env", "value": "dev", "isRegex": False, "isEqual": False})
    if i % 7 == 0:
        ms.append({"name": "team", "value": "a|b", "isRegex": True, "isEqual": False})
    if i % 2 == 0:  # active
        start, end = now - 1, now + 3600 + i
    else:  # pending
        start, end = now + 1800 + i, now + 7200 + i
    return {"matchers": ms, "startsAt": rfc3339(start), "endsAt": rfc3339(end),
            "createdBy": "crash-%d" % (i % 11), "comment": "silence #%d \u2713 <&>" % i}


def key(s):
    return (sorted((m["name"], m["value"], m["isRegex"], m.get("isEqual", True)) for m in s["matchers"]),
            s["status"]["state"], s["startsAt"], s["endsAt"], s["createdBy"], s["comment"], s["updatedAt"])


def snapshot(d):
    r = d.req("GET", "/api/v2/silences", timeout=60)
    assert r.status == 200, repr(r)
    return {s["id"]: s for s in r.json()}


def main():
    binary = tocsin_binary()
    storage = tempfile.mkdtemp(prefix="tocsin-crash-")
    copy_dir = tempfile.mkdtemp(prefix="tocsin-crash-copy-")
    d = None
    try:
        d = Daemon("tocsin", binary, CONFIG, storage=storage).start()
        now = time.time()
        ids = []
        t0 = time.time()
        errors = []
        for i in range(TOTAL - LAST_BATCH):
            r = d.post_silence(body(i, now))
            if r.status != 200:
                errors.append((i, r))
                continue
            ids.append(r.json()["silenceID"])
        print("  created %d silences in %.1fs" % (len(ids), time.time() - t0))
        R.check("%d silences created" % (TOTAL - LAST_BATCH), not errors and len(ids) == TOTAL - LAST_BATCH, errors[:3])

        # Expire a few (active and pending), update a few in place, replace a few (matchers changed).
        expired = ids[0:20:2] + ids[1:20:2]
        for sid in expired:
            r = d.req("DELETE", "/api/v2/silence/" + sid)
            R.check("expire %s" % sid, r.status == 200, repr(r))
        for sid in ids[100:110]:
            g = d.req("GET", "/api/v2/silence/" + sid).json()
            u = {k: g[k] for k in ("matchers", "startsAt", "endsAt", "createdBy")}
            u.update(id=sid, comment="updated in place")
            r = d.post_silence(u)
            R.check("update in place %s" % sid, r.status == 200 and r.json()["silenceID"] == sid, repr(r))
        replaced = 0
        for sid in ids[200:205]:
            g = d.req("GET", "/api/v2/silence/" + sid).json()
            u = {k: g[k] for k in ("startsAt", "endsAt", "createdBy", "comment")}
            u.update(id=sid, matchers=g["matchers"] + [{"name": "extra", "value": "x", "isRegex": False, "isEqual": True}])
            if g["status"]["state"] == "active":
                u["startsAt"] = rfc3339(time.time())
            r = d.post_silence(u)
            if r.status == 200 and r.json()["silenceID"] != sid:
                replaced += 1
        R.check("matcher changes create new silences", replaced == 5, replaced)

        before = snapshot(d)
        # The last few: created, then kill -9 right after their answers.
        last = []
        for i in range(TOTAL - LAST_BATCH, TOTAL):
            r = d.post_silence(body(i, now))
            if r.status == 200:
                last.append(r.json()["silenceID"])
        R.check("last batch created", len(last) == LAST_BATCH, last)
        d.stop(kill=True)
        for sid in last:
            before[sid] = None  # content checked below (same matchers as body)

        expected_total = TOTAL + replaced
        R.check("%d silences known before the crash (%d created + %d replacements)" % (expected_total, TOTAL, replaced),
                len(before) == expected_total, len(before))
        states = {}
        for s in before.values():
            if s:
                states[s["status"]["state"]] = states.get(s["status"]["state"], 0) + 1
        print("  states before the crash: %r" % states)
        R.check("mix of states before the crash", all(states.get(k, 0) > 0 for k in ("active", "pending", "expired")), states)

        db = os.path.join(storage, "tocsin.db")
        R.check("tocsin.db exists", os.path.exists(db), os.listdir(storage))
        # Integrity of what the crash left (on a copy, so the restart sees the untouched files).
        for f in os.listdir(storage):
            if f.startswith("tocsin.db"):
                shutil.copy2(os.path.join(storage, f), copy_dir)
        res = integrity(os.path.join(copy_dir, "tocsin.db"))
        R.check("integrity_check after kill -9: ok", res == "ok", res)

        # Restart on the same storage.
        d2 = Daemon("tocsin", binary, CONFIG, storage=storage).start()
        after = snapshot(d2)
        R.check("all %d silences back" % expected_total, len(after) == expected_total, len(after))
        missing = [sid for sid in before if sid not in after]
        R.check("same ids", not missing, missing[:5])
        diff = []
        for sid, s in before.items():
            if s is None or sid not in after:
                continue
            if key(s) != key(after[sid]):
                diff.append((sid, key(s), key(after[sid])))
        R.check("same matchers, times, states, comments, updatedAt", not diff, diff[:2])
        for n, sid in enumerate(last):
            a = after.get(sid)
            want = body(TOTAL - LAST_BATCH + n, now)
            ok = a is not None and sorted(m["name"] + m["value"] for m in a["matchers"]) == \
                sorted(m["name"] + m["value"] for m in want["matchers"]) and a["comment"] == want["comment"]
            R.check("silence created just before the kill is back: %s" % sid, ok, a)
        exp_after = sum(1 for sid in expired if after.get(sid, {}).get("status", {}).get("state") == "expired")
        R.check("expired ones still expired", exp_after == len(expired), exp_after)
        upd = sum(1 for sid in ids[100:110] if after.get(sid, {}).get("comment") == "updated in place")
        R.check("in-place updates kept", upd == 10, upd)

        # They still work: an alert matching an active silence is silenced by it.
        active_id = ids[40]
        sil = after[active_id]
        R.check("silence #40 active", sil["status"]["state"] == "active", sil["status"])
        d2.post_alerts([{"labels": {"alertname": "Crash40", "instance": "host-40x", "env": "prod", "team": "c"}}])
        r = d2.get_alerts()
        st = [a["status"] for a in r.json() if a["labels"].get("alertname") == "Crash40"]
        R.check("restored silence still silences", st and st[0]["silencedBy"] == [active_id] and st[0]["state"] == "suppressed", st)
        r = d2.req("GET", "/api/v2/silence/" + active_id)
        R.check("GET restored silence by id", r.status == 200 and r.json()["id"] == active_id, repr(r))

        # Second crash after more changes, then a clean stop and the integrity check.
        r = d2.req("DELETE", "/api/v2/silence/" + ids[42])
        R.check("expire after restart", r.status == 200, repr(r))
        d2.stop(kill=True)
        d3 = Daemon("tocsin", binary, CONFIG, storage=storage).start()
        g = d3.req("GET", "/api/v2/silence/" + ids[42])
        R.check("expiry after the first restart survives a second kill -9",
                g.status == 200 and g.json()["status"]["state"] == "expired", repr(g))
        R.check("still %d silences" % expected_total, len(snapshot(d3)) == expected_total)
        rc = d3.stop()
        R.check("clean stop with SIGTERM exits 0", rc == 0, rc)
        res = integrity(db)
        R.check("integrity_check after the clean stop: ok", res == "ok", res)
    finally:
        from silence_harness import cleanup
        cleanup()
        shutil.rmtree(storage, ignore_errors=True)
        shutil.rmtree(copy_dir, ignore_errors=True)
    R.finish()


if __name__ == "__main__":
    main()
