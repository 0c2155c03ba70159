# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv themselves (idempotent).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt localdev/pyproject.toml | sha256sum | cut -c1-16)

NODE_STAMP := node_modules/.installed-$(shell cat package-lock.json 2>/dev/null | sha256sum | cut -c1-16)

.PHONY: setup node-setup test lint typecheck unit demo bench clean schema package

setup: $(STAMP)

# Test tooling from npm (Azurite for blob staging tests); only `make test` needs it.
node-setup: $(NODE_STAMP)

$(NODE_STAMP):
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
	@mkdir -p node_modules && rm -f node_modules/.installed-* && touch $@

# requirements-dev.txt installs localdev/ (its own distribution) editable: a .pth puts localdev/src on sys.path.
$(STAMP): requirements.txt requirements-dev.txt localdev/pyproject.toml
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
	$(BIN)/pytest tests/unit localdev/tests/unit_localdev localdev/tests/unit_durable -q

test: setup node-setup lint typecheck
	$(BIN)/pytest -q

demo: setup
	$(BIN)/python -m localdev demo

bench: setup
	$(BIN)/python -m bench

# The deployable zip: the app alone (what .funcignore does not exclude), e.g. for `az functionapp deployment
# source config-zip` (docs/operations.md).
package: setup
	$(BIN)/python -m localdev package --output dist/function-app.zip

schema: setup
	$(BIN)/python -m pivot schema > docs/pivot.schema.json

clean:
	rm -rf $(VENV) node_modules .localdev .pytest_cache .mypy_cache .ruff_cache dist
