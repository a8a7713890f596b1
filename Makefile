# Two commands: `make run` (app on SQLite with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app grants
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=

.PHONY: run test install install-test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Node tools of the browser tests (axe-core), pinned by tests/browser/package-lock.json.
NODE_MODULES := tests/browser/node_modules
$(NODE_MODULES)/.installed: tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test $(NODE_MODULES)/.installed

# The web server and, beside it, the task queue's worker (stopped with the server).
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check grants tests config.py
	$(BIN)/bandit -q -r grants -lll

test: install-test lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache $(NODE_MODULES)
