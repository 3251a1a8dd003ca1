# `make demo` and `make test` each build the virtual environment they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The command-line demo (table, HTML report, run kept in SQLite), then the web workspace on it.
demo: $(STAMP)
	$(BIN)/coproduce demo --out-dir coproduce-demo
	$(BIN)/coproduce serve --demo --database sqlite:///$(CURDIR)/coproduce-demo/coproduce.db

# pytest prints the 20 slowest tests (addopts in pyproject.toml). Bytecode is written even
# where PYTHONDONTWRITEBYTECODE is set: the suite starts the command line and servers in fresh
# interpreters, and collecting it without cached bytecode took 9 s instead of 4 s.
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m mypy
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q

# `make lint` passes only when the tree is as `make format` leaves it
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/python -m mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_map.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
