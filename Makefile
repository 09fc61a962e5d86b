# The front door: `make run` serves the site, `make test` runs every test.
# Each target builds .venv first when it is missing or the lock file changed.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FLASK := $(PY) -m flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast lint bench translations messages reindex clean

$(STAMP): requirements.lock pyproject.toml
	@echo "==> creating $(VENV) (once)"
	@if $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q uv >/dev/null 2>&1; then \
		$(PYTHON) -m uv venv -q --allow-existing $(VENV) && \
		$(PYTHON) -m uv pip install -q --python $(PY) --compile-bytecode --require-hashes -r requirements.lock; \
	else \
		echo "==> uv not available, falling back to pip"; \
		$(PYTHON) -m venv $(VENV) && $(PY) -m pip install -q --require-hashes -r requirements.lock; \
	fi
	@touch $(STAMP)

# Compiled catalogues (.mo) are build output; the .po files are the source.
translations: $(STAMP)
	@$(VENV)/bin/pybabel -q compile -d network/translations

# Refresh the template and the catalogues after changing user-facing text.
messages: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --sort-output --project Behovsborsen \
		-o network/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i network/translations/messages.pot -d network/translations --no-fuzzy-matching --ignore-obsolete

run: $(STAMP) translations
	@FLASK_ENV=development $(FLASK) setup --demo
	@echo "==> serving on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	@FLASK_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite without the slow tests (marked `slow`: processes, property tests, every route or notice)
# and without the browser tests, its databases in /dev/shm when there is one; `make test` runs them all.
test-fast: $(STAMP) translations
	TMPDIR=$${TMPDIR:-$$(test -w /dev/shm && echo /dev/shm || echo /tmp)} \
		$(PY) -m pytest -m "not slow and not e2e" -o tmp_path_retention_policy=failed $(PYTEST_ARGS)

# The speed figures of the matcher on a synthetic corpus, next to SQLite FTS5 over the same records
# (bench/speed.py). SIZE=full: 100,000 capabilities and 50,000 needs, about 25 minutes;
# SIZE=small: a twentieth of that, a minute or two.
SIZE ?= full
bench: $(STAMP) translations
	$(PY) -m bench.speed --size $(SIZE)

.PHONY: bench-quality

# Match quality on the real notices (nDCG@10, recall@10) next to a plain BM25F baseline (bench/quality.py).
bench-quality: $(STAMP) translations
	$(PY) -m bench.quality

lint: $(STAMP)
	$(VENV)/bin/ruff check .

reindex: $(STAMP)
	FLASK_ENV=$${FLASK_ENV:-development} $(FLASK) reindex

clean:
	rm -rf $(VENV) instance .pytest_cache

.PHONY: test-postgres test-e2e

# The suite without the browser tests, against a throw-away PostgreSQL server (.ci/postgres.sh).
test-postgres: $(STAMP) translations
	bash .ci/postgres.sh $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

# Only the browser tests (Debian's chromium; REQUIRE_E2E=1 fails instead of skipping without it).
test-e2e: $(STAMP) translations
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)
