# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install lint bench messages clean

# SECURITY.md's figures: 100 % branch coverage for crypto/, authorisation, audit and the Twilio
# code (the suite as a whole: at least 90 %).
FULLY_COVERED := crypto/*,helpline/authz.py,helpline/rls.py,helpline/audit/*,helpline/calls/twilio.py,helpline/calls/webhooks.py,helpline/calls/telephony.py,helpline/calls/recorder.py

# Tests whose expectations are Swedish calendar dates (due dates, consent end dates, reminders,
# the call log's today) or that travel in time through the API.
DATE_TESTS := tests/helpline/threats tests/helpline/consent tests/helpline/reminders \
	tests/helpline/relocation tests/helpline/protection tests/helpline/persons tests/helpline/cases \
	tests/helpline/calls tests/helpline/api

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Serve the app on http://127.0.0.1:8000 with the embedded SQLite database and demo data.
run: install
	HELPLINE_ENV=development HELPLINE_DEMO=1 $(BIN)/helpline migrate
	HELPLINE_ENV=development HELPLINE_DEMO=1 $(BIN)/helpline demo
	HELPLINE_ENV=development HELPLINE_DEMO=1 $(BIN)/helpline serve --host 127.0.0.1 --port 8000

## Install what the tests need (PostgreSQL, Chromium where possible) and run the whole suite.
test: install
	bash scripts/ensure-test-services.sh
	$(MAKE) lint
	$(BIN)/pytest -m "not browser" --cov
	# The tests of Swedish dates again, on SQLite, as on the nights the clocks change: there
	# 24 hours is two dates on, or none (tests/conftest.py, clock_start).
	for night in dst-spring dst-autumn; do \
		HELPLINE_TEST_CLOCK_START=$$night $(BIN)/pytest -m "not browser" -k "not postgresql" \
			-q --no-header $(DATE_TESTS) || exit 1; \
	done
	# Real-browser tests in their own run: sync Playwright holds an event loop that the
	# asyncio tests of the same process must not meet.
	$(BIN)/pytest -m browser --cov --cov-append
	$(BIN)/coverage report --skip-covered --fail-under=90
	$(BIN)/coverage report --include='$(FULLY_COVERED)' --fail-under=100 > /dev/null \
		|| (echo "SECURITY.md: 100% branch coverage for these"; \
		    $(BIN)/coverage report --include='$(FULLY_COVERED)' -m; exit 1)

lint: install
	$(BIN)/ruff check helpline crypto alembic tests bench
	$(BIN)/mypy --strict crypto

bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench_twilio needs wrk (Debian package 'wrk')"
	$(BIN)/python bench/bench_crypto.py
	$(BIN)/python bench/bench_twilio.py

## Re-extract translatable strings and merge them into the catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output -o helpline/locale/messages.pot .
	$(BIN)/pybabel update -i helpline/locale/messages.pot -d helpline/locale --no-location --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
