# Two commands matter: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= python3.11
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install migrate demo check-deploy clean messages

$(INSTALLED): requirements.txt requirements-dev.txt requirements-retrieval.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-retrieval.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py generate_demo_history --tickets 3000 --days 60 --if-empty

# Installs, migrates, loads the demo desk, then runs web (ASGI), a Celery worker and beat.
run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Admin:   http://localhost:$(PORT)/admin/   (credentials above)"
	@echo "  API docs: http://localhost:$(PORT)/api/docs/"
	@echo ""
	SUPPORT_PORT=$(PORT) $(BIN)/honcho --no-colour start --procfile Procfile

# The whole suite against whatever DATABASE_URL / REDIS_URL say (embedded default when unset).
# Tests keep their state in var/test so they never touch the data of `make run`.
test: install
	SUPPORT_VAR_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest

check-deploy: install
	SUPPORT_ENV=production DEBUG=false SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-support.example.com} $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/test .pytest_cache

# Maintainers: refresh the Spanish catalogue after changing user-facing strings
# (needs gettext); fails listing any string still without a translation.
messages: install
	$(BIN)/python manage.py makemessages -l es --ignore ".venv/*" --ignore "tests/*" --ignore "var/*" --ignore "bench/*" --no-obsolete
	$(BIN)/python tools/fill_po.py locale/es/LC_MESSAGES/django.po locale/es/translations.py
	$(BIN)/python manage.py compilemessages -l es --ignore ".venv/*"
