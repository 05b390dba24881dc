#!/usr/bin/env bash
# The main job: builds the release preset and runs the flash-sale demo (examples/flash_sale),
# which races threads for stock and prints sold, rejected, oversold (always 0), the invariant
# checks and throughput. Installs missing Debian packages first. Arguments go to flash_sale
# (--threads N --stock N --items N --seconds S).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake/install_deps.sh
cmake --preset release > /dev/null
cmake --build --preset release --target flash_sale
exec build/release/examples/flash_sale "$@"
