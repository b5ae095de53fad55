# Tsunagu: `make run` to try it, `make test` to check it. Needs Python 3.11 and nothing else.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The suite runs on every CPU (pytest-xdist); PYTEST_ARGS= runs it in one process. Tests go to
# whichever worker is free, except those of one xdist_group (a module fixture they share).
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: run test lint typecheck check clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 が見つかりません (PYTHON=$(PYTHON))。Python 3.11 をインストールしてください / Python 3.11 is required."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The environment comes from the lock files (pinned versions); stamps avoid reinstalling.
$(VENV)/.run-installed: requirements/base.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.test-installed: requirements/test.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	$(BIN)/tsunagu demo

# Coverage of tsunagu/ and config/ is measured on every run (the table ends with the TOTAL
# line); COVERAGE= runs without it, two thirds faster.
COVERAGE ?= --cov --cov-report=term

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(COVERAGE) $(PYTEST_ARGS)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy config tsunagu tests

check: lint typecheck test

clean:
	rm -rf $(VENV) var
