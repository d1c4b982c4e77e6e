#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs what is missing, builds
# Release, and starts qa-pms-api with the arguments given (for example
# --print-config, or --otlp-protocol grpc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release --target qa-pms-api
exec build/release/api_server/qa-pms-api "$@"
