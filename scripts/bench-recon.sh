#!/usr/bin/env bash
# Reconciliation benchmark: prints figures, asserts nothing.
#
#   scripts/bench-recon.sh [PAYMENTS ...]      (default: 1000000 10000000)
#
# For each size:
#  1. recon-bench: generates a day in memory, parses each format (records/s, MB/s), matches, and
#     times DuckDB (PyPI duckdb, installed here if missing) joining the same data from CSV.
#  2. End to end on the real path: `server demo-feeds` writes the files into a local object store,
#     then `server recon run` ingests them into a throwaway PostgreSQL cluster, reconciles, writes
#     the reports to the store and the items to PostgreSQL; wall time and peak RSS are printed,
#     and the CPU time of the run and of PostgreSQL (user and system) and the WAL it wrote.
# Everything runs on 127.0.0.1; the cluster and its files are removed at the end.
# Then it prints the disk the day takes in PostgreSQL, runs the date again and retires the first
# version's items (`server retention run`), printing what that gives back (BENCH_RETENTION=off skips it).
# BENCH_PG_OPTIONS adds server options to the throwaway cluster, to measure what a setting costs
# (e.g. "-c wal_level=minimal -c max_wal_senders=0": how much of a day is writing WAL).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/pg.sh

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)

python3 -c 'import duckdb' 2>/dev/null || pip install --quiet --break-system-packages duckdb==2.0.0 \
  || echo "duckdb could not be installed: the DuckDB comparison will be skipped"
cargo build --release --quiet -p domain --bin recon-bench
cargo build --release --quiet -p server --bin server
server=$CARGO_TARGET_DIR/release/server

work=$(mktemp -d /tmp/settledesk-bench.XXXXXX)
chmod 755 "$work"
port=$(free_port)
cleanup() { pg_stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
# A throwaway cluster: durability settings off, as for the test clusters.
pg_start "$work/pg" "$port" "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB -c shared_buffers=1GB ${BENCH_PG_OPTIONS:-}" >/dev/null

date=2026-11-20
for n in "${sizes[@]}"; do
  echo "=== $n payments ==="
  "$CARGO_TARGET_DIR/release/recon-bench" --records "$n" --seed 7 --repeat 3 || echo "recon-bench failed"
  db="bench_$n"
  pg_ensure_database "$port" "$db"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$db"
  export SETTLEDESK_LOCAL_STORAGE_DIR="$work/objects-$n" RUST_LOG=warn
  "$server" migrate
  started=$(date +%s.%N)
  "$server" demo-feeds --date "$date" --records "$n" --seed 7 >"$work/demo-feeds.txt"; head -n 4 "$work/demo-feeds.txt"
  echo "demo-feeds: $(python3 -c "import time; print(f'{time.time() - $started:.1f}')") s"
  echo "end to end (server recon run: object store -> PostgreSQL -> reports and items):"
  sql() { psql -h 127.0.0.1 -p "$port" -U postgres -d "$db" -tAc "$1"; }
  wal_before=$(sql "SELECT pg_current_wal_lsn()")
  read -r pg_user_before pg_system_before < <(scripts/cpu-usage.py cluster "$work/pg")
  scripts/cpu-usage.py run -- "$server" recon run --date "$date"
  read -r pg_user_after pg_system_after < <(scripts/cpu-usage.py cluster "$work/pg")
  python3 -c "print(f'PostgreSQL cpu: {$pg_user_after - $pg_user_before:.1f} user {$pg_system_after - $pg_system_before:.1f} system')"
  sql "SELECT 'WAL written: ' || pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal_before'))"
  du -sh "$work/pg" | sed 's/^/database size after the run: /'
  sql "SELECT 'the day in PostgreSQL: exceptions ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid)) FILTER (WHERE inhparent = 'recon_item'::regclass))
              || ', matches ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid)) FILTER (WHERE inhparent = 'recon_match'::regclass))
              || ', payments ' || pg_size_pretty(sum(pg_total_relation_size(inhrelid)) FILTER (WHERE inhparent = 'zelle_payment'::regclass))
       FROM pg_inherits WHERE inhparent IN ('recon_item'::regclass, 'recon_match'::regclass, 'zelle_payment'::regclass)"
  if [ "${BENCH_RETENTION:-on}" = on ]; then
    # What retention gives back: the date run again (a second version), then the first version's
    # items retired at once (a superseded version's period set to 0 days).
    echo "retention: the date run again, then the superseded version retired"
    "$server" recon run --date "$date" | grep -E '^(Run|Wall)'
    SETTLEDESK_RETAIN_SUPERSEDED_DAYS=0 "$server" retention run | tail -n 1
  fi
  rm -rf "$work/objects-$n"
  psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "DROP DATABASE \"$db\"" >/dev/null
done
