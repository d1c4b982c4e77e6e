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
source "$(dirname "${BASH_SOURCE[0]}")/fuzz_lib.sh"
fuzz_parse_args "$@"
FUZZ_DIR=$REPO/tests/api_server/fuzz

BIN=$BUILD_DIR/json_fuzzer
# absl::StatusOr and absl::Status (Debian's shared libraries bring the rest).
LIBS=(-labsl_statusor -labsl_status)

fuzz_build "$BIN" \
  "$REPO/api_server/json/json_value.cc" \
  "$REPO/sdk/common/json_writer.cc" "$REPO/sdk/common/utf8.cc" \
  "$REPO/sdk/common/strings.cc" \
  "$FUZZ_DIR/json_fuzzer.cc" \
  "${LIBS[@]}" -pthread

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

fuzz_run "$BIN" "$CORPUS" "$ARTIFACTS" "$DICT"
