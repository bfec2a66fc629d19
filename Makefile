# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: what serving needs (`make demo`), and everything `make test` needs on top
# (the eval extra and the dev tools).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed

.PHONY: setup runtime model demo test lint check clean bundle-check browser

$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

# pip >= 25.1 reads dependency groups (--group).
$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[eval]' --group dev
	touch $(STAMP)

runtime: $(RUNTIME)

setup: $(STAMP)

model: setup
	$(BIN)/mindprint model install --offline

# The demo prints its hints with the path that runs mindprint from here
# ($(BIN)/mindprint), ending with the one line that opens your model in the browser.
demo: runtime
	$(BIN)/mindprint model install
	$(BIN)/mindprint demo

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	npx -y @anthropic-ai/mcpb@2.1.2 validate manifest.json

# The dashboard's browser tests drive Chromium or Chrome; they fail (not skip) without
# it. tests/browser.py finds one (MINDPRINT_CHROMIUM first), installs Debian's chromium
# with apt on Debian-like systems, and elsewhere says what to install.
browser: setup
	@$(BIN)/python -m tests.browser --install

# Tests that read the evaluation data (../shared/data) skip, with one line saying why,
# where it is absent; CI (.ci/run) sets MINDPRINT_REQUIRE_SHARED_DATA=1 so they fail.
test: model lint browser
	$(BIN)/python -m pytest
	$(BIN)/python scripts/bundle_check.py

# Pack the bundle, unpack it, launch it from a clean environment and call every tool;
# then `uv tool install .` and `uvx mindprint serve` the same way. About a minute, needs PyPI.
bundle-check: setup
	$(BIN)/python scripts/bundle_check.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
