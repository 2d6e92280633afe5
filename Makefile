# SprintSync developer commands. `make run` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test soak lint install install-dev migrate seed serve assets bench eval clean verify-deploy \
	screenshots mutation train-kinds

# pip, boiled down: one line per ten packages while it works (a first install takes a minute
# or two, silent with --quiet, pages of output without), the total at the end, and its
# whole output (in $(VENV)/pip.log) only when it fails.
define pip_install
	@start=$$(date +%s); \
	if $(BIN)/python -m pip install --progress-bar off --disable-pip-version-check $(1) \
		> $(VENV)/pip.log 2>&1 & pid=$$!; \
		while kill -0 $$pid 2>/dev/null; do \
			sleep 5; \
			n=$$(grep -c '^Collecting ' $(VENV)/pip.log); \
			if grep -q '^Installing collected packages' $(VENV)/pip.log; then \
				what="installing $$n packages"; \
			else what="finding and downloading packages: $$n so far"; fi; \
			echo "    ... $$what ($$(( $$(date +%s) - start ))s)"; \
		done; wait $$pid; then \
		echo "    done: $$(grep -o '^Successfully installed.*' $(VENV)/pip.log | wc -w | \
			awk '{print ($$1 > 2 ? $$1 - 2 : 0)}') packages installed in $$(( $$(date +%s) - start ))s"; \
	else \
		grep -v '^WARNING: Location' $(VENV)/pip.log | tail -n 30; \
		echo "pip failed; its whole output is in $(VENV)/pip.log" >&2; exit 1; \
	fi
endef

$(BIN)/python:
	@echo "==> Creating a virtual environment in $(VENV)/"
	@$(PYTHON) -m venv $(VENV)
	$(call pip_install,--upgrade pip)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing SprintSync and its dependencies into $(VENV)/ (first time: 1-2 minutes)"
	$(call pip_install,-e .)
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing SprintSync with its development tools into $(VENV)/ (first time: 1-3 minutes)"
	$(call pip_install,-e '.[dev]')
	@touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEV_STAMP)

## run: venv, install, migrate, seed demo data (first run only), serve on SQLite + offline AI
run: $(STAMP)
	@mkdir -p var
	@echo "==> Migrating the database (SQLite in var/ unless SPRINTSYNC_DATABASE_URL says otherwise)"
	@$(BIN)/sprintsync db upgrade
	@echo "==> Demo data (only into a database without users)"
	@$(BIN)/sprintsync seed --if-empty
	@echo "==> Serving; Ctrl+C stops"
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

## eval: the offline AI assist's quality on the labelled sets in tests/ai/eval (dev misses only, per-kind counts)
eval: $(DEV_STAMP)
	$(BIN)/python -m tests.ai.eval --misses --by-kind

## train-kinds: fit the offline kind model's weights (sprintsync/ai/kind_model.json.gz) on the
## labelled titles in tests/ai/eval (never on the held-out blind3 and blind4)
train-kinds: $(DEV_STAMP)
	$(BIN)/python -m tests.ai.eval.train

## bench: task-list throughput against a bare FastAPI endpoint
bench: $(DEV_STAMP)
	$(BIN)/python bench/task_list.py

## mutation: mutmut over the core rules (slow; one module: MUTANTS='sprintsync.timesheet.service.*'),
## PostgreSQL required, off UTC, niced; then the score per module (tests/mutation_score.py)
MUTANTS ?=
MUTATION_BACKENDS ?= sqlite,postgres
MUTATION_CHILDREN ?= 2
mutation: $(DEV_STAMP)
	TZ=$(TEST_TZ) SPRINTSYNC_REQUIRE_POSTGRES=1 SPRINTSYNC_TEST_BACKENDS=$(MUTATION_BACKENDS) \
		nice -n 10 $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	$(BIN)/python tests/mutation_score.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants

## verify-deploy: the slow deployment checks too (wheel into a fresh venv served as the image
## does, a real Prometheus scraping a two-worker app), verbosely
verify-deploy: $(DEV_STAMP)
	SPRINTSYNC_VERIFY_DEPLOY=1 $(BIN)/python -m pytest -v -s -p no:cacheprovider tests/deploy $(PYTEST_ARGS)

## screenshots: retake the README's screenshots (docs/screenshots/) in Chromium
screenshots: $(DEV_STAMP)
	SPRINTSYNC_UPDATE_README_SCREENSHOTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/web/test_readme_screenshots.py
