#!/usr/bin/env bash
# Survey answers over HTTP, durable (SQLite WAL + synchronous=FULL through group commit),
# against the same server's GET /healthz in the same run:
#   1. closed-loop throughput (wrk): answers/s, healthz/s and their ratio (target >= 0.5);
#   2. open-loop latency at a fixed rate (rapport-loadtest fixed-rate; wrk2 is not in
#      Debian): p99 from each request's scheduled time (target <= 20 ms at 2,000 req/s);
#   3. the single writer's ceiling (rapport-loadtest writer-cost): answers/s if the writer
#      were never idle, at 32 answers per commit and, commits free, at any batch size;
#      against one row per answer.
# Each request is POST /s/<token> with `score=N` and `Accept: application/json`, each
# token a different sent invitation (prepared directly in the database beforehand).
#   scripts/bench/answers.sh [DATABASE_URL]     (default: SQLite in a temporary directory)
# Knobs: DURATION (15 s), CONNECTIONS (64), THREADS (2), INVITATIONS (600000), RATE (2000
#        req/s), RATE_SECONDS (20), WARMUP_SECONDS (2), PORT (18082); BUILD=0 uses the
#        binaries already in target/release.
# Needs wrk (apt-get install wrk). Loopback only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
INVITATIONS=${INVITATIONS:-600000}
RATE=${RATE:-2000}
RATE_SECONDS=${RATE_SECONDS:-20}
WARMUP_SECONDS=${WARMUP_SECONDS:-2}
PORT=${PORT:-18082}

[ "${BUILD:-1}" = 0 ] || cargo build --release -q -p rapport -p rapport-loadtest
bin=target/release/rapport
load=target/release/rapport-loadtest
dir=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
db_args=(--data-dir "$dir")
[ $# -ge 1 ] && db_args+=(--database-url "$1")
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Tokens: the fixed-rate run gets the last (RATE * (RATE_SECONDS + WARMUP_SECONDS)) ones,
# wrk the rest, one more is kept for a smoke test, so no invitation is answered twice
# unless wrk goes round its whole share (a second answer is a change, a slower path: the
# default leaves room for about 35,000 first answers/s over 15 s).
"$load" prepare-answers "${db_args[@]}" --invitations "$INVITATIONS" --tokens-file "$dir/tokens"
fixed=$((RATE * (RATE_SECONDS + WARMUP_SECONDS)))
wrk_count=$((INVITATIONS - fixed - 1))
[ "$wrk_count" -gt 0 ] || { echo "INVITATIONS must be above $((fixed + 1))" >&2; exit 1; }
head -n "$wrk_count" "$dir/tokens" >"$dir/tokens-wrk"
tail -n "$fixed" "$dir/tokens" >"$dir/tokens-fixed"
smoke=$(sed -n "$((wrk_count + 1))p" "$dir/tokens")

RAPPORT_LOG=warn "$bin" "${db_args[@]}" serve --listen 127.0.0.1:$PORT --no-worker >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.2; done
curl -fsS -X POST -H 'Accept: application/json' -d score=5 "http://127.0.0.1:$PORT/s/$smoke" >/dev/null \
  || { echo "the smoke-test answer failed; server log:" >&2; cat "$dir/server.log" >&2; exit 1; }

idle_kib=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
rps() { awk '/Requests\/sec/ {print $2}'; }
echo "load average before: $(loadavg)"
echo "healthz: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s http://127.0.0.1:$PORT/healthz | tee "$dir/healthz.out"
health=$(rps <"$dir/healthz.out")
echo "load average after healthz: $(loadavg)"
echo "answers: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s answer-survey.lua ($wrk_count tokens)"
RAPPORT_BENCH_TOKENS="$dir/tokens-wrk" RAPPORT_BENCH_THREADS=$THREADS \
  wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency -s scripts/bench/answer-survey.lua \
  http://127.0.0.1:$PORT | tee "$dir/answers.out"
answers_out=$(cat "$dir/answers.out")
echo "load average after answers: $(loadavg)"
if grep -q "Non-2xx" <<<"$answers_out"; then echo "some answers failed" >&2; exit 1; fi
if grep -q "Socket errors" <<<"$answers_out"; then echo "socket errors during the answer load" >&2; exit 1; fi
answers=$(rps <<<"$answers_out")
answered=$(awk '/requests in/ {print $1}' <<<"$answers_out")
stats_after_wrk=$("$load" stats "${db_args[@]}")
rss_kib=$(awk '/VmRSS/ {print $2}' /proc/$server/status)

echo "fixed rate: $RATE req/s for ${RATE_SECONDS}s (+${WARMUP_SECONDS}s warm-up)"
"$load" fixed-rate --url http://127.0.0.1:$PORT --rate "$RATE" --seconds "$RATE_SECONDS" \
  --warmup-seconds "$WARMUP_SECONDS" --tokens-file "$dir/tokens-fixed" | tee "$dir/fixed.out"
fixed_out=$(cat "$dir/fixed.out")
echo "load average after fixed rate: $(loadavg)"
p99=$(sed -n 's/^RESULT .*p99_ms=\([0-9.]*\).*/\1/p' <<<"$fixed_out")
peak_kib=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
stats_end=$("$load" stats "${db_args[@]}")
kill $server; wait $server 2>/dev/null || true; server=

# The single writer's ceiling: an answer's whole write timed inside the writer, in batches
# the size of the group commit's under this load, against one row per answer (same run).
# It fills the database it is given, so it always gets a SQLite file of its own.
echo "the writer alone (a throwaway SQLite database):"
"$load" writer-cost --database-url "sqlite://$dir/writer.db?mode=rwc" | tee "$dir/writer.out"
ceiling=$(sed -n 's/^RESULT answer_ceiling=\([0-9]*\).*/\1/p' "$dir/writer.out")
sql_bound=$(sed -n 's/^RESULT .*answer_sql_bound=\([0-9]*\).*/\1/p' "$dir/writer.out")

ratio() { awk -v a="$1" -v b="$health" 'BEGIN {printf "%.3f", a / b}'; }
echo
echo "healthz requests/s:            $health"
echo "durable answers/s:             $answers   ($answered answered by wrk; database: $stats_after_wrk)"
echo "ratio answers / healthz:       $(ratio "$answers")   (target >= 0.5)"
echo "writer ceiling answers/s:      $ceiling   (SQLite, 32 per commit; / healthz $(ratio "$ceiling"))"
echo "  with free commits:           $sql_bound   (the answer's SQL alone; / healthz $(ratio "$sql_bound"))"
echo "p99 at $RATE answers/s:         $p99 ms   (target <= 20 ms; from the scheduled time)"
echo "database at the end:           $stats_end"
echo "server RSS idle:               $((idle_kib / 1024)) MiB"
echo "server RSS after wrk:          $((rss_kib / 1024)) MiB"
echo "server RSS peak:               $((peak_kib / 1024)) MiB"
echo "load average at the end:       $(loadavg)   ($(nproc) cores)"
