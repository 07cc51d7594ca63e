# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# exported: the server and the worker derive SITE_URL (links and QR codes on printed documents) from it
export PORT
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PYTEST_WORKERS ?= 2

.PHONY: install run serve test lint format bench messages browser-deps demo worker beat vendor clean-db \
	backup restore restore-drill chaos

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed messages

messages: $(VENV)/.installed
	@$(PY) -m config.i18n

# Install, start the (embedded) database, migrate, load demo data, serve on 127.0.0.1:$(PORT).
run: install
	$(PY) manage.py migrate --noinput -v 0
	@echo "Database ready (migrations applied)."
	$(PY) manage.py move_private_files
	$(PY) manage.py load_demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Chromium, CJK fonts (browser tests and PDFs) and poppler-utils (PDF text checks), from Debian's packages, when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; }
	@command -v pdftotext >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; }

test: install browser-deps
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -n $(PYTEST_WORKERS) --create-db -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m benchmarks

demo: install
	$(PY) manage.py migrate --noinput -v 0
	@echo "Database ready (migrations applied)."
	$(PY) manage.py load_demo --reset

worker: install
	$(VENV)/bin/celery -A config worker -l info

beat: install
	$(VENV)/bin/celery -A config beat -l info

# Re-copy the vendored front-end libraries from the npm registry (see static/vendor/package.json).
vendor:
	bash static/vendor/update.sh

# Backups of the database AND every file root (media, private files): see README "Backups".
# `make backup [BACKUP=dir]`, `make restore BACKUP=dir [RESTORE_ARGS="--database-url ... --force"]`,
# `make restore-drill` (round trip into a scratch database and folders, checked, cleaned up).
backup: install
	$(PY) manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=<backup folder> [RESTORE_ARGS=...]"; exit 2; }
	$(PY) manage.py restore $(BACKUP) $(RESTORE_ARGS)

restore-drill: install
	$(PY) manage.py restore_drill

# Fault drills against real processes with their own PostgreSQL and Redis on spare ports (never the
# machine's services): prints drill, lost, duplicated, user-visible errors, recovery time. Not in `make test`.
chaos: install
	$(PY) scripts/chaos.py $(CHAOS_ARGS)
