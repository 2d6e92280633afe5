# SprintSync developer commands. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test soak lint install install-dev migrate seed serve assets bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEV_STAMP)

## run: venv, install, migrate, seed demo data (first run only), serve on SQLite + offline AI
run: $(STAMP)
	@mkdir -p var
	@$(BIN)/sprintsync db upgrade
	@$(BIN)/sprintsync seed --if-empty
	@$(BIN)/sprintsync serve --host $(HOST) --port $(PORT)

migrate: $(STAMP)
	@mkdir -p var
	$(BIN)/sprintsync db upgrade

seed: $(STAMP)
	$(BIN)/sprintsync seed

# The suite runs off UTC (and east of it, so "today" differs from UTC's for part of every
# day): a zone bug cannot hide behind a server clock that happens to be in UTC.
TEST_TZ ?= Asia/Kolkata

## test: venv with dev extras, ruff, the import layering, mypy, then pytest (SQLite always; PostgreSQL when reachable)
test: $(DEV_STAMP)
	$(BIN)/ruff check sprintsync tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	TZ=$(TEST_TZ) $(BIN)/python -m pytest $(PYTEST_ARGS)

## soak: a 2-worker server on a private PostgreSQL cluster and Redis (needs PostgreSQL 15
## binaries and redis-server): 60 s of mixed load at 64 connections, then stops, hangs and
## restarts of both under load; prints the numbers
soak: $(DEV_STAMP)
	SPRINTSYNC_SOAK=1 TZ=$(TEST_TZ) $(BIN)/python -m pytest -q -s -p no:randomly tests/faults/test_soak.py $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check sprintsync tests bench
	$(BIN)/ruff format --check sprintsync tests bench

## assets: rebuild the CSS and vendored JS from npm packages (needs node + npm)
assets:
	cd frontend && npm ci --no-audit --no-fund && npm run build

## bench: task-list throughput against a bare FastAPI endpoint
bench: $(DEV_STAMP)
	$(BIN)/python bench/task_list.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
