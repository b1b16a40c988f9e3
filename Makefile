# The two commands of the README: `make run` and `make test`. Everything else is their set-up.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
# Debian packages the tests drive: a headless browser, a real IMAP server, a real PKCS#11 token (SoftHSM2) and the
# independent checkers of signed PDFs (poppler's pdfsig with NSS's certutil, qpdf), a real mail relay that writes
# delivery status notifications (Postfix, installed unconfigured: the tests run their own instance) and SpamAssassin.
# npm (the machines' Node.js brings its own; Debian's only where none is there) installs axe-core, which the
# accessibility tests run inside the page (package.json).
# The text of the files (ocr app, docs/ocr.md): poppler's pdftotext reads text layers; Debian's OCRmyPDF 14 (its
# own Python and libraries, called as a program, so nothing of it is pinned in requirements.txt) with Tesseract 5
# and the Vietnamese model (tesseract-ocr-vie) and Ghostscript (PDF/A) recognises scans. `make run` needs them too.
OCR_APT_PACKAGES := poppler-utils tesseract-ocr tesseract-ocr-vie ocrmypdf ghostscript
# qpdf joins a long register's PDF volumes (documents/register_exports.py) without holding them in memory.
RUN_APT_PACKAGES := $(OCR_APT_PACKAGES) qpdf
# PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup): tests/deploy starts private clusters of its own (a
# primary with its streaming replica, a restored backup) beside the shared server; rsync snapshots the stored files.
TEST_APT_PACKAGES := chromium fonts-dejavu-core dovecot-imapd poppler-utils softhsm2 libnss3-tools postfix spamassassin postgresql rsync \
	$(RUN_APT_PACKAGES)

# The suite runs in XDIST processes at once (pytest-xdist, --dist loadgroup: tests/conftest.py); XDIST=0 runs it in
# one, as `make test XDIST=0`. Each process has its own test database (test_portal_gw0, …) and Redis database:
# TEST_REDIS_URL's number plus its index (tests/settings.py), 3 and 4 here; tests/exchange's two installations use
# 8 and 9 (EXCHANGE_TEST_REDIS_DBS).
XDIST ?= 2
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/3
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/2

.PHONY: run serve test bench setup setup-dev system-test-deps system-run-deps lint clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

setup: $(RUN_STAMP)
	$(PY) manage.py compilemessages_polib -v0
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py pki_demo

setup-dev: $(DEV_STAMP) system-test-deps
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py compilemessages_polib -v0
	npm ci --silent --no-audit --no-fund

# Installs what the tests need from Debian when it is missing (the machines run as root).
system-test-deps:
	@missing=""; for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }

# What `make run` needs from Debian (OCR of scans, qpdf): installed when missing and the machine lets us (root).
system-run-deps:
	@missing=""; for p in $(RUN_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "OCR and long register PDFs need:$$missing (apt-get install as root)"; fi; \
	fi

# Serves http://127.0.0.1:8000 with a Celery worker and beat beside it; Ctrl-C stops both. The worker, given no -Q,
# consumes every queue (portal/queues.py); a small one keeps beat's recovery going while it is busy.
run: export DEBUG ?= 1
# The demo and local set-ups may read a mailbox on this machine or the office network.
run: export MAILBOX_ALLOW_PRIVATE_HOSTS ?= 1
# The demo remote-signing service (devtools.csc_server, CSC API v2) and its "phone" at :8765/phone/<e-mail>.
run: export REMOTE_SIGNING_CSC_URL ?= http://127.0.0.1:8765
run: export REMOTE_SIGNING_CSC_CLIENT_ID ?= portal
run: export REMOTE_SIGNING_CSC_CLIENT_SECRET ?= portal-secret
REMOTE_DEMO_SIGNER ?= lanhdao@mic.gov.vn
run: setup system-run-deps
	@echo "Portal: http://127.0.0.1:8000  (demo logins in README.md; e-mail written to var/mail/ unless EMAIL_URL is set)"
	@echo "Remote signing phone of $(REMOTE_DEMO_SIGNER): http://127.0.0.1:8765/phone/$(REMOTE_DEMO_SIGNER)"
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) -m devtools.csc_server --port 8765 --state-dir var/csc & \
	for i in $$(seq 50); do $(PY) -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8765/phone/x', timeout=1)" 2>/dev/null && break; sleep 0.1; done; \
	$(PY) manage.py remote_signing_demo --email $(REMOTE_DEMO_SIGNER); \
	$(VENV)/bin/celery -A portal worker --beat --loglevel=INFO --concurrency=2 --schedule=var/celerybeat-schedule & \
	$(VENV)/bin/celery -A portal worker --loglevel=INFO --pool=solo -n recovery@%h \
	  -Q $${CELERY_QUEUE:-portal}.recovery & \
	$(PY) manage.py runserver 127.0.0.1:8000

# Production (README, Production): DEBUG=0 whatever the environment says; SECRET_KEY, FIELD_ENCRYPTION_KEY,
# ALLOWED_HOSTS, DATABASE_URL and REDIS_URL come from the environment. Celery worker and beat run as their own services.
serve: export DEBUG = 0
serve: $(RUN_STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compilemessages_polib -v0
	$(PY) manage.py collectstatic --no-input -v0
	exec $(VENV)/bin/gunicorn --config portal/gunicorn.conf.py portal.wsgi

test: setup-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
	  $(VENV)/bin/pytest $(if $(filter 0,$(XDIST)),,-n $(XDIST) --dist loadgroup) $(PYTEST_ARGS)

# Prints one line per figure: BENCH <name> ratio=<measured> target<=<goal> PASS|FAIL (see bench/README.md).
bench: setup-dev
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) PORTAL_VAR_DIR=$(CURDIR)/var/bench \
	  $(PY) -m bench $(BENCH)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var
