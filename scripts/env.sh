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

# start_identity_provider PORT STATE_DIR REDIRECT_URI...: the local OpenID provider in the
# background (its pid in $identity_provider_pid, its log in STATE_DIR/provider.log), once it answers.
start_identity_provider() {
  local port=$1 state=$2; shift 2
  local args=(--port "$port" --state "$state")
  for uri in "$@"; do args+=(--redirect-uri "$uri"); done
  mkdir -p "$state"
  node "$root/identity-provider/server.mjs" "${args[@]}" >"$state/provider.log" 2>&1 &
  identity_provider_pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/.well-known/openid-configuration" >/dev/null 2>&1 && return 0
    kill -0 "$identity_provider_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the identity provider did not start:" >&2; cat "$state/provider.log" >&2; return 1
}
