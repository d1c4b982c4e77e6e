#!/usr/bin/env bash
# Stops with one line unless Go 1.24 or newer is on the PATH: Jaeger, the real
# backend of the tests and of tools/run.sh --backend jaeger, is built from
# source with it (tests/backends/jaeger).
set -euo pipefail
go_version=$(go env GOVERSION 2>/dev/null || true)
if ! printf '%s\n' go1.24 "${go_version:-go0}" | sort -V -C; then
  echo "Go 1.24 or newer is needed to build Jaeger (tests/backends/jaeger); found: ${go_version:-no go on PATH}" >&2
  exit 1
fi
