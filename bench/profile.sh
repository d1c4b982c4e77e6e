#!/usr/bin/env bash
# Where tracing's cost per request goes: qa-pms-api on SQLite (tmpfs) under
# wrk with tracing off, then on (100 % over HTTP/protobuf by default), each
# sampled by `perf record` (software CPU clock, DWARF call graphs); prints, per
# request, the CPU of each thread role and of the tracing functions, inclusive
# of what they call, for both runs side by side.
#
#   bench/profile.sh [seconds, default 6] [protocol, default http/protobuf] [ratio, default 1.0]
#                    [pause in ms before each request, default 0: saturated]
# Needs perf (Debian: linux-perf) and permission to profile the service
# (root, or kernel.perf_event_paranoid <= 1). The sampling itself costs CPU:
# read the figures as a breakdown, and bench/overhead.sh for the totals.
# PROFILE_KEEP_DIR=dir keeps perf's data (dir/off.data, dir/on.data) for
# `perf report -i`; QTRACE_BENCH_API=/path/to/qa-pms-api profiles another build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v perf > /dev/null || { echo "needs perf (apt-get install linux-perf)"; exit 2; }
source bench/prepare_end_to_end.sh
exec node bench/profile.mjs "${1:-6}" "${2:-http/protobuf}" "${3:-1.0}" "${4:-0}"
