# Cadence — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format venv migrate demo stack worker beat check-deploy clean mutate bench

$(STAMP): requirements.txt requirements-dev.txt tests/js/package-lock.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Cadence needs $(PYTHON) on the PATH"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@# axe-core, which the accessibility browser test injects into pages (pinned in the lock file).
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/js --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility browser test will be skipped outside CI"; fi
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(BIN)/python manage.py migrate --no-input

demo: migrate
	$(BIN)/python manage.py seed_demo

## The app on its embedded default: SQLite, eager tasks, test processor, demo data.
run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## The whole suite. Uses DATABASE_URL and CELERY_BROKER_URL when they are set.
test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Production shape: gunicorn, a Celery worker and beat (Procfile), against DATABASE_URL and
## CELERY_BROKER_URL from the environment.
stack: venv
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL (PostgreSQL)"; exit 1; }
	@test -n "$$CELERY_BROKER_URL" || { echo "set CELERY_BROKER_URL (Redis)"; exit 1; }
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start

## The deploy check with the production variables from the environment (README: Production shape).
## The production deploy check, with stand-ins for whatever the environment does not set.
FERNET_KEY = $$($(BIN)/python -c 'from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())')
check-deploy: venv
	CADENCE_PRODUCTION=true SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-cadence.example} EMAIL_URL=$${EMAIL_URL:-smtp+tls://mail.example:587} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/1} TRUSTED_PROXIES=$${TRUSTED_PROXIES:-127.0.0.1} \
	PAYOUTS_TIN_ENCRYPTION_KEY=$${PAYOUTS_TIN_ENCRYPTION_KEY:-$(FERNET_KEY)} \
	CONNECTORS_SECRET_ENCRYPTION_KEY=$${CONNECTORS_SECRET_ENCRYPTION_KEY:-$(FERNET_KEY)} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## Mutation testing of the money code (a tool, not part of CI): mutmut mutates the modules in
## pyproject.toml's [tool.mutmut] and runs, for each mutant, only the listed tests that reach it,
## on SQLite, with MUTATE_CHILDREN workers; then prints each module's score (at least 90 %).
## MUTANTS="name-or-pattern …" runs only those mutants.
MUTATE_CHILDREN ?= 1
MUTANTS ?=
mutate: venv
	env -u DATABASE_URL -u CELERY_BROKER_URL $(BIN)/mutmut run --max-children $(MUTATE_CHILDREN) $(MUTANTS)
	$(BIN)/python tools/mutation_scores.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis mutants

## Every benchmark against its baseline in the same run (README: Benchmarks): PostgreSQL
## (DATABASE_URL), Redis (CELERY_BROKER_URL, REDIS_URL) and wrk; gunicorn and Celery are started
## on BENCH_PORT and the next port. BENCH_SIZE is tiny (proves it works), default or full.
BENCH_SIZE ?= default
bench: venv
	@test -n "$$DATABASE_URL" || { echo "set DATABASE_URL (PostgreSQL)"; exit 1; }
	@test -n "$$CELERY_BROKER_URL" || { echo "set CELERY_BROKER_URL (Redis)"; exit 1; }
	REDIS_URL=$${REDIS_URL:-$$CELERY_BROKER_URL} $(BIN)/python -m bench --size $(BENCH_SIZE)
