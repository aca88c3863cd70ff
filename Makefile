# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventplanner
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint bench messages clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

# Benchmarks print numbers; they need gunicorn and wrk (installed here when missing).
bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,prod]'
	command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
	$(BIN)/python -m bench.rsvp_page
	$(BIN)/python -m bench.import_invite
	$(BIN)/python -m bench.calendar

# Collect every translatable string into the catalog template.
messages: install
	mkdir -p eventplanner/translations
	$(BIN)/pybabel extract -F babel.cfg -k _l -o eventplanner/translations/messages.pot .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
