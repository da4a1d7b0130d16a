#!/usr/bin/env bash
# Installs everything tocsin needs to build and test on Debian 12 (run as root). Idempotent.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
build_pkgs=(build-essential cmake ninja-build ccache pkg-config
  libboost-dev nlohmann-json3-dev libyaml-cpp-dev libcurl4-openssl-dev libsqlite3-dev
  libssl-dev libre2-dev doctest-dev tzdata ca-certificates)
test_pkgs=(python3 python3-yaml python3-aiosmtpd curl openssl sqlite3
  prometheus prometheus-alertmanager clang libclang-rt-14-dev)
want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${test_pkgs[@]}"); fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The Debian packages start services we do not want running (tests start their own, on loopback).
for s in prometheus prometheus-alertmanager prometheus-node-exporter; do
  systemctl stop "$s" >/dev/null 2>&1 || true
done
pkill -x prometheus-alertmanager >/dev/null 2>&1 || true
exit 0
