#!/usr/bin/env bash
# Ledger benchmark on a throwaway PostgreSQL cluster (durable settings: fsync on, as in production).
#   scripts/bench-ledger.sh [ledger-bench options]
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
DATABASE_URL=postgres://postgres@127.0.0.1:$port/bench "$CARGO_TARGET_DIR/release/ledger-bench" "$@"
