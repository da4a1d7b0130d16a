"""test_get_concurrency.py: --web.get-concurrency on tocsin and the reference side by side. With a limit of
1 and GETs of a large alert listing fired together, each daemon refuses the ones over the limit with 503
and the reference's text, counts them in alertmanager_http_concurrency_limit_exceeded_total{method="get"},
keeps answering POSTs (only GETs are limited) and serves GETs again once the others are done.
usage: /usr/bin/python3 test_get_concurrency.py <tocsin-binary>"""
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from harness import REFERENCE, Daemon, Results  # noqa: E402

TOCSIN = sys.argv[1] if len(sys.argv) > 1 else "build/tocsin"
R = Results()
CONFIG = "route:\n  receiver: default\nreceivers:\n- name: default\n"
BUSY = "Limit of concurrent GET requests reached (1), try again later.\n\n"  # http.Error adds one


def exceeded(d):
    _, body, _ = d.request("POST", "/api/v2/alerts", [])  # not a GET: never limited
    code, text, _ = d.request("GET", "/metrics")
    m = re.search(r'^alertmanager_http_concurrency_limit_exceeded_total\{method="get"\} (\S+)$', text, re.M)
    return code, float(m.group(1)) if m else None


def burst(d, n=8):
    answers = []
    lock = threading.Lock()

    def one():
        a = d.request("GET", "/api/v2/alerts", timeout=30)
        with lock:
            answers.append(a)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def run(name, binary):
    d = Daemon(binary, CONFIG, extra=["--web.get-concurrency=1"], name=name)
    try:
        d.start()
        for k in range(0, 40000, 2000):
            d.post_alerts([{"labels": {"alertname": "A%d" % i, "instance": "host-%d" % (i % 97)}}
                           for i in range(k, k + 2000)])
        code, before = exceeded(d)
        R.check("%s: the counter exists at zero" % name, code == 200 and before == 0, "got %r" % before)
        refused = []
        served = 0
        for _ in range(20):  # bounded: GETs of 40,000 alerts overlap within a few bursts
            for status, body, headers in burst(d):
                if status == 503:
                    refused.append((body, headers.get("Content-Type")))
                elif status == 200:
                    served += 1
            if refused and served:
                break
        R.check("%s: GETs over the limit get 503" % name, len(refused) > 0, "no 503 in 20 bursts")
        R.check("%s: the 503 says why, as the reference" % name,
                all(b == BUSY and ct == "text/plain; charset=utf-8" for b, ct in refused), repr(refused[:1]))
        R.check("%s: GETs within the limit are served" % name, served > 0)
        _, after = exceeded(d)
        R.check("%s: each refusal counted" % name, after == len(refused), "counter %r, refusals %d" % (after, len(refused)))
        code, _, _ = d.request("GET", "/api/v2/status")
        R.check("%s: alone, a GET is served again" % name, code == 200, "got %s" % code)
    finally:
        d.cleanup()


run("reference", REFERENCE)
run("tocsin", TOCSIN)
R.finish()
