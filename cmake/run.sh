#!/usr/bin/env bash
# The main job: builds the release preset and starts inventory-server (examples/server), the
# engine as a REST service, on an embedded data directory (./inventory-data, RocksDB inside:
# nothing else to install or start). It prints its URL and, on the first start, the admin key.
# Installs missing Debian packages first. Arguments go to inventory-server (see
# examples/server/README.md), e.g. --listen 0.0.0.0:8080 --tls-cert cert.pem --tls-key key.pem.
# `cmake/run.sh --demo [...]` runs the flash-sale demo instead (prints "oversold: 0").
set -euo pipefail
cd "$(dirname "$0")/.."
cmake/install_deps.sh
cmake --preset release > /dev/null
if [ "${1:-}" = "--demo" ]; then
  shift
  cmake --build --preset release --target flash_sale
  exec build/release/examples/flash_sale "$@"
fi
cmake --build --preset release --target inventory-server
# Later options win, so "$@" overrides these defaults.
exec build/release/examples/server/inventory-server --data inventory-data \
  --listen 127.0.0.1:8080 "$@"
