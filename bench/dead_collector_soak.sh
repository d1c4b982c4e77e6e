#!/usr/bin/env bash
# A dead-collector soak: qa-pms-api under a bounded load while nothing listens
# on its OTLP port, against the same load with tracing off; then the collector
# (tools/otlp-sink) starts and export must resume within one back-off period.
# Then the same outage with the on-disk spool on: nothing may be dropped, and
# every span started must reach the sink once it starts (duplicates counted).
#
#   bench/dead_collector_soak.sh [seconds with the collector dead, default 60]
# Exits non-zero when latency rises over 10 %, RSS grows by 10 MiB, the drops
# are not counted on /metrics, export does not resume in time, or, with the
# spool, a span is dropped or missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/prepare_end_to_end.sh
exec node bench/dead_collector_soak.mjs "${1:-60}"
