#!/usr/bin/env bash
# Installs the build dependencies, builds tocsin and runs it on the example config in routes/,
# with its SQLite state under ./data. Extra arguments are passed to tocsin.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh --target tocsin
exec ./build/tocsin --config.file=routes/alertmanager.yml --storage.path=data/ \
  --web.listen-address=127.0.0.1:9093 --cluster.listen-address= "$@"
