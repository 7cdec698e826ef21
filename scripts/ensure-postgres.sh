#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at 127.0.0.1:5432 for the test suite.
# Uses the running one when there is one; otherwise starts a throwaway server from the
# installed binaries into a temporary directory (trust auth, user "postgres").
set -euo pipefail

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL answers at 127.0.0.1:5432"
  exit 0
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "no PostgreSQL server binaries found under /usr/lib/postgresql" >&2
  exit 1
fi

# initdb refuses to run as root: run the server as the "postgres" system user.
id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
dir=$(mktemp -d /tmp/rapport-pg.XXXXXX)
chown postgres "$dir"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p 5432 -k $dir -c fsync=off -c max_connections=300" start
echo "started PostgreSQL $("$bin/postgres" --version) in $dir"
