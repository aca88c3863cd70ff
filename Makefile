# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app eventplanner
INSTALLED := $(VENV)/.installed
TRANSLATIONS := eventplanner/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install test-tools run test lint audit bench messages clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# The translation catalogs are compiled at install; the .mo files are not committed.
%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --statistics -i $< -o $@

install: $(INSTALLED) $(COMPILED)

# The programs the tests drive besides Python: Debian's Chromium (Playwright), LibreOffice
# Calc, Dovecot (IMAP; the tests start their own on free loopback ports), and axe-core from
# npm into .cache/. Installed here, never by a test run; apt-get waits for another apt (a
# fresh machine updates itself at boot). Without root and apt-get, or npm, the tests that
# need them are skipped (and fail in CI).
CHROMIUM := /usr/bin/chromium
DOVECOT := /usr/sbin/dovecot
AXE := .cache/axe-core/node_modules/axe-core/axe.min.js
APT_GET := apt-get -o DPkg::Lock::Timeout=600
APT_INSTALL := $(APT_GET) install -y --no-install-recommends

test-tools: $(AXE)
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="chromium"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-calc-nogui"; \
	[ -x $(DOVECOT) ] || missing="$$missing dovecot-imapd"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		echo "Not installed: $$missing (apt-get as root installs them); their tests are skipped"; \
		exit 0; \
	fi; \
	echo "Installing $$missing"; \
	$(APT_INSTALL) $$missing >/dev/null || { $(APT_GET) update >/dev/null && $(APT_INSTALL) $$missing >/dev/null; }

$(AXE):
	@if command -v npm >/dev/null; then \
		npm install --silent --no-audit --no-fund --prefix .cache/axe-core axe-core@4; \
	else \
		echo "Not installed: axe-core (needs npm); the browser tests are skipped"; \
	fi

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .

# The suite on every core (pytest-xdist; each worker has its own databases). Choose the number
# with `make test TEST_WORKERS=1`; a bare `.venv/bin/pytest` runs in one process.
# PYTHONDONTWRITEBYTECODE (set on this machine) is unset for the run: without __pycache__ each
# worker compiled every module and rewrote every test module's asserts again (about 1.8 s of
# CPU a process).
TEST_WORKERS ?= auto

test: lint test-tools
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

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
