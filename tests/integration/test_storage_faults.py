"""test_storage_faults.py: the disk fills up under a running tocsin (issue 7, point 5). --storage.path
lies on a 2 MiB tmpfs; a filler file takes the rest of it; POST /api/v2/silences must then answer a 5xx
with a message (not 200: the silence could not be made durable) while GET /api/v2/silences keeps
working; once the filler is gone, writes succeed again. The daemon never exits, and the database
passes `PRAGMA integrity_check` at the end. Needs root for `mount -t tmpfs`; without it the test
says so and skips (exit 0). Standard library only.

Usage: test_storage_faults.py <tocsin-binary>
"""
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Daemon, Results, now_rfc3339  # noqa: E402

CONFIG = """
route:
  receiver: sink
receivers:
- name: sink
"""


def silence(i, comment_bytes=200):
    return {"matchers": [{"name": "alertname", "value": "Disk%d" % i, "isRegex": False, "isEqual": True}],
            "startsAt": now_rfc3339(), "endsAt": now_rfc3339(3600), "createdBy": "storage-test",
            "comment": "c" * comment_bytes}


def fill(path):
    """Writes zeros until the filesystem is full; returns the bytes written."""
    written = 0
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                written += f.write(chunk)
            except OSError:
                break
    return written


def main():
    if len(sys.argv) < 2:
        print("usage: test_storage_faults.py <tocsin-binary>")
        sys.exit(2)
    mnt = tempfile.mkdtemp(prefix="tocsin-tmpfs-")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], capture_output=True, text=True)
    if res.returncode != 0:
        print("SKIP: cannot mount a tmpfs (%s); this test needs root" % (res.stderr.strip() or res.returncode))
        os.rmdir(mnt)
        sys.exit(0)
    r = Results()
    d = None
    try:
        storage = os.path.join(mnt, "data")
        d = Daemon(sys.argv[1], CONFIG, storage=storage, name="tocsin")
        d.start()
        stored = []
        for i in range(5):
            code, body, _ = d.request("POST", "/api/v2/silences", silence(i))
            if code == 200:
                stored.append(body)
        r.check("silences stored before the disk fills", len(stored) == 5)

        filler = os.path.join(mnt, "filler")
        n = fill(filler)
        print("filler: %d bytes, disk full" % n)

        # Writes: 5xx with a message, never 200 for a silence that is not on disk.
        answers = []
        for i in range(20):
            code, body, _ = d.request("POST", "/api/v2/silences", silence(100 + i, comment_bytes=4000))
            answers.append((code, body.strip()[:200]))
        ok_count = sum(1 for c, _ in answers if c == 200)
        bad = [(c, b) for c, b in answers if not (c == 200 or (500 <= c <= 599 and b))]
        print("answers while full: %s" % sorted(set(c for c, _ in answers)))
        r.check("POST /api/v2/silences on a full disk answers 5xx with a message", ok_count == 0 and not bad,
                "200s: %d, others: %s" % (ok_count, answers[:3]))
        r.check("the 5xx is 503", any(c == 503 for c, _ in answers), str(answers[:3]))

        code, body, _ = d.request("GET", "/api/v2/silences")
        r.check("GET /api/v2/silences works on a full disk", code == 200 and body.count("storage-test") >= 5,
                "%s %s" % (code, body[:200]))
        code, _, _ = d.request("POST", "/api/v2/alerts", [{"labels": {"alertname": "Full"}, "startsAt": now_rfc3339()}])
        r.check("POST /api/v2/alerts on a full disk answers without crashing: %s" % code, code in (200, 503))
        r.check("healthy on a full disk", d.request("GET", "/-/healthy")[0] == 200)
        r.check("tocsin still running with the disk full", d.proc.poll() is None, d.read_log()[-1500:])

        os.remove(filler)
        time.sleep(0.2)
        codes = [d.request("POST", "/api/v2/silences", silence(200 + i))[0] for i in range(5)]
        r.check("writes succeed again once space returns", codes == [200] * 5, str(codes))
        code, body, _ = d.request("GET", "/api/v2/silences")
        r.check("all acknowledged silences listed", code == 200 and body.count("storage-test") >= 10 + ok_count,
                "%s count=%d" % (code, body.count("storage-test")))

        rc = d.stop()
        r.check("tocsin never crashed and stopped cleanly (exit %s)" % rc, rc == 0, d.read_log()[-1500:])

        dbs = [p for p in glob.glob(os.path.join(storage, "**", "*"), recursive=True)
               if os.path.isfile(p) and not p.endswith(("-wal", "-shm", "-journal"))]
        checked = 0
        for p in dbs:
            with open(p, "rb") as f:
                if f.read(16) != b"SQLite format 3\0":
                    continue
            con = sqlite3.connect(p)
            try:
                result = con.execute("PRAGMA integrity_check").fetchall()
            finally:
                con.close()
            checked += 1
            r.check("PRAGMA integrity_check on %s: %s" % (os.path.basename(p), result[0][0]), result == [("ok",)])
        r.check("a database was checked", checked > 0, str(dbs))

        # Restart on the same storage: everything acknowledged is back.
        d2 = Daemon(sys.argv[1], CONFIG, storage=storage, name="tocsin")
        try:
            d2.start()
            code, body, _ = d2.request("GET", "/api/v2/silences")
            r.check("after a restart the acknowledged silences are back", body.count("storage-test") >= 10 + ok_count,
                    "count=%d" % body.count("storage-test"))
        finally:
            d2.cleanup()
    finally:
        if d is not None:
            d.cleanup()
        subprocess.run(["umount", mnt], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
