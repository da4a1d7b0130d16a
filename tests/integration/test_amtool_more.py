#!/usr/bin/python3
"""test_amtool_more.py: the rest of what an operator does with the stock amtool (Debian 0.25), against
tocsin and the reference side by side, and tocsin's own subcommands against amtool's.

Beyond test_amtool.py: every alert query state flag and receiver filter, matchers in both syntaxes,
alerts active, silenced and inhibited at once, alert add with times, silence add/update/expire/import
edge cases and their error messages, matchers changed through an edited import, silences moved between
the two daemons, config show in every format (also after a reload, and for routes/alertmanager.yml and
each receivers/*.yml), config routes against a daemon, cluster show (clustering off and on), check-config
and routes show/test on good and bad files (amtool's output and `tocsin check-config`/`tocsin routes`'s),
path prefixes in --alertmanager.url (--web.route-prefix, --web.external-url), and --http.config.file with
basic auth and with TLS client certificates. Outputs are compared after normalising ids (numbered in order
of appearance), times, durations, ports and temporary paths; where an order is undefined (equal end
times) lines are compared sorted. Deliberate differences are named where they are normalised.
Usage: test_amtool_more.py <path-to-tocsin> [section...]   (sections: state config shipped local prefix
auth tls cluster; SHOW=1 prints what tocsin answered to each command)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silence_harness import AMTOOL, Daemon, Results, free_port, http_request, rfc3339, tocsin_binary  # noqa: E402

R = Results()
TMP_ROOT = "/tmp/h4" if os.path.isdir("/tmp/h4") else None
TEMP_DIRS = [tempfile.mkdtemp(prefix="amtool-home-", dir=TMP_ROOT)]  # removed at the end
# A HOME of its own: no ~/.config/prometheus/amtool.yml of the user's changes amtool's defaults.
ENV = dict(os.environ, TZ="UTC", HOME=TEMP_DIRS[0])

CONFIG = """
global:
  resolve_timeout: 5m
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
  - receiver: crit
    matchers: [severity="critical"]
    continue: true
  - receiver: team-db
    matchers: [team="db"]
  - receiver: team-web
    matchers: [team="web"]
    routes:
    - receiver: web-pager
      matchers: ['severity=~"page|critical"']
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]
receivers:
- name: default
- name: crit
- name: team-db
- name: team-web
- name: web-pager
"""

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?(Z|UTC|[+-]\d\d:?\d\d))?( UTC)?( m=[+-][0-9.]+)?")
DUR_RE = re.compile(r"\b(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)\b|\b\d+h\d+m\b")


class Ctx:
    """One daemon and what amtool printed against it (ids are numbered in order of appearance)."""

    def __init__(self, kind, daemon, url=None):
        self.kind = kind
        self.d = daemon
        self.url = url or (daemon.url if daemon else "")
        self.ids = {}
        self.named = {}
        self.tmp = tempfile.mkdtemp(prefix="amtool-%s-" % kind, dir=TMP_ROOT)
        TEMP_DIRS.append(self.tmp)

    def norm(self, text):
        def id_sub(m):
            u = m.group(0)
            if u not in self.ids:
                self.ids[u] = "ID%d" % (len(self.ids) + 1)
            return self.ids[u]
        text = UUID_RE.sub(id_sub, text)
        text = TIME_RE.sub("<TIME>", text)
        text = DUR_RE.sub("<DUR>", text)
        text = re.sub(r"\b0x[0-9a-f]+\b", "<PTR>", text)
        if self.d:
            text = text.replace(self.d.url, "<URL>").replace("127.0.0.1:%d" % self.d.port, "<ADDR>")
            text = text.replace(self.d.workdir, "<WORKDIR>")
        text = text.replace(self.tmp, "<TMP>")
        lines = [re.sub(r"[ \t]{2,}", "  ", ln).rstrip() for ln in text.splitlines()]
        return "\n".join(lines).strip("\n")


def amtool(ctx, args, stdin=None, url=True, timeout=60):
    cmd = [AMTOOL] + (["--alertmanager.url=" + ctx.url] if url else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV,
                       input=stdin if stdin is not None else "", )
    return p.returncode, p.stdout, p.stderr


def norm_json(ctx, text):
    try:
        v = json.loads(text)
    except ValueError:
        return ctx.norm(text)

    def walk(x, key=None):
        if isinstance(x, dict):
            if key == "versionInfo":
                # tocsin's own build, branch and revision: a documented difference; only version counts.
                return {k: (walk(v) if k == "version" else "<BUILD>") for k, v in sorted(x.items())}
            return {k: walk(v, k) for k, v in sorted(x.items())}
        if isinstance(x, list):
            items = [walk(v) for v in x]
            # Both sort these ids as strings; the reference's are random, tocsin's start with the time.
            return sorted(items) if key in ("silencedBy", "inhibitedBy") else items
        if isinstance(x, str):
            return ctx.norm(x)
        return x
    return json.dumps(walk(v), sort_keys=True, indent=1)


def compare(name, t, r, expect_rc=None):
    """t, r: (rc, stdout, stderr, shown) of tocsin and the reference."""
    shown = name + ": " + t[3]
    R.check("%s: exit code %d == reference %d" % (shown, t[0], r[0]), t[0] == r[0],
            "\n  tocsin stderr: %s\n  reference stderr: %s" % (t[2], r[2]))
    if expect_rc is not None:
        R.check("%s: exit code %d" % (shown, expect_rc), t[0] == expect_rc, "stderr: %s" % t[2])
    R.check("%s: stdout equal" % shown, t[1] == r[1], "\n--- tocsin:\n%s\n--- reference:\n%s" % (t[1], r[1]))
    R.check("%s: stderr equal" % shown, t[2] == r[2], "\n--- tocsin:\n%s\n--- reference:\n%s" % (t[2], r[2]))


def step(ctxs, name, args_fn, json_out=False, capture=None, expect_rc=0, sort_lines=False, stdin_fn=None, url=True,
         err_fn=None):
    outs = {}
    for k in ("tocsin", "ref"):
        c = ctxs[k]
        args = args_fn(c)
        rc, out, err = amtool(c, args, stdin=stdin_fn(c) if stdin_fn else None, url=url)
        if capture:
            c.named[capture] = out.strip()
        o = norm_json(c, out) if json_out else c.norm(out)
        if sort_lines == "keep":  # ids already numbered: only the order of the lines is free
            o = "\n".join(sorted(o.splitlines()))
        elif sort_lines:
            o = "\n".join(sorted(re.sub(r"ID\d+", "ID", ln) for ln in o.splitlines()))
        e = c.norm(err)
        outs[k] = (rc, o, err_fn(e) if err_fn else e, "amtool " + " ".join(c.norm(a) for a in args), out, err)
    compare(name, outs["tocsin"], outs["ref"], expect_rc)
    if os.environ.get("SHOW"):  # SHOW=1: what tocsin printed, to read what a comparison covered
        print("      rc=%d\n      %s\n      %s" % (outs["tocsin"][0], outs["tocsin"][1].replace("\n", "\n      "),
                                                  outs["tocsin"][2].replace("\n", "\n      ")))
    return outs


def ids_of(ctx, args):
    return amtool(ctx, ["silence", "query", "-q"] + args)[1].split()


# ---------------------------------------------------------------------------------------------------
def alerts_and_silences(ctxs):
    now = time.time()
    # Alerts: labels, annotations, generator URL, start, end (one resolved), alertname omitted.
    adds = [
        ["alertname=DiskFull", "severity=warning", "instance=i1", "team=db", "--annotation=summary=disk full",
         "--annotation=runbook=http://rb/disk", "--generator-url=http://prom/graph?g0.expr=up"],
        ["CPU", "severity=critical", "instance=i1"],
        ["alertname=Mem", "severity=warning", "instance=i2", "team=web", "--start=" + rfc3339(now - 3600)],
        ["alertname=Net", "severity=page", "team=web", "--start=" + rfc3339(now - 60), "--end=" + rfc3339(now + 7200)],
        ["alertname=Old", "team=db", "--start=" + rfc3339(now - 7200), "--end=" + rfc3339(now - 3600)],
        ["alertname=Quoted", 'msg="a b"', "--annotation=description=has = sign"],
        ["alertname=Unicode", "site=zürich", "severity=info"],
        ["alertname=Swap", "severity=warning", "instance=i1", "team=ops"],  # inhibited by CPU only
        ["alertname=Multi", "severity=critical", "team=web", "instance=i9"],  # crit, then web-pager
    ]
    for a in adds:
        step(ctxs, "alert add", lambda c, a=a: ["alert", "add"] + a)
    # Times the API has to settle: a start in the future, an end alone in the past, an end equal to the
    # start, times with an offset.
    for a, what in ((["alertname=T1", "--start=" + rfc3339(now + 600)], "start in the future"),
                    (["alertname=T2", "--end=" + rfc3339(now - 600)], "end alone in the past"),
                    (["alertname=T3", "--start=" + rfc3339(now - 60), "--end=" + rfc3339(now - 60)], "end equal to start"),
                    (["alertname=T4", "--start=2020-01-01T10:00:00+02:00", "--end=2020-01-01T09:00:00+01:00"],
                     "offsets, end equal to start"),
                    (["alertname=T5", "--start=" + rfc3339(now + 600), "--end=" + rfc3339(now + 1200)], "both ahead")):
        step(ctxs, "alert add " + what, lambda c, a=a: ["alert", "add"] + a, expect_rc=None)
    time.sleep(0.2)
    step(ctxs, "alert query of odd times", lambda c: ["alert", "query", "-a", "-s", "-i", "-u", "-o", "extended",
                                                      "alertname=~T[0-9]"])
    step(ctxs, "alert query of odd times json", lambda c: ["alert", "query", "-o", "json", "alertname=~T[0-9]"],
         json_out=True)

    # Bad input to alert add.
    for a, what in (([], "no labels"), (["alertname=X", "foo!=bar"], "non-equal label"),
                    (["alertname=X", "--annotation=noequals"], "bad annotation"),
                    (["alertname=X", "--start=yesterday"], "bad start"),
                    (["alertname=X", "--end=2020-01-01"], "bad end"),
                    (["alertname=X", "--start=" + rfc3339(now + 60), "--end=" + rfc3339(now)], "end before start"),
                    (["alertname=X", "--generator-url=not a url"], "bad generator url"),
                    (["alertname=X", "0bad=1"], "bad label name"),
                    (["alertname=X", "--annotation=0bad=1"], "bad annotation name"),
                    (["alertname="], "empty alertname"),
                    (["alertname=X", "a=b", "a=c"], "duplicate label")):
        step(ctxs, "alert add " + what, lambda c, a=a: ["alert", "add"] + a, expect_rc=None)
    time.sleep(0.3)

    # Silences, including one that silences DiskFull and one pending.
    step(ctxs, "silence add", lambda c: ["silence", "add", "alertname=DiskFull", "-c", "disk", "-a", "ops", "-d", "2h"],
         capture="s_disk")
    step(ctxs, "silence add pending", lambda c: ["silence", "add", "alertname=Net", "-c", "later", "-a", "ops",
                                                "--start=" + rfc3339(now + 3600), "-d", "1h"], capture="s_pending")
    step(ctxs, "silence add utf-8 syntax", lambda c: ["silence", "add", '{alertname="Unicode", site=~"z.*"}', "-c", "braces",
                                                     "-a", "dev"], expect_rc=None)
    step(ctxs, "silence add quoted", lambda c: ["silence", "add", 'alertname="Quoted"', 'msg="a b"', "-c", "quoted",
                                               "-a", "dev", "-d", "90m"], capture="s_quoted")
    step(ctxs, "silence add -q-less regex", lambda c: ["silence", "add", "instance=~i[2-9]+", "severity!~info|page",
                                                      "-c", "regex and negative", "-a", "dev", "-d", "45m"],
         capture="s_regex")
    step(ctxs, "silence add end", lambda c: ["silence", "add", "alertname=Foo", "-c", "ends", "-a", "dev",
                                            "--end=" + rfc3339(now + 600)], capture="s_end")
    step(ctxs, "silence add start in the past", lambda c: ["silence", "add", "alertname=Bar", "-c", "past", "-a", "dev",
                                                          "--start=" + rfc3339(now - 600), "-d", "21m"], capture="s_past")
    # Errors.
    for a, what in (([], "no matchers"), (["alertname=X"], "no comment"),
                    (["alertname=X", "-c", "x", "-d", "0s"], "zero duration"),
                    (["alertname=X", "-c", "x", "-d", "1x"], "bad duration"),
                    (["alertname=X", "-c", "x", "-d", "-1h"], "negative duration"),
                    (["alertname=X", "-c", "x", "--start=" + rfc3339(now + 600), "--end=" + rfc3339(now + 60)], "end before start"),
                    (["alertname=X", "-c", "x", "--start=" + rfc3339(now - 600), "--end=" + rfc3339(now - 60)], "in the past"),
                    (["alertname=X", "-c", "x", "--start=tomorrow"], "bad start"),
                    (["alertname=X", "-c", "x", "--end=2020-01-01T00:00:00"], "bad end"),
                    (["foo!=bar", "-c", "x"], "only negative matcher"),
                    (["foo=~.*", "-c", "x"], "matches everything"),
                    (["foo!~.+", "-c", "x"], "negative matches the empty string"),
                    (["alertname=~(", "-c", "x"], "invalid regex read as a value"),
                    (["alertname=X", "0bad=~(", "-c", "x"], "invalid matcher"),
                    (["alertname=X", "instance=~(", "-c", "x"], "invalid regex"),
                    (["alertname=X", "{a=b", "-c", "x"], "unclosed brace"),
                    (["alertname=X", 'a="unterminated', "-c", "x"], "unterminated quote"),
                    (["alertname=X", "-c", "x", "-a", ""], "empty author")):
        outs = step(ctxs, "silence add " + what, lambda c, a=a: ["silence", "add"] + a, expect_rc=None)
        for k, o in outs.items():
            if o[0] == 0:
                ctxs[k].named.setdefault("accepted", []).append(o[4].strip())
    # Those accepted above ("foo!=bar" silences every alert without a foo label): expire them, so that
    # the queries below see alerts active, silenced and inhibited.
    # One at a time: expired silences are listed by end time, and two expired in one run can tie.
    for i in range(len(ctxs["tocsin"].named["accepted"])):
        step(ctxs, "silence expire an accepted odd one", lambda c, i=i: ["silence", "expire", c.named["accepted"][i]])
    time.sleep(0.2)

    # Alert queries: states, receivers, matchers.
    queries = [[], ["-a"], ["-s"], ["-i"], ["-u"], ["-a", "-s", "-i", "-u"], ["--active", "--silenced"],
               ["--inhibited", "--unprocessed"], ["-s", "-i"],
               ["-r", "team-db"], ["--receiver=team-.*"], ["-r", "team"], ["-r", "crit|web-pager"], ["-r", "crit", "-s", "-i", "-a"], ["-r", "nobody"],
               ["-r", "web-pager"], ["-r", "(crit"],
               ["alertname=CPU"], ["CPU"], ['alertname="CPU"'], ["severity=~warn.*", "-a", "-s", "-i"],
               ["severity!~warn.*"], ["team!=db"], ["instance=~i1|i2", "-s", "-i"], ["site=zürich"],
               ['{alertname="CPU"}'], ["msg=a b"], ['msg="a b"'], ["nosuchlabel=x"], ["alertname=~("],
               ["alertname=CPU", "0bad=1"], ["alertname=CPU", "instance=~("], ["team="], ["team!="],
               ["-o", "extended"], ["-o", "extended", "-s", "-i", "-a"], ["-o", "extended", "-r", "team-web"]]
    for q in queries:
        step(ctxs, "alert query", lambda c, q=q: ["alert", "query"] + q, expect_rc=None)
    step(ctxs, "alert (default query)", lambda c: ["alert"])
    for q in ([], ["-s", "-i", "-a"], ["-u"], ["team=db", "-s"], ["alertname=Multi", "-s"], ["-r", "web-pager", "-s", "-a"], ["-r", "crit", "-s"]):
        step(ctxs, "alert query json", lambda c, q=q: ["alert", "query", "-o", "json"] + q, json_out=True)

    # Silence queries.
    for q in ([], ["-q"], ["--expired"], ["-e"], ["--within", "30m"], ["--within", "3h"], ["--within=1h", "-q"],
              ["alertname=DiskFull"], ["DiskFull"], ["alertname=~Disk.*"], ["instance=~i[2-9]+"], ["msg=a b"],
              ['{alertname="Foo"}'], ["severity!~info|page"], ["team=db"], ["alertname!=DiskFull"], ["alertname=~("],
              ["0bad=x"], ["--created-by=ops"], ["--created-by=nobody"], ["-o", "extended"],
              ["-o", "extended", "alertname=Net"], ["-q", "-o", "json"], ["silence"]):
        step(ctxs, "silence query", lambda c, q=q: ["silence", "query"] + q, expect_rc=None)
    step(ctxs, "silence (default query)", lambda c: ["silence"])
    step(ctxs, "silence query json", lambda c: ["silence", "query", "-o", "json"], json_out=True)
    for q in ([], ["-s", "-i"], ["alertname=DiskFull", "-s"]):
        step(ctxs, "alert query after silences", lambda c, q=q: ["alert", "query", "-o", "extended"] + q)

    # Update: end, duration, start, comment, several ids, quiet, errors.
    step(ctxs, "silence update end", lambda c: ["silence", "update", c.named["s_disk"], "--end=" + rfc3339(now + 9000)])
    step(ctxs, "silence update comment", lambda c: ["silence", "update", c.named["s_disk"], "-c", "disk, updated"])
    step(ctxs, "silence update -o extended", lambda c: ["-o", "extended", "silence", "update", c.named["s_disk"],
                                                       "-d", "5h"])
    step(ctxs, "silence update -o json", lambda c: ["-o", "json", "silence", "update", c.named["s_disk"], "-d", "6h"],
         json_out=True)
    step(ctxs, "silence update pending start", lambda c: ["silence", "update", c.named["s_pending"],
                                                         "--start=" + rfc3339(now + 1800)])
    step(ctxs, "silence update pending end", lambda c: ["silence", "update", c.named["s_pending"],
                                                       "--end=" + rfc3339(now + 2400)])
    step(ctxs, "silence update pending duration", lambda c: ["silence", "update", c.named["s_pending"], "-d", "50m"])
    step(ctxs, "silence update many", lambda c: ["silence", "update", c.named["s_quoted"], c.named["s_regex"],
                                                "-c", "both"])
    step(ctxs, "silence update quiet", lambda c: ["silence", "update", "-q", c.named["s_quoted"], "-d", "100m"])
    step(ctxs, "silence update nothing", lambda c: ["silence", "update", c.named["s_quoted"]])
    step(ctxs, "silence update started: start in the future", lambda c: ["silence", "update", c.named["s_past"],
                                                                         "--start=" + rfc3339(now + 60)], expect_rc=None)
    step(ctxs, "silence update started: start earlier", lambda c: ["silence", "update", c.named["s_past"],
                                                                   "--start=" + rfc3339(now - 1200)], expect_rc=None)
    step(ctxs, "silence update end in the past", lambda c: ["silence", "update", c.named["s_end"],
                                                           "--end=" + rfc3339(now - 60)], expect_rc=None)
    step(ctxs, "silence update end before start", lambda c: ["silence", "update", c.named["s_pending"],
                                                            "--end=" + rfc3339(now + 600)], expect_rc=None)
    for a, what in (([], "no ids"), (["not-a-uuid", "-c", "x"], "bad id"),
                    (["00000000-0000-4000-8000-000000000000", "-c", "x"], "unknown id"),
                    (["S", "-d", "0s"], "zero duration"), (["S", "-d", "soon"], "bad duration"),
                    (["S", "--end=today"], "bad end"), (["S", "--start=today"], "bad start")):
        step(ctxs, "silence update " + what,
             lambda c, a=a: ["silence", "update"] + [c.named["s_quoted"] if x == "S" else x for x in a], expect_rc=None)
    step(ctxs, "silence query after updates", lambda c: ["silence", "query", "-o", "extended"])

    # Expire: one, many, unknown, malformed, already expired, none, a pending one.
    step(ctxs, "silence expire one", lambda c: ["silence", "expire", c.named["s_end"]])
    step(ctxs, "silence expire already expired", lambda c: ["silence", "expire", c.named["s_end"]], expect_rc=None)
    step(ctxs, "silence expire pending", lambda c: ["silence", "expire", c.named["s_pending"]])
    # Several in one run: the two may get the same end time (to the millisecond), so no order is compared.
    step(ctxs, "silence expire many", lambda c: ["silence", "expire", c.named["s_past"], c.named["s_quoted"]])
    step(ctxs, "silence expire unknown", lambda c: ["silence", "expire", "00000000-0000-4000-8000-000000000000"],
         expect_rc=None)
    step(ctxs, "silence expire malformed", lambda c: ["silence", "expire", "nope"], expect_rc=None)
    step(ctxs, "silence expire none", lambda c: ["silence", "expire"], expect_rc=None)
    step(ctxs, "silence expire known then unknown", lambda c: ["silence", "expire", c.named["s_regex"],
                                                               "00000000-0000-4000-8000-000000000000"], expect_rc=None)
    step(ctxs, "silence update expired", lambda c: ["silence", "update", c.named["s_end"], "-d", "2h"], expect_rc=None)
    time.sleep(0.1)
    for q in ([], ["--expired"], ["--expired", "-q"], ["--expired", "--within", "1h"], ["--expired", "-o", "extended"],
              ["--expired", "alertname=Foo"]):
        step(ctxs, "silence query after expire", lambda c, q=q: ["silence", "query"] + q,
             sort_lines="keep" if "--expired" in q else False)
    step(ctxs, "silence query json with expired", lambda c: ["silence", "query", "-o", "json", "--expired"], json_out=True)
    step(ctxs, "alert query after expire", lambda c: ["alert", "query", "-s", "-i", "-a", "-o", "extended"])

    # Import: file, stdin, --force, --workers, bad JSON, expired entries, entries with errors.
    for k, c in ctxs.items():
        rc, out, err = amtool(c, ["silence", "query", "-o", "json"])
        c.named["export"] = os.path.join(c.tmp, "active.json")
        with open(c.named["export"], "w") as f:
            f.write(out)
        rc, out, err = amtool(c, ["silence", "query", "-o", "json", "--expired"])
        c.named["expired"] = os.path.join(c.tmp, "expired.json")
        with open(c.named["expired"], "w") as f:
            f.write(out)
        bad = os.path.join(c.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write("this is not json")
        c.named["bad"] = bad
        trunc = os.path.join(c.tmp, "trunc.json")
        with open(trunc, "w") as f:
            f.write('[{"matchers": [{"name": "a", "value": "b", "isRegex": false}], "comment": "x"')
        c.named["trunc"] = trunc
        mixed = os.path.join(c.tmp, "mixed.json")
        far = rfc3339(time.time() + 3600)
        with open(mixed, "w") as f:
            json.dump([
                {"matchers": [{"name": "job", "value": "a", "isRegex": False}], "startsAt": rfc3339(time.time()),
                 "endsAt": far, "createdBy": "imp", "comment": "fine"},
                {"matchers": [], "startsAt": rfc3339(time.time()), "endsAt": far, "createdBy": "imp", "comment": "none"},
                {"matchers": [{"name": "job", "value": "(", "isRegex": True}], "startsAt": rfc3339(time.time()),
                 "endsAt": far, "createdBy": "imp", "comment": "bad regex"},
                {"matchers": [{"name": "job", "value": "b", "isRegex": False}], "startsAt": rfc3339(time.time()),
                 "endsAt": far, "createdBy": "", "comment": "no author"},
                {"matchers": [{"name": "job", "value": "c", "isRegex": False}], "startsAt": far,
                 "endsAt": rfc3339(time.time()), "createdBy": "imp", "comment": "reversed"},
                {"id": "not-a-uuid", "matchers": [{"name": "job", "value": "d", "isRegex": False}],
                 "startsAt": rfc3339(time.time()), "endsAt": far, "createdBy": "imp", "comment": "odd id"},
            ], f)
        c.named["mixed"] = mixed
    step(ctxs, "silence import same daemon", lambda c: ["silence", "import", c.named["export"]], sort_lines=True)
    step(ctxs, "silence import --force -w 2", lambda c: ["silence", "import", "--force", "-w", "2", c.named["export"]],
         sort_lines=True)
    step(ctxs, "silence import stdin", lambda c: ["silence", "import", "-w", "1"],
         stdin_fn=lambda c: open(c.named["export"]).read(), sort_lines=True)
    # The export lists expired silences that ended in the same millisecond in either order, so the
    # errors (one a silence, in file order) are compared as a sorted list. amtool's closing count
    # ("couldn't import N out of M") races its own counting goroutine (it reads the count without
    # waiting for it): the count is left out, the errors above it are what each daemon answered.
    def import_errors(e):
        e = re.sub(r"couldn't import \d+ out of", "couldn't import N out of", e)
        return "\n".join(sorted(re.sub(r"ID\d+", "ID", ln) for ln in e.splitlines()))
    step(ctxs, "silence import expired", lambda c: ["silence", "import", "-w", "1", c.named["expired"]], expect_rc=None,
         sort_lines=True, err_fn=import_errors)
    step(ctxs, "silence import bad json", lambda c: ["silence", "import", c.named["bad"]], expect_rc=None)
    step(ctxs, "silence import truncated json", lambda c: ["silence", "import", "-w", "1", c.named["trunc"]],
         expect_rc=None)
    step(ctxs, "silence import empty stdin", lambda c: ["silence", "import"], stdin_fn=lambda c: "", expect_rc=None)
    step(ctxs, "silence import empty list", lambda c: ["silence", "import"], stdin_fn=lambda c: "[]")
    step(ctxs, "silence import missing file", lambda c: ["silence", "import", os.path.join(c.tmp, "none.json")],
         expect_rc=None)
    step(ctxs, "silence import mixed", lambda c: ["silence", "import", "-w", "1", c.named["mixed"]], expect_rc=None,
         err_fn=lambda e: re.sub(r"couldn't import \d+ out of", "couldn't import N out of", e))
    step(ctxs, "silence query after import", lambda c: ["silence", "query"], sort_lines=True)

    # Changing a silence's matchers: amtool has no flag for it, an operator edits the exported JSON and
    # imports it (the id kept): the reference expires the old silence and creates another.
    step(ctxs, "silence add to edit", lambda c: ["silence", "add", "alertname=Edit", "-c", "to edit", "-a", "ops",
                                                "-d", "7h"], capture="s_edit")
    for k, c in ctxs.items():
        rc, out, err = amtool(c, ["silence", "query", "-o", "json", "alertname=Edit"])
        sils = json.loads(out)
        for sil in sils:
            sil["matchers"].append({"name": "instance", "value": "i[12]", "isRegex": True, "isEqual": True})
            sil["comment"] = "edited"
        c.named["edited"] = os.path.join(c.tmp, "edited.json")
        with open(c.named["edited"], "w") as f:
            json.dump(sils, f)
        for sil in sils:
            sil["endsAt"] = rfc3339(time.time() + 8 * 3600)
            sil["matchers"] = sil["matchers"][:1]
            sil["comment"] = "longer"
        c.named["extended"] = os.path.join(c.tmp, "extended.json")
        with open(c.named["extended"], "w") as f:
            json.dump(sils, f)
    step(ctxs, "silence import with changed matchers", lambda c: ["silence", "import", c.named["edited"]])
    step(ctxs, "silence query the edited one", lambda c: ["silence", "query", "-o", "extended", "alertname=Edit"])
    step(ctxs, "silence query the replaced one", lambda c: ["silence", "query", "--expired", "alertname=Edit"])
    step(ctxs, "silence import of the replaced id", lambda c: ["silence", "import", c.named["extended"]])
    step(ctxs, "silence query after re-import", lambda c: ["silence", "query", "-o", "extended", "alertname=Edit"])
    step(ctxs, "silence add -q (no such flag)", lambda c: ["silence", "add", "-q", "alertname=Q", "-c", "x"], expect_rc=None)

    # An alert resolved by re-adding it with an end in the past; one extended into the future.
    step(ctxs, "alert add resolves", lambda c: ["alert", "add", "alertname=Mem", "severity=warning", "instance=i2",
                                               "team=web", "--end=" + rfc3339(time.time() - 1)])
    step(ctxs, "alert add with a later end", lambda c: ["alert", "add", "alertname=Net", "severity=page", "team=web",
                                                       "--end=" + rfc3339(time.time() + 9000)])
    step(ctxs, "alert query after resolving", lambda c: ["alert", "query", "-a", "-s", "-i", "-o", "extended"])
    step(ctxs, "alert query json after resolving", lambda c: ["alert", "query", "-o", "json", "alertname=~Mem|Net"],
         json_out=True)
    # Values with quotes, backslashes, regex syntax and non-ASCII, in silences and alerts.
    odd = ['msg="a\\"b"', 'path=~/var/.*', 'instance=~".+:9100"', 'city=Zürich', 'q="x\\y"', 'sp=a  b']
    step(ctxs, "silence add odd values", lambda c: ["silence", "add", "alertname=Odd"] + odd + ["-c", "odd", "-a", "o"],
         expect_rc=None)
    step(ctxs, "silence add odd values, one by one", lambda c: ["silence", "add", "alertname=Odd2", 'msg="a\\"b"',
                                                                "-c", "odd", "-a", "o"], expect_rc=None)
    step(ctxs, "silence add odd comment and author", lambda c: ["silence", "add", "alertname=Odd3", "-c",
                                                                "two\nlines\tand a tab, <b>html</b> & \"quotes\"",
                                                                "-a", "Zoë Ørsted"], expect_rc=None)
    step(ctxs, "alert add odd values", lambda c: ["alert", "add", "alertname=Odd", 'msg="a\\"b"', "city=Zürich",
                                                  'q="x\\y"', "--annotation=summary=line one\nline two",
                                                  '--annotation=quote="q"'], expect_rc=None)
    time.sleep(0.2)
    # (The silences imported from mixed.json share their end: ties, listed in any order; those of the
    # parallel import above were numbered in any order.)
    step(ctxs, "silence query odd values", lambda c: ["silence", "query", "-o", "extended"], sort_lines=True)
    step(ctxs, "silence query odd values json", lambda c: ["silence", "query", "-o", "json", "alertname=Odd"],
         json_out=True)
    step(ctxs, "alert query odd values", lambda c: ["alert", "query", "-a", "-s", "-i", "-o", "extended",
                                                    "alertname=Odd"])
    step(ctxs, "alert query odd values json", lambda c: ["alert", "query", "-o", "json", "alertname=Odd", "-s", "-a"],
         json_out=True)
    step(ctxs, "alert query by an odd value", lambda c: ["alert", "query", "-s", "-a", 'msg=a"b'], expect_rc=None)
    step(ctxs, "alert query by a non-ASCII value", lambda c: ["alert", "query", "-s", "-a", "city=~Z.rich"])

    # Moving silences between the two: each daemon's export imported into a fresh tocsin and a fresh
    # reference (the ids are unknown there: amtool retries without them).
    for source in ("ref", "tocsin"):
        fresh = {}
        try:
            for k, c in ctxs.items():
                d2 = Daemon(k, ctxs["tocsin"].d.binary if k == "tocsin" else None, CONFIG).start()
                c2 = Ctx(k, d2)
                c2.ids = dict(ctxs[source].ids)
                c2.named = {"export": ctxs[source].named["export"]}
                fresh[k] = c2
            step(fresh, "silence import of the %s's export into a fresh daemon" % source,
                 lambda c: ["silence", "import", "-w", "1", c.named["export"]])
            step(fresh, "silence query after importing the %s's export" % source,
                 lambda c: ["silence", "query", "-o", "extended"])
        finally:
            for c2 in fresh.values():
                c2.d.cleanup()
    step(ctxs, "silence expire all", lambda c: ["silence", "expire"] + ids_of(c, []))
    step(ctxs, "silence query after expiring all", lambda c: ["silence", "query"])


# ---------------------------------------------------------------------------------------------------
def config_and_cluster(ctxs):
    # A reload (and a refused one) shows in config show and routes.
    new_cfg = CONFIG.replace("group_wait: 1s", "group_wait: 2s").replace("- name: web-pager\n",
                                                                        "- name: web-pager\n- name: extra\n")
    for k, c in ctxs.items():
        with open(c.d.config_path, "w") as f:
            f.write(new_cfg)
        c.d.req("POST", "/-/reload")
    step(ctxs, "config show after a reload", lambda c: ["config", "show"])
    for k, c in ctxs.items():
        with open(c.d.config_path, "w") as f:
            f.write(new_cfg.replace("receiver: team-db", "receiver: nobody"))
        c.d.req("POST", "/-/reload")
    step(ctxs, "config show after a refused reload", lambda c: ["config", "show"])
    step(ctxs, "config routes show after a refused reload", lambda c: ["config", "routes", "show"])
    for k, c in ctxs.items():
        with open(c.d.config_path, "w") as f:
            f.write(CONFIG)
        c.d.req("POST", "/-/reload")
    for o in ("simple", "extended", "json"):
        step(ctxs, "config show", lambda c, o=o: ["-o", o, "config", "show"], json_out=(o == "json"))
    for o in ("simple", "extended", "json"):
        step(ctxs, "cluster show", lambda c, o=o: ["-o", o, "cluster", "show"], json_out=(o == "json"))
    step(ctxs, "cluster", lambda c: ["cluster"])
    step(ctxs, "config routes show", lambda c: ["config", "routes", "show"])
    for labels in ([], ["severity=critical"], ["team=web", "severity=page"], ["team=web", "severity=critical"],
                   ["--tree", "team=web", "severity=critical"], ["--verify.receivers=crit,team-db", "severity=critical",
                                                                   "team=db"],
                   ["--verify.receivers=default", "team=db"], ["--tree", "--verify.receivers=crit", "severity=critical"],
                   ['team="web"'], ["team=~web"], ["0bad=1"], ["site=zürich"]):
        step(ctxs, "config routes test", lambda c, l=labels: ["config", "routes", "test"] + l, expect_rc=None)


def shipped_configs(binary):
    """config show (every format), config routes show and test, against daemons running the repository's
    example configurations (routes/alertmanager.yml, receivers/*.yml)."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    paths = [os.path.join(root, "routes", "alertmanager.yml")] + \
        sorted(os.path.join(root, "receivers", n) for n in os.listdir(os.path.join(root, "receivers")) if n.endswith(".yml"))
    for path in paths:
        name = os.path.relpath(path, root)
        with open(path) as f:
            text = f.read()
        ctxs = {}
        daemons = []
        try:
            for kind in ("tocsin", "ref"):
                d = Daemon(kind, binary if kind == "tocsin" else None, text)
                daemons.append(d)
                try:
                    d.start()
                except RuntimeError as e:
                    # An integration tocsin does not implement yet is a documented refusal.
                    if kind == "tocsin" and "does not implement yet" in str(e):
                        print("SKIP  %s: %s" % (name, str(e).strip().splitlines()[-1][-120:]), flush=True)
                        break
                    raise
                ctxs[kind] = Ctx(kind, d)
            if len(ctxs) < 2:
                continue
            for o in ("simple", "extended", "json"):
                step(ctxs, name + " config show", lambda c, o=o: ["-o", o, "config", "show"], json_out=(o == "json"))
            step(ctxs, name + " config routes show", lambda c: ["config", "routes", "show"])
            for labels in (["alertname=x"], ["--tree", "team=db", "severity=critical"],
                           ["team=frontend", "env=prod", "severity=critical"], ["site=zürich", "severity=warning"]):
                step(ctxs, name + " config routes test", lambda c, l=labels: ["config", "routes", "test"] + l)
        finally:
            for d in daemons:
                d.cleanup()


BAD_CONFIGS = {
    "unknown-receiver": "route:\n  receiver: nope\nreceivers:\n- name: default\n",
    "no-route": "receivers:\n- name: default\n",
    "unknown-field": "route:\n  receiver: default\n  recevier: x\nreceivers:\n- name: default\n",
    "bad-yaml": "route: [\n",
    "dup-receiver": "route:\n  receiver: a\nreceivers:\n- name: a\n- name: a\n",
    "bad-matcher": "route:\n  receiver: a\n  routes:\n  - matchers: ['foo=~(']\n    receiver: a\nreceivers:\n- name: a\n",
    "bad-duration": "route:\n  receiver: a\n  group_wait: 5x\nreceivers:\n- name: a\n",
    "missing-template": "route:\n  receiver: a\nreceivers:\n- name: a\ntemplates: ['/nonexistent/*.tmpl']\n",
    "bad-template": "route:\n  receiver: a\nreceivers:\n- name: a\ntemplates: ['TMPDIR/bad.tmpl']\n",
    "good-template": "route:\n  receiver: a\nreceivers:\n- name: a\ntemplates: ['TMPDIR/good.tmpl']\n",
    "webhook-no-url": "route:\n  receiver: a\nreceivers:\n- name: a\n  webhook_configs:\n  - send_resolved: true\n",
    "empty": "",
    "inhibit": ("route:\n  receiver: a\nreceivers:\n- name: a\ninhibit_rules:\n- source_matchers: ['a=\"b\"']\n"
                "  target_matchers: ['c=\"d\"']\n  equal: [x]\n"),
    "time-intervals": ("route:\n  receiver: a\n  routes:\n  - receiver: a\n    mute_time_intervals: [night]\n"
                       "receivers:\n- name: a\ntime_intervals:\n- name: night\n  time_intervals:\n"
                       "  - times: [{start_time: '00:00', end_time: '06:00'}]\n"),
    "unknown-interval": ("route:\n  receiver: a\n  routes:\n  - receiver: a\n    mute_time_intervals: [night]\n"
                         "receivers:\n- name: a\n"),
}


# Configuration errors: tocsin names the YAML path and the file's line around the reference's message
# ("route.group_wait: not a valid duration string: \"5x\" (file.yml:3)"); the reference's message must be
# in tocsin's. Where the wording itself differs by design, the line is only required to fail the same way.
KNOWN_WORDING = [
    "yaml: ",                         # yaml-cpp's syntax errors, not go-yaml's
    "field ",                         # go-yaml's "field x not found in type config.plain"
    "missing URL in webhook config",  # 0.34's wording: "one of url or url_file must be configured"
]
MESSAGE_RE = re.compile(r"^(.*?(?:FAILED: |amtool: error: ))(.*)$")


def same_messages(tocsin_text, ref_text):
    """tocsin_text with each message line replaced by the reference's line when it carries it."""
    t_lines, r_lines = tocsin_text.split("\n"), ref_text.split("\n")
    out = []
    for i, tl in enumerate(t_lines):
        rl = r_lines[i] if i < len(r_lines) else None
        mt, mr = MESSAGE_RE.match(tl), MESSAGE_RE.match(rl or "")
        if rl is not None and mt and mr and mt.group(1) == mr.group(1):
            ours, theirs = mt.group(2), mr.group(2)
            if theirs and (theirs in ours or any(theirs.startswith(k) for k in KNOWN_WORDING)):
                tl = rl
                # go-yaml's unmarshal errors go on over more lines: take them as they are.
                if theirs == "yaml: unmarshal errors:":
                    out.append(tl)
                    out.extend(r_lines[i + 1:len(r_lines) - (len(t_lines) - i - 1)])
                    continue
        out.append(tl)
    return "\n".join(out)


def local_commands(binary):
    """check-config, config routes show/test with --config.file: amtool's output and tocsin's own subcommands."""
    d = tempfile.mkdtemp(prefix="amtool-cfg-", dir=TMP_ROOT)
    with open(os.path.join(d, "bad.tmpl"), "w") as f:
        f.write('{{ define "x" }}{{ .Foo }\n')
    with open(os.path.join(d, "good.tmpl"), "w") as f:
        f.write('{{ define "x" }}{{ .Status }}{{ end }}\n')
    paths = {}
    for name, text in BAD_CONFIGS.items():
        p = os.path.join(d, name + ".yml")
        with open(p, "w") as f:
            f.write(text.replace("TMPDIR", d))
        paths[name] = p
    main_cfg = os.path.join(d, "main.yml")
    with open(main_cfg, "w") as f:
        f.write(CONFIG)
    paths["main"] = main_cfg

    def run(cmd, stdin=""):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=ENV, input=stdin)
        return p.returncode, p.stdout.replace(d, "<DIR>"), p.stderr.replace(d, "<DIR>")

    def both(name, tocsin_args, amtool_args, stdin=""):
        t = run([binary] + tocsin_args, stdin)
        a = run([AMTOOL] + amtool_args, stdin)
        # amtool warns that --config.file wins over its default --alertmanager.url; tocsin has no such flag.
        a_err = a[2].replace("Warning: --config.file flag overrides the --alertmanager.url.\n", "")
        t_out, t_err = same_messages(t[1], a[1]), same_messages(t[2].replace("tocsin: ", "amtool: "), a_err)
        compare(name, (t[0], t_out, t_err, "tocsin " + " ".join(tocsin_args)),
                (a[0], a[1], a_err, "amtool " + " ".join(amtool_args)))

    for name in sorted(paths):
        both("check-config " + name, ["check-config", paths[name]], ["check-config", paths[name]])
    both("check-config several", ["check-config", paths["main"], paths["no-route"], paths["inhibit"]],
         ["check-config", paths["main"], paths["no-route"], paths["inhibit"]])
    both("check-config missing file", ["check-config", os.path.join(d, "none.yml")],
         ["check-config", os.path.join(d, "none.yml")])
    both("check-config a directory", ["check-config", d + "/"], ["check-config", d + "/"])
    both("check-config a file, then a missing one", ["check-config", paths["main"], os.path.join(d, "none.yml")],
         ["check-config", paths["main"], os.path.join(d, "none.yml")])
    both("routes show missing file", ["routes", "show", "--config.file=" + os.path.join(d, "none.yml")],
         ["config", "routes", "show", "--config.file=" + os.path.join(d, "none.yml")])
    both("routes show a directory", ["routes", "show", "--config.file=" + d],
         ["config", "routes", "show", "--config.file=" + d])
    both("routes test missing file", ["routes", "test", "--config.file=" + os.path.join(d, "none.yml"), "a=b"],
         ["config", "routes", "test", "--config.file=" + os.path.join(d, "none.yml"), "a=b"])
    both("check-config no file (stdin)", ["check-config"], ["check-config"], stdin=CONFIG)
    both("check-config no file (empty stdin)", ["check-config"], ["check-config"])
    for name in ("main", "time-intervals", "inhibit", "unknown-receiver", "bad-yaml", "empty"):
        both("routes show " + name, ["routes", "show", "--config.file=" + paths[name]],
             ["config", "routes", "show", "--config.file=" + paths[name]])
    for labels in ([], ["severity=critical"], ["team=web", "severity=page"], ["--tree", "team=web", "severity=critical"],
                   ["--verify.receivers=crit,team-db", "severity=critical", "team=db"],
                   ["--verify.receivers=default", "team=db"], ['team="web"'], ["team=~web"], ["0bad=1"],
                   ["team!=web"], ["{team=web}"], ["site=zürich"], ["--tree", "--verify.receivers=nobody", "a=b"]):
        both("routes test " + " ".join(labels), ["routes", "test", "--config.file=" + paths["main"]] + labels,
             ["config", "routes", "test", "--config.file=" + paths["main"]] + labels)
    both("routes test bad config", ["routes", "test", "--config.file=" + paths["bad-yaml"], "a=b"],
         ["config", "routes", "test", "--config.file=" + paths["bad-yaml"], "a=b"])
    shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# (name, flags with {port}, the path the API is under, whether to run every command or a few)
PREFIXES = [
    ("route-prefix", ["--web.route-prefix=/am"], "/am", True),
    ("external-url", ["--web.external-url=http://127.0.0.1:{port}/alerting/"], "/alerting", True),
    ("route-prefix without slashes", ["--web.route-prefix=am"], "/am", False),
    ("two-level external-url", ["--web.external-url=http://127.0.0.1:{port}/a/b"], "/a/b", False),
    ("external-url with route-prefix /", ["--web.external-url=http://127.0.0.1:{port}/alerting",
                                          "--web.route-prefix=/"], "", False),
]


def prefixed(binary):
    """amtool --alertmanager.url with a path: the daemon run with --web.route-prefix or --web.external-url."""
    for how, flags, prefix, full in PREFIXES:
        ctxs = {}
        daemons = []
        try:
            for kind in ("tocsin", "ref"):
                d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG)
                port = free_port()
                d.extra_args = [f.format(port=port) for f in flags]
                _start_prefixed(d, port, prefix)
                daemons.append(d)
                ctxs[kind] = Ctx(kind, d, url=d.url + prefix)
            step(ctxs, how + " alert add", lambda c: ["alert", "add", "alertname=P", "severity=critical"])
            step(ctxs, how + " alert query", lambda c: ["alert", "query", "-o", "extended"])
            step(ctxs, how + " silence add", lambda c: ["silence", "add", "alertname=P", "-c", "p", "-a", "x"], capture="s")
            step(ctxs, how + " silence query", lambda c: ["silence", "query"])
            if full:
                step(ctxs, how + " silence update", lambda c: ["silence", "update", c.named["s"], "-c", "q"])
                step(ctxs, how + " silence expire", lambda c: ["silence", "expire", c.named["s"]])
                step(ctxs, how + " config show", lambda c: ["config", "show"])
                step(ctxs, how + " config routes test", lambda c: ["config", "routes", "test", "severity=critical"])
                step(ctxs, how + " cluster show", lambda c: ["cluster", "show"])
                step(ctxs, how + " trailing slash", lambda c: ["--alertmanager.url=" + c.url + "/", "silence", "query"],
                     url=False)
            # Beside the prefix (404s).
            for other in ("", "/am", "/alerting", "/a"):
                if other != prefix:
                    step(ctxs, how + " at " + (other or "/"), lambda c, o=other: ["--alertmanager.url=" + c.d.url + o,
                                                                               "silence", "query"],
                         url=False, expect_rc=None)
            if full:
                step(ctxs, how + " without the prefix: alert query", lambda c: ["--alertmanager.url=" + c.d.url,
                                                                               "alert", "query"],
                     url=False, expect_rc=None)
        finally:
            for d in daemons:
                d.cleanup()


def _start_prefixed(d, port, prefix):
    """/-/ready moves under the prefix."""
    return _start_with(d, port, lambda: http_request(port, "GET", prefix + "/-/ready", timeout=1.0).status == 200)


# ---------------------------------------------------------------------------------------------------
BCRYPT_SECRET = "$2y$10$0123456789abcdefghijkeUB6JF2coV1oAJUJ8VmmQLj0k0tL15dG"  # bcrypt of "s3cret", cost 10


def basic_auth(binary):
    ctxs = {}
    daemons = []
    try:
        for kind in ("tocsin", "ref"):
            d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG)
            web = os.path.join(d.workdir, "web.yml")
            with open(web, "w") as f:
                f.write("basic_auth_users:\n  admin: '%s'\n" % BCRYPT_SECRET)
            d.extra_args = ["--web.config.file=" + web]
            port = free_port()
            d.port = port
            _start_authed(d, port)
            daemons.append(d)
            c = Ctx(kind, d)
            for name, text in (("good", "basic_auth:\n  username: admin\n  password: s3cret\n"),
                               ("wrong", "basic_auth:\n  username: admin\n  password: nope\n"),
                               ("file", "basic_auth:\n  username: admin\n  password_file: %s\n"
                                % os.path.join(c.tmp, "pw")),
                               ("badyaml", "basic_auth: [\n"),
                               ("bearer", "authorization:\n  credentials: s3cret\n"),
                               ("wronguser", "basic_auth:\n  username: root\n  password: s3cret\n"),
                               ("nopassword", "basic_auth:\n  username: admin\n"),
                               ("unknown", "basic_auth:\n  username: admin\n  pasword: x\n")):
                p = os.path.join(c.tmp, name + ".yml")
                with open(p, "w") as f:
                    f.write(text)
                c.named[name] = p
            with open(os.path.join(c.tmp, "pw"), "w") as f:
                f.write("s3cret\n")
            ctxs[kind] = c
        good = lambda c: ["--http.config.file=" + c.named["good"]]  # noqa: E731
        step(ctxs, "auth alert add", lambda c: good(c) + ["alert", "add", "alertname=A"])
        step(ctxs, "auth alert query", lambda c: good(c) + ["alert", "query"])
        step(ctxs, "auth silence add", lambda c: good(c) + ["silence", "add", "alertname=A", "-c", "x", "-a", "y"],
             capture="s")
        step(ctxs, "auth silence query", lambda c: good(c) + ["silence", "query"])
        step(ctxs, "auth silence expire", lambda c: good(c) + ["silence", "expire", c.named["s"]])
        step(ctxs, "auth config show", lambda c: good(c) + ["config", "show"])
        step(ctxs, "auth cluster show", lambda c: good(c) + ["cluster", "show"])
        step(ctxs, "auth password_file", lambda c: ["--http.config.file=" + c.named["file"], "silence", "query"])
        step(ctxs, "auth in the URL", lambda c: ["--alertmanager.url=http://admin:s3cret@127.0.0.1:%d" % c.d.port,
                                                 "alert", "query"], url=False)
        for name in ("wrong", "badyaml", "unknown", "bearer", "wronguser", "nopassword"):
            for cmd in (["alert", "query"], ["silence", "query"], ["silence", "add", "a=b", "-c", "x"],
                        ["silence", "expire", "00000000-0000-4000-8000-000000000000"], ["config", "show"],
                        ["alert", "add", "a=b"]):
                step(ctxs, "auth " + name, lambda c, n=name, cmd=cmd: ["--http.config.file=" + c.named[n]] + cmd,
                     expect_rc=None)
        for cmd in (["alert", "query"], ["silence", "query"], ["silence", "update", "00000000-0000-4000-8000-000000000000",
                                                                "-c", "x"], ["cluster", "show"], ["config", "routes"]):
            step(ctxs, "no auth", lambda c, cmd=cmd: cmd, expect_rc=None)
        step(ctxs, "auth and URL user", lambda c: ["--alertmanager.url=http://admin:s3cret@127.0.0.1:%d" % c.d.port,
                                                   "--http.config.file=" + c.named["good"], "alert", "query"],
             url=False, expect_rc=None)
    finally:
        for d in daemons:
            d.cleanup()


def _start_authed(d, port):
    import base64
    auth = {"Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()}
    return _start_with(d, port, lambda: http_request(port, "GET", "/-/ready", headers=auth, timeout=1.0).status == 200)


def make_certs(d):
    """ca.crt; server.crt/.key for 127.0.0.1; client.crt/.key signed by the CA; rogue.crt/.key self-signed."""
    def run(args):
        subprocess.run(args, cwd=d, check=True, capture_output=True, timeout=60)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA"])
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name in ("server", "client"):
        run(["openssl", "req"] + ec + ["-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name])
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt"])
    run(["openssl", "req", "-x509"] + ec + ["-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2",
                                            "-subj", "/CN=rogue", "-addext", "extendedKeyUsage=clientAuth"])


def tls(binary):
    """https with client certificates required: amtool's tls_config in --http.config.file."""
    import ssl
    certs = tempfile.mkdtemp(prefix="amtool-certs-", dir=TMP_ROOT)
    make_certs(certs)
    c_ = lambda n: os.path.join(certs, n)  # noqa: E731
    web = os.path.join(certs, "web.yml")
    with open(web, "w") as f:
        f.write("tls_server_config:\n  cert_file: %s\n  key_file: %s\n  client_auth_type: RequireAndVerifyClientCert\n"
                "  client_ca_file: %s\n" % (c_("server.crt"), c_("server.key"), c_("ca.crt")))
    clients = {
        "good": "tls_config:\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n" % (c_("ca.crt"), c_("client.crt"),
                                                                                 c_("client.key")),
        "no-client-cert": "tls_config:\n  ca_file: %s\n" % c_("ca.crt"),
        "unknown-ca": "tls_config:\n  cert_file: %s\n  key_file: %s\n" % (c_("client.crt"), c_("client.key")),
        "skip-verify": "tls_config:\n  insecure_skip_verify: true\n  cert_file: %s\n  key_file: %s\n" % (
            c_("client.crt"), c_("client.key")),
        "rogue": "tls_config:\n  ca_file: %s\n  cert_file: %s\n  key_file: %s\n" % (c_("ca.crt"), c_("rogue.crt"),
                                                                                  c_("rogue.key")),
        "wrong-name": "tls_config:\n  ca_file: %s\n  server_name: example.org\n  cert_file: %s\n  key_file: %s\n" % (
            c_("ca.crt"), c_("client.crt"), c_("client.key")),
    }
    for name, text in clients.items():
        with open(c_(name + ".http.yml"), "w") as f:
            f.write(text)
    ctx_ssl = ssl.create_default_context(cafile=c_("ca.crt"))
    ctx_ssl.load_cert_chain(c_("client.crt"), c_("client.key"))
    ctxs = {}
    daemons = []
    try:
        for kind in ("tocsin", "ref"):
            d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG)
            d.extra_args = ["--web.config.file=" + web]
            port = free_port()
            d.port = port

            def probe(port=port):
                import http.client
                conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx_ssl, timeout=1)
                try:
                    conn.request("GET", "/-/ready")
                    return conn.getresponse().status == 200
                finally:
                    conn.close()
            _start_with(d, port, probe)
            daemons.append(d)
            ctxs[kind] = Ctx(kind, d, url="https://127.0.0.1:%d" % port)
        # A client certificate missing or not from the CA: both refuse the handshake, with a different TLS
        # alert (Go's "bad certificate"; OpenSSL's "certificate required" and "unknown certificate
        # authority"), and Go's client words a refused handshake differently from run to run; only
        # the failure is compared.
        refused = lambda e: re.sub(r'("https://[^"]*"): .*(remote error|connection reset|broken pipe|EOF).*$',  # noqa: E731
                                   r"\1: <REFUSED>", e, flags=re.M)
        for name in clients:
            for cmd in (["alert", "query"], ["silence", "add", "a=b", "-c", "x", "-a", "y"], ["silence", "query"],
                        ["cluster", "show"]):
                step(ctxs, "tls " + name, lambda c, n=name, cmd=cmd: ["--http.config.file=" + c_(n + ".http.yml")] + cmd,
                     expect_rc=0 if name in ("good", "skip-verify") else 1,
                     err_fn=refused if name in ("no-client-cert", "rogue") else None)
        # Plain HTTP to the TLS port: both answer 400 with a line of text, each in its own words (amtool
        # reports the first character of it as invalid JSON).
        step(ctxs, "tls: plain http to the TLS port", lambda c: ["--alertmanager.url=http://127.0.0.1:%d" % c.d.port,
                                                                 "alert", "query"], url=False, expect_rc=1,
             err_fn=lambda e: re.sub(r"invalid character '.' looking", "invalid character <C> looking", e))
    finally:
        for d in daemons:
            d.cleanup()
        shutil.rmtree(certs, ignore_errors=True)


def _start_with(d, port, probe):
    """Starts the daemon on `port` and waits until probe() is true."""
    d.port = port
    clustering = [] if any(a.startswith("--cluster.listen-address") for a in d.extra_args) else \
        ["--cluster.listen-address="]
    args = [d.binary, "--config.file=" + d.config_path, "--storage.path=" + d.storage,
            "--web.listen-address=127.0.0.1:%d" % port] + clustering + d.extra_args
    d._logf = open(d.log_path, "ab")
    d.proc = subprocess.Popen(args, stdout=d._logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        if d.proc.poll() is not None:
            raise RuntimeError("%s exited: %s" % (d.kind, d.log_tail()))
        try:
            if probe():
                return d
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("%s not ready" % d.kind)


ULID_RE = re.compile(r"\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b")


def clustered(binary):
    """cluster show with clustering on: the same layout; the node name a ULID of about now. The
    reference reports 'settling' for its first seconds, tocsin (a single node) 'ready' at once."""
    ctxs = {}
    daemons = []
    try:
        for kind in ("tocsin", "ref"):
            d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG)
            d.cluster_address = "127.0.0.1:%d" % free_port()
            d.extra_args = ["--cluster.listen-address=" + d.cluster_address]
            port = free_port()
            _start_with(d, port, lambda port=port: http_request(port, "GET", "/-/ready", timeout=1.0).status == 200)
            daemons.append(d)
            ctxs[kind] = Ctx(kind, d)
        names = {}
        for k, c in ctxs.items():
            names[k] = ULID_RE.findall(amtool(c, ["cluster", "show"])[1])
        crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        ms = 0
        for ch in (names["tocsin"] or ["0" * 26])[0][:10]:
            ms = ms * 32 + crockford.index(ch)
        R.check("cluster show: tocsin's node name is a ULID of now", len(names["tocsin"]) == 1 and
                abs(ms / 1000 - time.time()) < 120, names["tocsin"])
        state = lambda e: ULID_RE.sub("<ULID>", re.sub(r"\b(settling|ready)\b", "<STATE>", e))  # noqa: E731
        for o in ("simple", "extended", "json"):
            outs = {}
            for k, c in ctxs.items():
                rc, out, err = amtool(c, ["-o", o, "cluster", "show"])
                out = out.replace(c.d.cluster_address, "<CLUSTER-ADDR>")
                outs[k] = (rc, c.norm(state(out)), c.norm(err), "amtool -o %s cluster show" % o)
            compare("clustered", outs["tocsin"], outs["ref"], 0)
    finally:
        for d in daemons:
            d.cleanup()


def main():
    binary = tocsin_binary()
    only = sys.argv[2:]  # optional section names, for debugging
    daemons = []
    try:
        if not only or "state" in only or "config" in only:
            ctxs = {}
            for kind in ("tocsin", "ref"):
                d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG).start()
                daemons.append(d)
                ctxs[kind] = Ctx(kind, d)
            if not only or "state" in only:
                alerts_and_silences(ctxs)
            if not only or "config" in only:
                config_and_cluster(ctxs)
        if not only or "shipped" in only:
            shipped_configs(binary)
        if not only or "local" in only:
            local_commands(binary)
        if not only or "prefix" in only:
            prefixed(binary)
        if not only or "auth" in only:
            basic_auth(binary)
        if not only or "tls" in only:
            tls(binary)
        if not only or "cluster" in only:
            clustered(binary)
    finally:
        for d in daemons:
            d.cleanup()
        for t in TEMP_DIRS:
            shutil.rmtree(t, ignore_errors=True)
    R.finish()


if __name__ == "__main__":
    main()
