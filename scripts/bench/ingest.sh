#!/usr/bin/env bash
# Ticket-event ingest over HTTP, durable (SQLite WAL + synchronous=FULL, or PostgreSQL),
# against the same server's GET /healthz in the same run. Prints both and their ratio.
#   scripts/bench/ingest.sh [DATABASE_URL]      (default: SQLite in a temporary directory)
# Needs wrk (apt-get install wrk). Loopback only; each load lasts DURATION seconds.
# BUILD=0 uses target/release/rapport as it is; BIN=path runs another build of rapport.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}

if [ -n "${BIN:-}" ]; then
  bin=$BIN
else
  [ "${BUILD:-1}" = 0 ] || cargo build --release -q -p rapport
  bin=target/release/rapport
fi
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
db_args=(--data-dir "$dir")
[ $# -ge 1 ] && db_args+=(--database-url "$1")

export RAPPORT_BENCH_TOKEN=$("$bin" "${db_args[@]}" token create --name bench --scope ingest | tail -n 1)
export RAPPORT_BENCH_RUN=$(date +%s)
RAPPORT_LOG=warn "$bin" "${db_args[@]}" serve --listen 127.0.0.1:$PORT >/dev/null &
server=$!
for _ in $(seq 50); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done

idle_kib=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
rps() { awk '/Requests\/sec/ {print $2}'; }
echo "healthz: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
health=$(wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s http://127.0.0.1:$PORT/healthz | tee /dev/stderr | rps)
echo "ingest: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s -s ingest-events.lua"
ingest_out=$(wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s scripts/bench/ingest-events.lua \
  http://127.0.0.1:$PORT | tee /dev/stderr)
if grep -q "Non-2xx" <<<"$ingest_out"; then echo "some ingest requests failed" >&2; exit 1; fi
ingest=$(rps <<<"$ingest_out")
rss_kib=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
echo
echo "healthz requests/s:      $health"
echo "ingested events/s:       $ingest"
echo "ratio ingest / healthz:  $(awk -v a="$ingest" -v b="$health" 'BEGIN {printf "%.3f", a / b}')"
echo "server RSS idle:          $((idle_kib / 1024)) MiB"
echo "server RSS after load:   $((rss_kib / 1024)) MiB"
