# The two commands a new user needs (see README.md):
#   make run   set everything up and start the whole center with demo data (asked for explicitly
#              here; `make run DEMO=0` starts without it: a first `admin` gets a one-time password)
#   make test  set everything up and run every check and test
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
APT_RUN := espeak-ng sox rtpengine-daemon fonts-noto-cjk
APT_TEST := $(APT_RUN) postgresql sip-tester baresip-core kamailio redis-server chromium coturn
export HOTLINE_DATA_DIR ?= var
DEMO ?= 1
# pytest processes for `make test` (pytest-xdist). The SIP, call and browser tests mostly wait on
# sockets and timers, so even 2 cores gain from more workers than cores (bench/RESULTS.md, "Test
# suite wall time"); tests/parallel.py says what the workers share and what each keeps apart.
TEST_WORKERS ?= 3

# Python caches compiled modules: uv installs without bytecode unless asked, and a shell with
# PYTHONDONTWRITEBYTECODE set made every process (each test worker, each `hotline serve` a test
# starts) compile ~1,200 modules from source again: half of a server's start-up CPU (bench/RESULTS.md).
unexport PYTHONDONTWRITEBYTECODE

# The console is rebuilt only when its sources change, so a warm `make run` starts at once.
FRONTEND_SRC := $(shell find frontend \( -name node_modules -o -name dist -o -name e2e \) -prune \
	-o -type f -print 2>/dev/null)

.PHONY: run test
.DEFAULT_GOAL := run

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q "uv==$(UV_VERSION)"
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q --compile-bytecode -r requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q --no-deps -e .
	touch $@

frontend/dist/index.html: $(FRONTEND_SRC)
	scripts/frontend.sh build

run: $(BIN)/.installed frontend/dist/index.html
	@scripts/ensure-apt.sh $(APT_RUN)
	$(BIN)/hotline db upgrade
	$(if $(filter 1,$(DEMO)),$(BIN)/hotline demo load)
	$(BIN)/hotline ivr prompts
	$(BIN)/hotline tls cert --if-missing
	$(BIN)/hotline serve

test: $(BIN)/.installed
	@scripts/ensure-apt.sh $(APT_TEST)
	$(BIN)/ruff check hotline tests bench
	$(BIN)/ruff format --check hotline tests bench
	$(BIN)/mypy
	scripts/frontend.sh test
	$(MAKE) --no-print-directory frontend/dist/index.html
	$(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist load
