#!/usr/bin/env bash
# Builds the ParseJson libFuzzer target with clang (ASan + UBSan) and runs it
# for a bounded time, from a small seed corpus written here.
#
#   tests/api_server/fuzz/run_json_fuzzer.sh <build-dir> [seconds (default 30)]
#
# Needs Debian's clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes), and Abseil's development libraries. Exits non-zero if the build
# fails or the fuzzer finds a crash, a sanitizer report, a leak or a timeout;
# the reproducer is then in <build-dir>/artifacts/. Replay one with:
#   <build-dir>/json_fuzzer <build-dir>/artifacts/crash-...
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
BIN=$BUILD_DIR/json_fuzzer

# absl::StatusOr and absl::Status (Debian's shared libraries bring the rest).
LIBS=(-labsl_statusor -labsl_status)

echo "== building $BIN with $CXX"
"$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$REPO" \
  "$REPO/api_server/json/json_value.cc" \
  "$REPO/sdk/json_writer.cc" \
  "$REPO/sdk/strings.cc" \
  "$FUZZ_DIR/json_fuzzer.cc" \
  "${LIBS[@]}" -pthread \
  -o "$BIN"

# The fuzzer adds what it finds to its corpus: a fresh one each run.
CORPUS=$BUILD_DIR/json_corpus
ARTIFACTS=$BUILD_DIR/json_artifacts
rm -rf "$CORPUS" "$ARTIFACTS"
mkdir -p "$CORPUS" "$ARTIFACTS"
n=0
while IFS= read -r seed; do
  n=$((n + 1))
  printf '%b' "$seed" >"$CORPUS/seed_$n.json"
done <<'EOF'
{"id":1,"name":"login works","status":"passed","tags":["auth","smoke"],"steps":[{"n":1,"ok":true}]}
{"title":"caf\\u00e9 \\ud83d\\ude00","score":-12.5e-3,"big":9223372036854775808,"none":null}
[0,-0,1e2,1.0,9007199254740993,9223372036854775807,-9223372036854775808,1E+400]
"\\\\ \\" \\/ \\b \\f \\n \\r \\t \\u0000 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
{"a":{"b":{"c":{"d":[1,{"e":"f"}]}}},"a2":[],"a3":{}}
{"dup":1,"dup":2}
 \t\r\n true \n
EOF

# Tokens that help the mutator build JSON.
DICT=$BUILD_DIR/json.dict
cat >"$DICT" <<'EOF'
lbrace="{"
rbrace="}"
lbracket="["
rbracket="]"
colon=":"
comma=","
quote="\""
true="true"
false="false"
null="null"
minus="-"
dot="."
exp="e"
expplus="E+"
expminus="e-"
zero="0"
int64max="9223372036854775807"
int64min="-9223372036854775808"
bigexp="1e400"
esc_quote="\\\""
esc_backslash="\\\\"
esc_slash="\\/"
esc_b="\\b"
esc_n="\\n"
esc_u="\\u"
esc_u_e9="\\u00e9"
esc_u_nul="\\u0000"
esc_high="\\uD83D"
esc_low="\\uDE00"
utf8_2="\xc3\xa9"
utf8_3="\xe2\x82\xac"
utf8_4="\xf0\x9f\x98\x80"
bad_utf8="\xed\xa0\x80"
key="\"k\":"
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
