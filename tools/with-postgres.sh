#!/usr/bin/env bash
# tools/with-postgres.sh CMD [ARGS...]
#
# Runs CMD against a throwaway PostgreSQL: a fresh cluster in a temporary
# directory, listening on 127.0.0.1 on a free port (and on a Unix socket inside
# that directory, nowhere else), with a database qa_pms owned by a user qa who
# logs in with a random password (SCRAM). CMD sees
#   DATABASE_URL=postgres://qa:<password>@127.0.0.1:<port>/qa_pms
# Afterwards the server is stopped (pg_ctl on its own data directory only) and
# the directory removed, whatever CMD did; the script exits with CMD's status.
# If this script is killed outright (ctest's timeout), a detached watchdog does
# the same clean-up. Any other PostgreSQL on the machine is left alone.
#
# Debian's postgresql package (version 15) provides the server; it is
# installed when missing. As root the server runs as the `postgres` OS user
# (initdb refuses root); otherwise as the calling user.
#
# Environment: PG_VERSION (15), WITH_POSTGRES_START_TIMEOUT (30 seconds).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

pg_version="${PG_VERSION:-15}"
pg_bin="/usr/lib/postgresql/$pg_version/bin"
start_timeout="${WITH_POSTGRES_START_TIMEOUT:-30}"
log() { echo "with-postgres: $*" >&2; }

if [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
  log "installing Debian's postgresql package"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  if [ ! -x "$pg_bin/initdb" ]; then
    log "no $pg_bin/initdb after installing postgresql (set PG_VERSION?)"
    exit 1
  fi
fi

# As root, every server-side command runs as postgres.
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    log "the OS user 'postgres' does not exist (Debian's postgresql package creates it)"
    exit 1
  fi
  as_pg() { runuser -u postgres -- "$@"; }
  tmp="$(mktemp -d /tmp/with-postgres.XXXXXXXX)"
  chown postgres: "$tmp"
else
  as_pg() { "$@"; }
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXXXX")"
fi
chmod 700 "$tmp"
data="$tmp/data"
sock="$tmp/sock"
server_log="$tmp/postgres.log"

# Stops our server (found through its data directory's pid file, nothing
# else) and removes the directory. Safe to run twice.
stop_and_remove() {
  if [ -f "$data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap stop_and_remove EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The watchdog: detached by a double fork (no longer this script's child), so
# that killing this script's process tree does not take it along; it cleans
# up once this script is gone, and finds nothing to do after a normal exit.
script_pid=$$
( (
  trap '' INT TERM HUP
  while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done
  if [ -d "$tmp" ]; then stop_and_remove; fi
) </dev/null >/dev/null 2>&1 & )

as_pg mkdir -m 700 "$sock"
if ! as_pg "$pg_bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync >"$tmp/initdb.log" 2>&1; then
  log "initdb failed:"
  cat "$tmp/initdb.log" >&2
  exit 1
fi

# A free port: probe, start, and try another if the bind still loses a race.
port=""
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then continue; fi  # taken
  rm -f "$server_log"
  if as_pg "$pg_bin/pg_ctl" -D "$data" -l "$server_log" -w -t "$start_timeout" \
      -o "-c listen_addresses=127.0.0.1 -p $candidate -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 2>&1; then
    port="$candidate"
    break
  fi
  if grep -q -e "could not bind" -e "Address already in use" "$server_log" 2>/dev/null; then
    as_pg "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    continue
  fi
  log "PostgreSQL did not start within ${start_timeout}s:"
  tail -n 30 "$server_log" >&2 2>/dev/null || true
  exit 1
done
if [ -z "$port" ]; then
  log "found no free port for PostgreSQL"
  exit 1
fi

# The user and the database, over the private socket as the superuser. The
# password travels on stdin (not in any argument list) and psql echoes nothing.
password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
if ! as_pg env PGCONNECT_TIMEOUT=10 "$pg_bin/psql" -X -q -h "$sock" -p "$port" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 >/dev/null 2>"$tmp/psql.log" <<SQL
CREATE ROLE qa LOGIN PASSWORD '$password';
CREATE DATABASE qa_pms OWNER qa;
SQL
then
  log "creating the qa user and the qa_pms database failed:"
  sed "s/$password/***/g" "$tmp/psql.log" >&2
  exit 1
fi

log "PostgreSQL $pg_version on 127.0.0.1:$port, database qa_pms (data in $tmp)"
export DATABASE_URL="postgres://qa:$password@127.0.0.1:$port/qa_pms"
status=0
"$@" || status=$?
exit "$status"
