"""test_hostile.py: hostile input against every API endpoint (issue 7, point 3) and a slowloris load
(point 4). Malformed JSON, wrong types, 10,000 labels, a body over --web.max-request-body-bytes, invalid
UTF-8, unknown fields, 100,000 levels of nesting, raw garbage, a 100 KB request line and headers over
the limit: tocsin answers each with a 4xx and a message (or a 2xx where the reference Alertmanager,
run beside it when installed, accepts the same request), and GET /-/healthy answers 200 after each.
Then 1,000 connections dribble a request a byte at a time while a normal client must still get
answers within a second. Standard library only.

Usage: test_hostile.py <tocsin-binary>
"""
import json
import os
import resource
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import REFERENCE, Daemon, Results, now_rfc3339  # noqa: E402

BODY_LIMIT = 1 << 20  # --web.max-request-body-bytes for tocsin
SLOW_CONNECTIONS = 1000

CONFIG = """
route:
  receiver: sink
  group_wait: 1h
receivers:
- name: sink
  webhook_configs:
  - url: http://127.0.0.1:9/
"""


def raw(port, data, timeout=10.0, read_limit=1 << 20):
    """Sends `data` on a fresh socket and returns (status or None, response text). The server may
    answer and close before it has read everything: a reset while sending is not an error here."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and sum(map(len, chunks)) < read_limit:
            try:
                c = s.recv(65536)
            except OSError:
                break
            if not c:
                break
            chunks.append(c)
        text = b"".join(chunks).decode("utf-8", "replace")
    finally:
        s.close()
    status = None
    if text.startswith("HTTP/1."):
        try:
            status = int(text.split(" ", 2)[1])
        except (IndexError, ValueError):
            pass
    return status, text


def http_request(method, path, body=b"", headers=None):
    hdrs = {"Host": "127.0.0.1", "Connection": "close"}
    if body or method in ("POST", "PUT"):
        hdrs["Content-Type"] = "application/json"
        hdrs["Content-Length"] = str(len(body))
    hdrs.update(headers or {})
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
    return head.encode("latin-1") + body


def body_of(text):
    return text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else ""


def alert(labels=None, **extra):
    a = {"labels": labels if labels is not None else {"alertname": "Hostile"}, "startsAt": now_rfc3339()}
    a.update(extra)
    return a


def silence(**over):
    s = {"matchers": [{"name": "alertname", "value": "Hostile", "isRegex": False, "isEqual": True}],
         "startsAt": now_rfc3339(), "endsAt": now_rfc3339(3600), "createdBy": "t", "comment": "c"}
    s.update(over)
    return s


def j(v):
    return json.dumps(v).encode()


def cases():
    """(name, raw request bytes, compare with the reference?, expected tocsin class when not compared)"""
    deep = b"[" * 100000 + b"]" * 100000
    deep_obj = b'{"a":' * 100000 + b"1" + b"}" * 100000
    many = {"l%05d" % i: "v%d" % i for i in range(10000)}
    many["alertname"] = "Many"
    big = b'[{"labels":{"alertname":"Big","x":"' + b"x" * (BODY_LIMIT + 1024) + b'"}}]'
    bad_utf8_alert = b'[{"labels":{"alertname":"Bad\xff\xfe","a":"\xc3\x28"},"startsAt":"' + now_rfc3339().encode() + b'"}]'
    bad_utf8_sil = j(silence(comment="PLACEHOLDER")).replace(b"PLACEHOLDER", b"\xed\xa0\x80\xff")
    A, S = "/api/v2/alerts", "/api/v2/silences"
    out = [
        # POST /api/v2/alerts
        ("alerts: malformed JSON", http_request("POST", A, b'[{"labels":{"alertname":'), True, 4),
        ("alerts: empty body", http_request("POST", A, b""), True, 4),
        ("alerts: not an array", http_request("POST", A, j({"labels": {"a": "b"}})), True, 4),
        ("alerts: labels a string", http_request("POST", A, j([{"labels": "x"}])), True, 4),
        ("alerts: label value a number", http_request("POST", A, j([{"labels": {"alertname": 5}}])), True, 4),
        ("alerts: startsAt a number", http_request("POST", A, j([alert(startsAt=12)])), True, 4),
        ("alerts: startsAt not a time", http_request("POST", A, j([alert(startsAt="yesterday")])), True, 4),
        ("alerts: null element", http_request("POST", A, b"[null]"), True, 4),
        ("alerts: no labels", http_request("POST", A, j([{"annotations": {"a": "b"}}])), True, 4),
        ("alerts: empty label name", http_request("POST", A, j([alert({"": "x", "alertname": "a"})])), True, 4),
        ("alerts: unknown fields", http_request("POST", A, j([alert(foo={"bar": [1, 2]}, status="x")])), True, 2),
        ("alerts: 10,000 labels", http_request("POST", A, j([alert(many)])), True, 2),
        ("alerts: 10,000 alerts", http_request("POST", A, j([alert({"alertname": "N%d" % i}) for i in range(10000)])), True, 2),
        ("alerts: invalid UTF-8", http_request("POST", A, bad_utf8_alert), True, 4),
        ("alerts: deep nesting [[[...]]] 100,000", http_request("POST", A, deep), True, 4),
        ("alerts: deep nesting {a:{a:...}} 100,000", http_request("POST", A, deep_obj), True, 4),
        ("alerts: body over the limit", http_request("POST", A, big), False, 4),
        ("alerts: Content-Length over the limit, no body", http_request("POST", A, b"", {"Content-Length": str(BODY_LIMIT * 64)}), False, 4),
        ("alerts: garbage binary body", http_request("POST", A, bytes(range(256)) * 16), True, 4),
        ("alerts: NUL in label", http_request("POST", A, j([alert({"alertname": "a\u0000b"})])), True, 2),
        ("alerts: huge number", http_request("POST", A, b'[{"labels":{"alertname":"x"},"startsAt":1e999999}]'), True, 4),
        # POST /api/v2/silences
        ("silences: malformed JSON", http_request("POST", S, b'{"matchers":['), True, 4),
        ("silences: empty body", http_request("POST", S, b""), True, 4),
        ("silences: an array", http_request("POST", S, b"[]"), True, 4),
        ("silences: matchers a string", http_request("POST", S, j(silence(matchers="a=b"))), True, 4),
        ("silences: isRegex a string", http_request("POST", S, j(silence(matchers=[{"name": "a", "value": "b", "isRegex": "yes"}]))), True, 4),
        ("silences: endsAt a number", http_request("POST", S, j(silence(endsAt=5))), True, 4),
        ("silences: no matchers", http_request("POST", S, j(silence(matchers=[]))), True, 4),
        ("silences: bad regex", http_request("POST", S, j(silence(matchers=[{"name": "a", "value": "(", "isRegex": True}]))), True, 4),
        ("silences: unknown fields", http_request("POST", S, j(silence(bogus={"x": 1}, matchers=[{"name": "a", "value": "b", "isRegex": False, "extra": 1}]))), True, 2),
        ("silences: 10,000 matchers", http_request("POST", S, j(silence(matchers=[{"name": "l%d" % i, "value": "v", "isRegex": False} for i in range(10000)]))), True, 2),
        ("silences: invalid UTF-8", http_request("POST", S, bad_utf8_sil), True, 2),
        ("silences: deep nesting", http_request("POST", S, deep), True, 4),
        ("silences: body over the limit", http_request("POST", S, b'{"comment":"' + b"c" * (BODY_LIMIT + 10) + b'"}'), False, 4),
        ("silences: unknown id", http_request("POST", S, j(silence(id=str(uuid.uuid4())))), True, 4),
        # GET with filters
        ("GET alerts: bad filter", http_request("GET", A + "?filter=%7Bfoo"), True, 4),
        ("GET alerts: bad regex filter", http_request("GET", A + "?filter=a%3D~%22(%22"), True, 4),
        ("GET alerts: active not a bool", http_request("GET", A + "?active=maybe"), True, 4),
        ("GET alerts: filter invalid UTF-8", http_request("GET", A + "?filter=a%3D%22%FF%22"), True, 2),
        ("GET alerts: 1,000 filters", http_request("GET", A + "?" + "&".join("filter=a%d%%3Db" % i for i in range(1000))), True, 2),
        ("GET groups: bad filter", http_request("GET", A + "/groups?filter=%3D%3D%3D"), True, 4),
        ("GET groups: receiver bad regex", http_request("GET", A + "/groups?receiver=%28"), True, 4),
        ("GET silences: bad filter", http_request("GET", S + "?filter=%7D%7B"), True, 4),
        ("GET silence: not a UUID", http_request("GET", "/api/v2/silence/%00%ff.."), True, 4),
        ("GET silence: unknown UUID", http_request("GET", "/api/v2/silence/" + str(uuid.uuid4())), True, 4),
        # DELETE silence
        ("DELETE silence: not a UUID", http_request("DELETE", "/api/v2/silence/nope"), True, 4),
        ("DELETE silence: unknown UUID", http_request("DELETE", "/api/v2/silence/" + str(uuid.uuid4())), True, 4),
        ("DELETE silence: traversal (a redirect to the clean path, as Go's ServeMux answers)",
         http_request("DELETE", "/api/v2/silence/../../alerts"), True, 3),
        ("DELETE silences (collection)", http_request("DELETE", S), True, 4),
        # /-/reload
        ("reload: GET", http_request("GET", "/-/reload"), True, 4),
        ("reload: POST with a garbage body", http_request("POST", "/-/reload", bytes(range(256))), True, 2),
        # Transport level
        ("raw garbage bytes", os.urandom(4096).replace(b"\n", b"x") + b"\r\n\r\n", False, 4),
        ("binary request line", b"\x00\x01\x02 \xff\xfe HTTP/1.1\r\n\r\n", False, 4),
        ("request line of 100 KB", http_request("GET", A + "?filter=" + "a" * 100000), False, 4),
        ("headers of 200 KB (under Go's 1 MiB)", http_request("GET", "/-/healthy", b"", {"X-Pad-%d" % i: "p" * 1000 for i in range(200)}), True, 2),
        ("headers over the limit (1 MiB, 431)", http_request("GET", "/-/healthy", b"", {"X-Pad-%d" % i: "p" * 1000 for i in range(1100)}), True, 4),
        # One field over 64 KiB: 431 from tocsin (Beast stores no longer field), where Go takes it.
        ("one header of 100 KB", http_request("GET", "/-/healthy", b"", {"X-Big": "b" * 100000}), False, 4),
        ("bad Content-Length", http_request("POST", A, b"[]", {"Content-Length": "-5"}), False, 4),
        ("unsupported Transfer-Encoding", http_request("POST", A, b"[]", {"Transfer-Encoding": "gzip, chunked"}), False, 4),
        ("HTTP/9.9", b"GET /-/healthy HTTP/9.9\r\nHost: x\r\n\r\n", True, 5),
    ]
    return out


# Cases where tocsin answers a 2xx/4xx the reference does not, outside this test's scope to change.
KNOWN_DIVERGENCES = {
    "GET alerts: filter invalid UTF-8": "tocsin parses filters with the UTF-8 matcher syntax first, which "
                                        "turns a bad byte into U+FFFD; the reference's classic parser rejects it",
}


def klass(status):
    return None if status is None else status // 100


def main():
    if len(sys.argv) < 2:
        print("usage: test_hostile.py <tocsin-binary>")
        sys.exit(2)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 8192) if hard != resource.RLIM_INFINITY else 8192
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    r = Results()
    d = Daemon(sys.argv[1], CONFIG, extra=["--web.max-request-body-bytes=%d" % BODY_LIMIT, "--log.level=warn"], name="tocsin")
    ref = None
    try:
        d.start()
        if os.path.exists(REFERENCE):
            ref = Daemon(REFERENCE, CONFIG, name="reference", extra=["--log.level=error"])
            try:
                ref.start(timeout=30)
            except RuntimeError as e:
                print("reference not started (%s); comparing with the expected classes only" % e)
                ref = None
        else:
            print("no reference at %s; comparing with the expected classes only" % REFERENCE)

        tried = 0
        for name, req, compare, expected in cases():
            tried += 1
            status, text = raw(d.port, req)
            want = expected
            ref_status = None
            if compare and ref is not None:
                ref_status, _ = raw(ref.port, req)
                if ref_status is not None:
                    want = klass(ref_status)
            body = body_of(text).strip()
            label = "%s: %s%s" % (name, status, "" if ref_status is None else " (reference %s)" % ref_status)
            if want == 5:
                # The reference fails on its side (go-swagger answers 500 to some bad query parameters):
                # a 4xx or 2xx is fine, and so is the very same answer (DELETE of an unknown silence is a
                # 500 in the reference's spec, and tocsin follows it); no answer is not.
                ok = klass(status) in (2, 4) or (status is not None and status == ref_status)
            else:
                ref_body = body_of(raw(ref.port, req)[1]).strip() if (compare and ref is not None and want == 4) else "x"
                ok = klass(status) == want and (want in (2, 3) or len(body) > 0 or not ref_body)
            if not ok and name in KNOWN_DIVERGENCES and klass(status) in (2, 4):
                print("NOTE  %s: differs from the reference (%s)" % (label, KNOWN_DIVERGENCES[name]), flush=True)
                ok = True
            r.check(label, ok, "want %dxx with a message, got %r" % (want, text[:300]))
            alive = d.proc.poll() is None
            hs = None
            if alive:
                try:
                    hs = d.request("GET", "/-/healthy", timeout=5)[0]
                except OSError as e:
                    hs = str(e)
            if not r.check("  still serving after: " + name, alive and hs == 200,
                           "exit=%s healthy=%s log=%s" % (d.proc.poll(), hs, d.read_log()[-1500:])):
                if not alive:
                    d = Daemon(sys.argv[1], CONFIG, extra=["--web.max-request-body-bytes=%d" % BODY_LIMIT], name="tocsin")
                    d.start()
        print("malformed inputs tried: %d" % tried)

        # A valid request still works after all that.
        r.check("a valid alert is accepted afterwards", d.request("POST", "/api/v2/alerts", [alert()])[0] == 200)

        abrupt_closes(r, d)
        slowloris(r, d)
        r.check("tocsin never crashed", d.proc.poll() is None, "exit=%s" % d.proc.poll())
    finally:
        d.cleanup()
        if ref is not None:
            ref.cleanup()
    r.finish()


def abrupt_closes(r, d, n=200):
    """Silence creations and alert POSTs are answered after their group commit; clients that hang up
    (with a reset) before that answer must not crash tocsin nor lose the write."""
    def count(path):
        return len(json.loads(d.request("GET", path)[1]))

    before_sil, before_al = count("/api/v2/silences"), count("/api/v2/alerts")

    def post_and_reset(path, payload):
        data = json.dumps(payload).encode()
        s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        try:
            s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                      % (path.encode(), len(data)) + data)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        finally:
            s.close()

    threads = []
    for i in range(n):
        threads.append(threading.Thread(target=post_and_reset, args=(
            "/api/v2/silences", silence(matchers=[{"name": "abrupt", "value": str(i), "isRegex": False}]))))
        threads.append(threading.Thread(target=post_and_reset, args=(
            "/api/v2/alerts", [alert({"alertname": "Abrupt", "i": str(i)})])))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 5
    sil = al = 0
    while time.monotonic() < deadline:
        sil = count("/api/v2/silences") - before_sil
        al = count("/api/v2/alerts") - before_al
        if sil == n and al == n:
            break
        time.sleep(0.1)
    r.check("clients that reset before the deferred answer: every write kept (%d silences, %d alerts)" % (sil, al),
            sil == n and al == n and d.proc.poll() is None, "exit=%s" % d.proc.poll())


def slowloris(r, d):
    """SLOW_CONNECTIONS sockets each send a request one byte a round (a round every ~0.5 s, about 20 s
    in all) while a normal client asks for /-/healthy and /api/v2/status: each must answer within 1 s."""
    request = b"GET /api/v2/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"z" * 200 + b"\r\n"  # never ends
    socks = []
    opened_at = time.monotonic()
    for _ in range(SLOW_CONNECTIONS):
        try:
            s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
            s.setblocking(False)
            socks.append(s)
        except OSError as e:
            print("slowloris: connect failed after %d: %s" % (len(socks), e))
            break
    r.check("slowloris: %d slow connections opened" % len(socks), len(socks) == SLOW_CONNECTIONS)
    latencies, failures = [], []
    pos = 0
    end = opened_at + 20
    while time.monotonic() < end and pos < len(request):
        for s in socks:
            try:
                s.send(request[pos:pos + 1])
            except OSError:
                pass
        pos += 1
        for path in ("/-/healthy", "/api/v2/status"):
            t0 = time.monotonic()
            try:
                code = d.request("GET", path, timeout=5)[0]
            except OSError as e:
                code = str(e)
            dt = time.monotonic() - t0
            latencies.append(dt)
            if code != 200 or dt > 1.0:
                failures.append((path, code, round(dt, 3)))
        time.sleep(0.5)
    held = 0
    for s in socks:
        try:
            s.send(b"x")
            held += 1
        except OSError:
            pass
    print("slowloris: %d rounds, %d normal requests, max latency %.3f s, %d slow connections still open"
          % (pos, len(latencies), max(latencies or [0]), held))
    r.check("slowloris: normal client answered within 1 s every time", not failures and latencies, str(failures[:10]))
    for s in socks:
        s.close()
    r.check("slowloris: healthy after the slow connections close", d.request("GET", "/-/healthy")[0] == 200)


if __name__ == "__main__":
    main()
