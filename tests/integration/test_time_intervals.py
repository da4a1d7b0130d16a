"""test_time_intervals.py: mute_time_intervals and active_time_intervals applied at flush time on the
real binary, beside the reference: a group muted now is not sent (and not recorded: it goes out once the
mute ends), an interval that never matches lets it through, active intervals work the other way."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results, Sink, run_parallel  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()

INTERVALS = """
time_intervals:
  - name: always
    time_intervals:
      - weekdays: ['sunday:saturday']
  - name: never
    time_intervals:
      - years: ['1999']
  - name: office-berlin
    time_intervals:
      - times: [{start_time: '00:00', end_time: '24:00'}]
        location: Europe/Berlin
"""


def cfg(sink, key, names):
    return f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 200ms
  group_interval: 1s
  routes:
    - matchers: ['alertname="A"']
      receiver: hook
      {key}: [{', '.join(names)}]
receivers:
  - name: hook
    webhook_configs:
      - url: {sink.url}/hook
{INTERVALS}
"""


def run(binary, key, names):
    sink = Sink()
    d = Daemon(binary, cfg(sink, key, names))
    try:
        d.start()
        d.post_alerts([{"labels": {"alertname": "A"}}])
        sink.wait_for(1, 2.0)
        import time
        time.sleep(0.5)
        return len(sink.notifications())
    finally:
        d.cleanup()
        sink.close()


def main():
    cases = [
        ("mute_time_intervals", ["always"], 0),
        ("mute_time_intervals", ["never"], 1),
        ("mute_time_intervals", ["never", "always"], 0),
        ("active_time_intervals", ["always"], 1),
        ("active_time_intervals", ["never"], 0),
        ("active_time_intervals", ["office-berlin"], 1),
    ]
    for key, names, want in cases:
        ours, ref = run_parallel([lambda: run(TOCSIN, key, names), lambda: run(REFERENCE, key, names)])
        R.check("%s %s: %d notification(s), reference %d" % (key, names, want, ref), ours == want and ref == want,
                "tocsin %d reference %d" % (ours, ref))
    # A config naming an undefined interval fails with a message naming it.
    import subprocess
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write("route:\n  receiver: a\n  routes:\n  - receiver: a\n    mute_time_intervals: [nope]\nreceivers:\n- name: a\n")
    r = subprocess.run([TOCSIN, "check-config", f.name], capture_output=True, text=True, timeout=10)
    R.check("undefined interval: check-config fails naming it", r.returncode != 0 and "nope" in r.stdout + r.stderr, r.stdout + r.stderr)
    os.unlink(f.name)
    R.finish()


if __name__ == "__main__":
    main()
