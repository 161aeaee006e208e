# gioia — developer tasks. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE ?= examples/peer-support

# Stable rich output in tests: no colour, fixed width.
export NO_COLOR := 1
export COLUMNS := 100

.PHONY: help install test lint format example golden ci clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install gioia with its test tools
	@echo "gioia installed in $(VENV): $$($(BIN)/gioia --version)"

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## Check style with ruff
	$(BIN)/ruff check gioia tests benchmarks
	$(BIN)/ruff format --check gioia tests benchmarks

format: $(STAMP) ## Reformat the code with ruff
	$(BIN)/ruff check --fix gioia tests benchmarks
	$(BIN)/ruff format gioia tests benchmarks

example: $(STAMP) ## Install, then run the example study end to end (report in examples/peer-support/report/)
	$(BIN)/gioia check $(EXAMPLE)
	$(BIN)/gioia run $(EXAMPLE)
	$(BIN)/gioia structure $(EXAMPLE)

golden: $(STAMP) ## Regenerate the example's golden report.md (read the diff before committing)
	$(BIN)/python tests/test_report_example.py

ci: lint test ## What CI runs: lint and tests

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache $(EXAMPLE)/.gioia $(EXAMPLE)/report
