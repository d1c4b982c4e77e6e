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
body_bytes=13
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk nginx-light)"; exit 2; }
done

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

nginx_port=$(free_port)
head -c "$body_bytes" /dev/zero | tr '\0' x > "$work/hello"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nginx_port; root $work; location / { } }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
pids+=($!)

ours_port=$(free_port)
"$build/bench/trivial_http_server" --port "$ours_port" --body-bytes "$body_bytes" --io-threads 2 > "$work/ours.log" &
pids+=($!)
sleep 1

run() {  # name url → "rps p99_ms"
  wrk -t2 -c64 -d"${seconds}s" --latency "$2" > "$work/$1.out"
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$1.out")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.out")
  echo "$rps $p99"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v/1000; else if (v ~ /ms$/) print v+0; else print v*1000 }'; }

ours_rps=(); nginx_rps=(); ours_p99=(); nginx_p99=()
for r in $(seq 1 "$rounds"); do
  read -r rps p99 < <(run ours "http://127.0.0.1:$ours_port/hello"); ours_rps+=("$rps"); ours_p99+=("$(to_ms "$p99")")
  echo "round $r ours : $rps req/s, p99 $p99"
  read -r rps p99 < <(run nginx "http://127.0.0.1:$nginx_port/hello"); nginx_rps+=("$rps"); nginx_p99+=("$(to_ms "$p99")")
  echo "round $r nginx: $rps req/s, p99 $p99"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mo=$(median "${ours_rps[@]}"); mn=$(median "${nginx_rps[@]}")
po=$(median "${ours_p99[@]}"); pn=$(median "${nginx_p99[@]}")
echo "median ours : $mo req/s, p99 ${po} ms"
echo "median nginx: $mn req/s, p99 ${pn} ms"
awk -v o="$mo" -v n="$mn" 'BEGIN { printf "ours/nginx requests per second: %.2f (goal >= 0.80)\n", o/n }'
