#!/usr/bin/env bash
# Runs every Google Benchmark program of bench/budgets.json in a short mode,
# writes their JSON to OUT_DIR, and checks the medians against the budgets
# (gross regressions only: see budgets.json).
#
#   bench/run_microbenchmarks.sh [build dir, default build/release] [out dir, default <build>/bench/results]
# BENCH_MIN_TIME (default 0.05 s) and BENCH_REPETITIONS (default 3) lengthen the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="${1:-build/release}"
out="${2:-$build/bench/results}"
mkdir -p "$out"
# export_benchmark starts its own otlp-sink (next to it in the build tree).
for program in span_benchmark encoder_benchmark ring_buffer_benchmark export_benchmark; do
  "$build/bench/$program" --benchmark_min_time="${BENCH_MIN_TIME:-0.05}" \
    --benchmark_repetitions="${BENCH_REPETITIONS:-3}" --benchmark_report_aggregates_only=true \
    --benchmark_format=console --benchmark_out_format=json --benchmark_out="$out/$program.json" > /dev/null
done
node bench/check_budgets.mjs "$out"
