"""test_lifecycle.py: start-up refuses a corrupted or newer-schema database with a clear message (never
starts empty), logs are logfmt or JSON with the reference's keys, SIGTERM exits 0 and keeps state."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Results  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()
CFG = "route: {receiver: r}\nreceivers: [{name: r}]\n"


def start_fails(storage, word):
    d = Daemon(TOCSIN, CFG, storage=storage)
    try:
        d.start(timeout=5)
        R.check("start refused with a %s database" % word, False, "it started")
    except RuntimeError as e:
        msg = str(e)
        R.check("start refused with a %s database, naming it" % word, word in msg and "tocsin.db" in msg, msg[-400:])
    finally:
        d.cleanup()


def main():
    tmp = tempfile.mkdtemp(prefix="tocsin-life-")
    corrupt = os.path.join(tmp, "corrupt")
    os.makedirs(corrupt)
    with open(os.path.join(corrupt, "tocsin.db"), "wb") as f:
        f.write(b"this is not a database" * 100)
    start_fails(corrupt, "corrupted")

    newer = os.path.join(tmp, "newer")
    os.makedirs(newer)
    db = sqlite3.connect(os.path.join(newer, "tocsin.db"))
    db.execute("PRAGMA user_version = 999")
    db.commit()
    db.close()
    start_fails(newer, "newer")

    # JSON logs with the reference's keys; a silence survives a SIGTERM restart.
    storage = os.path.join(tmp, "state")
    d = Daemon(TOCSIN, CFG, storage=storage, extra=["--log.format=json", "--log.level=debug"])
    try:
        d.start()
        code, body, _ = d.request("POST", "/api/v2/silences", {
            "matchers": [{"name": "a", "value": "b", "isRegex": False}], "startsAt": "2020-01-01T00:00:00Z",
            "endsAt": "2099-01-01T00:00:00Z", "createdBy": "t", "comment": "c"})
        sid = json.loads(body)["silenceID"]
        R.check("SIGTERM exits 0", d.stop() == 0)
        lines = [l for l in d.read_log().splitlines() if l.strip()]
        parsed = []
        for l in lines:
            try:
                parsed.append(json.loads(l))
            except ValueError:
                pass
        R.check("every log line is JSON", lines and len(parsed) == len(lines), lines[:3])
        # As the reference, every line has ts, caller and level, and a msg but for its key-only lines
        # (build_context, externalURL, routePrefix).
        R.check("log lines carry ts, caller, level, msg",
                parsed and all({"ts", "caller", "level"} <= set(p) and
                               ("msg" in p or set(p) & {"build_context", "externalURL", "routePrefix"})
                               for p in parsed))
        d.start()
        code, s = d.get_json("/api/v2/silence/" + sid)
        R.check("the silence is back after a restart", code == 200 and s["id"] == sid)
    finally:
        d.cleanup()
    d = Daemon(TOCSIN, CFG)
    try:
        d.start()
        d.stop()
        line = d.read_log().splitlines()[0]
        R.check("logfmt by default: ts=... caller=... level=... msg=...",
                line.startswith("ts=") and " caller=" in line and " level=" in line and " msg=" in line, line)
    finally:
        d.cleanup()
    # check-config parses the template files too, as amtool does.
    tdir = tempfile.mkdtemp(prefix="tocsin-cc-")
    os.makedirs(os.path.join(tdir, "t"))
    with open(os.path.join(tdir, "c.yml"), "w") as f:
        f.write("route: {receiver: a}\nreceivers: [{name: a}]\ntemplates: ['t/*.tmpl']\n")
    with open(os.path.join(tdir, "t", "bad.tmpl"), "w") as f:
        f.write('{{ define "x" }}{{ .Foo {{ end }}')
    r = subprocess.run([TOCSIN, "check-config", os.path.join(tdir, "c.yml")], capture_output=True, text=True, timeout=10)
    R.check("check-config fails on a template that does not parse, naming it",
            r.returncode != 0 and "FAILED" in r.stdout and "bad.tmpl" in r.stdout, r.stdout)
    os.unlink(os.path.join(tdir, "t", "bad.tmpl"))
    r = subprocess.run([TOCSIN, "check-config", os.path.join(tdir, "c.yml")], capture_output=True, text=True, timeout=10)
    R.check("check-config passes once the template is gone", r.returncode == 0 and "1 templates" in r.stdout, r.stdout)
    r = subprocess.run([TOCSIN, "--log.format=xml"], capture_output=True, text=True, timeout=10)
    R.check("an unknown log format is refused", r.returncode != 0 and "unrecognized log format \"xml\"" in r.stderr, r.stderr)
    # kingpin's checks of flag values, before anything starts (the reference's wording).
    for args, want in ((["--data.retention=5"], 'time: missing unit in duration "5"'),
                       (["--web.systemd-socket=true"], "unexpected true"),
                       (["--config.file=a", "--config.file=b"], "flag 'config.file' cannot be repeated"),
                       (["--data.maintenance-interval=0s"], "maintenance interval must not be 0")):
        r = subprocess.run([TOCSIN] + args, capture_output=True, text=True, timeout=10)
        R.check("flags %s refused" % args, r.returncode == 1 and want in r.stderr + r.stdout, r.stderr + r.stdout)
    # With clustering on, a malformed gossip address stops the start, as the reference's does.
    for args, want in ((["--cluster.listen-address=bad"], "invalid listen address: address bad: missing port in address"),
                       (["--cluster.listen-address=127.0.0.1:0", "--cluster.peer=nohost"],
                        "split host/port for peer nohost")):
        with tempfile.TemporaryDirectory() as t:
            r = subprocess.run([TOCSIN, "--config.file=" + os.path.join(tdir, "c.yml"), "--storage.path=" + t,
                                "--web.listen-address=127.0.0.1:0"] + args, capture_output=True, text=True, timeout=10)
            R.check("cluster %s refused" % args, r.returncode == 1 and want in r.stdout + r.stderr, r.stdout + r.stderr)
    with tempfile.TemporaryDirectory() as t:
        blocker = os.path.join(t, "file")
        open(blocker, "w").close()
        r = subprocess.run([TOCSIN, "--config.file=" + os.path.join(tdir, "c.yml"), "--storage.path=" + os.path.join(blocker, "x"),
                            "--web.listen-address=127.0.0.1:0"], capture_output=True, text=True, timeout=10)
        R.check("an unusable --storage.path is an error, not a crash", r.returncode == 1 and "Unable to create data directory" in r.stderr,
                "%s %s" % (r.returncode, r.stderr))
    ref = "/usr/bin/prometheus-alertmanager"
    if os.path.exists(ref):
        import re
        ref_help = subprocess.run([ref, "--help"], capture_output=True, text=True, timeout=10)
        ours_help = subprocess.run([TOCSIN, "--help"], capture_output=True, text=True, timeout=10).stdout
        names = sorted(set(re.findall(r"--[a-z][a-z0-9.-]*[a-z0-9]", ref_help.stdout + ref_help.stderr)))
        R.check("every flag of the reference's --help is in tocsin's", names and all(n in ours_help for n in names),
                [n for n in names if n not in ours_help])
    r = subprocess.run([TOCSIN, "--version"], capture_output=True, text=True, timeout=10)
    R.check("--version has the reference's shape", r.returncode == 0 and r.stdout.startswith("tocsin, version ")
            and "(branch: " in r.stdout and "\n  platform:" in r.stdout, r.stdout)
    R.finish()


if __name__ == "__main__":
    main()
