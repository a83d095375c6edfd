"""The engine-neutral query tree. The Lucene parser/validator produces it, the analytics build
it directly, and each engine translates it (search/engines/*). Values are already typed and
analysed: a Term on a text field carries a lower-cased token, a Range on a date field carries
UTC datetimes, so the engines do no interpretation of their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

Value = Union[str, int, float, bool, datetime]


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class MatchNone:
    pass


@dataclass(frozen=True)
class Term:
    field: str
    value: Value


@dataclass(frozen=True)
class Terms:
    field: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Phrase:
    """Consecutive tokens of a text field; `slop` as Lucene's proximity (`"a b"~2`)."""
    field: str
    tokens: tuple[str, ...]
    slop: int = 0


@dataclass(frozen=True)
class Range:
    field: str
    gte: Value | None = None
    gt: Value | None = None
    lte: Value | None = None
    lt: Value | None = None


@dataclass(frozen=True)
class Wildcard:
    """`*` any run of characters, `?` exactly one; matched against whole indexed terms."""
    field: str
    pattern: str


@dataclass(frozen=True)
class Regex:
    """A regular expression in the portable subset both engines agree on (validated upstream),
    anchored on the whole indexed term."""
    field: str
    pattern: str


@dataclass(frozen=True)
class Fuzzy:
    field: str
    term: str
    distance: int = 2


@dataclass(frozen=True)
class Exists:
    field: str  # a leaf path or an object path (any field below it)


@dataclass(frozen=True)
class Bool:
    must: tuple[Any, ...] = ()
    should: tuple[Any, ...] = ()
    must_not: tuple[Any, ...] = ()
    filter: tuple[Any, ...] = ()

    # A Bool with no must/filter needs at least one should (Lucene and OpenSearch semantics);
    # one made only of must_not clauses matches everything else (OpenSearch's fix for pure
    # negative queries).


@dataclass(frozen=True)
class Boost:
    query: Any
    boost: float


Node = Union[MatchAll, MatchNone, Term, Terms, Phrase, Range, Wildcard, Regex, Fuzzy, Exists, Bool, Boost]


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class SearchRequest:
    query: Node
    sort: tuple[SortKey, ...] = field(default_factory=tuple)
    offset: int = 0
    size: int = 50
