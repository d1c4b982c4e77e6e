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
source "$(dirname "${BASH_SOURCE[0]}")/fuzz_lib.sh"
fuzz_parse_args "$@"
FUZZ_DIR=$REPO/tests/api_server/fuzz

BIN=$BUILD_DIR/request_parser_fuzzer

fuzz_build "$BIN" \
  "$REPO/api_server/http/request_parser.cc" \
  "$REPO/sdk/common/strings.cc" \
  "$FUZZ_DIR/request_parser_fuzzer.cc"

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

fuzz_run "$BIN" "$CORPUS" "$ARTIFACTS" "$DICT"
