"""Regular expressions are limited to the subset Lucene's RegExp and Rust's regex read alike, and
rewritten so that every literal is spelled the way both engines parse it."""
import pytest

from insider.errors import InvalidQuery
from search.query.validate import MAX_REPEAT, portable_regex

ACCEPTED = [
    ("abc", "abc"),
    ("a.c", "a.c"),
    ("a\\.c", "a\\.c"),
    ("(ab|cd)+", "(ab|cd)+"),
    ("colou?r", "colou?r"),
    ("a*b", "a*b"),
    ("[a-z0-9]{2,4}", "[a-z0-9]{2,4}"),
    ("[^abc]x", "[^abc]x"),
    ("a{3}", "a{3}"),
    ("a{2,}", "a{2,}"),
    ("a{3,3}", "a{3}"),
    ("4\\/A", "4/A"),
    ("a-b", "a\\-b"),
    ("a\\-b", "a\\-b"),
    ("\\&\\~\\#", "\\&\\~\\#"),
    ('\\"x\\"', '["]x["]'),
    ("\\@\\<\\>", "[@][<][>]"),
    ("\\(1\\)", "\\(1\\)"),
    ("\\^\\$", "\\^\\$"),
    ("[\\]a]", "[\\]a]"),
    ("[a\\-z]", "[a\\-z]"),
    ("[.&~^]", "[\\.\\&\\~\\^]"),
    ("[\\-a]", "[\\-a]"),
    ("x y", "x y"),
    ("é+", "é+"),
]


@pytest.mark.parametrize("pattern, portable", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_portable_patterns_are_kept_in_canonical_spelling(pattern, portable):
    assert portable_regex(pattern) == portable


REJECTED = [
    ("", "Empty regular expression"),
    ("\\d+", "escaping a letter or digit"),
    ("\\w", "escaping a letter or digit"),
    ("a&b", "'&' (intersection)"),
    ("~a", "'~' (complement)"),
    ("<1-5>", "numeric interval"),
    ("#", "empty language"),
    ("a@", "any string"),
    ('"ab"', "quoted string"),
    ("^abc", "anchor '^'"),
    ("abc$", "anchor '$'"),
    ("(?=a)", "'?' has nothing to repeat"),
    ("(?i)abc", "'?' has nothing to repeat"),
    ("*a", "'*' has nothing to repeat"),
    ("a**", "cannot follow another"),
    ("a*?", "cannot follow another"),
    ("a{2}{3}", "cannot follow another"),
    (f"a{{{MAX_REPEAT + 1}}}", f"n <= m <= {MAX_REPEAT}"),
    ("a{3,2}", "n <= m"),
    ("a{x}", "is not a repetition"),
    ("a{,3}", "is not a repetition"),
    ("a{", "must start a repetition"),
    ("a}", "unmatched '}'"),
    ("a]", "unmatched ']'"),
    ("[a-]", "'-' inside a class"),
    ("[z-a]", "is reversed"),
    ("[]", "empty class"),
    ("[^]", "empty class"),
    ("[[a]]", "'[' inside a class"),
    ("[abc", "unclosed '['"),
    ("(ab", "unclosed '('"),
    ("ab)", "unmatched ')'"),
    ("a|", "empty alternative"),
    ("|a", "empty alternative"),
    ("()", "empty alternative or group"),
    ("a\\", "trailing '\\'"),
    ("((a{100}){100}){100}", "too complex"),
]


@pytest.mark.parametrize("pattern, words", REJECTED, ids=[r[0] or "empty" for r in REJECTED])
def test_non_portable_patterns_are_refused_saying_why(pattern, words):
    with pytest.raises(InvalidQuery) as caught:
        portable_regex(pattern)
    assert words in caught.value.message


def test_error_points_into_the_pattern():
    with pytest.raises(InvalidQuery) as caught:
        portable_regex("ab\\d")
    assert "at character 2 of the pattern" in caught.value.message
