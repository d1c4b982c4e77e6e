#!/usr/bin/env bash
# A dead-collector soak: qa-pms-api under a bounded load while nothing listens
# on its OTLP port, against the same load with tracing off; then the collector
# (tools/otlp-sink) starts and export must resume within one back-off period.
#
#   bench/dead_collector_soak.sh [seconds with the collector dead, default 60]
# Exits non-zero when latency rises over 10 %, RSS grows by 10 MiB, the drops
# are not counted on /metrics, or export does not resume in time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/bootstrap.sh > /dev/null
cmake --preset release > /dev/null
cmake --build --preset release --target qa-pms-api otlp-sink > /dev/null
command -v wrk > /dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
exec node bench/dead_collector_soak.mjs "${1:-60}"
