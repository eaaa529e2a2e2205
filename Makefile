# The front door. `make demo` and `make test` work from a fresh clone with only Python 3.11.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
BIN := $(VENV)/bin
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)
MANIFEST := dbt_project/target/manifest.json

.PHONY: help install demo test test-fast dev lint format manifest preflight bench bench-identity clean

help:
	@echo "make demo   - install, start the simulator, run a week of the pipeline, publish the mart"
	@echo "make test   - install and run the whole test suite (end-to-end included)"
	@echo "make dev    - Dagster UI on http://127.0.0.1:3000 against the simulator"
	@echo "make lint   - ruff check and format check"
	@echo "make preflight - check accounts.csv, tokens and settings; list every problem at once"
	@echo "make bench  - the pipeline at a scale (SCALE=small|medium|large, default medium) with baselines"
	@echo "make bench-identity - identity resolution on 10M identifiers vs networkx"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(BIN)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

install: $(BIN)/.installed

$(MANIFEST): $(BIN)/.installed $(shell find dbt_project/models dbt_project/macros dbt_project/tests -type f) dbt_project/dbt_project.yml
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir .

manifest: $(MANIFEST)

demo: $(MANIFEST)
	$(BIN)/python -W ignore -m orchestration.demo

test: $(MANIFEST)
	$(BIN)/pytest

test-fast: $(MANIFEST)
	$(BIN)/pytest -m "not e2e"

dev: $(MANIFEST)
	$(BIN)/python -W ignore -m orchestration.dev

preflight: $(BIN)/.installed
	$(BIN)/python -m ingestion.preflight

SCALE ?= medium
bench: $(MANIFEST)
	$(BIN)/python -W ignore -m orchestration.benchmark --scale $(SCALE)

IDENTIFIERS ?= 10000000
bench-identity: $(BIN)/.installed
	$(BIN)/python -m orchestration.bench identity --identifiers $(IDENTIFIERS)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(TOOLS) dbt_project/target data
