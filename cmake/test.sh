#!/usr/bin/env bash
# Builds and runs the whole test suite, as CI does (.ci/run calls this):
#   1. release (-Werror): every test (unit, model, stress, integration, crash, package, the
#      inventory-bench smoke run, and the inventory-server end-to-end tests against real server
#      processes) and the examples' smoke run;
#   2. asan (AddressSanitizer + UndefinedBehaviorSanitizer): unit (with the C API test), model
#      and integration tests, and the server's end-to-end tests against a sanitized server;
#   3. tsan (ThreadSanitizer): the stress tests (linearizability, flash sale, races), the
#      integration tests (journal, change feed), and the server's end-to-end tests against a
#      TSan-instrumented server (its I/O threads, journal completions, webhooks and live streams);
#   4. firmware (docs/firmware.md): the profile without RocksDB, cross-compiled for aarch64 and
#      for 32-bit ARM (arm-linux-gnueabihf); the unit and model tests (and the C quickstart) run
#      under qemu-aarch64-static and qemu-arm-static (about a minute each; INVENTORY_MODEL_OPS
#      scales the model test down).
# Installs missing Debian packages first (cmake/install_deps.sh). Ends with one ctest summary
# per build; exits non-zero if anything failed.
#
# Usage: cmake/test.sh [release|asan|tsan|firmware ...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
cmake/install_deps.sh --tests
# What the run had to work with: a CI run that crawls is diagnosed from this line and the
# per-build times below (tmpfs in /dev/shm is memory; tests leave nothing there when they end).
mem_available_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
echo "==== machine: $(nproc) cores, $((mem_available_kib / 1048576)) GiB memory available," \
     "/dev/shm $(df -h --output=used /dev/shm 2>/dev/null | tail -1 | tr -d ' ') used," \
     "$(df -h --output=avail . | tail -1 | tr -d ' ') disk free; set-up took $((SECONDS - started)) s"
# Sanitizer compiles take up to 2 GiB each: run fewer at once when memory is short.
if [ -z "${CMAKE_BUILD_PARALLEL_LEVEL:-}" ]; then
  jobs=$(( mem_available_kib / (2 * 1048576) ))
  [ "$jobs" -ge 1 ] || jobs=1
  [ "$jobs" -le $(( $(nproc) + 1 )) ] || jobs=$(( $(nproc) + 1 ))
  export CMAKE_BUILD_PARALLEL_LEVEL=$jobs
fi
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(release asan tsan firmware)
logs="build/test-logs"
mkdir -p "$logs"
status=0
summary=()

run_build() {
  local preset=$1 targets=$2 labels=$3 build_started=$SECONDS
  echo "==== $preset: configure and build ($targets, $CMAKE_BUILD_PARALLEL_LEVEL jobs)"
  cmake --preset "$preset" > "$logs/$preset-configure.log"
  if [ "$targets" = all ]; then
    cmake --build --preset "$preset"
  else
    # shellcheck disable=SC2086  # $targets is a list of target names.
    cmake --build --preset "$preset" --target $targets
  fi
  local built=$((SECONDS - build_started))
  echo "==== $preset: ctest -L '$labels' (built in $built s)"
  local rc=0 test_started=$SECONDS
  ctest --preset "$preset" -L "$labels" 2>&1 | tee "$logs/$preset-ctest.log" || rc=$?
  summary+=("$preset: $(grep -E 'tests passed|tests failed' "$logs/$preset-ctest.log" | tail -1)\
 (build $built s, tests $((SECONDS - test_started)) s)")
  # The figures the randomized tests print (seeds, operations checked, violations).
  grep -hE '^(model test|linearizability|flash sale|mixed stress|compare-and-set|deadline race|power loss|teeth|kill -9|torn journal|bit flips|io errors|tamper|feed|offline sync|address filter|auth matrix|server|dashboard|webhook|live|openapi|e2e|atomic128|u128 pair)' \
    build/"$preset"/Testing/Temporary/LastTest.log 2>/dev/null | sed "s/^/  [$preset] /" \
    >> "$logs/figures.log" || true
  [ $rc -eq 0 ] || status=1
}

: > "$logs/figures.log"
for build in "${builds[@]}"; do
  case "$build" in
    release)
      run_build release all 'unit|model|stress|integration|crash|package|bench|server'
      echo "==== release: examples"
      if build/release/examples/quickstart && build/release/examples/c_quickstart &&
         build/release/examples/batch_checkout &&
         build/release/examples/flash_sale --threads 4 --stock 200000 --items 20000 --seconds 1 &&
         rm -rf build/release/live-feed-data &&
         build/release/examples/live_feed build/release/live-feed-data > /dev/null &&
         build/release/examples/pos_offline_sync build/release/pos-central-data > /dev/null; then
        summary+=("examples: quickstart, c_quickstart, batch_checkout, flash_sale, live_feed, pos_offline_sync passed")
      else
        summary+=("examples: FAILED"); status=1
      fi
      ;;
    asan) run_build asan "unit_tests c_api_test model_test readme_example integration_tests
                          inventory-server server_support_test" 'unit|model|integration|server' ;;
    tsan) run_build tsan "stress_tests integration_tests inventory-server" 'stress|integration|server' ;;
    firmware)
      for preset in firmware-aarch64 firmware-armhf; do
        run_build "$preset" "unit_tests model_test c_api_test c_quickstart_test" 'unit|model'
      done
      ;;
    *) echo "unknown build: $build (release, asan, tsan or firmware)" >&2; exit 2 ;;
  esac
done

echo
echo "==== figures"
cat "$logs/figures.log"
echo
echo "==== ctest summary"
printf '%s\n' "${summary[@]}"
echo "total: $((SECONDS - started)) s"
[ $status -eq 0 ] && echo "ALL PASSED" || echo "FAILURES (logs in $logs)"
exit $status
