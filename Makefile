# LeadEngine: `make run` starts it embedded (SQLite, in-process broker and workers); `make test` lints and runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint install install-bench lock worker maintenance

# requirements/lock.txt pins every package, dependencies included, to what CI tested; base/dev/prod.txt
# are the direct dependencies it is compiled from (`make lock` after changing them).
$(BIN)/.installed: requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	touch $@

lock: $(BIN)/.installed
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements/lock.txt \
		requirements/dev.txt requirements/prod.txt
	$(BIN)/pip-compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links --output-file requirements/lock-prod.txt \
		--constraint requirements/lock.txt requirements/prod.txt

install: $(BIN)/.installed

# The benchmarks' extra packages (Scrapy, the crawl benchmark's baseline), at the versions lock.txt
# pins for whatever they share with LeadEngine.
$(BIN)/.bench-installed: requirements/bench.txt $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --constraint requirements/lock.txt -r requirements/bench.txt
	touch $@

install-bench: $(BIN)/.bench-installed

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_dev_admin --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py runembedded $(HOST):$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest $(ARGS)

# On RabbitMQ + PostgreSQL (DRAMATIQ_BROKER_URL and DATABASE_URL set): workers and the maintenance loop.
# A worker reads every queue, or those of QUEUES: `make worker QUEUES=scrape_jobs.high` (README, "Priorities").
worker: $(BIN)/.installed
	$(BIN)/python manage.py rundramatiq $(if $(QUEUES),--queues $(QUEUES))

maintenance: $(BIN)/.installed
	$(BIN)/python manage.py maintenance
