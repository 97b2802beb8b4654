# Every target sets itself up: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check fmt bench bench-quick reliability clean i18n

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

DEMO_DB := var/psotrial.db
HOST ?= 127.0.0.1
PORT ?= 8000

# The web application on the embedded SQLite default: a fresh SYNTHETIC demo database
# when there is none (kept between runs; delete var/psotrial.db for a new one).
run: $(STAMP)
	@mkdir -p var
	@if [ ! -f $(DEMO_DB) ]; then \
		PSOTRIAL_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/psotrial demo; \
	else \
		PSOTRIAL_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/psotrial db upgrade; \
		echo "Demo logins (synthetic): demo-coordinator, demo-investigator, demo-monitor,"; \
		echo "demo-data-manager, demo-statistician, demo-admin; password ROLE-demo-2026"; \
		echo "(ROLE with an underscore: data_manager-demo-2026)."; \
	fi
	@echo
	@echo "Open http://$(HOST):$(PORT)/ and log in, e.g. demo-coordinator / coordinator-demo-2026"
	@PSOTRIAL_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/psotrial serve --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy src

fmt: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

# The long reliability variants (20+ SIGKILLs, 2,000+ generated requests, a 100 MB import
# line, ...): one summary line per property; docs/reliability.md has the last counts.
reliability: $(STAMP)
	PSOTRIAL_RELIABILITY=1 $(BIN)/pytest -q tests/reliability

# Every benchmark of issue 7 (minutes; figures in bench/results.json, see docs/performance.md).
# bench-quick: tiny sizes, two runs each, into bench/results-quick.json (proves the harness).
bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Extract every translatable string and merge it into the Chinese catalog (then translate
# the new entries in src/psotrial/web/locale/zh/LC_MESSAGES/messages.po).
LOCALE := src/psotrial/web/locale
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k N_ -k gettext_for:2 --no-location --sort-output -o $(LOCALE)/messages.pot src/psotrial/web
	@if [ -f $(LOCALE)/zh/LC_MESSAGES/messages.po ]; then \
		$(BIN)/pybabel -q update --no-fuzzy-matching -i $(LOCALE)/messages.pot -d $(LOCALE) -l zh; \
	else \
		$(BIN)/pybabel -q init -i $(LOCALE)/messages.pot -d $(LOCALE) -l zh; \
	fi

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
