#!/usr/bin/env bash
# CSV import of past tickets, durable (SQLite WAL + synchronous=FULL), against sqlite3's own
# `.import` of the same file into a plain table with the same settings, in the same run.
# Prints both rates and their ratio (target: rapport / sqlite3 >= 0.5), the import's peak
# RSS, and the idle RSS of `rapport serve` on the empty database and on the imported one.
#   scripts/bench/import.sh                    (1,000,000 rows; several minutes)
#   ROWS=100000 scripts/bench/import.sh        (a quick run)
# Steps, all in a temporary directory (removed at exit; KEEP=1 keeps it):
#   1. scripts/bench/make_tickets_csv.py writes ROWS tickets (seeded by SEED: the same
#      bytes every run): ~3,000 requesters in 30 organizations, 40 agents in 8 teams,
#      mostly closed, RFC 3339 UTC timestamps.
#   2. `rapport serve` on the empty database: idle RSS (VmRSS) a second after /healthz answers.
#   3. `rapport --data-dir DIR import tickets FILE --quiet`, timed, peak RSS via
#      /usr/bin/time -v (Debian's `time` package, installed when missing and run as root).
#   4. `sqlite3 plain.db -cmd 'PRAGMA journal_mode=WAL' -cmd 'PRAGMA synchronous=FULL'
#      -cmd '.mode csv' '.import FILE tickets'`: a fresh file, the table created from the
#      header (all columns TEXT, no index), timed the same way.
#   5. `rapport serve` on the imported database: idle RSS as in 2.
# The CSV is read once before each import so both read it from the page cache. Both imports
# run alone, but anything else on the machine (a compiler, say) skews wall times: the script
# prints the load average and the CPU time (user + sys) of each import next to its wall time.
# Needs cargo, python3, sqlite3, curl. Loopback only (PORT, default 18081). BUILD=0 skips the
# `cargo build --release -p rapport` and uses target/release/rapport as it is; BIN=path runs
# another build of rapport (an older one, to compare) and implies BUILD=0.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
ROWS=${ROWS:-1000000}
SEED=${SEED:-20261123}
PORT=${PORT:-18081}
# The imports must go to the SQLite files below, whatever the caller's environment says.
unset DATABASE_URL RAPPORT_DATABASE_URL RAPPORT_DATA_DIR RAPPORT_LISTEN

for tool in cargo python3 sqlite3 curl; do
  command -v "$tool" >/dev/null || { echo "import.sh: $tool is required" >&2; exit 1; }
done
if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's time package for /usr/bin/time -v" >&2
  apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; } || true
fi
have_time=0
[ -x /usr/bin/time ] && /usr/bin/time -v true 2>/dev/null && have_time=1
[ $have_time = 1 ] || echo "import.sh: /usr/bin/time -v unavailable: no peak RSS, no CPU times" >&2

if [ -n "${BIN:-}" ]; then
  bin=$(realpath "$BIN")
else
  [ "${BUILD:-1}" = 0 ] || cargo build --release -q -p rapport
  bin=$repo/target/release/rapport
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rapport-import-bench.XXXXXX")
server=""
stop_server() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
cleanup() {
  stop_server
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
data=$tmp/rapport-data
csv=$tmp/tickets.csv
mkdir -p "$data"
cd "$tmp" # no stray rapport.toml from the caller's directory

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
# The load average, and how many compilers run beside us (they skew wall times).
loadavg() { echo "$(cut -d' ' -f1-3 /proc/loadavg) (rustc processes: $(pgrep -c -x rustc || true))"; }
# Field of a /usr/bin/time -v report.
time_field() { sed -n "s/^[[:space:]]*$2: *//p" "$1" | head -n 1; }
cpu_secs() { awk -v u="$(time_field "$1" 'User time (seconds)')" -v s="$(time_field "$1" 'System time (seconds)')" 'BEGIN {printf "%.2f", u + s}'; }
timed() { # timed REPORT COMMAND...: runs COMMAND under /usr/bin/time -v when available
  local report=$1; shift
  if [ $have_time = 1 ]; then /usr/bin/time -v -o "$report" "$@"; else : >"$report"; "$@"; fi
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# idle_rss LOG VAR: starts `rapport serve`, waits for /healthz, waits a second, stores its
# VmRSS (KiB) in VAR, stops it. (Not in a $(...) subshell: the EXIT trap must see $server.)
idle_rss() {
  local log=$1 up=0
  RAPPORT_LOG=warn "$bin" --data-dir "$data" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$log" &
  server=$!
  for _ in $(seq 600); do
    if curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if [ $up = 0 ]; then
    echo "import.sh: rapport serve did not answer /healthz on 127.0.0.1:$PORT" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 1
  printf -v "$2" '%s' "$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status")"
  stop_server
}
# 1000000 -> 1M, 100000 -> 100k
human() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) printf "%dM", n / 1000000;
  else if (n % 1000 == 0) printf "%dk", n / 1000; else printf "%d", n }'; }

echo "machine: $(nproc) cores, load average $(loadavg)"
echo "== generating $ROWS tickets (seed $SEED)"
t0=$(now_ns)
python3 "$repo/scripts/bench/make_tickets_csv.py" "$csv" --rows "$ROWS" --seed "$SEED"
t1=$(now_ns)
echo "$csv: $(du -m "$csv" | cut -f1) MiB, $(($(wc -l <"$csv") - 1)) rows, in $(secs "$t0" "$t1") s"

echo "== rapport serve, empty database"
idle_rss "$tmp/serve-empty.log" rss_empty
echo "idle VmRSS: $(mib "$rss_empty") MiB"

echo "== rapport import tickets (load average $(loadavg))"
cat "$csv" >/dev/null
t0=$(now_ns)
timed "$tmp/rapport.time" "$bin" --data-dir "$data" import tickets "$csv" --quiet >"$tmp/import.out"
t1=$(now_ns)
rapport_secs=$(secs "$t0" "$t1")
cat "$tmp/import.out"
created=$(sed -n 's/.*created: \([0-9]*\).*/\1/p' "$tmp/import.out" | head -n 1)
if [ "${created:-0}" != "$ROWS" ]; then
  echo "import.sh: rapport created ${created:-?} tickets, expected $ROWS" >&2
  exit 1
fi
rapport_db_bytes=$(cat "$data"/rapport.db* | wc -c)
echo "wall $rapport_secs s; database $(mib $((rapport_db_bytes / 1024))) MiB (with WAL)"

echo "== sqlite3 .import (load average $(loadavg))"
cat "$csv" >/dev/null
t0=$(now_ns)
timed "$tmp/sqlite3.time" sqlite3 "$tmp/plain.db" \
  -cmd "PRAGMA journal_mode=WAL;" -cmd "PRAGMA synchronous=FULL;" -cmd ".mode csv" \
  ".import $csv tickets" >"$tmp/sqlite3.out"
t1=$(now_ns)
sqlite_secs=$(secs "$t0" "$t1")
plain_rows=$(sqlite3 "$tmp/plain.db" "SELECT count(*) FROM tickets;")
plain_mode=$(sqlite3 "$tmp/plain.db" "PRAGMA journal_mode;")
if [ "$plain_rows" != "$ROWS" ]; then
  echo "import.sh: sqlite3 imported $plain_rows rows, expected $ROWS" >&2
  exit 1
fi
plain_db_bytes=$(cat "$tmp"/plain.db* | wc -c)
echo "rows: $plain_rows, journal_mode: $plain_mode; wall $sqlite_secs s; database $(mib $((plain_db_bytes / 1024))) MiB"

echo "== rapport serve, after the import"
idle_rss "$tmp/serve-full.log" rss_full
echo "idle VmRSS: $(mib "$rss_full") MiB"

rate() { awk -v n="$ROWS" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
rapport_rate=$(rate "$rapport_secs")
sqlite_rate=$(rate "$sqlite_secs")
echo
echo "rows:                                    $ROWS"
echo "rapport import rows/s:                   $rapport_rate ($rapport_secs s wall)"
echo "sqlite3 .import rows/s:                  $sqlite_rate ($sqlite_secs s wall)"
echo "ratio rapport / sqlite3:                 $(awk -v a="$rapport_rate" -v b="$sqlite_rate" 'BEGIN {printf "%.3f", a / b}') (target >= 0.5)"
if [ $have_time = 1 ]; then
  echo "CPU s (user+sys) rapport / sqlite3:      $(cpu_secs "$tmp/rapport.time") / $(cpu_secs "$tmp/sqlite3.time")"
  echo "import peak RSS (rapport):               $(mib "$(time_field "$tmp/rapport.time" 'Maximum resident set size (kbytes)')") MiB"
  echo "import peak RSS (sqlite3):               $(mib "$(time_field "$tmp/sqlite3.time" 'Maximum resident set size (kbytes)')") MiB"
fi
echo "server RSS idle, empty database:         $(mib "$rss_empty") MiB"
printf '%-41s%s MiB\n' "server RSS idle, after the $(human "$ROWS") import:" "$(mib "$rss_full")"
echo "load average at the end:                 $(loadavg)"
