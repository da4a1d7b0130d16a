#!/usr/bin/python3
"""test_routes_cli.py: `tocsin routes show|test` and the shipped example configs.

Run from the repository root as `python3 tests/integration/test_routes_cli.py <path-to-tocsin>`.
- `routes show` and `routes test --config.file ... labels` print what amtool 0.25 prints (stdout and
  exit code), on routes/alertmanager.yml, the configs of tests/routes/ and receivers/;
- `routes test routes/` passes, and every case of routes/example.tests.yml agrees with amtool;
- the deliberately wrong case of tests/routes/wrong.tests.yml fails, naming the alert's labels and
  the receivers expected and got;
- every receivers/*.yml passes both `tocsin check-config` and `amtool check-config`.
Comparisons with amtool are skipped when it is not installed.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOCSIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/tocsin"
AMTOOL = shutil.which("amtool")
passed = 0
failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok    {what}")
    else:
        failed += 1
        print(f"FAIL  {what}")
        if detail:
            print("      " + detail.replace("\n", "\n      "))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def same_as_amtool(tocsin_args, amtool_args, what):
    rc_t, out_t, err_t = run([TOCSIN] + tocsin_args)
    if not AMTOOL:
        check(rc_t == 0 or "WARNING" in out_t, what + " (amtool missing, tocsin only)", err_t)
        return out_t
    rc_a, out_a, _ = run([AMTOOL] + amtool_args)
    check(rc_t == rc_a and out_t == out_a, what,
          f"tocsin rc={rc_t}:\n{out_t}{err_t}\namtool rc={rc_a}:\n{out_a}")
    return out_t


TREE_CONFIGS = ["routes/alertmanager.yml", "tests/routes/deep.yml", "tests/routes/minimal.yml"] + \
    sorted(glob.glob("receivers/*.yml"))

# ---- routes show ----
for cfg in TREE_CONFIGS:
    out = same_as_amtool(["routes", "show", f"--config.file={cfg}"],
                         ["config", "routes", "show", f"--config.file={cfg}"], f"routes show {cfg}")
rc, out2, _ = run([TOCSIN, "routes", "show", "routes/alertmanager.yml"])
rc3, out3, _ = run([TOCSIN, "routes", "--config.file", "routes/alertmanager.yml"])
rc4, out4, _ = run([TOCSIN, "routes", "show", "--config.file=routes/alertmanager.yml"])
check(rc == 0 and out2 == out4 and rc3 == 0 and out3 == out4, "routes show FILE and routes --config.file FILE agree")
check(out4.startswith("Routing tree:\n.\n\u2514\u2500\u2500 default-route  receiver: default\n"), "routes show header")
check("continue: true  receiver: audit-log" in out4, "routes show marks continue")
rc, _, err = run([TOCSIN, "routes", "show", "--config.file=no/such/file.yml"])
check(rc != 0 and "no/such/file.yml" in err, "routes show on a missing file fails", err)

# ---- routes test --config.file: amtool's single-alert mode ----
LABEL_CASES = [
    [],
    ["alertname=Watchdog"],
    ["team=db", "severity=critical"],
    ["team=db", "severity=warning", "alertname=DiskFull"],
    ["team=db", "service=mysql", "instance=db-0.example.org"],
    ["team=db", "service=mysql", "instance=xdb-0.example.org"],
    ["team=frontend", "env=prod", "severity=critical"],
    ["team=frontend", "env=staging"],
    ["site=zürich", "severity=info"],
    ["site=zürich", "severity=critical"],
    ["team=qa", "env=dev"],
    ['team="db"', "severity=critical"],
    ["--tree", "team=frontend", "env=prod", "severity=critical"],
    ["--tree", "site=zürich"],
    ["--tree"],
    ["--verify.receivers=audit-log,team-db-pager", "team=db", "severity=critical"],
    ["--verify.receivers=team-db-pager", "team=db", "severity=critical"],
    ["--verify.receivers", "default", "alertname=x"],
    ["team!=db"],
    ["not-a-label"],
]
for labels in LABEL_CASES:
    cfg = "routes/alertmanager.yml"
    same_as_amtool(["routes", "test", f"--config.file={cfg}"] + labels,
                   ["config", "routes", "test", f"--config.file={cfg}"] + labels,
                   "routes test " + " ".join(labels))
for labels in (["x=1", "y=1", "z=a"], ["x=1", "y=3"], ["--tree", "x=1", "y=2", "k=v"], ["--tree", "q=back\\slash"],
               ["x=2", "k=v", "m=n", "o=r"], ["--tree", "x=2", "k=v", "m=n", "o=p1"]):
    cfg = "tests/routes/deep.yml"
    same_as_amtool(["routes", "test", f"--config.file={cfg}"] + labels,
                   ["config", "routes", "test", f"--config.file={cfg}"] + labels,
                   "routes test deep.yml " + " ".join(labels))
rc, out, _ = run([TOCSIN, "routes", "test", "--config.file=routes/alertmanager.yml",
                  "--verify.receivers=nobody", "alertname=x"])
check(rc == 1 and "WARNING: Expected receivers did not match resolved receivers." in out,
      "routes test --verify.receivers mismatch exits 1")

# ---- routes test PATH: the test files ----
rc, out, err = run([TOCSIN, "routes", "test", "routes/"])
m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
check(rc == 0 and m is not None and int(m.group(1)) >= 10 and m.group(2) == "0",
      "routes test routes/ passes with at least 10 cases", out + err)
check("muted: [team-db-pager]" in out, "routes test reports muted routes at a given instant", out)

rc, out, err = run([TOCSIN, "routes", "test", "tests/routes/wrong.tests.yml"])
check(rc != 0, "the wrong fixture fails", out)
check('FAIL  tests/routes/wrong.tests.yml:9 (wrong, forgets the audit log) '
      '{alertname="DiskFull", severity="warning", team="db"}\n' in out, "the failure names the alert's labels", out)
check("expected receivers: [team-db]\n" in out and "got receivers:      [audit-log, team-db]\n" in out,
      "the failure names the receivers expected and got", out)
check("1 passed, 1 failed" in out and "PASS  tests/routes/wrong.tests.yml:6" in out, "the right case still passes", out)

# A directory and a file together; a test file's errors name the file, line and field.
rc, out, _ = run([TOCSIN, "routes", "test", "routes", "tests/routes/wrong.tests.yml"])
check(rc != 0 and re.search(r"^\d+ passed, 1 failed$", out, re.M) is not None, "directories and files mix", out)
with tempfile.TemporaryDirectory() as d:
    cfg_path = os.path.abspath("routes/alertmanager.yml")
    bad = os.path.join(d, "bad.tests.yml")
    with open(bad, "w") as f:
        f.write(f"config: {cfg_path}\ntests:\n  - labels: {{a: b}}\n    receiver: [default]\n")
    rc, out, _ = run([TOCSIN, "routes", "test", bad])
    check(rc != 0 and f"{bad}:4: tests[0].receiver: unknown field" in out, "unknown keys in a test file are errors", out)
    with open(bad, "w") as f:
        f.write(f"config: {cfg_path}\ntests:\n  - labels: {{a: b}}\n    receivers: [default]\n    at: yesterday\n")
    rc, out, _ = run([TOCSIN, "routes", "test", bad])
    check(rc != 0 and "tests[0].at" in out, "a bad `at` is an error", out)
    with open(bad, "w") as f:
        f.write("config: missing.yml\ntests:\n  - labels: {a: b}\n    receivers: [default]\n")
    rc, out, _ = run([TOCSIN, "routes", "test", d])
    check(rc != 0 and "missing.yml" in out, "a missing config is an error", out)
    empty = os.path.join(d, "empty")
    os.mkdir(empty)
    rc, _, err = run([TOCSIN, "routes", "test", empty])
    check(rc != 0 and "no *.tests.yml" in err, "a directory without test files is an error", err)

# Every case of the example file agrees with amtool (the file's flow-style lines are simple enough to
# read with a regex; cases are a `labels: {...}` line followed by its `receivers: [...]` line).
if AMTOOL:
    text = open("routes/example.tests.yml", encoding="utf-8").read()
    cases = re.findall(r"labels: \{([^}]*)\}\n(?:.*\n)??\s*receivers: \[([^\]]*)\]", text)
    check(len(cases) >= 10, f"read {len(cases)} cases of routes/example.tests.yml")
    for labels, receivers in cases:
        args = [f"{k.strip()}={v.strip()}" for k, v in (p.split(":", 1) for p in labels.split(","))]
        want = ",".join(r.strip() for r in receivers.split(","))
        rc, out, _ = run([AMTOOL, "config", "routes", "test", "--config.file=routes/alertmanager.yml",
                          f"--verify.receivers={want}"] + args)
        check(rc == 0, f"amtool agrees: {' '.join(args)} -> {want}", out)

# ---- receivers/: one example per integration, valid for both ----
examples = sorted(glob.glob("receivers/*.yml"))
check({os.path.basename(p) for p in examples} >= {"webhook.yml", "slack.yml", "email.yml", "pagerduty.yml"},
      "receivers/ has webhook, slack, email and pagerduty examples", str(examples))
rc, out, err = run([TOCSIN, "check-config"] + examples)
check(rc == 0 and out.count("SUCCESS") == len(examples), "tocsin check-config receivers/*.yml", out + err)
for p in examples + ["routes/alertmanager.yml"]:
    if AMTOOL:
        rc_a, out_a, _ = run([AMTOOL, "check-config", p])
        rc_t, out_t, _ = run([TOCSIN, "check-config", p])
        check(rc_a == 0 and rc_t == 0 and out_a == out_t, f"check-config {p}: amtool and tocsin agree",
              f"tocsin:\n{out_t}\namtool:\n{out_a}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
