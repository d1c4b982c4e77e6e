#!/usr/bin/env bash
# Runs every test suite on a fresh Debian 12 machine: installs what is missing,
# builds Release, runs all suites through ctest, then the SDK suites again under
# AddressSanitizer+UndefinedBehaviorSanitizer and ThreadSanitizer.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools/bootstrap.sh
# The JavaScript peers of the integration tests (the official OpenTelemetry SDK),
# exactly as the lock file pins them.
(cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)

cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2

for preset in asan tsan; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target sdk_tests http_server_tests
  ctest --preset "$preset" -j2
done
