# Quorum: `make run` sets up and serves; `make test` sets up and runs every test; `make bench` measures.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := /usr/bin/python3
DB ?= quorum.db
HOST ?= 127.0.0.1
PORT ?= 8080

RUN_PACKAGES := libsqlite3-dev libcmark-dev zlib1g-dev pkg-config
TEST_PACKAGES := $(RUN_PACKAGES) chromium chromium-driver python3-selenium

.PHONY: run build test test-swift test-browser bench deps test-deps clean

# Installs the Debian packages that are missing (apt-get update once, only when something is missing).
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(RUN_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build -c release --product quorum

run: build
	.build/release/quorum serve --db $(DB) --host $(HOST) --port $(PORT) --demo

test: test-deps test-swift test-browser

test-swift:
	$(SWIFT) build --build-tests
	QUORUM_BCRYPT_COST=4 $(SWIFT) test --skip-build

test-browser:
	@if ls Tests/Browser/test_*.py >/dev/null 2>&1; then \
		$(SWIFT) build --product quorum && \
		QUORUM_BIN=$(CURDIR)/.build/debug/quorum QUORUM_BCRYPT_COST=4 $(PYTHON) -m unittest discover -s Tests/Browser -p 'test_*.py' -v; \
	fi

bench: deps
	$(SWIFT) build -c release --product quorum
	$(PYTHON) bench/import_bench.py --quorum .build/release/quorum

clean:
	rm -rf .build
