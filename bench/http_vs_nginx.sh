#!/usr/bin/env bash
# Our HTTP server core against nginx, side by side in one run: wrk with the
# same load on a trivial route (ours) and a static file of the same size
# (nginx, Debian's), alternating A B A B. Prints requests per second and p99
# latency for each run, the medians, and ours/nginx.
#
#   bench/http_vs_nginx.sh [build dir, default build/release] [rounds, default 3] [seconds, default 10]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build="${1:-build/release}"
rounds="${2:-3}"
seconds="${3:-10}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light)"; exit 2; }
done

exec node bench/http_vs_nginx.mjs "$build" "$rounds" "$seconds"
