# The front door. `make demo` and `make test` work from a fresh clone with only Python 3.11
# and npm (npm brings the scripts and styles that GX Data Docs pages load, so they work offline).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
# make test runs a pytest-xdist worker per core (tests/scheduling.py says how it splits)
TEST_WORKERS ?= auto
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
MANIFEST := dbt_project/target/manifest.json
DOCS_ASSETS := expectations/docs_assets
READY := $(MANIFEST) $(DOCS_ASSETS)/node_modules/.installed

.PHONY: help install demo test test-fast dev bi bi-stop lint format manifest platforms preflight credentials bench bench-docs bench-identity bench-relink clean

help:
	@echo "make demo   - install, start the simulator, run a week of the pipeline, publish the mart"
	@echo "make test   - install and run the whole test suite (end-to-end included)"
	@echo "make dev    - Dagster UI on http://127.0.0.1:3000 against the simulator"
	@echo "make bi     - the dashboard in Superset on http://127.0.0.1:8088 (after make demo); make bi-stop ends it"
	@echo "make lint   - ruff check and format check"
	@echo "make preflight - check accounts.csv, tokens and settings; list every problem at once"
	@echo "make credentials ARGS=status - each account's credential state; ARGS=\"authorise <platform> <account> --code <code>\""
	@echo "make platforms - write dbt's copies of the platform table (ingestion/platforms)"
	@echo "make bench  - the pipeline at a scale (SCALE=small|medium|large, default medium) with baselines"
	@echo "make bench-docs - keep the last bench report in docs/bench/ and regenerate docs/benchmarks.md"
	@echo "make bench-identity - identity resolution on 10M identifiers vs networkx"
	@echo "make bench-relink - a new day of the identity components, relinked vs from nothing"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(BIN)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

# from the npm registry, at the versions GX's templates name (expectations/data_docs.py)
$(DOCS_ASSETS)/node_modules/.installed: $(DOCS_ASSETS)/package.json $(DOCS_ASSETS)/package-lock.json
	cd $(DOCS_ASSETS) && npm ci --silent
	touch $@

install: $(BIN)/.installed $(DOCS_ASSETS)/node_modules/.installed

# Superset in its own environment and lock (bi/pyproject.toml): its pins never touch the pipeline's
BI_BIN := bi/.venv/bin
$(BI_BIN)/.installed: $(UV) bi/pyproject.toml bi/uv.lock
	cd bi && UV_PROJECT_ENVIRONMENT=.venv ../$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

# dbt's copies of the platform table: the seeds platforms and platform_metric_mapping, the
# macro platform_table() and the export sources (a unit test checks they are up to date)
platforms: $(BIN)/.installed
	$(BIN)/python -m ingestion.platforms.dbt_inputs

$(MANIFEST): $(BIN)/.installed $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests ingestion/platforms -type f) dbt_project/dbt_project.yml
	$(BIN)/python -m ingestion.platforms.dbt_inputs
	$(BIN)/python -m orchestration.dbt_assets
	touch $@

manifest: $(MANIFEST)

demo: $(READY)
	$(BIN)/python -W ignore -m devtools.demo

test: $(READY) $(BI_BIN)/.installed
	$(BIN)/pytest -n $(TEST_WORKERS)

test-fast: $(READY)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not e2e"

dev: $(READY)
	$(BIN)/python -W ignore -m devtools.dev

# the dashboard over the published mart of SOCIALMART_HOME (default: the demo's home)
BI_HOME = $(or $(SOCIALMART_HOME),data/demo)
BI_PORT ?= 8088
bi: $(BI_BIN)/.installed
	$(BI_BIN)/python bi/superset_ctl.py start --home "$(BI_HOME)" --port $(BI_PORT)

bi-stop:
	@if [ -x $(BI_BIN)/python ]; then $(BI_BIN)/python bi/superset_ctl.py stop --home "$(BI_HOME)"; fi

preflight: $(BIN)/.installed
	$(BIN)/python -m ingestion.preflight

# ARGS="status", or ARGS="authorise <platform> <account_id> --code <code>"
credentials: $(BIN)/.installed
	$(BIN)/python -m ingestion.credentials $(ARGS)

SCALE ?= medium
bench: $(READY)
	$(BIN)/python -W ignore -m devtools.benchmark --scale $(SCALE)

# docs/benchmarks.md is rendered from the reports in docs/bench/, never typed: this keeps the
# last `make bench` report (data/bench/report.json) as docs/bench/<scale>.json, then renders.
bench-docs: $(BIN)/.installed
	$(BIN)/python -m devtools.benchmark_docs --out docs/benchmarks.md docs/bench

IDENTIFIERS ?= 10000000
bench-identity: $(BIN)/.installed
	$(BIN)/python -m devtools.bench identity --identifiers $(IDENTIFIERS)

# a new day of the identity components: relinked on the day before vs solved from nothing
bench-relink: $(BIN)/.installed
	$(BIN)/python -m devtools.bench relink --identifiers $(IDENTIFIERS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) $(DOCS_ASSETS)/node_modules dbt_project/target data bi/.venv
