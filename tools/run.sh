#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds
# Release, then starts tools/otlp-sink (printing every trace as a tree), a
# second service (an issue tracker instrumented with the official
# OpenTelemetry JavaScript SDK) and qa-pms-api on SQLite, and sends a short
# tour of the API whose sync crosses into the tracker: the sink prints a trace
# that spans both services. Everything keeps running until Ctrl-C.
#
#   tools/run.sh                 the tour, then serve on 127.0.0.1:8080
#   tools/run.sh --tour-only     the tour, then stop everything
#   tools/run.sh --print-config  only print qa-pms-api's resolved configuration
# Other arguments go to qa-pms-api.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tour_only=0
args=()
for a in "$@"; do
  if [ "$a" = "--tour-only" ]; then tour_only=1; else args+=("$a"); fi
done

tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release --target qa-pms-api otlp-sink
api=build/release/api_server/qa-pms-api
for a in "${args[@]}"; do
  if [ "$a" = "--print-config" ] || [ "$a" = "--help" ]; then exec "$api" "${args[@]}"; fi
done
(cd tests/integration/js && npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT

wait_for() {  # file pattern → the first match, within 15 s
  for _ in $(seq 1 150); do
    if grep -qE "$2" "$1" 2>/dev/null; then grep -oE "$2" "$1" | head -1; return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}

build/release/tools/otlp-sink --grpc 127.0.0.1:0 --http 127.0.0.1:0 --quiet-ms 500 > >(tee "$work/sink.log") 2>&1 &
pids+=($!)
sink_http=$(wait_for "$work/sink.log" 'http listening on [0-9.]+:[0-9]+' | sed 's/.* on //')

OTEL_EXPORTER_OTLP_ENDPOINT="http://$sink_http" node tests/integration/js/tracker_service.mjs > "$work/tracker.log" 2>&1 &
pids+=($!)
tracker=$(wait_for "$work/tracker.log" 'listening on [0-9.]+:[0-9]+' | sed 's/.* on //')

OTEL_EXPORTER_OTLP_ENDPOINT="http://$sink_http" OTEL_BSP_SCHEDULE_DELAY=200 \
  "$api" --listen "${QA_PMS_LISTEN:-127.0.0.1:8080}" --database-url "${DATABASE_URL:-sqlite:./data/qa-pms.db}" \
  --tracker-url "http://$tracker" "${args[@]}" > "$work/api.log" 2> "$work/api.err" &
pids+=($!)
base="http://$(wait_for "$work/api.log" 'listening on [0-9.]+:[0-9]+' | sed 's/.* on //')"

echo "== qa-pms-api on $base, tracker on http://$tracker, traces printed by otlp-sink below =="
j() { curl -s -H 'content-type: application/json' "$@"; echo; }
name="Checkout $(date +%s)"
project=$(j -X POST "$base/api/v1/projects" -d "{\"name\":\"$name\",\"description\":\"payments\"}")
echo "created project: $project"
pid=$(echo "$project" | sed -E 's/.*"id":([0-9]+).*/\1/')
c1=$(j -X POST "$base/api/v1/projects/$pid/cases" -d '{"title":"pay by card","priority":"high"}' | sed -E 's/.*"id":([0-9]+).*/\1/')
c2=$(j -X POST "$base/api/v1/projects/$pid/cases" -d '{"title":"refund"}' | sed -E 's/.*"id":([0-9]+).*/\1/')
run=$(j -X POST "$base/api/v1/projects/$pid/runs" -d '{"name":"nightly"}' | sed -E 's/^\{"id":([0-9]+).*/\1/')
j -X PUT "$base/api/v1/runs/$run/results/$c1" -d '{"status":"passed"}' > /dev/null
j -X PUT "$base/api/v1/runs/$run/results/$c2" -d '{"status":"failed","note":"refund never arrives"}' > /dev/null
echo "run summary: $(j "$base/api/v1/runs/$run")"
echo "sync to the tracker: $(j -X POST "$base/api/v1/projects/$pid/sync")"
sleep 2
if [ "$tour_only" = 1 ]; then exit 0; fi
echo "== serving; try: curl $base/api/v1/projects   (Ctrl-C stops everything) =="
wait "${pids[2]}"
