# Two commands set everything up on a fresh machine with Python >= 3.11 and pip:
#   make demo   creates .venv, installs spatial, runs the demo on data/, writes maps/
#   make test   installs the test extras and runs the suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dask]'
	@# acorn parses the maps' scripts as old in-app browsers read them (skipped without node/npm)
	-command -v npm >/dev/null && npm install --silent --prefix .cache/node --no-audit --no-fund acorn@8
	touch $@

demo: $(STAMP)
	$(BIN)/spatial demo --out maps

test: $(TSTAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench,dask]'
	$(BIN)/python -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) build *.egg-info
