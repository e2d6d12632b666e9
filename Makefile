# LeadEngine: `make run` starts it embedded (SQLite, in-process broker and workers); `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install worker maintenance

$(BIN)/.installed: requirements/base.txt requirements/dev.txt requirements/prod.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt -r requirements/prod.txt
	touch $@

install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_dev_admin --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py runembedded $(HOST):$(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest $(ARGS)

# On RabbitMQ + PostgreSQL (DRAMATIQ_BROKER_URL and DATABASE_URL set): workers and the maintenance loop.
worker: $(BIN)/.installed
	$(BIN)/python manage.py rundramatiq

maintenance: $(BIN)/.installed
	$(BIN)/python manage.py maintenance
