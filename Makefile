# leadgrade — a thin wrapper over the `leadgrade` command. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.9
LG := $(BIN)/leadgrade
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The client generators the contract tests run: openapi-python-client in its own environment
# (it pins an older typer than leadgrade), openapi-typescript and tsc from the npm lock file.
CLIENTS_VENV := $(VENV)/clients
# MLflow 3 reports usage to its vendor by default; nothing these targets start does.
export MLFLOW_DISABLE_TELEMETRY ?= true
TS := clients/typescript

.PHONY: help run install install-dev install-spark client-tools train serve promote demo-data openapi test lint format fuzz bench bench-full bench-batch wrk bench-quality clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode compiled at install: a service start then reads .pyc instead of compiling sources.
$(VENV)/.runtime: requirements.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.lock
	@touch $@

# pyspark is a ~450 MB source archive: installed once per environment, for the Spark tests.
$(VENV)/.spark: requirements-spark.lock $(VENV)/.runtime
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-spark.lock
	@touch $@

install-spark: $(VENV)/.spark ## Also install pyspark (leadgrade score --engine spark)

install: $(VENV)/.runtime ## Create .venv and install the locked runtime dependencies

install-dev: $(VENV)/.dev ## Also install the locked test and lint tools

$(CLIENTS_VENV)/.installed: clients/python/requirements.lock | $(UV)
	$(UV) venv --quiet --allow-existing --python $(BIN)/python $(CLIENTS_VENV)
	$(UV) pip install --quiet --python $(CLIENTS_VENV)/bin/python -r clients/python/requirements.lock
	@touch $@

$(TS)/node_modules/.installed: $(TS)/package-lock.json
	npm ci --prefix $(TS) --no-audit --no-fund --loglevel=error
	@touch $@

client-tools: $(CLIENTS_VENV)/.installed $(TS)/node_modules/.installed ## Install the client generators (Python, TypeScript) the contract tests run

run: install ## Set up, generate demo data, train, register, promote and serve on 127.0.0.1:8000
	$(LG) run

demo-data: install ## Write demo leads to .leadgrade/demo/leads.csv
	$(LG) demo-data

train: install ## Train on the demo data (or DATA=file SPEC=spec.toml, FROM_STORE=1) as challenger
	$(LG) train $(if $(DATA),--data $(DATA)) $(if $(SPEC),--spec $(SPEC)) $(if $(FROM_STORE),--from-store)

promote: install ## Promote the challenger to champion if it passes the gate
	$(LG) promote

serve: install ## Serve the champion model on 127.0.0.1:8000
	$(LG) serve

openapi: install ## Rewrite docs/openapi.json after an API change (a test fails until you do)
	$(LG) openapi --out docs/openapi.json

test: install-dev install-spark client-tools ## Run the whole test suite (trains small real models, starts real servers)
	$(BIN)/pytest

lint: install-dev ## ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy features store models training serving leadgrade benchmarks

format: install-dev ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-batch: install-dev install-spark ## Batch scoring vs bare Booster.predict, peak memory, Spark; in docs/benchmarks.md
	$(BIN)/python -m benchmarks.batch_speed

fuzz: install-dev ## schemathesis on a live server with keys: every operation, 100+ cases, all checks
	$(BIN)/python -m benchmarks.fuzz

bench: install-dev wrk ## Speed benchmarks (< 15 min): in-process, HTTP vs floor and MLflow, start-up, training 100k
	$(BIN)/python -m benchmarks.speed
	$(BIN)/python -m benchmarks.explain_speed
	$(BIN)/python -m benchmarks.http
	$(BIN)/python -m benchmarks.training_speed

bench-full: install-dev wrk ## The long runs too: 60 s loads (scoring at 200/s beside 8 marketing loops), training on 1,000,000 leads
	LEADGRADE_BENCH_SECONDS=60 $(BIN)/python -m benchmarks.http
	LEADGRADE_BENCH_SECONDS=60 $(BIN)/python -m benchmarks.marketing_load
	$(BIN)/python -m benchmarks.training_speed --full

wrk: ## Install wrk, the HTTP load generator of the benchmarks (Debian package)
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

bench-quality: install-dev ## Model-quality benchmark on demo and ../shared/data; results in docs/quality.md and docs/calibration.md
	$(BIN)/python -m benchmarks.quality

clean: ## Remove the environment and local state (MLflow runs, lead store, demo data)
	rm -rf $(VENV) .leadgrade .mypy_cache .ruff_cache .pytest_cache
