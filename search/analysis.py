r"""The one text analyzer, defined here and mirrored exactly by both engines.

Tokens are maximal runs of Unicode alphabetic characters (letters, and the marks and symbols
Unicode counts as alphabetic) and numbers, lower-cased; tokens of 40 bytes or more are dropped.
tantivy gets it as its simple tokenizer (Rust's `char::is_alphanumeric`) with lowercase and length
filters, OpenSearch as a pattern tokenizer splitting on `[^\p{IsAlphabetic}\p{N}]+` with the same
filters; the query translator uses `tokens()` so that a query term is analysed the same way the
documents were. Until 2026-11-22 tantivy used a regex tokenizer, `[\p{L}\p{N}]+`: the same tokens
except around ~1,900 combining marks and symbols, and 10-40 % more of tantivy's CPU for a filing
document (~18 % with its rows; BENCHMARKS.md). An index written before then splits words at those
marks until `insider reindex`. The engines' Unicode tables differ in age (Rust's newer than the
JVM's): characters added in recent Unicode versions can be cut differently by the two.
"""
from __future__ import annotations

import functools
import re

ANALYZER_NAME = "insider_text"
SPLIT_PATTERN = r"[^\p{IsAlphabetic}\p{N}]+"  # what OpenSearch's pattern tokenizer splits on
MAX_TOKEN_BYTES = 40                       # tantivy remove_long(40) drops len >= 40 bytes

_TOKEN = re.compile(r"[^\W_]+")


@functools.cache
def _unfiltered_analyzer():
    """tantivy's tokenizer and lower-caser without the length filter: the positions it gives are
    the ones phrases match against (a dropped long token keeps its position)."""
    import tantivy

    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build()


def _all_tokens(text: str) -> list[str]:
    """Every token of `text`, long ones included. ASCII text is cut by Python's regex, which
    agrees with tantivy's there and is ~5x faster to call (lower-casing ASCII first moves no token
    boundary); other text by tantivy's own analyzer, because the two differ beyond ASCII (Python
    lower-cases a final sigma in context, tantivy and Lucene one character at a time; Python's and
    Rust's Unicode tables differ in age)."""
    if text.isascii():
        return _TOKEN.findall(text.lower())
    return _unfiltered_analyzer().analyze(text)


def _byte_length(token: str) -> int:
    return len(token.encode())


def tokens(text: str) -> list[str]:
    size = len if text.isascii() else _byte_length  # an ASCII token has a byte per character
    return [t for t in _all_tokens(text) if size(t) < MAX_TOKEN_BYTES]


def token_pairs(text: str) -> list[str]:
    """Each two tokens that stand next to each other in `text`, joined by a space: what a phrase
    of two words matches. A dropped (long) token leaves a gap, as in the engines' positions, so
    the words on either side of it make no pair."""
    found = _all_tokens(text)
    size = len if text.isascii() else _byte_length
    if max(map(size, found), default=0) < MAX_TOKEN_BYTES:  # no long token: every neighbour pairs
        return list(map(" ".join, zip(found, found[1:])))
    pairs, previous = [], None
    for token in found:
        if size(token) >= MAX_TOKEN_BYTES:
            previous = None
            continue
        if previous is not None:
            pairs.append(f"{previous} {token}")
        previous = token
    return pairs


def opensearch_analysis() -> dict:
    """The `settings.analysis` block every OpenSearch index of ours carries."""
    return {
        "tokenizer": {"insider_tokenizer": {"type": "pattern", "pattern": SPLIT_PATTERN}},
        "filter": {"insider_length": {"type": "length", "min": 1, "max": MAX_TOKEN_BYTES - 1}},
        "analyzer": {
            ANALYZER_NAME: {
                "type": "custom",
                "tokenizer": "insider_tokenizer",
                "filter": ["lowercase", "insider_length"],
            }
        },
    }


def tantivy_analyzer():
    import tantivy

    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES))
        .build()
    )
