# Elevate: two commands matter. `make demo` sets everything up and runs the tray app on the
# demo tenant; `make test` sets everything up and runs every check headless.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ELEVATE_CACHE ?= $(HOME)/.cache/elevate
# One cargo target dir outside the clone, reused by later clones (CI clones afresh each
# run); ./target when the cache cannot be created. Nothing requires it to exist.
CARGO_TARGET_DIR ?= $(shell mkdir -p "$(ELEVATE_CACHE)/target" 2>/dev/null && echo "$(ELEVATE_CACHE)/target" || echo "$(CURDIR)/target")
export CARGO_TARGET_DIR
ELEVATE_VENV ?= $(ELEVATE_CACHE)/venv
export ELEVATE_VENV
# cargo-installed tools live here.
export PATH := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin:$(PATH)

APP_BIN := $(CARGO_TARGET_DIR)/debug/elevate
export ELEVATE_APP_BIN := $(APP_BIN)
export ELEVATE_CLI_BIN := $(CARGO_TARGET_DIR)/debug/elevatectl
export ELEVATE_SIM_BIN := $(CARGO_TARGET_DIR)/debug/elevate-sim
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json

.PHONY: own-crates help setup system-deps build demo demo-headless test test-desktop bench soak fuzz package fmt lint icons dev clean

help:
	@echo "make demo           set up, build and run Elevate on the demo tenant"
	@echo "make test           set up, build and run every check headless (ends with 'N passed, N failed')"
	@echo "make demo-headless  run the demo under Xvfb and save a screenshot to target/demo/"
	@echo "make test-desktop   only the desktop tests (after a build)"
	@echo "make dev            Vite dev server + the app in dev mode"
	@echo "make bench          benchmarks against elevate-sim; table + target/bench/results.json"
	@echo "make package        the .deb (Tauri bundler), installed and started as a check"
	@echo "make soak           the fault soak at 2,000 activations (ELEVATE_SOAK=N for another size)"
	@echo "make fuzz           cargo-fuzz on the parsers, FUZZ_SECONDS each (nightly toolchain)"
	@echo "make fmt | lint | icons | clean"

# --- set-up: each step does nothing when already done ------------------------------------
setup: system-deps node_modules/.package-lock.json $(ELEVATE_VENV)/.stamp

system-deps:
	@scripts/setup.sh system

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(ELEVATE_VENV)/.stamp: tests/requirements.txt | system-deps
	python3 -m venv "$(ELEVATE_VENV)"
	"$(ELEVATE_VENV)/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

# The cargo cache is shared by clones (CI clones afresh each run). Cargo keeps one build of
# each workspace crate whatever the checkout, and judges it fresh by the files of the checkout
# that built it, so after another checkout it can be a build of other sources. The workspace's
# own crates are therefore rebuilt whenever the checkout changes; their dependencies stay cached.
own-crates:
	@stamp="$(CARGO_TARGET_DIR)/.elevate-checkout"; \
	if [ "$$(cat "$$stamp" 2>/dev/null)" != "$(CURDIR)" ]; then \
	  echo "cargo cache last used by another checkout: rebuilding Elevate's own crates"; \
	  cargo clean -p elevate -p elevate-core -p elevate-sim -p elevate-cli -p elevate-bench >/dev/null 2>&1 || true; \
	  mkdir -p "$(CARGO_TARGET_DIR)" && echo "$(CURDIR)" > "$$stamp"; \
	fi

# --- build ---------------------------------------------------------------------------------
ui/dist/index.html: node_modules/.package-lock.json $(UI_SOURCES)
	npm run -s build

build: setup own-crates ui/dist/index.html
	cargo build --workspace

# --- the two commands ------------------------------------------------------------------------
demo: build
	@if [ -z "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
	  echo "make demo: no desktop session here (DISPLAY and WAYLAND_DISPLAY are unset)."; \
	  echo "Run it from a desktop session, or 'make demo-headless' for a screenshot under Xvfb."; \
	  exit 1; fi
	"$(APP_BIN)" --demo --open

test: build
	@python3 scripts/run-tests.py

# --- more ------------------------------------------------------------------------------------
demo-headless: build
	"$(ELEVATE_VENV)/bin/python" scripts/demo_headless.py "$(APP_BIN)"

RELEASE_BIN := $(CARGO_TARGET_DIR)/release/elevate

bench: setup own-crates ui/dist/index.html
	cargo build --release -p elevate-bench --bin elevate-bench
	cargo build --release --bin elevate
	@mkdir -p target/bench
	"$(CARGO_TARGET_DIR)/release/elevate-bench" target/bench/core.json
	"$(ELEVATE_VENV)/bin/python" scripts/bench_app.py "$(RELEASE_BIN)" target/bench/core.json target/bench/results.json

ELEVATE_SOAK ?= 2000
soak: own-crates
	ELEVATE_SOAK=$(ELEVATE_SOAK) cargo test --release -p elevate-core --test soak -- --nocapture

FUZZ_SECONDS ?= 60
FUZZ_TARGETS := duration list_items error_envelope policy_rules loopback_request
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done

DEB = $(CARGO_TARGET_DIR)/release/bundle/deb/Elevate_$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)_$(shell dpkg --print-architecture).deb

# AppImage is not built: its tools (linuxdeploy, appimagetool) are downloaded at build time.
RPM = $(CARGO_TARGET_DIR)/release/bundle/rpm/Elevate-$(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)-1.$(shell uname -m).rpm

package: setup
	npx tauri build --bundles deb,rpm
	"$(ELEVATE_VENV)/bin/python" scripts/check_package.py "$(DEB)"
	"$(ELEVATE_VENV)/bin/python" scripts/check_rpm.py "$(RPM)"

test-desktop:
	cd tests && "$(ELEVATE_VENV)/bin/python" -m pytest

fmt:
	cargo fmt --all
	npx eslint --fix ui

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	npm run -s typecheck
	npm run -s lint
	node scripts/check_release.mjs

icons:
	for s in idle active pending approve expiring; do rsvg-convert -w 64 -h 64 icons/src/tray-$$s.svg -o icons/tray/$$s.png; done
	rsvg-convert -w 1024 -h 1024 icons/src/elevate.svg -o icons/icon.png
	npx tauri icon icons/icon.png -o target/icon-set
	cp target/icon-set/{32x32,64x64,128x128,128x128@2x}.png target/icon-set/icon.{icns,ico} icons/

dev: setup
	npx tauri dev -- --no-default-features --features demo

clean:
	rm -rf target ui/dist
	cargo clean
