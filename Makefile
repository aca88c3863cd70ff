# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventplanner
INSTALLED := $(VENV)/.installed
TRANSLATIONS := eventplanner/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run test lint audit bench messages clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The translation catalogs are compiled at install; the .mo files are not committed.
%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(INSTALLED) $(COMPILED)

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

# Security checks CI runs after the tests: bandit on our code, pip-audit on the installed
# packages (see the README for what each finding, or a skipped audit, means).
audit: install
	$(BIN)/python -m pip install --quiet -e '.[test,audit]'
	$(BIN)/bandit -q -r eventplanner config.py
	$(BIN)/pip-audit --skip-editable --progress-spinner off --desc off

# Benchmarks print numbers; they need gunicorn and wrk (installed here when missing).
bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,prod]'
	command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
	$(BIN)/python -m bench

# Collect every translatable string and add the new ones to each language's catalog
# (then translate them: the test suite fails while an entry is untranslated or fuzzy).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k _ln:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
		--no-fuzzy-matching --ignore-obsolete --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
