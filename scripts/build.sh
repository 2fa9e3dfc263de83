#!/bin/bash
# Builds pfnscan. BUILD_DIR (default build) and extra CMake arguments may be given:
#   scripts/build.sh                      -> build/
#   BUILD_DIR=build-asan scripts/build.sh -DPFNSCAN_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFNSCAN_WERROR=ON "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
