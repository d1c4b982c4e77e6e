#!/usr/bin/env bash
# Builds the RequestParser libFuzzer target with clang (ASan + UBSan) and runs
# it for a bounded time on a copy of the seed corpus.
#
#   tests/api_server/fuzz/run_fuzzer.sh <build-dir> [seconds (default 30)]
#
# Needs Debian's clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes; clang only recommends it). Exits non-zero if the build fails or
# the fuzzer finds a crash, a sanitizer report, a leak or a timeout; the
# reproducer is then in <build-dir>/artifacts/. Replay one with:
#   <build-dir>/request_parser_fuzzer <build-dir>/artifacts/crash-...
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 <build-dir> [seconds]" >&2
  exit 2
fi
BUILD_DIR=$1
SECONDS_ARG=${2:-30}
if ! [[ $SECONDS_ARG =~ ^[0-9]+$ ]] || [[ $SECONDS_ARG -eq 0 ]]; then
  echo "seconds must be a positive integer, not '$SECONDS_ARG'" >&2
  exit 2
fi

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
FUZZ_DIR=$REPO/tests/api_server/fuzz
CXX=${FUZZ_CXX:-clang++}
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
BIN=$BUILD_DIR/request_parser_fuzzer

echo "== building $BIN with $CXX"
"$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$REPO" \
  "$REPO/api_server/http/request_parser.cc" \
  "$REPO/sdk/strings.cc" \
  "$FUZZ_DIR/request_parser_fuzzer.cc" \
  -o "$BIN"

# The fuzzer adds what it finds to its corpus: work on a copy.
CORPUS=$BUILD_DIR/corpus
ARTIFACTS=$BUILD_DIR/artifacts
rm -rf "$CORPUS" "$ARTIFACTS"
mkdir -p "$CORPUS" "$ARTIFACTS"
cp "$FUZZ_DIR"/corpus/* "$CORPUS"/

# Tokens that help the mutator build HTTP heads.
DICT=$BUILD_DIR/http.dict
cat >"$DICT" <<'EOF'
crlf="\x0d\x0a"
blank="\x0d\x0a\x0d\x0a"
lf="\x0a"
cr="\x0d"
nul="\x00"
sp=" "
tab="\x09"
colon=":"
comma=","
v11="HTTP/1.1"
v10="HTTP/1.0"
get="GET "
post="POST "
head="HEAD "
host="Host:"
cl="Content-Length:"
te="Transfer-Encoding:"
chunked="chunked"
chunk="\x0d\x0a5\x0d\x0ahello\x0d\x0a"
last_chunk="0\x0d\x0a\x0d\x0a"
ext=";ext=1"
gzip="gzip"
conn="Connection:"
close="close"
keepalive="keep-alive"
expect="Expect:"
continue="100-continue"
EOF

echo "== fuzzing for ${SECONDS_ARG}s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
"$BIN" -max_total_time="$SECONDS_ARG" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
  -dict="$DICT" -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" "$CORPUS" || status=$?

if [[ $status -ne 0 ]] || compgen -G "$ARTIFACTS/*" >/dev/null; then
  echo "FAILED: the fuzzer exited with $status; artifacts:" >&2
  ls -l "$ARTIFACTS" >&2 || true
  exit $((status == 0 ? 1 : status))
fi
echo "OK: no crash in ${SECONDS_ARG}s"
