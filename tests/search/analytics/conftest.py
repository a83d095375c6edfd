"""The corpus tests run on every engine (tests/conftest.py: `loaded_engine`), against expected
values computed without one (oracle.py)."""
import pytest

from tests.search.analytics import oracle


@pytest.fixture(scope="session")
def engine(loaded_engine):
    return loaded_engine


@pytest.fixture(scope="session")
def rows(corpus):
    return oracle.Corpus(corpus)
