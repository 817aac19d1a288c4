#!/usr/bin/env bash
# Idempotent set-up: installs only what is missing. Run by `make serve` and `make test`.
# Nothing here downloads browsers or binaries from outside the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

# 0. The toolchain rust-toolchain.toml pins (part of the reproducible build). A machine here
#    has one toolchain, installed as "stable", and can download none: when that one is the
#    pinned version, give it the pinned name too; otherwise stop and say so.
want_rust=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if ! RUSTUP_AUTO_INSTALL=0 rustc --version >/dev/null 2>&1; then
  default=$(cd / && rustup default | awk '{print $1}')
  have=$(RUSTUP_TOOLCHAIN=$default rustc --version | awk '{print $2}')
  host=$(RUSTUP_TOOLCHAIN=$default rustc -vV | sed -n 's/^host: //p')
  if [ "$have" != "$want_rust" ]; then
    log "rust-toolchain.toml pins Rust $want_rust; this machine has $have ($default)."
    log "Install $want_rust (rustup toolchain install $want_rust), or change the pin (new Wasm hashes)."
    exit 1
  fi
  log "naming the installed toolchain $default ($have) $want_rust-$host, as rust-toolchain.toml asks"
  ln -sfn "$(RUSTUP_TOOLCHAIN=$default rustc --print sysroot)" "${RUSTUP_HOME:-$HOME/.rustup}/toolchains/$want_rust-$host"
fi

# 1. Rust target for the Wasm build.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock. Without --locked:
#    the registry lacks one of the CLI's locked dependency versions.
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "installing wasm-bindgen-cli $want (found '${have:-none}'); takes several minutes once"
  cargo install wasm-bindgen-cli --version "$want" --force
fi

# 3. Debian packages: the three browser engines the tests run in (Chromium + its WebDriver;
#    Firefox ESR; WebKitGTK's WebKitWebDriver, which drives the MiniBrowser of the WebKitGTK
#    package it depends on, on an Xvfb display), and the OpenPGP peers for interop tests.
#    (Not Debian's binaryen: its wasm-opt v108 breaks wasm-bindgen's externref table.)
missing=()
for pair in chromium:/usr/bin/chromium chromium-driver:/usr/bin/chromedriver gnupg:/usr/bin/gpg sq:/usr/bin/sq sqop:/usr/bin/sqop \
            firefox-esr:/usr/bin/firefox-esr webkit2gtk-driver:/usr/bin/WebKitWebDriver xvfb:/usr/bin/Xvfb; do
  pkg=${pair%%:*}; bin=${pair#*:}
  [ -x "$bin" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# 4. npm dev dependencies from the committed lockfile (skipped when already in sync).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi
# 5. cargo-deny (make deny) and cargo-fuzz (make fuzz, optional for make test), from crates.io.
#    Both compile for several minutes, once.
if ! command -v cargo-deny >/dev/null; then
  log "installing cargo-deny (several minutes, once)"
  cargo install cargo-deny --locked
fi
if [ "${SIGNET_SETUP_FUZZ:-0}" = 1 ]; then
  if ! command -v cargo-fuzz >/dev/null; then
    log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
fi
# 6. rsop (rPGP's SOP command line), the second peer of the signet-sop cross-tests
#    (tests/node/sop-interop.test.mjs; sqop comes from Debian above). Pinned: the
#    expected interop table depends on its behaviour. Compiles for several minutes, once.
RSOP_VERSION=0.12.0
if ! cargo install --list | grep -q "^rsop v$RSOP_VERSION:"; then
  log "installing rsop $RSOP_VERSION (several minutes, once)"
  cargo install rsop --locked --version "$RSOP_VERSION"
fi
# 7. geckodriver (Firefox's WebDriver server) from crates.io, pinned: a few minutes, once.
GECKODRIVER_VERSION=0.37.1
if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1{print $2}')" != "$GECKODRIVER_VERSION" ]; then
  log "installing geckodriver $GECKODRIVER_VERSION (a few minutes, once)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi
# 8. twiggy (the per-crate / per-function Wasm size breakdown of `make size`) from
#    crates.io, pinned: the report's format depends on it. A few minutes, once.
TWIGGY_VERSION=0.8.0
if [ "$(twiggy --version 2>/dev/null | awk '{print $2}')" != "$TWIGGY_VERSION" ]; then
  log "installing twiggy $TWIGGY_VERSION (a few minutes, once)"
  cargo install twiggy --version "$TWIGGY_VERSION" --locked
fi
log "ready: $(rustc --version), wasm-bindgen $(wasm-bindgen --version | awk '{print $2}'), $(chromium --version 2>/dev/null | head -1), $(firefox-esr --version 2>/dev/null | head -1), WebKitGTK $(dpkg-query -W -f '${Version}' webkit2gtk-driver 2>/dev/null), node $(node --version)"
