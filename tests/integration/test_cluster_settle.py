"""test_cluster_settle.py: with clustering on, the reference waits for its gossip to settle before it
sends any notification, and reports "settling" until then. tocsin (a single node, no gossip) plays the
same wait out: side by side, each daemon listening for gossip on a port of its own.

  - --cluster.gossip-interval=50ms: settled after five polls of 10 x 50 ms, 2.5 s; an alert posted at
    once (group_wait 0s) is notified then, not before;
  - --cluster.settle-timeout=1s (gossip interval 200ms, polls every 2 s): settled at the timeout, logged
    "gossip not settled but continuing anyway";
  - --cluster.listen-address= : "disabled", no wait.

Usage: test_cluster_settle.py <tocsin-binary>; prints 'N passed, N failed'. Standard library only."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REFERENCE, Daemon, Results, Sink, free_port, run_parallel  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()
CONFIG = """
route:
  receiver: sink
  group_wait: 0s
  group_by: [alertname]
receivers:
- name: sink
  webhook_configs: [{url: '%s/hook'}]
"""


def status(d):
    return json.loads(d.request("GET", "/api/v2/status")[1])["cluster"]["status"]


def cluster_series(text, name):
    """The gossip metrics, HELP lines and samples, with this node's name as <self>."""
    keep = ("alertmanager_cluster_", "alertmanager_peer_", "alertmanager_oversize")
    out = []
    for line in text.splitlines():
        bare = line[7:] if line.startswith("# HELP ") else line
        if bare.startswith(keep):
            out.append(line.replace('"%s"' % name, '"<self>"') if name else line)
    return sorted(out)


def scenario(binary, cluster_flags):
    """Starts a daemon, posts one alert at once; returns (status changes with their times after the
    start, the notification's time after the start, the log)."""
    sink = Sink()
    d = Daemon(binary, CONFIG % sink.url)
    d.extra = cluster_flags() + ["--log.level=debug"]
    try:
        d.start()
        t0 = d.started
        d.post_alerts([{"labels": {"alertname": "Settle"}}])
        cluster = json.loads(d.request("GET", "/api/v2/status")[1])["cluster"]
        cluster["metrics"] = cluster_series(d.request("GET", "/metrics")[1], cluster.get("name", ""))
        changes, last, deadline = [], None, t0 + 8
        while time.monotonic() < deadline:
            s = status(d)
            if s != last:
                changes.append((round(time.monotonic() - t0, 2), s))
                last = s
            if s in ("ready", "disabled") and sink.notifications():
                break
            time.sleep(0.05)
        sink.wait_for(1, max(0.1, deadline - time.monotonic()))
        got = sink.notifications()
        return changes, (round(got[0][0] - t0, 2) if got else None), d.read_log(), cluster, d.extra
    finally:
        d.cleanup()
        sink.server.shutdown()


def both(cluster_flags):
    return run_parallel([lambda: scenario(TOCSIN, cluster_flags), lambda: scenario(REFERENCE, cluster_flags)])


def main():
    def gossip():
        port = free_port()
        return ["--cluster.listen-address=0.0.0.0:%d" % port, "--cluster.advertise-address=127.0.0.1:%d" % port,
                "--cluster.gossip-interval=50ms"]

    timeout = lambda: ["--cluster.listen-address=127.0.0.1:%d" % free_port(), "--cluster.settle-timeout=1s"]
    off = lambda: ["--cluster.listen-address="]
    results = run_parallel([lambda: both(gossip), lambda: both(timeout), lambda: both(off)])
    for (label, lo, hi, final), pair in zip(
            [("gossip interval 50ms", 2.3, 4.5, "ready"), ("settle timeout 1s", 0.9, 2.5, "ready"),
             ("clustering off", 0.0, 1.5, "disabled")], results):
        for name, (changes, notified, log, cluster, flags) in zip(("tocsin", "reference"), pair):
            if final == "ready":
                # The peer's address: the advertise address when given, else the specific listen address.
                given = [f.split("=", 1)[1] for f in flags if f.startswith("--cluster.advertise-address=")]
                given = given or [f.split("=", 1)[1] for f in flags if f.startswith("--cluster.listen-address=")]
                R.check("%s, %s: the peer listed at %s" % (label, name, given[0]),
                        [p["address"] for p in cluster["peers"]] == given, cluster)
            R.check("%s, %s: status %s" % (label, name, "settling, then ready" if final == "ready" else "disabled"),
                    [s for _, s in changes] == (["settling", "ready"] if final == "ready" else ["disabled"]), changes)
            ready_at = changes[-1][0] if changes else None
            if final == "ready":
                R.check("%s, %s: ready after %.1f-%.1f s" % (label, name, lo, hi),
                        ready_at is not None and lo <= ready_at <= hi, changes)
            R.check("%s, %s: the alert posted at start notified after %.1f-%.1f s" % (label, name, lo, hi),
                    notified is not None and lo <= notified <= hi, notified)
        if final == "ready":
            R.check("%s: the gossip metrics' names, help and values as the reference's" % label,
                    pair[0][3]["metrics"] == pair[1][3]["metrics"] and pair[0][3]["metrics"],
                    "\n   only tocsin: %s\n   only reference: %s" % (
                        sorted(set(pair[0][3]["metrics"]) - set(pair[1][3]["metrics"])),
                        sorted(set(pair[1][3]["metrics"]) - set(pair[0][3]["metrics"]))))
        if "timeout" in label:
            for name, (_, _, log, _, _) in zip(("tocsin", "reference"), pair):
                R.check("%s, %s: logs that it goes on unsettled" % (label, name),
                        'msg="gossip not settled but continuing anyway"' in log, log[-1500:])
        if "50ms" in label:
            for name, (_, _, log, _, _) in zip(("tocsin", "reference"), pair):
                R.check("%s, %s: logs the wait and the settling" % (label, name),
                        'msg="Waiting for gossip to settle..." interval=500ms' in log
                        and 'msg="gossip settled; proceeding"' in log, log[-1500:])
    R.finish()


main()
