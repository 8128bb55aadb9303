#!/usr/bin/env bash
# Portal benchmark on a heavy day: prints figures, asserts nothing.
#
#   scripts/bench-portal.sh [PAYMENTS] [USERS] [SECONDS]     (default: 10000000 50 30)
#
# 1. A throwaway PostgreSQL cluster and local object store; `server demo-feeds` writes a day of
#    PAYMENTS payments; `server recon run` reconciles it end to end (files in the store -> items in
#    PostgreSQL and reports written), printing its wall time and peak RSS.
# 2. The release server and the local identity provider start on 127.0.0.1; one associate signs in
#    through the provider in chromium; wrk with scripts/load.lua sends page requests from USERS concurrent
#    clients for SECONDS and prints latency percentiles, at the
#    client and the server's own time (Server-Timing). Then, each alone for SECONDS/2 (at least
#    5): matched items (deep pages of matches, one match side by side), and the help desk's
#    lookups by payment id, by reference and by card + amount + date, on payments sampled from
#    the day.
# 3. The day's full matches file is downloaded while the server's resident memory is sampled.
# Everything it starts is stopped at the end.
#
# SETTLEDESK_BENCH_DATA=DIR keeps the loaded cluster and store in DIR and reuses them on the next
# run (the day takes minutes to load; the page figures take seconds), for repeated measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/pg.sh
payments=${1:-10000000}
users=${2:-50}
seconds=${3:-30}
date=2026-11-20

scripts/setup.sh test >/dev/null
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release --quiet -p server --bin server
server=$CARGO_TARGET_DIR/release/server

work=$(mktemp -d /tmp/settledesk-portal-bench.XXXXXX)
chmod 755 "$work"
data=${SETTLEDESK_BENCH_DATA:-$work}
mkdir -p "$data"
chmod 755 "$data"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop "$data/pg"
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
# Loading the day is set-up, not what is measured: it runs without durability. The pages are then
# measured on the same cluster restarted with PostgreSQL's durable defaults (item views write audit
# events, which then wait for their commit to reach the disk).
bulk_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB"
serving_options="-c shared_buffers=1GB -c max_connections=200"
export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/settledesk
export SETTLEDESK_LOCAL_STORAGE_DIR=$data/objects RUST_LOG=warn
if [ -f "$data/loaded" ]; then
  echo "=== reusing the day loaded in $data ==="
else
  pg_start "$data/pg" "$pg_port" "$bulk_options $serving_options" >/dev/null
  pg_ensure_database "$pg_port" settledesk
  "$server" migrate
  echo "=== a day of $payments payments ==="
  started=$(date +%s.%N)
  "$server" demo-feeds --date "$date" --records "$payments" --seed 7 >"$work/demo-feeds.txt"
  head -n 1 "$work/demo-feeds.txt"
  echo "demo-feeds: $(python3 -c "import time; print(f'{time.time() - $started:.1f}')") s (not part of the run)"
  echo "--- end to end: server recon run (object store -> PostgreSQL items and reports) ---"
  "$server" recon run --date "$date" | grep -v '^  '
  pg_stop "$data/pg"
  du -sh "$data/pg" | sed 's/^/database size: /'
  touch "$data/loaded"
fi
pg_start "$data/pg" "$pg_port" "$serving_options" >/dev/null
"$server" migrate

echo "=== $users concurrent users ==="
app_port=$(free_port)
idp_port=$(free_port)
start_identity_provider "$idp_port" "$work/idp" "http://127.0.0.1:$app_port/auth/callback"
pids+=("$identity_provider_pid")
# The USERS clients share one session and one address, so the edge's per-person limits (4 requests
# at once, 120 lookups a minute) would answer most of them 429 and the figures would time the
# refusals: they are raised here, and every answer that is not 200 is counted and printed.
SETTLEDESK_OIDC_ISSUER=http://127.0.0.1:$idp_port SETTLEDESK_PUBLIC_URL=http://127.0.0.1:$app_port \
  SETTLEDESK_LISTEN_ADDR=127.0.0.1:$app_port SETTLEDESK_SCHEDULER=off SETTLEDESK_DB_MAX_CONNECTIONS=20 \
  SETTLEDESK_PER_CLIENT_CONCURRENCY="$users" SETTLEDESK_PER_CLIENT_QUEUE="$users" \
  SETTLEDESK_LOOKUP_RATE_PER_MINUTE=100000000 \
  "$server" serve >"$work/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$app_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
cookie=$(cd end2end && node bench/sign-in.mjs "http://127.0.0.1:$app_port" ava)
# Real references to search for, from the first page of matches.
references=$(curl -fsS -H "Cookie: $cookie" "http://127.0.0.1:$app_port/reports/$date/items?class=match" \
  | grep -oE '>[0-9]{23}<' | tr -d '<>' | sort -u | head -n 20 | tr '\n' ' ')
echo "searching for $(echo $references | wc -w) sampled references"
load() { wrk -t1 -c"$users" -d"$1s" --timeout 30s -s scripts/load.lua "http://127.0.0.1:$app_port" -- "$cookie" "$date" "${@:2}"; }
load "$seconds" mix $references
# The mix's pages each alone, so a slow one shows by name.
for page in "/reports" "/reports/$date/items" "/reports/$date/items?class=mismatch" \
  "/reports/$date/items?class=mismatch&reason=amount_differs" "/reports/$date/items?class=resettlement&network=visa" \
  "/reports/$date/items?sort=-amount" "/reports/$date/items?currency=USD&min=100&max=200" "/exceptions" \
  "/reports/$date/items?reference=${references%% *}" "/reports/$date/items?after=0%3A5000000" "/reports/$date/items/4000000"; do
  echo "=== $users users: $page ==="
  load 5 page "$page" | grep -E 'answers in|server time'
done

# The help desk's three questions, each alone, on payments sampled from the day.
sample() { psql -h 127.0.0.1 -p "$pg_port" -U postgres -d settledesk -tAc "$1" | tr '\n' ' '; }
ids=$(sample "SELECT payment_id FROM zelle_payment TABLESAMPLE SYSTEM (0.01) REPEATABLE (7) LIMIT 50")
refs=$(sample "SELECT network_reference FROM zelle_payment TABLESAMPLE SYSTEM (0.01) REPEATABLE (7)
               WHERE network_reference IS NOT NULL LIMIT 50")
cards=$(sample "SELECT card_last4 || ',' || (amount_minor / 100) || '.' || lpad((amount_minor % 100)::text, 2, '0')
                       || ',' || business_date FROM zelle_payment TABLESAMPLE SYSTEM (0.01) REPEATABLE (7)
                WHERE currency = 'USD' LIMIT 50")
part=$(( seconds / 2 > 5 ? seconds / 2 : 5 ))
for mode in matches payment reference card; do
  echo "=== $users users: $mode ==="
  case $mode in
    matches) load "$part" matches ;;
    payment) load "$part" payment $ids ;;
    reference) load "$part" reference $refs ;;
    card) load "$part" card $cards ;;
  esac
done

echo "=== full download of the matches file ==="
rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
before=$(rss)
peak=$before
curl -fsS -H "Cookie: $cookie" -o "$work/matches.csv" -w '%{size_download} bytes in %{time_total} s\n' \
  "http://127.0.0.1:$app_port/download/reports/$date/v1/matches-$date-v1.csv" &
curl_pid=$!
while kill -0 "$curl_pid" 2>/dev/null; do
  now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.05
done
wait "$curl_pid"
echo "rows: $(($(wc -l <"$work/matches.csv") - 1))"
echo "server RSS: before ${before} KiB, peak during the download ${peak} KiB, growth $(((peak - before) / 1024)) MiB"
