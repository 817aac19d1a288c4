# signet-crypto: the two commands for a fresh machine are `make serve` and `make test`.
# Both run the idempotent set-up first. Other targets are building blocks.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PORT ?= 8080
WASM_TARGET := wasm32-unknown-unknown
# Respect a caller's CARGO_TARGET_DIR (worktrees may use their own).
export CARGO_TARGET_DIR ?= $(CURDIR)/target
WASM_OUT := $(CARGO_TARGET_DIR)/$(WASM_TARGET)/release/signet_crypto.wasm
# The notes module (`signet-crypto/notes`): the same crate without the `openpgp` feature,
# in its own profile (Cargo.toml) so the two builds do not overwrite each other.
WASM_NOTES_OUT := $(CARGO_TARGET_DIR)/$(WASM_TARGET)/release-notes/signet_crypto.wasm
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMIUM ?= /usr/bin/chromium
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER ?= wasm-bindgen-test-runner
# `make test` demands the interop peers (gpg, sq, sqop, rsop, OpenPGP.js): tests fail instead of skipping.
export SIGNET_REQUIRE_PEERS ?= 1

define done
	@printf '\n== %s: passed ==\n\n' "$(1)"
endef

.PHONY: setup pkg pkg-wasm repro repro-check serve test lint fmt-check clippy test-native test-hpke-interop test-wasm test-node test-browser test-types clean-pkg size bench bench-quick fuzz fuzz-replay fuzz-cmin deny

setup:
	@scripts/setup.sh

## Builds the npm package in pkg/ from scratch (pkg-wasm), bundles each browser entry into
## one file (scripts/bundle.mjs: pkg/*.min.js), then pins what ships: pkg/integrity.json
## (SHA-384 of every packed file) and the pins in www/index.html.
pkg: setup
	@$(MAKE) --no-print-directory pkg-wasm
	node scripts/bundle.mjs
	node scripts/integrity.mjs
	@$(MAKE) --no-print-directory size

## Release Wasm + wasm-bindgen glue into pkg/wasm/ (the full module, signet_crypto*, and
## the notes module without OpenPGP, signet_notes*), reproducibly: toolchain pinned in
## rust-toolchain.toml, wasm-bindgen pinned exactly (Cargo.toml, setup.sh), build paths
## remapped for the Wasm target only (native and test builds keep their caches), no
## timestamps. `make repro` checks it. The `name` section (function names for stack
## traces) is dropped: -0.35 MB raw, -120 KB gzip. (wasm-opt -Oz, binaryen 132, was tried
## again on 2026-12-06: -11 % raw, -1.7 % gzip, +2 % brotli: not worth a build step;
## docs/size.md.)
WASM_REMAP = --remap-path-prefix=$(or $(CARGO_HOME),$(HOME)/.cargo)=/cargo \
  --remap-path-prefix=$(shell rustc --print sysroot)=/rust \
  --remap-path-prefix=$(CURDIR)=/signet --remap-path-prefix=$(CARGO_TARGET_DIR)=/signet/target
pkg-wasm:
	rm -rf pkg/wasm
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='$(WASM_REMAP)' \
	  cargo build --locked --lib --release --target $(WASM_TARGET)
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='$(WASM_REMAP)' \
	  cargo build --locked --lib --profile release-notes --target $(WASM_TARGET) --no-default-features --features zeroize-on-free
	wasm-bindgen --target web --weak-refs --remove-name-section --out-dir pkg/wasm --out-name signet_crypto $(WASM_OUT)
	wasm-bindgen --target web --weak-refs --remove-name-section --out-dir pkg/wasm --out-name signet_notes $(WASM_NOTES_OUT)

## Two builds of pkg-wasm from clean copies of the sources (git archive of the work
## tree's state) in differently named directories, with their own target directories,
## locale and time zone; fails unless the Wasm and glue are byte-identical.
repro:
	scripts/repro.sh two

## The check `make test` runs: one clean build as above, compared with pkg/wasm/ from
## `make pkg`, and both scanned for build-machine paths.
repro-check:
	scripts/repro.sh against-pkg
	$(call done,reproducible Wasm (a clean build elsewhere matches pkg/wasm))

## Where the bytes go: raw / gzip / brotli of what each package entry downloads, then
## twiggy's per-crate and per-function breakdown of each Wasm build (cargo's output, which
## keeps the names wasm-bindgen strips). Also in target/size/report.md; docs/size.md keeps
## the figures of each change.
size:
	@mkdir -p $(CARGO_TARGET_DIR)/size
	@node scripts/size.mjs --twiggy --out $(CARGO_TARGET_DIR)/size/report.md

## Serves www/ (and the package under /pkg/) on http://127.0.0.1:$(PORT), and the demo
## mini app (another origin, embedding www/frame.html) on port $(PORT)+1; the frame's
## allow-list: SIGNET_EMBED_ORIGINS or SIGNET_EMBED_CONFIG (docs/embedding.md).
serve: pkg
	node scripts/serve.mjs --port $(PORT)

## Every test layer; each prints a closing line.
test: setup
	@$(MAKE) --no-print-directory lint test-native fuzz-replay test-hpke-interop pkg test-wasm test-node test-browser test-types deny repro-check
	@echo "== make test: all layers passed =="

lint: fmt-check clippy

fmt-check:
	cargo fmt --all -- --check
	$(call done,cargo fmt --check)

clippy:
	cargo clippy --locked --workspace --all-targets -- -D warnings
	$(call done,cargo clippy native)
	cargo clippy --locked --target $(WASM_TARGET) --lib --test 'wasm_*' -- -D warnings
	cargo clippy --locked --target $(WASM_TARGET) -p signet-kernels -- -D warnings
	$(call done,cargo clippy wasm32)

test-native:
	cargo test --locked --workspace
	$(call done,native cargo test)

## Our HPKE (X-Wing, HKDF-SHA256, AES-256-GCM) against the `hpke` crate, both directions.
## A separate crate: hpke 0.15 links ml-kem 0.3, which cannot share our dependency graph.
HPKE_INTEROP_BIN := $(CARGO_TARGET_DIR)/hpke-interop/release/wrap-hpke-interop
test-hpke-interop:
	cargo build --locked --release --manifest-path tests/wrap_hpke_interop/Cargo.toml --target-dir $(CARGO_TARGET_DIR)/hpke-interop
	SIGNET_HPKE_INTEROP_BIN=$(HPKE_INTEROP_BIN) cargo test --locked --lib wrap::tests::hpke_interop -- --nocapture
	$(call done,HPKE interop with the hpke crate)

## wasm-bindgen-test in headless Chromium via chromedriver (webdriver.json holds the flags).
test-wasm:
	cargo test --locked --target $(WASM_TARGET) --test 'wasm_*'
	$(call done,wasm-bindgen-test in headless Chromium)

## Node tests import the built package by its name (node_modules/signet-crypto -> pkg/).
test-node:
	node --test --test-concurrency=1 tests/node/
	$(call done,node --test against the built package)

## The browser tests in every engine, each test written once (tests/browser/harness.mjs):
## Chromium via playwright-core, Firefox ESR via geckodriver, WebKitGTK's MiniBrowser via
## WebKitWebDriver on an Xvfb display the harness starts. All from Debian (+ cargo install).
## SIGNET_ENGINES=chromium,firefox,webkit (the default) picks engines.
export SIGNET_ENGINES ?= chromium,firefox,webkit
test-browser:
	node --test --test-concurrency=1 tests/browser/
	$(call done,browser tests in $(SIGNET_ENGINES))

test-types:
	npx --no-install tsc --noEmit -p tests/types/tsconfig.json
	$(call done,tsc --noEmit over the generated types)

clean-pkg:
	rm -rf pkg/wasm

## Benchmarks next to OpenPGP.js 6 (Node and each browser engine), WebCrypto and our
## native build: release package, native suite (benches/suite.rs), then the JS runner.
## Prints a markdown table; writes target/bench/results.json. See docs/benchmarks.md.
BENCH_DIR := $(CURDIR)/target/bench
bench: pkg
	mkdir -p $(BENCH_DIR)
	BENCH_OUT=$(BENCH_DIR)/native.json cargo bench --locked --bench suite
	BENCH_OUT_DIR=$(BENCH_DIR) node scripts/bench.mjs

## The same with 2 runs, 1 MiB payloads and 300 notes: a smoke run, not for the doc.
bench-quick:
	QUICK=1 $(MAKE) --no-print-directory bench

## Fuzzing (cargo-fuzz on the stable toolchain via RUSTC_BOOTSTRAP=1; libFuzzer needs
## the -Z sanitizer flags). Each target runs FUZZ_SECONDS; new inputs land in
## fuzz/corpus/<target>/ (minimize with `make fuzz-cmin` before committing), crashes
## in fuzz/artifacts/<target>/ (copy them to fuzz/regressions/<target>/ with the fix).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= pgp_read_key pgp_unlock_key pgp_decrypt pgp_verify wrap_envelope wrap_keys vault_open vault_backup shared_note stream_decrypt
FUZZ_FLAGS := --target-dir $(CARGO_TARGET_DIR)/fuzz
fuzz: pkg
	@SIGNET_SETUP_FUZZ=1 scripts/setup.sh
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t; \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $(FUZZ_FLAGS) $$t corpus/$$t $$( [ -d seeds/$$t ] && echo seeds/$$t ) -- \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=3072 -max_len=262144 -timeout=30 -print_final_stats=1 ; \
	done
	SIGNET_OPTION_FUZZ_ITERATIONS=$$(( $(FUZZ_SECONDS) * 100 )) SIGNET_OPTION_FUZZ_SEED=$$(date +%s) \
	  node --test tests/node/options-fuzz.test.mjs
	$(call done,cargo fuzz ($(FUZZ_SECONDS) s per target) + JS option-object fuzzing)

fuzz-cmin:
	@SIGNET_SETUP_FUZZ=1 scripts/setup.sh
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 cargo fuzz cmin $(FUZZ_FLAGS) $$t corpus/$$t -- -rss_limit_mb=3072 -timeout=30; \
	done

## Every committed fuzz corpus and regression through the same entry points, on stable.
fuzz-replay:
	cargo test --locked --test fuzz_replay -- --nocapture
	$(call done,fuzz corpus + regression replay)

## cargo deny: licences, bans and sources (offline), then advisories against the RustSec
## snapshot beside the clone (../shared/advisory-db, or ADVISORY_DB_SNAPSHOT=dir),
## offline; fails on any advisory not ignored with a reason in deny.toml and prints the
## snapshot's date (scripts/advisories.mjs). Without a snapshot it fetches the live
## database, and fails if it cannot.
ADVISORY_DB_SNAPSHOT ?= $(abspath $(CURDIR)/../shared/advisory-db)
deny: setup
	cargo deny --locked check licenses bans sources
	node scripts/advisories.mjs "$(ADVISORY_DB_SNAPSHOT)"
	$(call done,cargo deny)
