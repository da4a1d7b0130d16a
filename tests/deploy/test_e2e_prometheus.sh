#!/usr/bin/env bash
# End to end: Prometheus, run with deploy/prometheus/prometheus.yml, evaluates
# the always-firing TocsinE2EAlwaysFiring rule and sends the alert to tocsin on
# 127.0.0.1:9093; tocsin routes it to a webhook receiver (a small Python
# server); the test waits for the notification and checks its payload.
#
#   TOCSIN_BIN=build/tocsin bash tests/deploy/test_e2e_prometheus.sh
#
# TOCSIN_BIN defaults to the first of build*/tocsin, tocsin in PATH; without a
# binary the test is skipped (exit 77). TOCSIN_BIN=/usr/bin/prometheus-alertmanager
# runs the same test against the reference. When 9093 is taken, a copy of
# prometheus.yml pointing at a free port is used. Prometheus comes from the
# Debian package `prometheus` (installed when missing, as root).
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-e2e.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS  $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $1"; }
finish() { echo; echo "$PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; exit $?; }

BIN=${TOCSIN_BIN:-}
if [ -z "$BIN" ]; then
    for b in "$ROOT"/build*/tocsin "$(command -v tocsin || true)"; do
        if [ -x "$b" ] && [ -f "$b" ]; then BIN=$b; break; fi
    done
fi
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "SKIP  no tocsin binary (set TOCSIN_BIN)"
    exit 77
fi
if ! command -v prometheus >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null ||
        { echo "FAIL  prometheus is missing"; exit 1; }
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_busy() { python3 -c 'import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; }
# wait_http URL SECONDS
wait_http() {
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# ---- the Prometheus configuration under test
PROM_CFG="$ROOT/deploy/prometheus/prometheus.yml"
AM_PORT=9093
if port_busy 9093; then
    AM_PORT=$(free_port)
    mkdir -p "$WORK/prom-cfg"
    cp -r "$ROOT/deploy/prometheus/rules" "$WORK/prom-cfg/"
    sed "s/127\.0\.0\.1:9093/127.0.0.1:$AM_PORT/g" "$PROM_CFG" >"$WORK/prom-cfg/prometheus.yml"
    PROM_CFG="$WORK/prom-cfg/prometheus.yml"
    echo "note: 127.0.0.1:9093 is in use, using a copy of prometheus.yml with port $AM_PORT"
fi

# ---- webhook receiver: appends every body to hooks.jsonl
HOOK_PORT=$(free_port)
python3 - "$HOOK_PORT" "$WORK/hooks.jsonl" <<'EOF' &
import http.server, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
PIDS+=($!)

# ---- tocsin
cat >"$WORK/alertmanager.yml" <<EOF
route:
  receiver: hook
  group_by: ["alertname"]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:$HOOK_PORT/hook
        send_resolved: true
EOF
mkdir -p "$WORK/data"
"$BIN" --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= \
    --log.level=debug >"$WORK/tocsin.log" 2>&1 &
PIDS+=($!)
if wait_http "http://127.0.0.1:$AM_PORT/-/ready" 20; then
    pass "tocsin ready on 127.0.0.1:$AM_PORT"
else
    fail "tocsin ready on 127.0.0.1:$AM_PORT"
    tail -n 30 "$WORK/tocsin.log" | sed 's/^/      /'
    finish
fi

# ---- Prometheus with the example configuration
PROM_PORT=$(free_port)
# A short resend delay: alerts evaluated before the Alertmanager target is
# discovered are dropped and would otherwise wait the default 1m.
prometheus --config.file="$PROM_CFG" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --rules.alert.resend-delay=2s >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
if wait_http "http://127.0.0.1:$PROM_PORT/-/ready" 30; then
    pass "prometheus ready with $(basename "$PROM_CFG")"
else
    fail "prometheus ready"
    tail -n 30 "$WORK/prometheus.log" | sed 's/^/      /'
    finish
fi

# ---- the notification
got=""
for ((i = 0; i < 90; i++)); do
    if [ -s "$WORK/hooks.jsonl" ] && grep -q TocsinE2EAlwaysFiring "$WORK/hooks.jsonl"; then got=1; break; fi
    sleep 1
done
if [ -n "$got" ]; then
    pass "webhook got TocsinE2EAlwaysFiring within ${i}s"
else
    fail "webhook got TocsinE2EAlwaysFiring within 90s"
    tail -n 30 "$WORK/tocsin.log" | sed 's/^/      /'
    finish
fi

if python3 - "$WORK/hooks.jsonl" <<'EOF'; then pass "webhook payload: version 4, firing, labels, receiver"; else fail "webhook payload"; fi
import json, sys
msgs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [x for x in msgs if x["commonLabels"].get("alertname") == "TocsinE2EAlwaysFiring"][0]
assert m["version"] == "4", m
assert m["status"] == "firing", m
assert m["receiver"] == "hook", m
assert m["groupLabels"] == {"alertname": "TocsinE2EAlwaysFiring"}, m
a = m["alerts"][0]
assert a["status"] == "firing" and a["labels"]["severity"] == "none", a
assert a["labels"]["monitor"] == "tocsin-example", a  # Prometheus' external label
assert a["annotations"]["summary"].startswith("Always-firing"), a
assert a["startsAt"] and a["fingerprint"], a
EOF

if python3 - "http://127.0.0.1:$AM_PORT/api/v2/alerts" <<'EOF'; then pass "GET /api/v2/alerts lists the alert"; else fail "GET /api/v2/alerts lists the alert"; fi
import json, sys, urllib.request
alerts = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
assert any(a["labels"].get("alertname") == "TocsinE2EAlwaysFiring" and a["status"]["state"] == "active"
           for a in alerts), alerts
EOF

finish
