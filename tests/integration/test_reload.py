"""test_reload.py: a reload keeps the groups and timers of unchanged routes (tocsin's deliberate
difference from the reference, which resets every group): nothing is re-sent, and a late alert still
goes out on the group's original group_interval tick; a route whose options changed starts afresh."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, Results, Sink  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()


def cfg(sink, extra_wait="1s"):
    return f"""
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 4s
  repeat_interval: 1h
  routes:
    - matchers: ['team="other"']
      receiver: hook
      group_wait: {extra_wait}
receivers:
  - name: hook
    webhook_configs: [{{url: '{sink.url}/hook'}}]
"""


def main():
    sink = Sink()
    d = Daemon(TOCSIN, cfg(sink))
    try:
        d.start()
        t0 = time.monotonic()
        d.post_alerts([{"labels": {"alertname": "A"}}, {"labels": {"alertname": "O", "team": "other"}}])
        R.check("first notifications", sink.wait_for(2, 3))
        # Reload twice: once unchanged (HTTP), once with only the other route's options changed (SIGHUP).
        time.sleep(0.5)
        R.check("reload answers 200", d.request("POST", "/-/reload")[0] == 200)
        with open(d.config_path, "w") as f:
            f.write(cfg(sink, extra_wait="2s"))
        d.signal(signal.SIGHUP)
        time.sleep(0.5)
        d.post_alerts([{"labels": {"alertname": "A", "i": "2"}}])
        # The group of A flushed at ~0.5s; its next tick is ~4.5s: the late alert goes out then, not
        # group_wait after the reload.
        ok = sink.wait_for(3, 6)
        n = sink.notifications()
        a_sends = [x for x in n if x[2]["groupLabels"].get("alertname") == "A"]
        R.check("nothing re-sent by the reloads: A notified twice, O once",
                ok and len(a_sends) == 2 and len([x for x in n if x[2]["groupLabels"].get("alertname") == "O"]) == 1,
                [(round(x[0] - t0, 2), x[2]["groupLabels"]) for x in n])
        if len(a_sends) == 2:
            dt = a_sends[1][0] - t0
            R.check("the late alert went out on the original tick (~4.5s), not after group_wait (~2s)",
                    3.9 <= dt <= 5.3, "at %.2fs" % dt)
            R.check("the second send carries both alerts", len(a_sends[1][2]["alerts"]) == 2)
    finally:
        d.cleanup()
        sink.close()
    R.finish()


if __name__ == "__main__":
    main()
