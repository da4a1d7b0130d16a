#!/usr/bin/env bash
# Installs build and test dependencies, builds everything, and runs every test under CTest:
# unit tests (doctest), integration tests against the real binary (and the reference Alertmanager
# side by side), routes/ cases, deployment checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j2 "$@"
