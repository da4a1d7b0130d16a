#!/usr/bin/python3
"""test_template_render.py: `tocsin template render` against `amtool template render` (0.25).

Run from the repository root as `python3 tests/integration/test_template_render.py <path-to-tocsin>`.
- every {{define}} of tests/template/corpus/*.tmpl (helpers named `*._*` excepted, they expect an
  alert or a list as their dot) rendered with each data file of tests/template/corpus/data/, as text,
  and as HTML too for the email_* files: the same stdout and exit code as amtool;
- the reference's own default templates (Debian's /usr/share/prometheus/alertmanager/*.tmpl) given to
  both tools: every definition renders the same, so the engine is compared on the long bodies too;
- our built-in defaults against the reference's: the one-line outputs (subjects, titles, links) are
  identical; the long bodies are our own wording and are not compared (see kOwnBodies);
- amtool's example data when no --template.data is given, the flag forms, and the errors (a failed
  template, a bad data file, a missing flag) exit non-zero with the message amtool prints.
Debian's amtool, unlike upstream's, loads no default templates by itself (FromGlobs("", ...)), so the
reference defaults are passed to it as a glob. Comparisons are skipped when amtool is not installed.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

TOCSIN = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/tocsin"
AMTOOL = shutil.which("amtool")
CORPUS = os.path.abspath("tests/template/corpus")
REF_DIR = "/usr/share/prometheus/alertmanager"
REF_DEFAULT = os.path.join(REF_DIR, "default.tmpl")
REF_EMAIL = os.path.join(REF_DIR, "email.tmpl")
NO_FILES = "/nonexistent-tocsin-test/*.tmpl"  # a glob matching nothing: only the built-in defaults
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


def render(tool, globs, text, data=None, kind=None):
    cmd = [tool] if tool == AMTOOL else [TOCSIN]
    cmd += ["template", "render"] + [f"--template.glob={g}" for g in globs] + [f"--template.text={text}"]
    if kind:
        cmd.append(f"--template.type={kind}")
    if data:
        cmd.append(f"--template.data={data}")
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def same(what, globs_ours, globs_ref, text, data=None, kind=None):
    rc1, out1, err1 = render(TOCSIN, globs_ours, text, data, kind)
    rc2, out2, err2 = render(AMTOOL, globs_ref, text, data, kind)
    # The same output, or the same error (a template failing in both, as __text_alert_list given the
    # whole notification instead of a list of alerts).
    ok = rc1 == rc2 and out1 == out2 and (rc1 == 0 or error_text(err1, "tocsin") == error_text(err2, "amtool"))
    detail = ""
    if not ok:
        detail = f"tocsin rc={rc1} {err1.strip()}\namtool rc={rc2} {err2.strip()}\n--- tocsin\n{out1!r}\n--- amtool\n{out2!r}"
    check(ok, what, detail)


def defines(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r'{{-?\s*define\s+"([^"]+)"', f.read())


def error_text(stderr, prog):
    m = re.search(rf"^{prog}: error: (.*)$", stderr, re.M)
    return m.group(1) if m else None


if AMTOOL is None or not os.path.exists(REF_DEFAULT):
    print("amtool or the reference templates are not installed: comparisons skipped")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0)

datas = sorted(glob.glob(os.path.join(CORPUS, "data", "*.json")))
check(len(datas) == 3, "three corpus data files", str(datas))

# ---- the corpus: both tools get the reference's default.tmpl and the file, so the template set is the
# same and the engine alone is compared (corpus files may call __subject and friends).
corpus = sorted(glob.glob(os.path.join(CORPUS, "*.tmpl")))
check(len(corpus) >= 15, "at least 15 corpus templates", str(len(corpus)))
for path in corpus:
    base = os.path.basename(path)
    globs = [REF_DEFAULT, path]
    kinds = [None, "html"] if base.startswith("email") else [None]
    for name in defines(path):
        if "._" in name:
            continue
        for data in datas:
            for kind in kinds:
                same(f"{base} {name} {os.path.basename(data)} {kind or 'text'}", globs, globs,
                     f'{{{{ template "{name}" . }}}}', data, kind)

# ---- the reference's own defaults through our engine, every definition, long bodies included.
ref_globs = [REF_DEFAULT, REF_EMAIL]
for name in defines(REF_DEFAULT) + defines(REF_EMAIL):
    for data in datas:
        kind = "html" if name == "email.default.html" else None
        same(f"reference {name} {os.path.basename(data)}", ref_globs, ref_globs,
             f'{{{{ template "{name}" . }}}}', data, kind)

# ---- our built-in defaults against the reference's: the one-liners people filter and search on.
kOneLiners = [
    "__alertmanager", "__alertmanagerURL", "__subject", "__description",
    "slack.default.title", "slack.default.username", "slack.default.fallback", "slack.default.callbackid",
    "slack.default.pretext", "slack.default.titlelink", "slack.default.iconemoji", "slack.default.iconurl",
    "slack.default.footer",
    "pagerduty.default.description", "pagerduty.default.client", "pagerduty.default.clientURL",
    "opsgenie.default.message", "opsgenie.default.source",
    "wechat.default.to_user", "wechat.default.to_party", "wechat.default.to_tag", "wechat.default.agent_id",
    "victorops.default.entity_display_name", "victorops.default.monitoring_tool",
    "pushover.default.title", "pushover.default.url", "sns.default.subject", "discord.default.title",
    "email.default.subject",
]
# Deliberately ours, not compared: the alert lists and message bodies (email HTML, plain-text lists,
# Slack text, the chat/pager bodies built on __text_alert_list) are tocsin's own design.
kOwnBodies = [
    "__text_alert_list", "slack.default.text", "pagerduty.default.instances", "opsgenie.default.description",
    "wechat.default.message", "victorops.default.state_message", "pushover.default.message",
    "sns.default.message", "telegram.default.message", "discord.default.message", "webex.default.message",
    "email.default.html",
]
check(sorted(kOneLiners + kOwnBodies) == sorted(defines(REF_DEFAULT) + defines(REF_EMAIL)),
      "every reference default is either compared or listed as our own")
for name in kOneLiners:
    for data in datas + [None]:
        same(f"default {name} {os.path.basename(data) if data else 'example data'}", [NO_FILES], ref_globs,
             f'{{{{ template "{name}" . }}}}', data)
    same(f"default {name} html", [NO_FILES], ref_globs, f'{{{{ template "{name}" . }}}}', datas[0], "html")

# ---- amtool's example data (its times are "now", so only time-free fields are compared).
same("example data fields", [NO_FILES], [REF_DEFAULT],
     "{{ .Receiver }} {{ .Status }} {{ .ExternalURL }} {{ .GroupLabels }} {{ .CommonLabels }} "
     "{{ .CommonAnnotations }}{{ range .Alerts }} {{ .Status }} {{ .Labels }} {{ .Annotations }} "
     "{{ .GeneratorURL }} {{ .Fingerprint }}{{ end }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}")
same("example data durations", [NO_FILES], [REF_DEFAULT],
     "{{ range .Alerts }}{{ (.EndsAt.Sub .StartsAt).Round 60000000000 }} {{ end }}")
# amtool's example times come from time.Now(): printed with a monotonic reading (" m=-299.990053419"),
# which Round drops; the digits differ from run to run, the shape does not.
shape = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+ m=[+-]\d+\.\d{9}\|"
                   r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? [+-]\d{4} \S+\|)+$")
shape_text = "{{ range .Alerts }}{{ .StartsAt }}|{{ (.EndsAt.Add 1000).Round 0 }}|{{ end }}"
outs = [render(t, [NO_FILES] if t == TOCSIN else [REF_DEFAULT], shape_text)[1] for t in (TOCSIN, AMTOOL)]
check(all(shape.match(o) for o in outs), "example data times printed as time.Now()'s", "\n".join(outs))

# ---- flags: "--flag value", repeated globs, no newline added, "" renders "".
rc, out, _ = render(TOCSIN, [NO_FILES, os.path.join(CORPUS, "regex.tmpl")],
                    '{{ template "corpus.regex.receiver" . }}', datas[0])
check(rc == 0 and out == "team-db-pager|.a.b.c.|-b-c-", "repeated --template.glob", out)
p = subprocess.run([TOCSIN, "template", "render", "--template.glob", NO_FILES, "--template.text", "{{ .Receiver }}",
                    "--template.type", "html", "--template.data", os.path.join(CORPUS, "data", "mixed.json")], capture_output=True, timeout=60)
check(p.returncode == 0 and p.stdout == b"email ops (eu)", "space-separated flag values", p.stdout.decode())
rc, out, _ = render(TOCSIN, [NO_FILES], "")
check(rc == 0 and out == "", "an empty text renders nothing", out)

# ---- errors: exit 1 and amtool's message after the program name.
bad_json = os.path.join(CORPUS, "..", "corpus-bad-data.json.tmp")
with open(bad_json, "w") as f:
    f.write("nope")
# Data files encoding/json rejects, each with its message (and one it reads: keys in any case, offsets kept).
typed = {}
for key, body in [("receiver a number", '{"receiver": 5}'),
                  ("data an array", '[1, 2]'),
                  ("label value a number", '{"alerts": [{"labels": {"a": 1}}]}'),
                  ("startsAt out of range", '{"alerts": [{"startsAt": "2024-13-01T00:00:00Z"}]}'),
                  ("keys in any case, offsets kept", '{"Receiver": "r", "ALERTS": [{"StartsAt": "2024-01-01T01:00:00.5+01:00"}]}')]:
    typed[key] = os.path.join(CORPUS, "..", "corpus-typed-%d.json.tmp" % len(typed))
    with open(typed[key], "w") as f:
        f.write(body)
try:
    for key, path in typed.items():
        same("data file: " + key, [NO_FILES], [REF_DEFAULT],
             "{{ .Receiver }}{{ range .Alerts }} {{ .StartsAt }} {{ .StartsAt.Format \"15:04 MST\" }}{{ end }}", path)
    error_cases = [
        ("undefined template", [NO_FILES], '{{ template "nope" . }}', None, None),
        ("unknown field", [NO_FILES], "{{ .Foo }}", None, None),
        ("unclosed action", [NO_FILES], "{{ .Receiver ", None, None),
        ("unknown function", [NO_FILES], "{{ nofunc 1 }}", None, None),
        ("missing data file", [NO_FILES], "{{ .Receiver }}", "/nonexistent-tocsin-test/data.json", None),
        ("data not JSON", [NO_FILES], "{{ .Receiver }}", bad_json, None),
        ("bad template type", [NO_FILES], "{{ .Receiver }}", None, "xml"),
    ]
    for what, globs, text, data, kind in error_cases:
        rc1, out1, err1 = render(TOCSIN, globs, text, data, kind)
        rc2, out2, err2 = render(AMTOOL, [REF_DEFAULT] if globs == [NO_FILES] else globs, text, data, kind)
        check(rc1 != 0 and rc2 != 0 and out1 == "", f"error exits non-zero: {what}", err1)
        # Deliberately different: a data file that is not JSON is reported in our words, not with
        # encoding/json's message.
        if what != "data not JSON":
            check(error_text(err1, "tocsin") == error_text(err2, "amtool"), f"error message as amtool's: {what}",
                  f"tocsin: {err1.strip()}\namtool: {err2.strip()}")
finally:
    os.unlink(bad_json)
    for path in typed.values():
        os.unlink(path)
for args, what in [(["--template.text=x"], "required flag --template.glob not provided"),
                   ([f"--template.glob={NO_FILES}"], "required flag --template.text not provided")]:
    p = subprocess.run([TOCSIN, "template", "render"] + args, capture_output=True, timeout=60)
    check(p.returncode != 0 and what in p.stderr.decode(), f"usage error: {what}", p.stderr.decode())

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
