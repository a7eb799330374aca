# The two commands a new user needs (see README.md):
#   make run   set everything up and start the whole center with demo data
#   make test  set everything up and run every check and test
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
APT_RUN := espeak-ng sox
APT_TEST := $(APT_RUN) postgresql sip-tester baresip-core kamailio chromium fonts-noto-cjk
export HOTLINE_DATA_DIR ?= var

.PHONY: run test
.DEFAULT_GOAL := run

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install -q "uv==$(UV_VERSION)"
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q -r requirements.lock
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q --no-deps -e .
	touch $@

run: $(BIN)/.installed
	@scripts/ensure-apt.sh $(APT_RUN)
	scripts/frontend.sh build
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo load
	@$(BIN)/python -m hotline.banner
	$(BIN)/hotline serve

test: $(BIN)/.installed
	@scripts/ensure-apt.sh $(APT_TEST)
	$(BIN)/ruff check hotline tests bench
	$(BIN)/ruff format --check hotline tests bench
	$(BIN)/mypy
	scripts/frontend.sh test
	scripts/frontend.sh build
	$(BIN)/pytest -p no:cacheprovider
