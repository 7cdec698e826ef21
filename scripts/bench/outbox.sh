#!/usr/bin/env bash
# Outbox delivery: emails per second from the outbox into a real SMTP server on loopback
# (target >= 500/s). MESSAGES survey emails, rendered as the worker renders them, are
# enqueued in the outbox; then the worker's delivery (claim a batch, send over SMTP
# through lettre's pool, mark each sent) runs until nothing is pending, and that is timed.
# Everything runs in one process (rapport-loadtest outbox): store, worker and the SMTP
# sink of rapport-mail, so the sink's CPU is counted in the same two cores.
#   scripts/bench/outbox.sh [DATABASE_URL]     (default: SQLite in a temporary directory)
# Knobs: MESSAGES (5000), TIMEOUT (300 s, the most delivery may take); BUILD=0 uses the
#        binary already in target/release. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
MESSAGES=${MESSAGES:-5000}
TIMEOUT=${TIMEOUT:-300}

[ "${BUILD:-1}" = 0 ] || cargo build --release -q -p rapport-loadtest
args=(outbox --messages "$MESSAGES" --timeout-seconds "$TIMEOUT")
[ $# -ge 1 ] && args+=(--database-url "$1")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
out_file=$(mktemp)
trap 'rm -f "$out_file"' EXIT
target/release/rapport-loadtest "${args[@]}" | tee "$out_file"
out=$(cat "$out_file")
rate=$(sed -n 's/^RESULT emails_per_s=\([0-9]*\).*/\1/p' <<<"$out")
echo
echo "emails/s outbox -> SMTP:  $rate   (target >= 500)"
