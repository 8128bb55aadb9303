#!/usr/bin/env bash
# Installs cargo-leptos 0.3.11 without letting it download anything at build time.
#
# Why not `cargo install cargo-leptos --locked`: its lock file pins cargo-util-schemas 0.14.2, which
# needs rustc 1.96, and this machine's stable toolchain is 1.95. We build the same release from its
# published source with that one dependency held at 0.14.1, and with the `no_downloads` feature so it
# never fetches wasm-bindgen, wasm-opt or sass from the internet (there is none here).
set -euo pipefail
want=0.3.11
if command -v cargo-leptos >/dev/null 2>&1 && cargo leptos --version 2>/dev/null | grep -q "$want"; then
  exit 0
fi
echo "==> installing cargo-leptos $want (one-time, ~18 minutes on 2 cores)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cargo info "cargo-leptos@$want" >/dev/null 2>&1 || true # downloads and unpacks the published source
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-"$want" 2>/dev/null | head -n1)
[ -n "$src" ] || { echo "cargo-leptos $want source not found in the cargo registry cache" >&2; exit 1; }
cp -r "$src" "$work/cargo-leptos"
cd "$work/cargo-leptos"
cargo update -q -p cargo-util-schemas --precise 0.14.1
CARGO_TARGET_DIR="$work/target" cargo install -q --path . --locked --features no_downloads
