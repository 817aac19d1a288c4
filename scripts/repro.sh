#!/usr/bin/env bash
# Reproducible Wasm: builds `make pkg-wasm` (release Wasm + wasm-bindgen glue) from clean
# copies of the sources and compares the bytes of pkg/wasm/.
#   scripts/repro.sh two           two clean copies (`make repro`)
#   scripts/repro.sh against-pkg   one clean copy, compared with pkg/wasm/ as `make pkg`
#                                  left it (`make test`)
# A copy is `git archive` of the work tree's state (committed or not; untracked files are
# not part of it) in a directory of another name and depth, with its own target
# directory, file times of its own extraction, and another time zone, locale and umask,
# so that a path, time or environment leaking into the output shows up as a difference.
# Every output is also scanned for the build directories' and the toolchain's paths.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-two}
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/signet-repro.XXXXXX")
keep=0
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT
log() { printf '[repro] %s\n' "$*"; }
# A step that fails says which (a clean-clone CI run once stopped here with no message).
set -E
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

# The work tree's tracked files as a tree object, through a copy of the index, so the
# repository's index and stashes are untouched. Not `git stash create`: it exits 1 with no
# message when a tracked file was rewritten with the same bytes (as `make pkg` rewrites
# the page's pins), and a dirty tree needs a committer identity, which CI need not have.
cp "$(git rev-parse --git-path index)" "$work/index"
GIT_INDEX_FILE="$work/index" git add -u
rev=$(GIT_INDEX_FILE="$work/index" git write-tree)

# build DIR TZ LOCALE UMASK: a clean copy in DIR, built offline; pkg/wasm/ lands in DIR.out
build() {
  local dir=$1
  mkdir -p "$dir"
  git archive "$rev" | tar -x -m -C "$dir"
  log "building in $dir (TZ=$2, LC_ALL=$3, umask $4)"
  local t0=$SECONDS
  (cd "$dir" && umask "$4" && TZ=$2 LC_ALL=$3 CARGO_NET_OFFLINE=true \
    CARGO_TARGET_DIR="$dir/target" nice -n 5 make --no-print-directory pkg-wasm >"$dir.log" 2>&1) || {
    keep=1
    log "build failed; log: $dir.log"
    tail -n 30 "$dir.log"
    exit 1
  }
  log "built in $((SECONDS - t0)) s"
  mv "$dir/pkg/wasm" "$dir.out"
  leaks "$dir.out" "$dir"
  rm -rf "$dir"
}

# leaks OUT DIR: fails if a build path, the home or the toolchain's path is in the output.
leaks() {
  local out=$1 dir=$2 p
  for p in "$dir" "$root" "${CARGO_HOME:-$HOME/.cargo}" "${RUSTUP_HOME:-$HOME/.rustup}" "$(rustc --print sysroot)" "$HOME/"; do
    if grep -rlF -- "$p" "$out" >/dev/null; then
      keep=1
      log "LEAK: '$p' appears in: $(grep -rlF -- "$p" "$out" | tr '\n' ' ')(kept in $work)"
      exit 1
    fi
  done
}

# hashes DIR: "sha384-... path" for every file, sorted by path
hashes() {
  (cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do
    printf 'sha384-%s %s\n' "$(openssl dgst -sha384 -binary "$f" | base64 -w0)" "${f#./}"
  done)
}

compare() {
  local a=$1 b=$2
  if diff <(hashes "$a") <(hashes "$b") >"$work/diff"; then
    log "identical: $(hashes "$a" | grep '_bg.wasm$')"
    log "           $(hashes "$a" | grep 'signet_crypto.js$')"
  else
    keep=1
    log "DIFFERENT ($a vs $b; kept in $work):"
    cat "$work/diff"
    [ "$mode" = against-pkg ] && log "(if the sources changed after make pkg, run make pkg first)"
    exit 1
  fi
}

case "$mode" in
  two)
    build "$work/a" UTC C.UTF-8 022
    build "$work/second-build/with-a-longer-path/b" Asia/Ho_Chi_Minh C 077
    compare "$work/a.out" "$work/second-build/with-a-longer-path/b.out"
    ;;
  against-pkg)
    [ -f pkg/wasm/signet_crypto_bg.wasm ] || { log "no pkg/wasm: run make pkg first"; exit 1; }
    leaks pkg/wasm "$root"
    build "$work/clean-copy/elsewhere/b" Asia/Ho_Chi_Minh C 077
    compare pkg/wasm "$work/clean-copy/elsewhere/b.out"
    ;;
  *)
    echo "usage: $0 two|against-pkg" >&2
    exit 2
    ;;
esac
