#!/usr/bin/env bash
# Instructions per request: qa-pms-api on SQLite (tmpfs) run by valgrind's
# callgrind under wrk, with tracing off, at 10 %, at 100 % and at 10 % without
# errors always kept (QTRACE_KEEP_ERROR_TRACES=false); prints the
# instructions per request of each, what tracing adds, and the functions that
# add the most. A count that hardly moves between runs, for the changes that
# CPU time is too noisy to show; it leaves memory out (see
# bench/instructions.mjs).
#
#   bench/instructions.sh [seconds, default 10] [protocol, default http/protobuf]
# Needs valgrind (apt-get install valgrind). About a minute a mode.
# QTRACE_BENCH_API=/path/to/qa-pms-api counts another build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v valgrind > /dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 2; }
source bench/prepare_end_to_end.sh
exec node bench/instructions.mjs "${1:-10}" "${2:-http/protobuf}"
