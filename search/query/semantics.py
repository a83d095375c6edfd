"""How a query value is read for each field type: the one place where query text becomes the
typed, analysed values of the AST.

Every function takes the already-unescaped text of one value. `match` returns None when a text
value analyses to no token at all: Lucene (and so OpenSearch) then drops the clause instead of
matching nothing, and lucene.py reproduces that.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from insider.errors import InvalidQuery
from mappings import Field
from search.analysis import tokens
from search.query.ast import Exists, Fuzzy, MatchNone, Node, Phrase, Range, Regex, Term, Wildcard

KIND = {"keyword": "keyword", "text": "text", "date": "date", "datetime": "date-time",
        "long": "integer", "double": "number", "boolean": "boolean"}

_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_INSTANT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?)?"
)


def _kind(field: Field) -> str:
    return f"{field.path} is a {KIND[field.type]} field"


def match(field: Field, text: str, slop: int = 0) -> Node | None:
    """A bare or quoted value. On text fields it is analysed like the documents were; several
    tokens make a phrase (OpenSearch would OR them: see docs/query-language.md)."""
    if field.type == "text":
        toks = tokens(text)
        if not toks:
            return None
        return Term(field.path, toks[0]) if len(toks) == 1 else Phrase(field.path, tuple(toks), slop)
    if field.type == "keyword":
        return Term(field.path, text)
    if field.type == "boolean":
        return Term(field.path, _boolean(field, text))
    if field.type == "double":
        return Term(field.path, _double(field, text))
    if field.type == "long":
        value = _long(field, text)
        # OpenSearch answers a fractional value on an integer field with no documents.
        return Term(field.path, int(value)) if value == value.to_integral_value() else MatchNone()
    start, end = _instant(field, text)
    return Range(field.path, gte=start, lt=end)


def wildcard(field: Field, pattern: str) -> Node:
    return Wildcard(field.path, _multi_term(field, pattern, "Wildcards"))


def regex(field: Field, pattern: str) -> Node:
    return Regex(field.path, _multi_term(field, pattern, "Regular expressions"))


def fuzzy(field: Field, text: str, distance: int | None) -> Node:
    if distance is None:
        # OpenSearch's query_string default fuzziness is AUTO: it depends on the term's length.
        length = len(text)
        distance = 0 if length < 3 else 1 if length < 6 else 2
    return Fuzzy(field.path, _multi_term(field, text, "Fuzzy terms"), distance)


def _multi_term(field: Field, text: str, what: str) -> str:
    # Lucene normalises (lower-cases) these on text fields but does not tokenise them.
    if field.type == "text":
        return text.lower()
    if field.type == "keyword":
        return text
    raise InvalidQuery(f"{what} only apply to text and keyword fields; {_kind(field)}", field=field.path)


def range_(field: Field, low: str | None, high: str | None, include_low: bool, include_high: bool) -> Node:
    """`low`/`high` None is an open end (`*`)."""
    if low is None and high is None:  # `[* TO *]`: the field has a value, whatever its type
        return Exists(field.path)
    if field.type in ("text", "boolean"):
        raise InvalidQuery(f"Ranges apply to keyword, number and date fields; {_kind(field)}", field=field.path)
    bounds = {}
    if low is not None:
        bounds.update(_lower(field, low, include_low))
    if high is not None:
        bounds.update(_upper(field, high, include_high))
    return Range(field.path, **bounds)


def _lower(field: Field, text: str, inclusive: bool) -> dict:
    if field.type in ("date", "datetime"):
        # As OpenSearch rounds a bound written without its smaller units: `gt 2024-01-01` starts
        # after the whole day.
        start, end = _instant(field, text)
        return {"gte": start if inclusive else end}
    if field.type == "long":
        value = _long(field, text)
        if value != value.to_integral_value():
            return {"gte": int(value.to_integral_value(ROUND_CEILING))}
        return {"gte" if inclusive else "gt": int(value)}
    value = _double(field, text) if field.type == "double" else text
    return {"gte" if inclusive else "gt": value}


def _upper(field: Field, text: str, inclusive: bool) -> dict:
    if field.type in ("date", "datetime"):
        start, end = _instant(field, text)
        return {"lt": end if inclusive else start}
    if field.type == "long":
        value = _long(field, text)
        if value != value.to_integral_value():
            return {"lte": int(value.to_integral_value(ROUND_FLOOR))}
        return {"lte" if inclusive else "lt": int(value)}
    value = _double(field, text) if field.type == "double" else text
    return {"lte" if inclusive else "lt": value}


def _boolean(field: Field, text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidQuery(f"'{text}' is not a boolean ({_kind(field)}: write true or false)", field=field.path)


def _number(field: Field, text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise InvalidQuery(f"'{text}' is not a number ({_kind(field)})", field=field.path)
    return Decimal(text)


def _long(field: Field, text: str) -> Decimal:
    value = _number(field, text)
    if not _LONG_MIN <= value <= _LONG_MAX:
        raise InvalidQuery(f"'{text}' is out of range for {field.path} (64-bit integer)", field=field.path)
    return value


def _double(field: Field, text: str) -> float:
    value = float(_number(field, text))
    if math.isinf(value):
        raise InvalidQuery(f"'{text}' is out of range for {field.path} (64-bit float)", field=field.path)
    return value


def _instant(field: Field, text: str) -> tuple[datetime, datetime]:
    """The first instant `text` designates and the first one after it, at the precision written:
    `2024-01-05` is that whole UTC day, `2024-01-05T10:30` that minute."""
    m = _INSTANT.fullmatch(text)
    forms = "YYYY-MM-DD" if field.type == "date" else "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]"
    if not m:
        raise InvalidQuery(f"'{text}' is not a date ({_kind(field)}: write {forms}; date math such as "
                           "now-1d is not supported)", field=field.path)
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    if hour is not None and field.type == "date":
        raise InvalidQuery(f"'{text}': {field.path} holds calendar days, write {forms}", field=field.path)
    if hour is None:
        unit = timedelta(days=1)
    elif minute is None:
        unit = timedelta(hours=1)
    elif second is None:
        unit = timedelta(minutes=1)
    elif fraction is None:
        unit = timedelta(seconds=1)
    else:
        # Dates are kept to the millisecond (OpenSearch's `date`): finer digits are cut off, as
        # OpenSearch does, on both engines.
        fraction = fraction[:3]
        unit = timedelta(microseconds=10 ** (6 - len(fraction)))
    try:
        tz = timezone.utc if zone in (None, "Z") else timezone(
            (-1 if zone[0] == "-" else 1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:])))
        start = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                         int((fraction or "0").ljust(6, "0")), tzinfo=tz).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidQuery(f"'{text}' is not a valid date ({_kind(field)})", field=field.path) from None
    try:
        return start, start + unit
    except OverflowError:  # the last day Python can write (9999-12-31, a common open end)
        return start, _LAST_INSTANT


_LAST_INSTANT = datetime.max.replace(tzinfo=timezone.utc)

