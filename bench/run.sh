#!/usr/bin/env bash
# tocsin vs prometheus-alertmanager benchmark. Usage:
#   bash bench/run.sh            # full run (BENCH_SCALE=1, ~1-2 minutes on 2 cores, plus a build if needed)
#   BENCH_SCALE=0.2 bash bench/run.sh
#   bash bench/run.sh --quick    # CI: BENCH_SCALE=0.1, exits 1 if tocsin is worse than the reference on a figure
# Extra arguments go to bench.py (e.g. --phases ingest,state).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
# The build measured: BENCH_BUILD_DIR, else build-bench/, else the Release build the test command makes
# in build/ (so that a fresh checkout that ran the tests does not compile everything again).
release_build() { grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$1/CMakeCache.txt" 2>/dev/null; }
if [[ -n "${BENCH_BUILD_DIR:-}" ]]; then
  build="$BENCH_BUILD_DIR"
elif [[ ! -d "$root/build-bench" ]] && release_build "$root/build"; then
  build="$root/build"
else
  build="$root/build-bench"
fi
ref="${BENCH_REFERENCE:-/usr/bin/prometheus-alertmanager}"
args=()
for a in "$@"; do
  if [[ "$a" == --quick ]]; then export BENCH_SCALE="${BENCH_SCALE:-0.1}"; args+=(--check); else args+=("$a"); fi
done
command -v "$ref" >/dev/null || { echo "reference $ref not found (apt-get install prometheus-alertmanager)" >&2; exit 2; }
# Brought up to date before every run (a no-op when nothing changed), so the numbers are the code's.
if [[ ! -f "$build/CMakeCache.txt" || -n "${BENCH_REBUILD:-}" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target tocsin -j"${BENCH_JOBS:-2}" >/dev/null
mkdir -p "$here/.out"
if [[ ! -x "$here/.out/loadgen" || "$here/loadgen.cpp" -nt "$here/.out/loadgen" ]]; then
  g++ -O2 -std=c++20 -pthread "$here/loadgen.cpp" -o "$here/.out/loadgen" -lsqlite3
fi
exec python3 "$here/bench.py" --tocsin "$build/tocsin" --reference "$ref" "${args[@]}"
