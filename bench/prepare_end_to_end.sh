# Sourced by the end-to-end benchmark scripts: from the project root, installs
# what is missing, builds the release qa-pms-api and otlp-sink, checks for wrk.
tools/bootstrap.sh > /dev/null
cmake --preset release > /dev/null
cmake --build --preset release --target qa-pms-api otlp-sink > /dev/null
command -v wrk > /dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
