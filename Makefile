# Two commands do everything (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install bench-install bench check-python lint clean

check-python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "ERROR: $(PYTHON) not found. Install Python 3.11 or newer."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || { echo "ERROR: Python 3.11 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "ERROR: Python's venv module is missing. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# The load test's locust (bench/load.py); benchmarks only, never part of install or CI.
bench-install: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"

# The one benchmark command (bench/README.md): data, timings, load test, docs/performance.md.
bench: bench-install
	$(BIN)/python bench/perf.py

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "Partnership Registry is starting at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	@# The web server plus one Celery worker with beat (reminders), stopped together.
	$(BIN)/python scripts/run_local.py $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media .celery
