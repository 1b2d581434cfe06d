# Dangjian — two commands do all the set-up:  make run   |   make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := dangjian/static/vendor
PYTEST_ARGS ?= -n auto

.PHONY: run test lint assets migrate demo lock messages compilemessages bench clean help system-deps

help:
	@echo "make run    - install, migrate, load demo data once, serve http://127.0.0.1:8000"
	@echo "make test   - install dev dependencies and run the whole suite (ruff + pytest)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements/dev.txt $(VENV)/.base
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

# Front-end assets come from the npm registry at install time (package-lock.json pins them)
# and are copied into the static tree the platform serves; nothing is loaded from a CDN.
$(VENDOR)/.stamp: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/echarts $(VENDOR)/swagger-ui $(VENDOR)/trix
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/trix/dist/trix.umd.min.js node_modules/trix/dist/trix.css $(VENDOR)/trix/
	cd node_modules/swagger-ui-dist && cp swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-32x32.png ../../$(VENDOR)/swagger-ui/
	touch $@

assets: $(VENDOR)/.stamp

migrate: $(VENV)/.base
	$(BIN)/python manage.py migrate --noinput

demo: $(VENV)/.base
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo

run: $(VENV)/.base assets
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo --once
	@echo
	@DEBUG=1 $(BIN)/python manage.py demo_accounts
	@echo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || true

# The browser test drives Debian's Chromium, the translation test runs xgettext and the export test opens the xlsx
# in LibreOffice: install them when missing (as root through apt, as on CI machines); otherwise say what is needed.
SYSTEM_PACKAGES := chromium gettext libreoffice-calc-nogui
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null || ! command -v soffice >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(SYSTEM_PACKAGES) from Debian's packages"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	  else echo "WARNING: install Debian's packages: sudo apt-get install --no-install-recommends $(SYSTEM_PACKAGES)"; fi; \
	fi

test: $(VENV)/.dev assets system-deps
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run --noinput
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Developer targets -----------------------------------------------------------
lock:
	uv pip compile pyproject.toml --python-version 3.11 --universal -o requirements/base.txt
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --universal -o requirements/dev.txt

messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=var
	$(BIN)/python manage.py makemessages -d djangojs -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=var --ignore=dangjian/static/vendor

compilemessages: $(VENV)/.dev
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

# Benchmarks on the scale data (see bench/README.md): DATABASE_URL points at a database filled by seed_scale.
bench: $(VENV)/.base
	DEBUG=1 $(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
