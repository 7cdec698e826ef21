#!/usr/bin/env bash
# Dashboard data queries at 10 thousand, 1 million and 10 million answers, on SQLite and on
# PostgreSQL: the main dashboard's reads (a year's trend per day, the tables per team and per
# agent, a team's trend) from the rollups, against the same aggregations scanning the raw
# answers, in the same run. Targets: p50 <= 50 ms at 10 M, and <= 2x growth from 10 k to 10 M.
#   scripts/bench/dashboard.sh                  (SIZES="10000 1000000 10000000")
# Knobs: SIZES, REPEATS (20), PG_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres),
#        SKIP_POSTGRES=1, BUILD=0 uses the binary already in target/release.
# Uses throwaway databases (a temporary SQLite file, a PostgreSQL database it creates and drops).
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZES=${SIZES:-"10000 1000000 10000000"}
REPEATS=${REPEATS:-20}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

[ "${BUILD:-1}" = 0 ] || cargo build --release -q -p rapport-loadtest
dir=$(mktemp -d)
pg_db="rapport_bench_dashboard_$$"
cleanup() {
  rm -rf "$dir"
  [ "${SKIP_POSTGRES:-0}" = 1 ] || psql -q "$PG_ADMIN_URL" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
[ "${SKIP_POSTGRES:-0}" = 1 ] || psql -q "$PG_ADMIN_URL" -c "CREATE DATABASE $pg_db" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
for size in $SIZES; do
  target/release/rapport-loadtest dashboard --database-url "sqlite://$dir/bench.db?mode=rwc" \
    --answers "$size" --repeats "$REPEATS"
  if [ "${SKIP_POSTGRES:-0}" != 1 ]; then
    target/release/rapport-loadtest dashboard --database-url "${PG_ADMIN_URL%/*}/$pg_db" \
      --answers "$size" --repeats "$REPEATS"
  fi
done
