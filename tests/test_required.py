"""tests/required.py: what a missing OpenSearch node, corpus or extension does to a test."""
import pytest


@pytest.mark.parametrize("ci, outcome", [("true", {"failed": 1}), ("", {"skipped": 1})])
def test_a_missing_piece_fails_the_test_in_ci_and_skips_it_elsewhere(pytester, monkeypatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile("from tests.required import missing\n\ndef test_it():\n    missing('no node here')\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rfs")
    result.assert_outcomes(**outcome)
    result.stdout.fnmatch_lines(["*no node here*"])
