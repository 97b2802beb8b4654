# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Until the web application lands: the protocol, then a sample (synthetic) participant.
run: $(STAMP)
	@$(BIN)/psotrial protocol show
	@echo
	@echo "Sample participant (synthetic): first infusion 2026-03-02, weight 61.5 kg"
	@$(BIN)/psotrial schedule --first-infusion 2026-03-02 --weight-kg 61.5
	@$(BIN)/psotrial dose --weight-kg 61.5

test: $(STAMP)
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

fmt: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
