# SprintSync developer commands. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint install install-dev migrate seed serve assets bench clean verify-deploy

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

## verify-deploy: the slow deployment checks too (wheel into a fresh venv served as the image
## does, a real Prometheus scraping a two-worker app), verbosely
verify-deploy: $(DEV_STAMP)
	SPRINTSYNC_VERIFY_DEPLOY=1 $(BIN)/python -m pytest -v -s -p no:cacheprovider tests/deploy $(PYTEST_ARGS)
