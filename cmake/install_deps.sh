#!/usr/bin/env bash
# Installs the Debian 12 packages that inventory needs to build, test and benchmark (DESIGN.md
# section 9), skipping those already installed; `apt-get update` runs only when one is missing.
# Runs as root, or through sudo when it exists.
#
# Usage: cmake/install_deps.sh [--check] [--tests]
#   --check  only list the missing packages; exit 1 if there are any
#   --tests  also what only the tests need (headless Chromium for the dashboard test, wrk, and
#            the aarch64 and 32-bit ARM cross compilers and qemu for the firmware builds;
#            docs/firmware.md)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkgconf ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libfmt-dev librocksdb-dev doctest-dev libbenchmark-dev
  libsqlite3-dev  # inventory-bench's side-by-side baseline
  libssl-dev python3  # inventory-server: TLS, key hashes, webhook signatures; its tests
  pybind11-dev python3-dev python3-pytest  # the Python bindings and their tests
)

check_only=false
for arg in "$@"; do
  case "$arg" in
    --check) check_only=true ;;
    --tests) packages+=(chromium wrk g++-aarch64-linux-gnu g++-arm-linux-gnueabihf
                        qemu-user-static) ;;  # + firmware builds
    *) echo "usage: $0 [--check] [--tests]" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  # One line per installed architecture; "installed" means unpacked and configured.
  if ! dpkg-query -W -f='${db:Status-Status}\n' "$package" 2>/dev/null | grep -qx installed; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages are installed"
  exit 0
fi
echo "install_deps: missing: ${missing[*]}"
if $check_only; then
  exit 1
fi

if ((EUID == 0)); then
  as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo env DEBIAN_FRONTEND=noninteractive)
else
  echo "install_deps: run as root (or install sudo) to install: ${missing[*]}" >&2
  exit 1
fi

echo "install_deps: installing: ${missing[*]}"
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install_deps: installed ${#missing[@]} package(s)"
