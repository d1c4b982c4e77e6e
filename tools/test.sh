#!/usr/bin/env bash
# Runs every test suite on a fresh Debian 12 machine: installs what is missing,
# builds Release, runs all suites through ctest (unit, integration with real
# processes, a bounded fuzz run), then the concurrent parts again under
# ASan+UBSan and TSan.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools/bootstrap.sh
# Jaeger, the real backend of the integration tests, is built from source with
# Go (tests/backends/jaeger); without Go 1.24 or newer nothing else is worth running.
tools/require-go.sh
# The JavaScript peers of the integration tests (the official OpenTelemetry SDK),
# exactly as the lock file pins them.
(cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)

cmake --preset release >/dev/null
cmake --build --preset release
log=$(mktemp)
ctest --preset release -j2 | tee "$log"
release_count=$(sed -nE 's/.*tests passed, 0 tests failed out of ([0-9]+).*/\1/p' "$log")
rm -f "$log"

# Our code again under AddressSanitizer+UndefinedBehaviorSanitizer and
# ThreadSanitizer. ASan checks every suite that links our HTTP server, senders,
# exporter, middleware and HTTP client (gRPC and libcurl are uninstrumented,
# our code in them is not); the database suite runs against SQLite and a
# throwaway PostgreSQL. TSan leaves out exporter_tests: gRPC's own threads are
# uninstrumented, so TSan cannot see them synchronize (the exporter's own
# sending thread is checked in send_pipeline_tests, which starts none).
asan_suites=(sdk_tests http_server_tests database_tests exporter_tests send_pipeline_tests service_tests)
tsan_suites=(sdk_tests http_server_tests database_tests send_pipeline_tests service_tests)
for preset in asan tsan; do
  if [ "$preset" = asan ]; then suites=("${asan_suites[@]}"); else suites=("${tsan_suites[@]}"); fi
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target "${suites[@]}"
  for t in "${suites[@]}"; do
    echo "== $preset: $t"
    "build/$preset/tests/$t" --gtest_brief=1
  done
  echo "== $preset: database_tests against PostgreSQL"
  tools/with-postgres.sh "build/$preset/tests/database_tests" --gtest_brief=1
done
echo "ctest (release): ${release_count} passed, 0 failed; under asan: ${asan_suites[*]}; under tsan: ${tsan_suites[*]}; clean"
echo "tests: ${release_count} passed, 0 failed"
