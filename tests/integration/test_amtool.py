#!/usr/bin/python3
"""The stock amtool (Debian prometheus-alertmanager 0.25) against tocsin and the reference (issue 3).

Runs the same sequence of amtool commands against both daemons, interleaved so that the times are
close, and compares exit codes and outputs after normalising silence ids (numbered in order of
appearance), times and durations. amtool must print no version-mismatch warning against tocsin.
Usage: test_amtool.py <path-to-tocsin>
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from silence_harness import AMTOOL, Daemon, Results, rfc3339, tocsin_binary  # noqa: E402

R = Results()

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
  - receiver: team
    matchers: [team=~"db|web"]
    routes:
    - receiver: team-pager
      matchers: [severity="page"]
  - receiver: legacy
    match:
      service: old
    group_by: [instance]
receivers:
- name: default
- name: crit
- name: team
- name: team-pager
- name: legacy
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]
"""

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME_RES = [
    re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?( ?(Z|UTC|[+-]\d\d:?\d\d))?( UTC)?"),
]
DUR_RE = re.compile(r"\b(\d+h)?(\d+m)?\d+(\.\d+)?(s|ms|µs|ns)\b|\b\d+h\d+m\b")


class Ctx:
    def __init__(self, kind, daemon):
        self.kind = kind
        self.d = daemon
        self.ids = {}      # uuid -> "ID<n>" in order of appearance
        self.named = {}    # step name -> captured value
        self.tmp = tempfile.mkdtemp(prefix="amtool-%s-" % kind)

    def norm(self, text):
        def id_sub(m):
            u = m.group(0)
            if u not in self.ids:
                self.ids[u] = "ID%d" % (len(self.ids) + 1)
            return self.ids[u]
        text = UUID_RE.sub(id_sub, text)
        for r in TIME_RES:
            text = r.sub("<TIME>", text)
        text = DUR_RE.sub("<DUR>", text)
        text = re.sub(r"\b0x[0-9a-f]+\b", "<PTR>", text)  # amtool 0.25 "silence update -q" prints a pointer
        text = text.replace(self.d.url, "<URL>").replace("127.0.0.1:%d" % self.d.port, "<ADDR>")
        text = text.replace(self.tmp, "<TMP>")
        # Column widths follow the widest cell; compare cell contents, not padding.
        lines = [re.sub(r"[ \t]{2,}", "  ", ln).rstrip() for ln in text.splitlines()]
        return "\n".join(lines).strip("\n")


def amtool(ctx, args, timeout=60):
    p = subprocess.run([AMTOOL, "--alertmanager.url=" + ctx.d.url] + list(args),
                       capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def norm_json(ctx, text):
    """JSON output: parse, normalise ids/times, sort lists by their dump for a stable comparison."""
    try:
        v = json.loads(text)
    except ValueError:
        return ctx.norm(text)

    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in sorted(x.items())}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, str):
            return ctx.norm(x)
        return x
    return json.dumps(walk(v), sort_keys=True, indent=1)


def step(ctxs, name, args_fn, json_out=False, capture=None, expect_rc=0, sort_lines=False):
    """Runs amtool with args_fn(ctx) on every daemon, compares the results."""
    outs = {}
    for k, c in ctxs.items():
        args = args_fn(c)
        rc, out, err = amtool(c, args)
        if capture:
            c.named[capture] = out.strip()
        o = norm_json(c, out) if json_out else c.norm(out)
        if sort_lines:
            o = "\n".join(sorted(re.sub(r"ID\d+", "ID", ln) for ln in o.splitlines()))
        outs[k] = (rc, o, c.norm(err), args)
    t, r = outs["tocsin"], outs["ref"]
    shown = "amtool " + " ".join(t[3])
    R.check("%s: exit code %d == reference %d" % (shown, t[0], r[0]), t[0] == r[0],
            "tocsin stderr: %s\n  reference stderr: %s" % (t[2], r[2]))
    if expect_rc is not None:
        R.check("%s: exit code %d" % (shown, expect_rc), t[0] == expect_rc, "stderr: %s" % t[2])
    R.check("%s: stdout equal" % shown, t[1] == r[1], "\n--- tocsin:\n%s\n--- reference:\n%s" % (t[1], r[1]))
    R.check("%s: stderr equal" % shown, t[2] == r[2], "\n--- tocsin:\n%s\n--- reference:\n%s" % (t[2], r[2]))
    R.check("%s: no version warning on tocsin" % shown,
            "version" not in t[2].lower() or "version" in r[2].lower(), t[2])
    return outs


def main():
    binary = tocsin_binary()
    daemons = []
    try:
        ctxs = {}
        for kind in ("tocsin", "ref"):
            d = Daemon(kind, binary if kind == "tocsin" else None, CONFIG).start()
            daemons.append(d)
            ctxs[kind] = Ctx(kind, d)

        # The version report.
        for k, c in ctxs.items():
            rc, out, err = amtool(c, ["config", "show"])
            if k == "tocsin":
                R.check("amtool prints no warning against tocsin", err.strip() == "", err)

        # Alerts.
        step(ctxs, "alert add 1", lambda c: ["alert", "add", "alertname=DiskFull", "severity=warning", "instance=i1",
                                             "--annotation=summary=disk is full", "--generator-url=http://gen/x"])
        step(ctxs, "alert add 2", lambda c: ["alert", "add", "alertname=CPU", "severity=critical", "instance=i1"])
        step(ctxs, "alert add 3", lambda c: ["alert", "add", "alertname=Mem", "severity=warning", "instance=i2", "team=db",
                                             "--annotation=summary=memory"])
        step(ctxs, "alert add 4", lambda c: ["alert", "add", "alertname=Net", "severity=page", "team=web", "service=old",
                                             "--start=" + rfc3339(time.time() - 600)])
        step(ctxs, "alert add bad", lambda c: ["alert", "add", "foo"], expect_rc=None)
        time.sleep(0.5)
        for q in ([], ["alertname=CPU"], ["severity=~warn.*"], ["team!=db"], ["Mem"], ["-a"], ["-s"], ["-i"],
                  ["-a", "-s"], ["-i", "-s"], ["-o", "extended"], ["--receiver=team"], ["-a", "-i", "-s", "-o", "extended"]):
            step(ctxs, "alert query", lambda c, q=q: ["alert", "query"] + q)
        step(ctxs, "alert query json", lambda c: ["alert", "query", "-o", "json"], json_out=True)

        # Silences.
        now = time.time()
        step(ctxs, "silence add 1", lambda c: ["silence", "add", "alertname=Mem", "-c", "mem maint", "-a", "ops", "-d", "1h"],
             capture="s1")
        step(ctxs, "silence add 2 pending", lambda c: ["silence", "add", "alertname=CPU", "instance=i1", "-c", "later",
                                                      "-a", "ops", "--start=" + rfc3339(now + 1800),
                                                      "--end=" + rfc3339(now + 5400)], capture="s2")
        step(ctxs, "silence add 3 regex", lambda c: ["silence", "add", "alertname=~Disk.*", "-c", "regex", "-a", "dev",
                                                    "-d", "30m"], capture="s3")
        step(ctxs, "silence add 4 neg", lambda c: ["silence", "add", "team=web", "severity!=info", "-c", "web",
                                                  "-a", "dev", "-d", "3h"], capture="s4")
        step(ctxs, "silence add 5 quiet", lambda c: ["silence", "add", "alertname=Foo", "-c", "quiet one", "-a", "ops",
                                                    "-d", "10m"], capture="s5")
        step(ctxs, "silence add no comment", lambda c: ["silence", "add", "alertname=X", "-a", "ops", "--require-comment"],
             expect_rc=None)
        step(ctxs, "silence add empty matcher", lambda c: ["silence", "add", "alertname=", "-c", "x"], expect_rc=None)
        step(ctxs, "silence add bad regex", lambda c: ["silence", "add", "alertname=~(", "-c", "x"], expect_rc=None)
        for q in ([], ["-q"], ["alertname=Mem"], ["-o", "extended"], ["--created-by=dev"], ["--within", "45m"],
                  ["--within", "2h"], ["-q", "--within", "20m"], ["team=web"], ["--expired"]):
            step(ctxs, "silence query", lambda c, q=q: ["silence", "query"] + q)
        for q in ([], ["-s"], ["-i"], ["-a"], ["-s", "-i", "-o", "extended"]):
            step(ctxs, "alert query after silences", lambda c, q=q: ["alert", "query"] + q)

        # Update and expire.
        step(ctxs, "silence update comment", lambda c: ["silence", "update", c.named["s1"], "-c", "new comment"])
        step(ctxs, "silence update duration", lambda c: ["silence", "update", c.named["s1"], "-d", "3h"])
        step(ctxs, "silence update end", lambda c: ["silence", "update", "-q", c.named["s4"], "--end=" + rfc3339(now + 9000)])
        step(ctxs, "silence update start of pending", lambda c: ["silence", "update", c.named["s2"],
                                                                "--start=" + rfc3339(now + 2000)])
        step(ctxs, "silence update unknown", lambda c: ["silence", "update", "00000000-0000-4000-8000-000000000000", "-c", "x"],
             expect_rc=None)
        step(ctxs, "silence query after update", lambda c: ["silence", "query", "-o", "extended"])
        step(ctxs, "silence expire", lambda c: ["silence", "expire", c.named["s3"]])
        step(ctxs, "silence expire 2", lambda c: ["silence", "expire", c.named["s5"]])
        step(ctxs, "silence expire unknown", lambda c: ["silence", "expire", "00000000-0000-4000-8000-000000000000"],
             expect_rc=None)
        time.sleep(0.2)
        for q in ([], ["--expired"], ["--expired", "--within", "1h"], ["--expired", "-q"], ["--expired", "alertname=Foo"],
                  ["--within", "45m"], ["-o", "extended"]):
            step(ctxs, "silence query after expire", lambda c, q=q: ["silence", "query"] + q)
        step(ctxs, "alert query -s after expire", lambda c: ["alert", "query", "-s", "-o", "extended"])

        # Export and import.
        outs = step(ctxs, "silence query json", lambda c: ["silence", "query", "-o", "json"], json_out=True)
        for k, c in ctxs.items():
            rc, out, err = amtool(c, ["silence", "query", "-o", "json"])
            c.named["export"] = os.path.join(c.tmp, "silences.json")
            with open(c.named["export"], "w") as f:
                f.write(out)
            c.named["export_count"] = len(json.loads(out))
        # 4: the "alertname=~(" above is taken by amtool as the value of an equality matcher.
        R.check("export has the 4 active/pending silences", ctxs["tocsin"].named["export_count"] == 4,
                ctxs["tocsin"].named["export_count"])
        step(ctxs, "silence import into the same daemon", lambda c: ["silence", "import", "-w", "1", c.named["export"]])
        step(ctxs, "silence query after import", lambda c: ["silence", "query", "-o", "extended"])
        # Into a fresh daemon: the ids are unknown there, amtool retries without them.
        fresh = {}
        for k, c in ctxs.items():
            d2 = Daemon(k, binary if k == "tocsin" else None, CONFIG).start()
            daemons.append(d2)
            c2 = Ctx(k, d2)
            c2.ids = dict(c.ids)
            c2.named = dict(c.named)
            fresh[k] = c2
        step(fresh, "silence import into a fresh daemon", lambda c: ["silence", "import", "-w", "1", c.named["export"]])
        outs = step(fresh, "silence query on the fresh daemon", lambda c: ["silence", "query", "-o", "extended"])
        R.check("fresh daemon has 4 silences after import", outs["tocsin"][1].count("\n") == 4, outs["tocsin"][1])
        step(fresh, "silence import again with --force", lambda c: ["silence", "import", "-w", "1", "-f", c.named["export"]])
        # Duplicates share endsAt: the reference's order between ties is undefined, compare sorted lines.
        step(fresh, "silence query after forced import", lambda c: ["silence", "query"], sort_lines=True)
        step(ctxs, "silence expire all", lambda c: ["silence", "expire"] + \
             amtool(c, ["silence", "query", "-q"])[1].split())
        step(ctxs, "silence query after expiring all", lambda c: ["silence", "query"])
        step(ctxs, "silence import of expired silences", lambda c: ["silence", "import", "-w", "1", c.named["export"]], expect_rc=None)

        # Configuration.
        step(ctxs, "config show", lambda c: ["config", "show"])
        step(ctxs, "config", lambda c: ["config"])
        step(ctxs, "config routes show", lambda c: ["config", "routes", "show"])
        step(ctxs, "config routes", lambda c: ["config", "routes"])
        for labels in (["alertname=Foo"], ["severity=critical"], ["severity=critical", "team=db"], ["team=web", "severity=page"],
                       ["service=old"], ["team=db", "service=old"]):
            step(ctxs, "config routes test", lambda c, l=labels: ["config", "routes", "test"] + l)
        step(ctxs, "config routes test --tree", lambda c: ["config", "routes", "test", "--tree", "severity=critical", "team=web"])
        step(ctxs, "config routes test verify ok", lambda c: ["config", "routes", "test", "--verify.receivers=crit,team",
                                                              "severity=critical", "team=db"])
        step(ctxs, "config routes test verify fail", lambda c: ["config", "routes", "test", "--verify.receivers=default",
                                                                "severity=critical"], expect_rc=None)
    finally:
        for d in daemons:
            d.cleanup()
    R.finish()


if __name__ == "__main__":
    main()
