#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds
# Release, then starts tools/otlp-sink (printing every trace as a tree), a
# second service (an issue tracker instrumented with the official
# OpenTelemetry JavaScript SDK) and qa-pms-api on SQLite, and sends a short
# tour of the API whose sync crosses into the tracker: the sink prints a trace
# that spans both services. Everything keeps running until Ctrl-C.
#
#   tools/run.sh                   the tour, then serve on 127.0.0.1:8080
#   tools/run.sh --backend jaeger  the same with Jaeger (built from source with
#                                  Go 1.24+) instead of otlp-sink: prints the
#                                  query API URL of the tour's trace
#   tools/run.sh --tour-only       the tour, then stop everything
#   tools/run.sh --print-config    only print qa-pms-api's resolved configuration
#   tools/run.sh --help            this text and qa-pms-api's flags
# Other arguments go to qa-pms-api.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tour_only=0
backend=sink
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tour-only) tour_only=1 ;;
    --backend)
      backend="${2:-}"; shift
      if [ "$backend" != sink ] && [ "$backend" != jaeger ]; then
        echo "tools/run.sh: --backend takes sink or jaeger (got '${backend}')" >&2; exit 2
      fi ;;
    --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; args+=("$1") ;;
    *) args+=("$1") ;;
  esac
  shift
done

tools/bootstrap.sh
targets=(qa-pms-api otlp-sink)
if [ "$backend" = jaeger ]; then
  tools/require-go.sh
  targets+=(jaeger)
fi
cmake --preset release >/dev/null
cmake --build --preset release --target "${targets[@]}"
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

if [ "$backend" = sink ]; then
  build/release/tools/otlp-sink --grpc 127.0.0.1:0 --http 127.0.0.1:0 --quiet-ms 500 > >(tee "$work/sink.log") 2>&1 &
  pids+=($!)
  otlp_http=$(wait_for "$work/sink.log" 'http listening on [0-9.]+:[0-9]+' | sed 's/.* on //')
  shown_by="traces printed by otlp-sink below"
else
  # Jaeger's usual ports on loopback, with the test suite's backend config; its
  # TLS receivers get a self-signed certificate made for this run.
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout "$work/tls.key" \
    -out "$work/tls.pem" 2>/dev/null
  JAEGER_HEALTH_PORT=13133 JAEGER_QUERY_HTTP_PORT=16686 JAEGER_QUERY_GRPC_PORT=16685 \
  JAEGER_OTLP_GRPC_PORT=4317 JAEGER_OTLP_HTTP_PORT=4318 JAEGER_OTLP_GRPC_TLS_PORT=14317 \
  JAEGER_OTLP_HTTP_TLS_PORT=14318 JAEGER_ZIPKIN_PORT=9411 JAEGER_TLS_CERT="$work/tls.pem" \
  JAEGER_TLS_KEY="$work/tls.key" build/release/tests/backends/jaeger/jaeger \
    --config tests/backends/jaeger/backend.yaml > "$work/jaeger.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do
    if curl -sf http://127.0.0.1:13133/status > /dev/null; then break; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "jaeger exited:" >&2; cat "$work/jaeger.log" >&2; exit 1; fi
    sleep 0.1
  done
  curl -sf http://127.0.0.1:13133/status > /dev/null || { echo "jaeger is not healthy:" >&2; cat "$work/jaeger.log" >&2; exit 1; }
  otlp_http=127.0.0.1:4318
  shown_by="traces in Jaeger's query API on http://127.0.0.1:16686"
fi

OTEL_EXPORTER_OTLP_ENDPOINT="http://$otlp_http" node tests/integration/js/tracker_service.mjs > "$work/tracker.log" 2>&1 &
pids+=($!)
tracker=$(wait_for "$work/tracker.log" 'listening on [0-9.]+:[0-9]+' | sed 's/.* on //')

OTEL_EXPORTER_OTLP_ENDPOINT="http://$otlp_http" OTEL_BSP_SCHEDULE_DELAY=200 \
  "$api" --listen "${QA_PMS_LISTEN:-127.0.0.1:8080}" --database-url "${DATABASE_URL:-sqlite:./data/qa-pms.db}" \
  --tracker-url "http://$tracker" "${args[@]}" > "$work/api.log" 2> "$work/api.err" &
pids+=($!)
base="http://$(wait_for "$work/api.log" 'listening on [0-9.]+:[0-9]+' | sed 's/.* on //')"

echo "== qa-pms-api on $base, tracker on http://$tracker, $shown_by =="
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
sync_headers="$work/sync.headers"
echo "sync to the tracker: $(j -D "$sync_headers" -X POST "$base/api/v1/projects/$pid/sync")"
sleep 2
if [ "$backend" = jaeger ]; then
  trace_id=$(sed -nE 's/^traceresponse: 00-([0-9a-f]{32})-.*/\1/p' "$sync_headers" | head -1)
  url="http://127.0.0.1:16686/api/v3/traces/$trace_id"
  # Both services' spans reach Jaeger within a second or so of the tour.
  for _ in $(seq 1 50); do
    services=$(curl -s "$url" | grep -oE '"service.name","value":\{"stringValue":"[^"]+"' |
               sed -E 's/.*"([^"]+)"$/\1/' | sort -u | paste -sd ' ')
    if [ "$(echo "$services" | wc -w)" -ge 2 ]; then break; fi
    sleep 0.2
  done
  echo "== the tour's cross-service trace in Jaeger (services: ${services:-none yet}): $url"
fi
if [ "$tour_only" = 1 ]; then exit 0; fi
echo "== serving; try: curl $base/api/v1/projects   (Ctrl-C stops everything) =="
wait "${pids[2]}"
