# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv themselves (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)

.PHONY: setup test lint typecheck unit demo bench clean schema

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy .

unit: setup
	$(BIN)/pytest tests/unit -q

test: setup lint typecheck
	$(BIN)/pytest -q

demo: setup
	$(BIN)/python -m localdev demo

bench: setup
	$(BIN)/python -m bench

schema: setup
	$(BIN)/python -m pivot schema > docs/pivot.schema.json

clean:
	rm -rf $(VENV) .localdev .pytest_cache .mypy_cache .ruff_cache
