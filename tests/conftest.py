"""Shared fixtures: the real corpus (read from ../shared, never copied), settings pinned to a
temporary data directory, and engines — embedded always, OpenSearch via tests.fixtures."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.pipeline import Ingestor, Source
from insider import settings as settings_module

pytest_plugins = ["tests.fixtures.opensearch", "pytester"]

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "raw"
OWNERSHIP_DIRS = ("ownership_xml", "submissions_txt", "submissions_nc")
# Lookbacks in tests are relative to this instant, so analytics are deterministic.
PINNED_NOW = "2026-01-01T00:00:00Z"


def corpus_files(*dirs: str) -> list[Path]:
    return sorted(p for d in (dirs or OWNERSHIP_DIRS) for p in (CORPUS / d).rglob("*") if p.is_file())


def corpus_sources(*dirs: str) -> list[Source]:
    return [Source(str(p), p.read_bytes()) for p in corpus_files(*dirs)]


def make_settings(data_dir: Path, **env) -> settings_module.Settings:
    values = {"INSIDER_DATA_DIR": str(data_dir), "INSIDER_NOW": PINNED_NOW, "OPENSEARCH_URL": "", **env}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return settings_module.load()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


@pytest.fixture
def tantivy_engine(settings):
    from search.engines.tantivy_engine import TantivyEngine

    engine = TantivyEngine(settings.data_dir)
    engine.ensure_ready()
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def corpus():
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    return corpus_sources()


def load_corpus(engine, data_dir: Path, sources) -> None:
    # Two worker processes, as `insider ingest` runs on two cores: every corpus test then also
    # covers the documents each engine's encoder made in the workers (tests/indexer covers one).
    ingestor = Ingestor(engine, make_settings(data_dir), batch_size=400, workers=2)
    report = ingestor.ingest(sources)
    assert report.ingested > 2000, report


@pytest.fixture(scope="session")
def loaded_tantivy(tmp_path_factory, corpus):
    """The whole corpus in the embedded engine (read-only for tests)."""
    from search.engines.tantivy_engine import TantivyEngine

    data_dir = tmp_path_factory.mktemp("tantivy-corpus")
    engine = TantivyEngine(data_dir)
    load_corpus(engine, data_dir, corpus)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def loaded_opensearch(opensearch_url, tmp_path_factory, corpus):
    """The whole corpus in a real OpenSearch node (read-only for tests)."""
    from tests.fixtures.opensearch import temporary_engine

    with temporary_engine(opensearch_url) as engine:
        load_corpus(engine, tmp_path_factory.mktemp("os-corpus"), corpus)
        yield engine


@pytest.fixture(scope="session", params=["tantivy", "opensearch"])
def loaded_engine(request):
    """Each corpus test runs on BOTH engines."""
    return request.getfixturevalue(f"loaded_{request.param}")
