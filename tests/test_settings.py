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
