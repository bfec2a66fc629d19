# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup model demo test lint check clean bundle-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

setup: $(STAMP)

model: setup
	$(BIN)/mindprint model install --offline

demo: setup
	$(BIN)/mindprint model install
	$(BIN)/mindprint demo

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	npx -y @anthropic-ai/mcpb@2.1.2 validate manifest.json

test: model lint
	$(BIN)/python -m pytest
	$(BIN)/python scripts/bundle_check.py

# Pack the bundle, unpack it, launch it from a clean environment and call every tool;
# then the same for `uvx --from . mindprint serve`. About a minute, needs PyPI.
bundle-check: setup
	$(BIN)/python scripts/bundle_check.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
