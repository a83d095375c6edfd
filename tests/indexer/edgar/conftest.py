from __future__ import annotations

import pytest

from insider import settings as settings_module
from tests.indexer.edgar.fake_edgar import FakeEdgar, load_catalog

USER_AGENT = "Insider Tests admin@example.com"
# The ceiling SEC allows: the tests prove it holds even when the client runs flat out.
MAX_RPS = 10


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


@pytest.fixture
def edgar(catalog):
    with FakeEdgar(catalog) as server:
        yield server


@pytest.fixture
def env(edgar, tmp_path, monkeypatch):
    """The environment a user would set, pointed at the local EDGAR."""
    values = {
        "EDGAR_BASE_URL": edgar.url,
        "SEC_USER_AGENT": USER_AGENT,
        "EDGAR_MAX_RPS": str(MAX_RPS),
        "INSIDER_DATA_DIR": str(tmp_path / "data"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def settings(env):
    return settings_module.load()
