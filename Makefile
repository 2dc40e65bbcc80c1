# `make run` serves the demo on 127.0.0.1:8000; `make test` runs the whole suite.
# Both create the virtual environment and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Chromium and Virtuoso come from Debian's packages; tests that need them install them here.
system-deps:
	bash tests/system_deps.sh

run: install
	$(BIN)/maillage serve --host $(HOST) --port $(PORT) --load-demo-if-empty

test: install system-deps
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/load.py

clean:
	rm -rf var .pytest_cache
