# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SOURCE ?=
PORT   ?= 8000
SINCE  ?= $(shell date -u -d '7 days ago' +%Y-%m-%d)
export INSIDER_DATA_DIR ?= ./data

.PHONY: setup run serve test test-fast opensearch opensearch-stop bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml native/Cargo.toml native/Cargo.lock $(wildcard native/src/*.rs) \
		native/aggregate/Cargo.toml native/aggregate/Cargo.lock $(wildcard native/aggregate/src/*.rs)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@# the compiled fast paths (Rust): optional, the pure-Python parser and tantivy-py's aggregations
	@# are the reference. native/: the parser; native/aggregate/: the embedded engine's aggregations.
	@if command -v cargo >/dev/null 2>&1; then \
		$(BIN)/pip install -q ./native || echo "native/ did not build: the pure-Python parser will be used"; \
		$(BIN)/pip install -q ./native/aggregate || echo "native/aggregate/ did not build: tantivy-py will aggregate"; \
	else \
		echo "cargo not found: the pure-Python parser and tantivy-py's aggregations will be used (install Rust for the compiled fast paths)"; \
	fi
	touch $@

# Fresh machine -> data -> service on http://127.0.0.1:$(PORT) with the embedded engine.
# SOURCE=path ingests local filings; without it the last week is synced from EDGAR (needs
# SEC_USER_AGENT and internet) and `insider follow` keeps it fresh while the service runs.
run: setup
ifneq ($(SOURCE),)
	$(BIN)/insider ingest $(SOURCE) || true
else
	$(BIN)/insider sync --since $(SINCE) || true
endif
	$(BIN)/insider keys create local --replace
	@if [ -z "$(SOURCE)" ]; then $(BIN)/insider follow & fi; \
	exec $(BIN)/gunicorn --config service/gunicorn.conf.py 'service.app:create_app()' --bind 127.0.0.1:$(PORT)

serve: setup
	exec $(BIN)/gunicorn --config service/gunicorn.conf.py 'service.app:create_app()' --bind 127.0.0.1:$(PORT)

opensearch:
	bash scripts/opensearch.sh fetch
	bash scripts/opensearch.sh start

opensearch-stop:
	bash scripts/opensearch.sh stop

# Full suite, both engines: starts a real OpenSearch node first.
test: setup opensearch
	OPENSEARCH_TEST_URL=http://127.0.0.1:$${OPENSEARCH_PORT:-9200} $(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q -m "not opensearch"

bench: setup opensearch
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .cache/opensearch/data data
