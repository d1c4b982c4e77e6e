#!/usr/bin/env bash
# The comparison span and pipeline written with peer SDKs (opentelemetry-go,
# the tracing + opentelemetry-rust 0.21 stack, the current opentelemetry-rust)
# and with our tools/tracegen, run in turn against a fresh tools/otlp-sink on
# loopback, over gRPC and HTTP/protobuf, flat out and at 200 000 spans/s.
#
#   bench/peers/run.sh [repetitions, default 3] [spans per run, default 1000000]
#
# Builds the peers into build/peers/ (never into the source tree), needs our
# tracegen and otlp-sink built (cmake --build --preset release), and prints a
# Markdown table of medians over the repetitions. Raw results stay in
# build/peers/results/<time>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD

REPS=${1:-3}
COUNT=${2:-1000000}
# The modes: 0 is flat out, any other number a paced rate in spans/s. A list
# such as 0,100000,200000,400000 is a rate sweep: the table then also says
# each program's highest rate that lost nothing.
RATES_ARG=${3:-0,200000}
if ! [[ $REPS =~ ^[1-9][0-9]*$ && $COUNT =~ ^[1-9][0-9]*$ && $RATES_ARG =~ ^[0-9]+(,[0-9]+)*$ ]]; then
  echo "usage: bench/peers/run.sh [repetitions >= 1] [count >= 1] [rates, spans/s, 0 = flat out; default 0,200000]" >&2
  exit 2
fi
IFS=, read -r -a RATES <<<"$RATES_ARG"
SLOWEST=0
for r in "${RATES[@]}"; do
  if ((r > 0 && (SLOWEST == 0 || r < SLOWEST))); then SLOWEST=$r; fi
done
((SLOWEST > 0)) || SLOWEST=1000000

TRACEGEN=$ROOT/build/release/tools/tracegen
SINK=$ROOT/build/release/tools/otlp-sink
for bin in "$TRACEGEN" "$SINK"; do
  if [[ ! -x $bin || -d $bin ]]; then
    echo "bench/peers: ${bin#"$ROOT"/} is not built: run 'cmake --build --preset release' first" >&2
    exit 1
  fi
done
for tool in go cargo node timeout; do
  command -v "$tool" >/dev/null || { echo "bench/peers: '$tool' is needed" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "bench/peers: /usr/bin/time is needed (Debian package 'time')" >&2; exit 1; }

# Every program gets the same configuration: its SDK's defaults. OTEL_*
# variables (queue sizes, endpoints, samplers) would change some and not others.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(OTEL_[A-Za-z0-9_]*\)=.*/\1/p')

OUT=$ROOT/build/peers
RESULTS=$OUT/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/bin" "$OUT/logs" "$RESULTS"

# ---- build ----------------------------------------------------------------
build_step() {  # name, then the command; prints how long it took
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  if ! "$@" >"$OUT/logs/build-$name.log" 2>&1; then
    echo "bench/peers: building $name failed; see build/peers/logs/build-$name.log" >&2
    tail -20 "$OUT/logs/build-$name.log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v n="$name" -v a="$start" -v b="$end" 'BEGIN { printf "built %-13s in %6.1f s\n", n, b - a }'
}
build_step peer-go env -C bench/peers/go go build -trimpath -buildvcs=false -o "$OUT/bin/peer-go" .
build_step rust-story cargo build --release --locked --manifest-path bench/peers/rust-story/Cargo.toml \
  --target-dir "$OUT/rust-story"
build_step rust-current cargo build --release --locked --manifest-path bench/peers/rust-current/Cargo.toml \
  --target-dir "$OUT/rust-current"
cp "$OUT/rust-story/release/peer-rust-story" "$OUT/rust-current/release/peer-rust-current" "$OUT/bin/"

# ---- runs -----------------------------------------------------------------
SINK_PID=
RUN_PID=
cleanup() {
  # Only the processes this script started, by their pids.
  [[ -n $RUN_PID ]] && kill -TERM "$RUN_PID" 2>/dev/null || true
  [[ -n $SINK_PID ]] && kill -TERM "$SINK_PID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sink() {  # sets SINK_PID, GRPC_PORT, HTTP_PORT; $1 = its stdout file
  local log=$1
  "$SINK" --grpc 127.0.0.1:0 --http 127.0.0.1:0 --no-tree >"$log" 2>&1 &
  SINK_PID=$!
  GRPC_PORT= HTTP_PORT=
  for _ in $(seq 100); do
    GRPC_PORT=$(sed -n 's/^otlp-sink: grpc listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
    HTTP_PORT=$(sed -n 's/^otlp-sink: http listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
    [[ -n $GRPC_PORT && -n $HTTP_PORT ]] && return 0
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/peers: otlp-sink did not start; its output:" >&2
  cat "$log" >&2
  exit 1
}

stop_sink() {  # prints the sink's span count
  local log=$1
  kill -TERM "$SINK_PID" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$SINK_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SINK_PID" 2>/dev/null || true
  wait "$SINK_PID" 2>/dev/null || true
  SINK_PID=
  sed -n 's/^otlp-sink: requests=[0-9]* spans=\([0-9]*\) .*/\1/p' "$log" | tail -1
}

# The machine's CPU ticks so far: all of them, then those the hypervisor gave
# to other guests ("steal"; /proc/stat). A run with much steal had its
# threads stopped for milliseconds at a time: slower, and more spans lost.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9; exit }' /proc/stat; }

# One value from the result line in $line: "... NAME=VALUE ...".
field() { sed -n "s/.* $1=\([-0-9.e+]*\).*/\1/p" <<<" $line"; }
# One value of /usr/bin/time -v's report: file, label.
timefield() { sed -n "s/^[[:space:]]*$2: *//p" "$1" | tail -1; }

# Each run may take its loop (count / rate, or the flat-out loop of the
# slowest peer) plus a 10 s flush; anything longer is cut.
RUN_TIMEOUT=$((60 + 3 * COUNT / SLOWEST + COUNT / 50000))

PEERS=(ours go rust-story rust-current)
TSV=$RESULTS/runs.tsv
printf 'rep\tprotocol\tmode\tpeer\tcreated\tself_exported\telapsed_s\tns_per_span\tsink_spans\tuser_s\tsys_s\tmax_rss_kb\texit\tsteal\n' >"$TSV"

runs_total=$((REPS * 2 * ${#RATES[@]} * ${#PEERS[@]}))
run_number=0
for rep in $(seq "$REPS"); do
  for protocol in grpc http/protobuf; do
    for rate in "${RATES[@]}"; do
      mode=$([[ $rate == 0 ]] && echo "flat out" || echo "$rate/s")
      # Rotate the order each repetition, so no program always runs first.
      for i in $(seq 0 $((${#PEERS[@]} - 1))); do
        peer=${PEERS[$(((i + rep - 1) % ${#PEERS[@]}))]}
        run_number=$((run_number + 1))
        tag="$rep-${protocol%%/*}-$rate-$peer"
        start_sink "$RESULTS/$tag.sink"
        port=$([[ $protocol == grpc ]] && echo "$GRPC_PORT" || echo "$HTTP_PORT")
        case $peer in
          ours)
            cmd=("$TRACEGEN" --count "$COUNT" --rate "$rate" --depth 1 --span http-server
              --otlp-protocol "$protocol" --otlp-endpoint "http://127.0.0.1:$port") ;;
          *)
            cmd=("$OUT/bin/peer-$peer" --protocol "${protocol%%/*}" --endpoint "127.0.0.1:$port"
              --count "$COUNT" --rate "$rate") ;;
        esac
        read -r ticks_before steal_before < <(cpu_ticks)
        set +e
        timeout --kill-after=5 "$RUN_TIMEOUT" /usr/bin/time -v -o "$RESULTS/$tag.time" "${cmd[@]}" \
          >"$RESULTS/$tag.out" 2>"$RESULTS/$tag.err" &
        RUN_PID=$!
        wait "$RUN_PID"
        status=$?
        set -e
        RUN_PID=
        read -r ticks_after steal_after < <(cpu_ticks)
        steal=$(awk -v s=$((steal_after - steal_before)) -v t=$((ticks_after - ticks_before)) \
          'BEGIN { if (t > 0) printf "%.4f", s / t; else print 0 }')
        sink_spans=$(stop_sink "$RESULTS/$tag.sink")
        line=$(grep -E '^(peer|tracegen): created=' "$RESULTS/$tag.out" | tail -1 || true)
        created=$(field created) self_exported=$(field exported) elapsed=$(field elapsed_s)
        ns=$(field ns_per_span)
        if [[ -z $ns && -n $elapsed && -n $created ]]; then  # tracegen prints elapsed only
          ns=$(awk -v e="$elapsed" -v c="$created" 'BEGIN { if (c > 0) printf "%.1f", e * 1e9 / c }')
        fi
        user=$(timefield "$RESULTS/$tag.time" 'User time (seconds)')
        sys=$(timefield "$RESULTS/$tag.time" 'System time (seconds)')
        rss=$(timefield "$RESULTS/$tag.time" 'Maximum resident set size (kbytes)')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$protocol" "$mode" "$peer" \
          "${created:-}" "${self_exported:-}" "${elapsed:-}" "${ns:-}" "${sink_spans:-}" "${user:-}" "${sys:-}" \
          "${rss:-}" "$status" "$steal" >>"$TSV"
        printf '[%3d/%d] rep %d %-13s %-8s %-12s created=%s sink=%s ns/span=%s exit=%s steal=%s\n' "$run_number" \
          "$runs_total" "$rep" "$protocol" "$mode" "$peer" "${created:-?}" "${sink_spans:-?}" "${ns:-?}" "$status" \
          "$(awk -v s="$steal" 'BEGIN { printf "%.1f%%", 100 * s }')"
        if [[ -z $line ]]; then
          echo "  no result line; stderr: $(tail -3 "$RESULTS/$tag.err" | tr '\n' ' ')" >&2
        fi
      done
    done
  done
done

echo
echo "Raw results: ${RESULTS#"$ROOT"/}/runs.tsv"
echo
node bench/peers/table.mjs "$TSV"
