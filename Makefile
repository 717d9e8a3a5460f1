# Otklik: `make run` (set up and start on SQLite with demo data), `make test` (set up and test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# QR codes, links and e-mails point at the port `make run` actually serves, unless OTKLIK_SITE_URL is given.
OTKLIK_SITE_URL ?= http://127.0.0.1:$(PORT)
export DJANGO_SETTINGS_MODULE := otklik.settings

.PHONY: run test install install-test chromium nginx axe lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"

# Debian's Chromium for the browser tests; never a browser downloaded by Playwright.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium with apt…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# `make run` needs no configuration: a secret key is made once into var/secret_key (links in e-mails
# stay valid across restarts) unless OTKLIK_SECRET_KEY or OTKLIK_SECRET_KEY_FILE is already set.
ifeq ($(OTKLIK_SECRET_KEY)$(OTKLIK_SECRET_KEY_FILE),)
run: export OTKLIK_SECRET_KEY_FILE := $(CURDIR)/var/secret_key
endif

# Debian's nginx for the test of the deployment recipe (deploy/nginx/otklik.conf in front of Otklik over TLS).
# The test runs its own nginx on loopback ports, never the system's; /usr/sbin may be off the PATH.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		echo "Installing Debian's nginx with apt…"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx >/dev/null; }

# axe-core for the browser tests' accessibility checks: the version pinned in the lock file, from the npm registry.
AXE_DIR := otklik/e2e/axe
AXE_STAMP := $(AXE_DIR)/node_modules/.installed
$(AXE_STAMP): $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is needed for the accessibility checks (apt-get install npm)"; exit 1; }
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error
	touch $@

axe: $(AXE_STAMP)

run: export OTKLIK_SITE_URL := $(OTKLIK_SITE_URL)
run: install
	mkdir -p var
	@test -s var/secret_key || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
	$(BIN)/otklik migrate --noinput
	$(BIN)/otklik createcachetable
	$(BIN)/otklik collectstatic --noinput -v0
	$(BIN)/otklik demo
	@echo ""
	@echo "Otklik runs on http://127.0.0.1:$(PORT)/  (links and QR codes: $(OTKLIK_SITE_URL); Ctrl+C stops the web server and the worker)"
	@$(BIN)/otklik demo --print-logins
	@trap 'kill 0' INT TERM EXIT; \
		$(BIN)/otklik worker & \
		PORT=$(PORT) $(BIN)/otklik serve

test: install-test chromium nginx axe
	$(BIN)/ruff check otklik bench
	$(BIN)/pytest

lint: install-test
	$(BIN)/ruff check otklik bench
	$(BIN)/ruff format --check otklik bench

bench: install-test
	$(BIN)/python bench/run.py
