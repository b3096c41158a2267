# Quick start: `make run` (chat with the bot) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := locales
MO_FILES := $(LOCALES)/pl/LC_MESSAGES/messages.mo $(LOCALES)/en/LC_MESSAGES/messages.mo
PYTEST_ARGS ?=

.PHONY: run shell migrate test lint format locales extract update-locales bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP)

$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(LOCALES) -D messages -l $* --statistics

## compile the gettext catalogs (done by run and test)
locales: $(MO_FILES)

## extract translatable strings into locales/messages.pot
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k N_plural:1,2 -k ngettext:1,2 --no-location --sort-output \
		--project=citybot --copyright-holder="Miasto Poznań" -o $(LOCALES)/messages.pot .

## merge new strings into the pl and en catalogs (then translate the empty ones)
update-locales: extract
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching --ignore-obsolete

## apply database migrations
migrate: $(STAMP)
	$(BIN)/citybot migrate

## start the bot (Telegram with TELEGRAM_BOT_TOKEN, otherwise the terminal chat)
run: $(STAMP) locales migrate
	$(BIN)/citybot run

## the terminal chat
shell: $(STAMP) locales migrate
	$(BIN)/citybot shell

## the whole suite (on PostgreSQL too when TEST_DATABASE_URL is set)
test: $(STAMP) locales
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot handlers scheduler nlu

format: $(STAMP)
	$(BIN)/ruff format bot handlers scheduler nlu tests bench
	$(BIN)/ruff check --fix .

## benchmarks, printing JSON
bench: $(STAMP) locales
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
	find $(LOCALES) -name '*.mo' -delete
