# nestlab — the README's commands. Each target creates .venv and installs if needed;
# a second run with nothing changed reinstalls nothing (stamp file .venv/.installed).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= reports
PROFILE ?=
PYTEST_ARGS ?=
JOBS   ?= 2

.PHONY: install reports test test-all lint lab clean help
.DEFAULT_GOAL := help

help:
	@echo "make reports   install, execute every notebook ($(JOBS) at once: JOBS=N), publish HTML under $(OUT)/ (PROFILE=smoke|paper)"
	@echo "make test      install, run the whole test suite (slow tests excluded; make test-all for those)"
	@echo "make lab       open JupyterLab on notebooks/ with the suite's environment"
	@echo "make lint      ruff check"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

reports: $(STAMP)
	$(BIN)/nestlab run --out $(OUT) --jobs $(JOBS) $(if $(PROFILE),--profile $(PROFILE))

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -m "not slow" $(PYTEST_ARGS)

test-all: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check nestlab tests benchmarks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .nestlab-cache .pytest_cache .ruff_cache
