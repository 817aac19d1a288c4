# signet-crypto: the two commands for a fresh machine are `make serve` and `make test`.
# Both run the idempotent set-up first. Other targets are building blocks.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PORT ?= 8080
WASM_TARGET := wasm32-unknown-unknown
# Respect a caller's CARGO_TARGET_DIR (worktrees may use their own).
export CARGO_TARGET_DIR ?= $(CURDIR)/target
WASM_OUT := $(CARGO_TARGET_DIR)/$(WASM_TARGET)/release/signet_crypto.wasm
export CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMIUM ?= /usr/bin/chromium
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER ?= wasm-bindgen-test-runner
# `make test` demands the interop peers (gpg, sq, OpenPGP.js): tests fail instead of skipping.
export SIGNET_REQUIRE_PEERS ?= 1

define done
	@printf '\n== %s: passed ==\n\n' "$(1)"
endef

.PHONY: setup pkg serve test lint fmt-check clippy test-native test-hpke-interop test-wasm test-node test-browser test-types clean-pkg size bench bench-quick

setup:
	@scripts/setup.sh

## Builds the npm package in pkg/ from scratch: release Wasm + wasm-bindgen glue into pkg/wasm/.
pkg: setup
	rm -rf pkg/wasm
	cargo build --locked --lib --release --target $(WASM_TARGET)
	wasm-bindgen --target web --weak-refs --out-dir pkg/wasm --out-name signet_crypto $(WASM_OUT)
	@$(MAKE) --no-print-directory size

size:
	@f=pkg/wasm/signet_crypto_bg.wasm; \
	 printf '[pkg] %s: %s bytes raw, %s gzip -9\n' "$$f" "$$(stat -c %s $$f)" "$$(gzip -9c $$f | wc -c)"

## Serves www/ (and the package under /pkg/) on http://127.0.0.1:$(PORT).
serve: pkg
	node scripts/serve.mjs --port $(PORT)

## Every test layer; each prints a closing line.
test: setup
	@$(MAKE) --no-print-directory lint test-native test-hpke-interop pkg test-wasm test-node test-browser test-types
	@echo "== make test: all layers passed =="

lint: fmt-check clippy

fmt-check:
	cargo fmt --all -- --check
	$(call done,cargo fmt --check)

clippy:
	cargo clippy --locked --all-targets -- -D warnings
	$(call done,cargo clippy native)
	cargo clippy --locked --target $(WASM_TARGET) --lib --test 'wasm_*' -- -D warnings
	$(call done,cargo clippy wasm32)

test-native:
	cargo test --locked
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

## Playwright (playwright-core) driving /usr/bin/chromium against pages served by scripts/serve.mjs.
test-browser:
	node --test --test-concurrency=1 tests/browser/
	$(call done,Playwright in headless Chromium)

test-types:
	npx --no-install tsc --noEmit -p tests/types/tsconfig.json
	$(call done,tsc --noEmit over the generated types)

clean-pkg:
	rm -rf pkg/wasm

## Benchmarks next to OpenPGP.js 6 (Node and headless Chromium), WebCrypto and our
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
