#!/usr/bin/env bash
# End-to-end tracing overhead: qa-pms-api on SQLite (database on tmpfs) under
# wrk, tracing off against tracing on (100 % over gRPC, 100 % over
# HTTP/protobuf, 10 %), alternating runs, with tools/otlp-sink receiving.
#
#   bench/overhead.sh [seconds per run, default 10] [rounds, default 2]
#   QTRACE_BENCH_API=/path/to/qa-pms-api bench/overhead.sh ...   (another build)
# Exits non-zero when the added median latency exceeds the 5 ms budget or a
# span is lost; prints our tighter targets as PASS/MISS lines (UNSURE where
# the median of the rounds is under a CPU target but a round is not within it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source bench/prepare_end_to_end.sh
exec node bench/overhead.mjs "${1:-10}" "${2:-2}"
