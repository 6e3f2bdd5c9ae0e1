# GeoCRM: `make run` sets up and serves the app; `make test` sets up and runs every test.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DB     ?= data/geocrm.duckdb

.PHONY: install install-dev lock assets demo run run-login run-team test lint typecheck bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Every package pinned with its hashes by requirements.lock (one lock for the app and its
# tools, so both always run on the same versions), then the project itself, and the map assets.
$(VENV)/.install-stamp: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.install-stamp assets

# The lock holds the development tools too: kept as a name for habit and scripts.
install-dev: install

# Resolves pyproject.toml's ranges (runtime and the dev extra) again into requirements.lock;
# pins already in the lock are kept unless `make lock UPGRADE=--upgrade`.
lock: $(VENV)/.install-stamp
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet $(UPGRADE) --extra dev \
	  --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	  --no-build-isolation --output-file requirements.lock pyproject.toml

# Leaflet and its plugins come from pinned npm packages, copied into static/vendor/ (never committed).
assets: static/vendor/.stamp

static/vendor/.stamp: package.json package-lock.json tools/vendor_assets.py geo/maps/assets.py | $(VENV)/.install-stamp
	npm ci --silent --no-audit --no-fund
	$(BIN)/python tools/vendor_assets.py
	touch $@

# Builds the demo database when it is missing or holds no areas or customers (judged from the
# data, not the file); the build goes to a temporary file, so an interrupted one leaves nothing.
demo: install
	$(BIN)/geocrm --db "$(DB)" demo --if-needed

run: install demo
	GEOCRM_DB="$(DB)" $(BIN)/python -m ui.serve app.py --server.port $(PORT) --server.address localhost

# The demo with sign-in: a local OpenID Connect provider on 127.0.0.1 with four demo people
# (passwords printed at start); browse exactly http://127.0.0.1:$(PORT). Ctrl-C stops both.
run-login: install demo
	$(BIN)/python -m tools.run_login_demo --port $(PORT) --db "$(DB)"

# A team on one local PostgreSQL/PostGIS (Debian's packages, installed if missing, as root):
# the demo loaded once, two app processes on PORT and PORT+1; Ctrl-C stops both and the database.
run-team: install
	$(BIN)/python tools/run_team.py --port $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	tools/with_test_database.sh $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install-dev
	tools/with_test_database.sh $(BIN)/python -m bench
	$(BIN)/python -m bench.readme

clean:
	rm -rf $(VENV) node_modules static/vendor
