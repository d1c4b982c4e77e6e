#!/usr/bin/env bash
# Runs every test suite on a fresh Debian 12 machine: installs what is missing,
# builds Release, runs all suites through ctest (unit, integration with real
# processes, a bounded fuzz run), then the concurrent parts again under
# ASan+UBSan and TSan.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools/bootstrap.sh
# The JavaScript peers of the integration tests (the official OpenTelemetry SDK),
# exactly as the lock file pins them.
(cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)

cmake --preset release >/dev/null
cmake --build --preset release
log=$(mktemp)
ctest --preset release -j2 | tee "$log"
release_count=$(sed -nE 's/.*tests passed, 0 tests failed out of ([0-9]+).*/\1/p' "$log")
rm -f "$log"

# The concurrent parts again under AddressSanitizer+UndefinedBehaviorSanitizer
# and ThreadSanitizer (the suites that link no uninstrumented gRPC code).
sanitized=(sdk_tests http_server_tests database_tests)
for preset in asan tsan; do
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target "${sanitized[@]}"
  for t in "${sanitized[@]}"; do
    echo "== $preset: $t"
    "build/$preset/tests/$t" --gtest_brief=1
  done
done
echo "ctest (release): ${release_count} passed, 0 failed; sdk, http server and database suites clean under asan and tsan"
echo "tests: ${release_count} passed, 0 failed"
