#!/bin/sh
# The whole test suite: installs missing build dependencies, builds with
# AddressSanitizer and UndefinedBehaviorSanitizer into build-test/, and runs
# every test with ctest. Exit status is ctest's.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake -S . -B build-test -DKT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-test -j"$(nproc)" >/dev/null
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
