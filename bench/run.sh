#!/usr/bin/env bash
# tocsin vs prometheus-alertmanager benchmark. Usage:
#   bash bench/run.sh            # full run (BENCH_SCALE=1, ~5-8 minutes on 2 cores)
#   BENCH_SCALE=0.2 bash bench/run.sh
#   bash bench/run.sh --quick    # CI: BENCH_SCALE=0.1, exits 1 if tocsin is worse than the reference on a figure
# Extra arguments go to bench.py (e.g. --phases ingest,state).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
ref="${BENCH_REFERENCE:-/usr/bin/prometheus-alertmanager}"
args=()
for a in "$@"; do
  if [[ "$a" == --quick ]]; then export BENCH_SCALE="${BENCH_SCALE:-0.1}"; args+=(--check); else args+=("$a"); fi
done
command -v "$ref" >/dev/null || { echo "reference $ref not found (apt-get install prometheus-alertmanager)" >&2; exit 2; }
if [[ ! -x "$build/tocsin" || -n "${BENCH_REBUILD:-}" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target tocsin -j"${BENCH_JOBS:-2}"
fi
mkdir -p "$here/.out"
if [[ ! -x "$here/.out/loadgen" || "$here/loadgen.cpp" -nt "$here/.out/loadgen" ]]; then
  g++ -O2 -std=c++20 -pthread "$here/loadgen.cpp" -o "$here/.out/loadgen"
fi
exec python3 "$here/bench.py" --tocsin "$build/tocsin" --reference "$ref" "${args[@]}"
