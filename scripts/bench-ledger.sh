#!/usr/bin/env bash
# Ledger benchmark on a throwaway PostgreSQL cluster (durable settings: fsync on, as in production).
#   scripts/bench-ledger.sh [ledger-bench options]
# Runs twice: on this machine's disk as it is, and with each flush 4 ms longer (the disk the
# ledger's first figures came from took ~4 ms a commit). Prints what a flush costs here first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/pg.sh
cargo build --release --quiet -p domain --bin ledger-bench
work=$(mktemp -d /tmp/settledesk-ledger-bench.XXXXXX)
chmod 755 "$work"
port=$(free_port)
trap 'pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_start "$work/pg" "$port" "-c max_connections=100 -c shared_buffers=512MB" >/dev/null
pg_ensure_database "$port" bench
fsync_test=$(ls /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | tail -1 || true)
if [ -n "$fsync_test" ]; then
  (cd "$work" && "$fsync_test" -s 1 -f "$work/fsync.probe" 2>/dev/null || true) |
    awk '/^ +fdatasync .*usecs/ && !done { print "this disk, one 8 kB write and fdatasync: " $(NF-1) " us"; done = 1 }' 
fi
for flush_ms in 0 4; do
  DATABASE_URL=postgres://postgres@127.0.0.1:$port/bench "$CARGO_TARGET_DIR/release/ledger-bench" --flush-ms "$flush_ms" "$@"
done
