# Settings shared by ./dev and ./test (sourced).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# One cargo target directory outside the clone: every clone (and CI's fresh one) reuses the same
# compiled dependencies. Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/settledesk/target}
# The built site (wasm bundle, CSS, public assets) stays inside the clone: cargo-leptos writes it
# to target/site as configured in Cargo.toml.
export SETTLEDESK_SITE_ROOT=$root/target/site
server_bin=$CARGO_TARGET_DIR/debug/server

# build_site: the server binary and the hydrating wasm bundle, in debug mode (the two must match).
build_site() {
  (cd "$root" && cargo leptos build)
}
