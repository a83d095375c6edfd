"""The README's settings table is the settings list: a renamed or new setting must be documented."""
import re

from insider.settings import SETTINGS
from tests.conftest import ROOT


def test_every_setting_is_documented_in_the_readme_with_its_default():
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.+?) \|", readme, re.M))
    assert set(rows) == {s.name for s in SETTINGS}
    for s in SETTINGS:
        assert rows[s.name] == (f"`{s.default}`" if s.default else "(unset)"), s.name


def test_a_bad_setting_is_refused_naming_the_variable(monkeypatch):
    import pytest

    from insider import settings
    from insider.errors import ConfigurationError

    for name, value, words in [
        ("INSIDER_MAX_FILE_BYTES", "abc", "INSIDER_MAX_FILE_BYTES='abc' is not an integer"),
        ("INSIDER_MAX_FILE_BYTES", "0", "INSIDER_MAX_FILE_BYTES must be a positive"),
        ("EDGAR_MAX_RPS", "fast", "EDGAR_MAX_RPS='fast' is not a number"),
        ("INSIDER_AUTH", "maybe", "INSIDER_AUTH='maybe' is neither on"),
        ("INSIDER_COLUMN_CACHE_MB", "-1", "INSIDER_COLUMN_CACHE_MB must be from 0 to 65536"),
        ("INSIDER_COLUMN_CACHE_MB", "lots", "INSIDER_COLUMN_CACHE_MB='lots' is not an integer"),
    ]:
        with monkeypatch.context() as m:
            m.setenv(name, value)
            with pytest.raises(ConfigurationError, match=words):
                settings.load()


def test_auth_is_switched_by_the_documented_words(monkeypatch):
    from insider import settings

    for value, enabled in [("on", True), ("TRUE", True), ("1", True), ("off", False), ("No", False), (" 0 ", False)]:
        monkeypatch.setenv("INSIDER_AUTH", value)
        assert settings.load().auth_enabled is enabled, value


def test_the_embedded_engine_gets_the_column_cache_budget(monkeypatch, tmp_path):
    from indexer.pipeline import open_engine
    from insider import settings

    monkeypatch.setenv("INSIDER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENSEARCH_URL", "")
    assert open_engine(settings.load()).column_cache_bytes == 256 << 20
    monkeypatch.setenv("INSIDER_COLUMN_CACHE_MB", "0")
    assert open_engine(settings.load()).column_cache_bytes == 0
