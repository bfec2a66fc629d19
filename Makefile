# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup model demo test lint check clean bundle-check browser

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
	@echo "See your model: $(BIN)/mindprint ui --user demo-rui"

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	npx -y @anthropic-ai/mcpb@2.1.2 validate manifest.json

# The dashboard's browser tests drive Debian's chromium; they fail (not skip) without it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 || [ -n "$$MINDPRINT_CHROMIUM" ] || { \
	  echo "installing chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

test: model lint browser
	$(BIN)/python -m pytest
	$(BIN)/python scripts/bundle_check.py

# Pack the bundle, unpack it, launch it from a clean environment and call every tool;
# then the same for `uvx --from . mindprint serve`. About a minute, needs PyPI.
bundle-check: setup
	$(BIN)/python scripts/bundle_check.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
