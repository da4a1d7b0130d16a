#!/usr/bin/env bash
# Profiles tocsin with perf (samples of the whole daemon, all threads) during
#   1. ingest: 20,000 new alerts then the same re-posted (batches of 100, 4 clients)
#   2. GET /api/v2/alerts with 10,000 alerts (30 requests)
#   3. POST /api/v2/silences: 5,000 silences by 4 clients, the same 10,000 alerts active
# and prints the top entries (self time). Reports go to bench/.out/profile-{ingest,get,silences}.txt.
# Usage: bash bench/profile.sh   (after bench/run.sh has built tocsin and the load generator)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
tocsin="${BENCH_BUILD_DIR:-$root/build-bench}/tocsin"
out="$here/.out"; lg="$out/loadgen"; port=${BENCH_PROFILE_PORT:-19193}
cfg="$out/configs/main.yml"
[[ -f "$cfg" ]] || { echo "run bench/run.sh first (writes $cfg)" >&2; exit 2; }
data="$out/data/profile"; rm -rf "$data"; mkdir -p "$data"
taskset -c 0 "$tocsin" --config.file="$cfg" --storage.path="$data" --web.listen-address=127.0.0.1:$port \
  --cluster.listen-address= --log.level=warn >"$out/profile-tocsin.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.05; done
prof() { # name, then the load command
  local name=$1; shift
  perf record -F 1999 -g -p "$pid" -o "$out/perf-$name.data" 2>/dev/null &
  local ppid=$!
  sleep 0.3
  taskset -c 1 "$@" >/dev/null
  kill -INT $ppid; wait $ppid || true
  perf report -i "$out/perf-$name.data" --stdio --no-children --percent-limit 1 -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' >"$out/profile-$name.txt"
  echo "== $name (self time, top entries)"; head -25 "$out/profile-$name.txt"
}
starts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
prof ingest bash -c "'$lg' post --port $port --start 0 --count 20000 --groups 1000 --starts-at $starts && '$lg' post --port $port --start 0 --count 20000 --groups 1000 --starts-at $starts"
kill $pid; wait $pid 2>/dev/null || true
rm -rf "$data"; mkdir -p "$data"
taskset -c 0 "$tocsin" --config.file="$cfg" --storage.path="$data" --web.listen-address=127.0.0.1:$port \
  --cluster.listen-address= --log.level=warn >>"$out/profile-tocsin.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.05; done
"$lg" post --port $port --start 0 --count 10000 --groups 1000 >/dev/null
prof get "$lg" get --port $port --path /api/v2/alerts --count 30 --max-seconds 30
prof silences "$lg" silences --port $port --start 0 --count 5000
