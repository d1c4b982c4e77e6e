# What the two libFuzzer scripts (run_fuzzer.sh, run_json_fuzzer.sh) share:
# their arguments, building a target with clang (ASan + UBSan) and running
# it for a bounded time. Sourced, not run.
#
# Needs Debian's clang and libclang-rt-14-dev (libFuzzer and the sanitizer
# runtimes; clang only recommends it).

# Sets BUILD_DIR and SECONDS_ARG from the script's arguments, and REPO, CXX.
fuzz_parse_args() {
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
  CXX=${FUZZ_CXX:-clang++}
  mkdir -p "$BUILD_DIR"
  BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
}

# fuzz_build BIN SOURCE... [LINK FLAGS...]: compiles the target. The engine's
# headers are included as qtrace/sdk/...: a folder of links gives them that
# name, as the CMake build does.
fuzz_build() {
  local bin=$1
  shift
  local include_root=$BUILD_DIR/include
  mkdir -p "$include_root/qtrace"
  ln -sfn "$REPO/sdk" "$include_root/qtrace/sdk"
  echo "== building $bin with $CXX"
  "$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$REPO" -I"$include_root" "$@" -o "$bin"
}

# fuzz_run BIN CORPUS ARTIFACTS DICT: fuzzes for SECONDS_ARG seconds; exits
# non-zero on a crash, a sanitizer report, a leak or a timeout, whose
# reproducer is then in ARTIFACTS (replay one with: BIN ARTIFACTS/crash-...).
fuzz_run() {
  local bin=$1 corpus=$2 artifacts=$3 dict=$4
  echo "== fuzzing for ${SECONDS_ARG}s"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
  local status=0
  "$bin" -max_total_time="$SECONDS_ARG" -rss_limit_mb=2048 -timeout=10 -max_len=4096 \
    -dict="$dict" -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" || status=$?
  if [[ $status -ne 0 ]] || compgen -G "$artifacts/*" >/dev/null; then
    echo "FAILED: the fuzzer exited with $status; artifacts:" >&2
    ls -l "$artifacts" >&2 || true
    exit $((status == 0 ? 1 : status))
  fi
  echo "OK: no crash in ${SECONDS_ARG}s"
}
