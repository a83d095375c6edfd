"""The embedded engine: tantivy in a directory on disk (INSIDER_DATA_DIR/index).

Both document kinds (filings and transaction rows) live in ONE tantivy index, told apart by the
`_kind` field, so that a batch is a single commit: a crash can never expose a filing without its
rows. `reindex` builds a new generation directory and swaps the `CURRENT` pointer atomically;
readers in other processes notice the pointer change and reopen.
"""
from __future__ import annotations

import base64
import fcntl
import logging
import os
import shutil
import threading
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import orjson
import tantivy

from insider.errors import BadRequest, EngineUnavailable
from insider.settings import COLUMN_CACHE_MB, pure_python
from mappings import Field, IndexSpec
from mappings.filings import FILINGS
from mappings.flatten import PRESENT, flatten, present_paths
from mappings.transactions import TRANSACTIONS
from search.analysis import ANALYZER_NAME, tantivy_analyzer, token_pairs
from search.engines.base import MAX_RESULT_WINDOW, Batch, Engine, Page, check_distinct
from search.query import ast
from search.query.ast import Node, SortKey

try:  # the compiled aggregation (native/aggregate/, Rust): optional, tantivy-py's own is the reference
    import insider_aggregate
except ImportError:
    insider_aggregate = None

log = logging.getLogger(__name__)

KIND = "_kind"
# The document's JSON, stored and not indexed. A stored text field, not bytes: tantivy-py hands
# a 4.7 KB text value to Python in ~9 µs and a bytes value in ~18 (a page of 50 filings: 0.45 ms
# saved). An index written before keeps its bytes field (base64 in JSON) until `insider reindex`.
SOURCE = "_source"
STORED_ONLY = "stored_only"  # the tokenizer that makes no tokens
_NOTHING = object()  # no hit after the page
SMALL_GROUP = 8  # tie groups up to this size are ordered from their stored values, larger ones by a search
SPECS = (FILINGS, TRANSACTIONS)
STORED_KEYS = frozenset(spec.key for spec in SPECS)  # stored beside the source: readable without parsing it
BUCKET_LIMIT = 65_000
WRITER_HEAP = 256_000_000
WRITER_THREADS = 2  # each commit writes up to this many segments (tests set 1 to get one)

_FAST_TYPES = {
    "date": tantivy.FieldType.Date, "datetime": tantivy.FieldType.Date,
    "long": tantivy.FieldType.Integer, "double": tantivy.FieldType.Float,
    "boolean": tantivy.FieldType.Boolean, "keyword": tantivy.FieldType.Text,
}


def _all_fields() -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for spec in SPECS:
        for f in spec.fields:
            known = fields.get(f.path)
            assert known is None or known.type == f.type, f"{f.path} typed differently in two indexes"
            fields[f.path] = f
    return fields


FIELDS = _all_fields()
# Columnar (fast) storage costs at every commit; only sort keys and aggregated fields need it.
FAST = {f.path for f in FILINGS.fields if f.sortable} | {f.path for f in TRANSACTIONS.fields}

# tantivy answers a range over a fast field by scanning the column of EVERY document (7 ms at 1M
# filings whatever the range). So each fast date field also gets a day-number twin, indexed only:
# a range of days is a union of a few posting lists. A date range spanning at most
# DAY_TERMS_MAX_SPAN days is run as the whole days inside it from the twin, plus its first and
# last day from the exact column (Translator._Range). Longer ranges match so much that the scan
# is cheaper, and a selective clause beside them makes the column merely seeked.
DAY_SUFFIX = "#day"
DAY_FIELDS = frozenset(p for p, f in FIELDS.items() if f.type in ("date", "datetime") and p in FAST)
DAY_TERMS_MAX_SPAN = 400
# The instants tantivy can store (nanoseconds since 1970 in a signed 64-bit integer), to the microsecond.
DATE_MIN = datetime(1677, 9, 21, 0, 12, 43, 145225, tzinfo=timezone.utc)
DATE_MAX = datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=timezone.utc)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FILED_AT = "filedAt"  # a fast field (sortable): reindex writes in its order
assert FILED_AT in FAST
WRITER_LOCK = ".tantivy-writer.lock"  # tantivy's own name for its writer lock file


# Word pairs of the long free-text fields, indexed as single terms: a phrase of common words
# (`footnotes.text:"weighted average"`, half the filings) is otherwise answered by reading both
# words' positions in every filing that has both, 30-70 ms at 1M filings; a pair term is one
# posting list. A phrase of two words is its pair term; a longer one is its pairs (which narrow
# the candidates) and the phrase itself (which checks their order). Pairs never span two values
# of a multi-valued field, as OpenSearch's position gap between values keeps phrases from doing.
PAIR_SUFFIX = "#pairs"
PAIR_FIELDS = frozenset(p for p, f in FIELDS.items() if f.phrase_pairs and f.type == "text")


def _takes_term(schema: tantivy.Schema, field: str, value) -> bool:
    """Whether `schema` has `field` with the type of `value`: how an index written by an earlier
    version is told apart (it lacks a field, or types it differently)."""
    try:
        tantivy.Query.term_query(schema, field, value)
    except ValueError:
        return False
    return True


def _has_pair_terms(schema: tantivy.Schema) -> bool:
    return bool(PAIR_FIELDS) and _takes_term(schema, next(iter(PAIR_FIELDS)) + PAIR_SUFFIX, "")


def _note_internal_error(exc: Exception) -> None:
    """The compiled extension turns its own panics into NotImplementedError ("internal error:
    ..."): tantivy-py still answers, and the log says that a bug was met."""
    if isinstance(exc, NotImplementedError) and str(exc).startswith("internal error"):
        log.warning("the compiled extension failed, tantivy-py answered instead: %s", exc)


def _has_day_terms(schema: tantivy.Schema) -> bool:
    return bool(DAY_FIELDS) and _takes_term(schema, next(iter(DAY_FIELDS)) + DAY_SUFFIX, 0)


def day_number(moment: datetime) -> int:
    """Days since 1970-01-01 of a UTC datetime's calendar day (negative before)."""
    return (moment - _EPOCH).days


def build_schema(text_source: bool = True, pairs: bool = True) -> tantivy.Schema:
    """The schema new generations are written with (`text_source=False, pairs=False`: as the
    version before this one wrote it, for the upgrade tests)."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field(KIND, fast=True, tokenizer_name="raw")
    if text_source:
        sb.add_text_field(SOURCE, stored=True, tokenizer_name=STORED_ONLY, index_option="basic")
    else:
        sb.add_bytes_field(SOURCE, stored=True)
    sb.add_text_field(PRESENT, tokenizer_name="raw", index_option="basic")
    for f in FIELDS.values():
        fast = f.path in FAST
        if f.type == "keyword":
            sb.add_text_field(f.path, stored=f.path in STORED_KEYS, fast=fast, tokenizer_name="raw")
        elif f.type == "text":
            sb.add_text_field(f.path, tokenizer_name=ANALYZER_NAME, index_option="position")
        elif f.type in ("date", "datetime"):
            sb.add_date_field(f.path, indexed=True, fast=fast)
        elif f.type == "long":
            sb.add_integer_field(f.path, indexed=True, fast=fast)
        elif f.type == "double":
            sb.add_float_field(f.path, indexed=True, fast=fast)
        else:
            sb.add_boolean_field(f.path, indexed=True, fast=fast)
    for path in sorted(DAY_FIELDS):  # last, so that every other field keeps its number
        sb.add_integer_field(path + DAY_SUFFIX, indexed=True)
    for path in sorted(PAIR_FIELDS) if pairs else ():
        sb.add_text_field(path + PAIR_SUFFIX, tokenizer_name="raw", index_option="basic")
    return sb.build()


# --- values ---------------------------------------------------------------------------------

def to_datetime(value) -> datetime:
    if isinstance(value, str):
        return _parse_datetime(value)
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return _parse_datetime(str(value))


@lru_cache(maxsize=65536)
def _parse_datetime(text: str) -> datetime:
    if len(text) == 10:
        return datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), tzinfo=timezone.utc)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _convert(field: Field, value):
    t = field.type
    if t in ("date", "datetime"):
        return to_datetime(value)
    if t == "long":
        return int(value)
    if t == "double":
        return float(value)
    if t == "boolean":
        return bool(value)
    return str(value)


def _converter(field: Field):
    """None when the JSON value is already what tantivy takes (strings, booleans, integers)."""
    if field.type in ("date", "datetime"):
        return to_datetime
    if field.type == "double":
        return float
    return None


# Per field, computed once: how to convert its values.
_CONVERT = {path: _converter(f) for path, f in FIELDS.items()}


def _source_is_text(schema: tantivy.Schema) -> bool:
    return _takes_term(schema, SOURCE, "")  # earlier versions stored it as bytes


def stored_only_analyzer() -> tantivy.TextAnalyzer:
    """Whole text as one token, then dropped: stored, never in the term dictionary."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.remove_long(1)).build()


def encode(spec: IndexSpec, document: dict, source_as_base64: bool = False) -> str:
    """A document in the JSON form `IndexWriter.add_json` takes: every field's values (dates as
    RFC 3339), the source JSON (base64 for an index from before the text source), the kind, and
    the paths it makes present. Pure, so the ingest pipeline runs it in its worker processes; the
    writer only hands the string over."""
    source = orjson.dumps(document)
    values: dict[str, object] = {KIND: spec.name,
                                 SOURCE: base64.b64encode(source).decode() if source_as_base64 else source.decode()}
    flat = flatten(spec, document)
    for path, items in flat.items():
        convert = _CONVERT[path]
        values[path] = items if convert is None else [convert(v) for v in items]
        if path in DAY_FIELDS:
            values[path + DAY_SUFFIX] = [day_number(v) for v in values[path]]
        elif path in PAIR_FIELDS:
            values[path + PAIR_SUFFIX] = [pair for text in items for pair in token_pairs(text)]
    values[PRESENT] = present_paths(flat)
    return orjson.dumps(values).decode()


# --- query translation (AST -> tantivy.Query) -----------------------------------------------

def _regex_escape(text: str) -> str:
    return "".join("\\" + c if c in ".+*?()|[]{}^$\\#&~<>\"@" else c for c in text)


def wildcard_to_regex(pattern: str) -> str:
    """`*` and `?` stand for any characters, line breaks included (as in Lucene's wildcards)."""
    out = ["(?s)"]
    for c in pattern:
        out.append(".*" if c == "*" else "." if c == "?" else _regex_escape(c))
    return "".join(out)


def _lit(c: str) -> str:
    return "\\x{%X}" % ord(c)


def _class(first: int, last: int) -> str | None:
    """A character class of the code points first..last that a string can hold (none of the
    surrogates D800-DFFF, which a regex class may not name); None when there is none."""
    if 0xD800 <= first <= 0xDFFF:
        first = 0xE000
    if 0xD800 <= last <= 0xDFFF:
        last = 0xD7FF
    if first > last:
        return None
    if first < 0xD800 and last > 0xDFFF:
        return "[\\x{%X}-\\x{D7FF}\\x{E000}-\\x{%X}]" % (first, last)
    return "[\\x{%X}-\\x{%X}]" % (first, last)


def _above(low: str, inclusive: bool) -> list[str]:
    """Alternatives matching exactly the strings > low (>= when inclusive)."""
    alternatives = [
        "".join(map(_lit, low[:i])) + cls + ".*"
        for i, c in enumerate(low) if (cls := _class(ord(c) + 1, 0x10FFFF))
    ]
    alternatives.append("".join(map(_lit, low)) + (".*" if inclusive else ".+"))
    return alternatives


def _below(high: str, inclusive: bool) -> list[str]:
    """Alternatives matching exactly the strings < high (<= when inclusive); none for < ''."""
    alternatives = []
    for i, c in enumerate(high):
        prefix = "".join(map(_lit, high[:i]))
        alternatives.append(prefix)
        cls = _class(0, ord(c) - 1)
        if cls:
            alternatives.append(prefix + cls + ".*")
    if inclusive:
        alternatives.append("".join(map(_lit, high)))
    return alternatives


def _either(alternatives: list[str]) -> str:
    return "(?s)(" + "|".join(alternatives) + ")"


def string_above(low: str, inclusive: bool) -> str:
    """A regex matching exactly the strings > low (>= when inclusive), in code-point order."""
    return _either(_above(low, inclusive))


def string_below(high: str, inclusive: bool) -> str | None:
    """A regex matching exactly the strings < high (<= when inclusive), in code-point order;
    None when there is none (nothing is below "")."""
    alternatives = _below(high, inclusive)
    return _either(alternatives) if alternatives else None


def string_between(low: str, low_inclusive: bool, high: str, high_inclusive: bool) -> str | None:
    """One regex matching exactly the strings between the bounds, in code-point order; None when
    none can. One automaton, not one per bound: on a multi-valued field each bound could
    otherwise be met by a different value of the same document."""
    if low > high or (low == high and not (low_inclusive and high_inclusive)):
        return None
    k = 0
    while k < min(len(low), len(high)) and low[k] == high[k]:
        k += 1
    prefix = "".join(map(_lit, low[:k]))
    if k == len(low):  # low is a prefix of high (or equal to it): the rest is bounded above only
        rest = [a for a in _below(high[k:], high_inclusive) if low_inclusive or a != ""]
        return _either([prefix + "(" + "|".join(rest) + ")"]) if rest else None
    # low[k] < high[k]: the next character is low's, one in between, or high's
    branches = [_lit(low[k]) + "(" + "|".join(_above(low[k + 1:], low_inclusive)) + ")"]
    middle = _class(ord(low[k]) + 1, ord(high[k]) - 1)
    if middle:
        branches.append(middle + ".*")
    upper = _below(high[k + 1:], high_inclusive)
    if upper:
        branches.append(_lit(high[k]) + "(" + "|".join(upper) + ")")
    return _either([prefix + "(" + "|".join(branches) + ")"])


class Unsupported(Exception):
    """A query the compiled aggregation cannot build (phrases, regular expressions, fuzzy terms):
    the caller runs it through tantivy-py instead."""


_OCCUR = {"must": tantivy.Occur.Must, "should": tantivy.Occur.Should, "must_not": tantivy.Occur.MustNot}
_RANGE_KINDS = {tantivy.FieldType.Date: "date", tantivy.FieldType.Integer: "integer",
                tantivy.FieldType.Float: "float", tantivy.FieldType.Boolean: "boolean"}


class TantivyQueries:
    """What Translator builds with: tantivy-py query objects."""

    def __init__(self, schema: tantivy.Schema):
        self.schema = schema

    def all(self):
        return tantivy.Query.all_query()

    def empty(self):
        return tantivy.Query.empty_query()

    def term(self, field: str, value):
        return tantivy.Query.term_query(self.schema, field, value)

    def range(self, field: str, field_type, low, high, include_lower: bool, include_upper: bool):
        return tantivy.Query.range_query(self.schema, field, field_type, low, high, include_lower, include_upper)

    def boolean(self, clauses: list[tuple[str, Any]]):
        return tantivy.Query.boolean_query([(_OCCUR[occur], q) for occur, q in clauses])

    def regex(self, field: str, pattern: str):
        return tantivy.Query.regex_query(self.schema, field, pattern)

    def phrase(self, field: str, tokens: list[str], slop: int):
        return tantivy.Query.phrase_query(self.schema, field, tokens, slop=slop)

    def fuzzy(self, field: str, term: str, distance: int):
        return tantivy.Query.fuzzy_term_query(self.schema, field, term, distance=distance, transposition_cost_one=True)

    def boost(self, query, factor: float):
        return tantivy.Query.boost_query(query, factor)


class SpecQueries:
    """What Translator builds for the compiled aggregation (`insider_aggregate`): the same
    queries as tuples it turns into tantivy queries one to one (its README lists them). Only
    the clauses analytics filters use; the others raise Unsupported."""

    def all(self):
        return ("all",)

    def empty(self):
        return ("empty",)

    def term(self, field: str, value):
        return ("term", field, value)

    def range(self, field: str, field_type, low, high, include_lower: bool, include_upper: bool):
        return ("range", field, _RANGE_KINDS[field_type], low, high, include_lower, include_upper)

    def boolean(self, clauses: list[tuple[str, Any]]):
        return ("bool", clauses)

    def boost(self, query, factor: float):
        return ("boost", query, factor)

    def regex(self, field, pattern):
        raise Unsupported("regular expression")

    def phrase(self, field, tokens, slop):
        raise Unsupported("phrase")

    def fuzzy(self, field, term, distance):
        raise Unsupported("fuzzy term")


class Translator:
    """AST -> the engine's query, built by `queries` (tantivy-py objects by default)."""

    def __init__(self, schema: tantivy.Schema, day_terms: bool = True, pair_terms: bool = True, queries=None):
        self.schema = schema
        self.day_terms = day_terms  # False for an index written before the day twins existed
        self.pair_terms = pair_terms  # False for an index written before the word pairs
        self.q = queries or TantivyQueries(schema)

    def __call__(self, node: Node):
        return getattr(self, "_" + type(node).__name__)(node)

    def for_spec(self) -> "Translator":
        """The same translation, built as specs for the compiled aggregation."""
        return Translator(self.schema, self.day_terms, self.pair_terms, SpecQueries())

    def _MatchAll(self, node):
        return self.q.all()

    def _MatchNone(self, node):
        return self.q.empty()

    def _value(self, field: str, value):
        return _convert(FIELDS[field], value)

    def _Term(self, node: ast.Term):
        f = FIELDS[node.field]
        if f.type in ("date", "datetime"):
            v = to_datetime(node.value)
            if not DATE_MIN <= v <= DATE_MAX:  # no document holds a date tantivy cannot store
                return self._MatchNone(node)
            return self.q.range(node.field, tantivy.FieldType.Date, v, v, True, True)
        if f.type == "double":
            v = float(node.value)
            return self.q.range(node.field, tantivy.FieldType.Float, v, v, True, True)
        return self.q.term(node.field, self._value(node.field, node.value))

    def _Terms(self, node: ast.Terms):
        return self.q.boolean([("should", self._Term(ast.Term(node.field, v))) for v in node.values])

    def _Phrase(self, node: ast.Phrase):
        if len(node.tokens) == 1:
            return self.q.term(node.field, node.tokens[0])
        phrase = self.q.phrase(node.field, list(node.tokens), node.slop)
        if node.slop or not self.pair_terms or node.field not in PAIR_FIELDS:
            return phrase
        pairs = [self.q.term(node.field + PAIR_SUFFIX, f"{a} {b}")
                 for a, b in zip(node.tokens, node.tokens[1:])]
        if len(pairs) == 1:
            return pairs[0]
        return self.q.boolean([("must", q) for q in pairs + [phrase]])

    def _Range(self, node: ast.Range):
        f = FIELDS[node.field]
        if f.type == "keyword":
            return self._keyword_range(node)
        lower = node.gte if node.gte is not None else node.gt
        upper = node.lte if node.lte is not None else node.lt
        low = self._value(node.field, lower) if lower is not None else None
        high = self._value(node.field, upper) if upper is not None else None
        if f.type in ("date", "datetime"):
            # tantivy stores nanoseconds in 64 bits (1677-2262): a bound beyond that range bounds
            # nothing, or leaves nothing, as it does on OpenSearch, whose documents are no wider.
            if (low is not None and low > DATE_MAX) or (high is not None and high < DATE_MIN):
                return self._MatchNone(node)
            low = None if low is None else max(low, DATE_MIN)
            high = None if high is None else min(high, DATE_MAX)
        exact = self.q.range(node.field, _FAST_TYPES[f.type], low, high, node.gt is None, node.lt is None)
        if not (self.day_terms and node.field in DAY_FIELDS and low is not None and high is not None):
            return exact
        first, last = day_number(low), day_number(high)
        if not 2 <= last - first <= DAY_TERMS_MAX_SPAN:
            return exact
        twin = node.field + DAY_SUFFIX
        inside = self.q.range(twin, tantivy.FieldType.Integer, first + 1, last - 1, True, True)
        edges = [self.q.boolean([("must", self.q.term(twin, day)), ("must", exact)]) for day in (first, last)]
        return self.q.boolean([("should", q) for q in (inside, *edges)])

    def _keyword_range(self, node: ast.Range):
        """tantivy has no range over strings; like Lucene's TermRangeQuery, run it as an automaton
        over the term dictionary (UTF-8 byte order, which is code-point order and OpenSearch's
        keyword order)."""
        clauses = []
        lower = node.gte if node.gte is not None else node.gt
        upper = node.lte if node.lte is not None else node.lt
        if lower is not None and upper is not None:
            between = string_between(str(lower), node.gt is None, str(upper), node.lt is None)
            if between is None:
                return self._MatchNone(node)
            return self.q.regex(node.field, between)
        if lower is not None:
            clauses.append(string_above(str(lower), inclusive=node.gt is None))
        if upper is not None:
            below = string_below(str(upper), inclusive=node.lt is None)
            if below is None:
                return self._MatchNone(node)
            clauses.append(below)
        if not clauses:
            return self.q.term(PRESENT, node.field)
        return self.q.boolean([("must", self.q.regex(node.field, r)) for r in clauses])

    def _Wildcard(self, node: ast.Wildcard):
        return self.q.regex(node.field, wildcard_to_regex(node.pattern))

    def _Regex(self, node: ast.Regex):
        return self.q.regex(node.field, node.pattern)

    def _Fuzzy(self, node: ast.Fuzzy):
        return self.q.fuzzy(node.field, node.term, node.distance)

    def _Exists(self, node: ast.Exists):
        return self.q.term(PRESENT, node.field)

    def _Bool(self, node: ast.Bool):
        clauses = [("must", self(q)) for q in node.must + node.filter]
        clauses += [("should", self(q)) for q in node.should]
        clauses += [("must_not", self(q)) for q in node.must_not]
        if node.must_not and not (node.must or node.filter or node.should):
            clauses.append(("must", self.q.all()))
        return self.q.boolean(clauses)

    def _Boost(self, node: ast.Boost):
        return self.q.boost(self(node.query), node.boost)


# --- aggregation dialect -> tantivy, and results back to the normal form ---------------------

def _agg_request(aggs: dict) -> dict:
    out = {}
    for name, spec in aggs.items():
        kind = next(k for k in spec if k != "aggs")
        body = dict(spec[kind])
        if kind == "distinct":
            # Its terms, counted in _agg_result: exact up to `size`, the most it reports (a segment
            # tantivy cuts to its segment size holds more values than that already).
            check_distinct(name, spec)
            kind, body = "terms", {"field": body["field"], "size": body["size"], "segment_size": BUCKET_LIMIT}
        elif kind == "terms":
            size = body.get("size", 10)
            body = {"field": body["field"], "size": size, "segment_size": BUCKET_LIMIT,
                    **({"missing": body["missing"]} if "missing" in body else {})}
        elif kind == "date_histogram":
            body = {"field": body["field"], "fixed_interval": "1d", "min_doc_count": 1}
        elif kind == "range":
            if not body["ranges"]:  # tantivy panics on it (a PanicException, not an error)
                raise BadRequest(f"the range aggregation {name!r} names no range")
            body = {"field": body["field"], "ranges": [dict(r) for r in body["ranges"]]}
        translated = {kind: body}
        if "aggs" in spec:
            translated["aggs"] = _agg_request(spec["aggs"])
        out[name] = translated
    return out


def _agg_result(aggs: dict, raw: dict) -> dict:
    out = {}
    for name, spec in aggs.items():
        kind = next(k for k in spec if k != "aggs")
        res = raw.get(name, {})
        field = FIELDS[spec[kind]["field"]]
        if kind == "distinct":
            out[name] = {"value": min(len(res.get("buckets", ())), spec[kind]["size"])}
        elif kind == "terms" and "aggs" not in spec and field.type != "boolean":
            # A leaf terms aggregation (possibly thousands of buckets): keys are strings already.
            pairs = sorted((-b["doc_count"], str(b["key"])) for b in res.get("buckets", ()))
            out[name] = {"buckets": [{"key": k, "doc_count": -n} for n, k in pairs[: spec[kind].get("size", 10)]]}
        elif kind in ("terms", "date_histogram"):
            buckets = []
            for b in res.get("buckets", []):
                if kind == "terms":
                    key = b.get("key_as_string", b["key"]) if field.type == "boolean" else b["key"]
                    key = str(key)
                else:
                    key = datetime.fromtimestamp(b["key"] / 1000, tz=timezone.utc).strftime("%Y-%m-%d")
                bucket = {"key": key, "doc_count": int(b["doc_count"])}
                if "aggs" in spec:
                    bucket.update(_agg_result(spec["aggs"], b))
                buckets.append(bucket)
            if kind == "terms":
                buckets.sort(key=lambda b: (-b["doc_count"], b["key"]))
                buckets = buckets[: spec[kind].get("size", 10)]
            out[name] = {"buckets": buckets}
        elif kind == "range":
            # tantivy adds buckets for the gaps between the requested ranges; only ours are kept.
            found = {b["key"]: b for b in res.get("buckets", [])}
            buckets = []
            for r in spec[kind]["ranges"]:
                b = found.get(r["key"], {"doc_count": 0})
                bucket = {"key": r["key"], "doc_count": int(b["doc_count"])}
                if "aggs" in spec:
                    bucket.update(_agg_result(spec["aggs"], b))
                buckets.append(bucket)
            out[name] = {"buckets": buckets}
        elif kind == "value_count":
            out[name] = {"value": int(res.get("value") or 0)}
        elif kind == "sum":
            out[name] = {"value": float(res.get("value") or 0.0)}
        else:
            value = res.get("value")
            if value is not None and field.type in ("date", "datetime"):
                value = value / 1_000_000  # tantivy reports dates in ns; the contract is epoch ms
            out[name] = {"value": None if value is None else float(value)}
    return out


# Fields that only one kind of document has: a query that requires one of them needs no kind term.
EXCLUSIVE_FIELDS = {spec.name: {f.path for f in spec.fields}
                    - {f.path for other in SPECS if other is not spec for f in other.fields}
                    for spec in SPECS}
_LEAVES = (ast.Term, ast.Terms, ast.Phrase, ast.Range, ast.Wildcard, ast.Regex, ast.Fuzzy, ast.Exists)


def required_fields(node: Node) -> set[str]:
    """Fields every match of `node` has a value in (its required leaves)."""
    if isinstance(node, _LEAVES):
        return {node.field}
    if isinstance(node, ast.Boost):
        return required_fields(node.query)
    if isinstance(node, ast.Bool):
        return set().union(*(required_fields(q) for q in node.must + node.filter))
    return set()


# --- the engine -----------------------------------------------------------------------------

def _new_generation() -> str:
    """A new generation directory's name: they sort in the order they were made."""
    return "gen-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")


class TantivyEngine(Engine):
    name = "tantivy"
    encoder = staticmethod(encode)

    def __init__(self, data_dir: Path, column_cache_mb: int = COLUMN_CACHE_MB):
        self.root = Path(data_dir) / "index"
        # the compiled aggregation's decoded columns, per process (native/aggregate/src/decoded.rs)
        self.column_cache_bytes = column_cache_mb << 20
        self._schema = build_schema()      # what new generations are written with
        self.schema = self._schema          # the current generation's (an older index keeps its own)
        self.translate = Translator(self.schema)
        self.translate_spec = self.translate.for_spec()  # the same translation, for the compiled aggregation
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._generation: str | None = None
        self._writer = None
        self._searcher_cache: tuple[tuple, tantivy.Searcher] | None = None
        self._compiled_cache: tuple[tuple | None, Any, str] | None = None  # (stamp, insider_aggregate.Index, generation)
        self._pointer_cache: tuple[tuple, str | None] | None = None
        # Asked on every request: plain strings, not Path joins (~10 µs a request).
        self._pointer_path = str(self.root / "CURRENT")
        self._meta_path: str | None = None
        self._base64_source = False  # the current generation predates the text source

    # -- opening and generations --

    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _read_pointer(self) -> str | None:
        """The generation CURRENT names. Every request asks, so the file is read again only when
        its stat changes (a swap replaces it, new inode): a stat is ~2 µs, a read ~100."""
        try:
            st = os.stat(self._pointer_path)
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            cached = self._pointer_cache
            if cached is not None and cached[0] == stamp:
                return cached[1]
            generation = self._pointer().read_text().strip() or None
        except FileNotFoundError:
            return None
        self._pointer_cache = (stamp, generation)
        return generation

    def _open(self, generation: str) -> tantivy.Index:
        path = self.root / generation
        path.mkdir(parents=True, exist_ok=True)
        try:
            index = tantivy.Index(self._schema, path=str(path), reuse=True)
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise EngineUnavailable(f"cannot open the index at {path}: {exc}") from exc
            try:  # written by an earlier version: served with its own schema until `insider reindex`
                index = tantivy.Index.open(str(path))
            except ValueError as again:
                raise EngineUnavailable(f"cannot open the index at {path}: {again}") from again
            log.warning("the index at %s predates this version's schema; it is served as it is, with "
                        "slower date ranges: run `insider reindex` to rebuild it", path)
        index.register_tokenizer(ANALYZER_NAME, tantivy_analyzer())
        index.register_tokenizer(STORED_ONLY, stored_only_analyzer())
        return index

    def _swap_pointer(self, generation: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(generation)
        os.replace(tmp, self._pointer())

    def ensure_ready(self) -> None:
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            if self._read_pointer() is None:
                # Two processes starting on an empty data dir would each create a first generation,
                # and one's writes could land in the one the pointer no longer names.
                lock = os.open(self.root, os.O_RDONLY)  # the directory itself: no lock file beside the generations
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if self._read_pointer() is None:  # still: this process creates it
                        generation = _new_generation()
                        self._open(generation)
                        self._swap_pointer(generation)
                finally:
                    os.close(lock)
            self._current()

    def _current(self) -> tantivy.Index:
        """The index of the current generation, reopened when another process swapped it."""
        with self._lock:
            generation = self._read_pointer()
            if generation is None:
                raise EngineUnavailable(f"no index under {self.root}: run `insider ingest` first")
            if generation != self._generation:
                if self._writer is not None:
                    self._writer = None
                self._index = self._open(generation)
                self._generation = generation
                self._meta_path = str(self.root / generation / "meta.json")
                self.schema = self._index.schema
                self.translate = Translator(self.schema, day_terms=_has_day_terms(self.schema),
                                            pair_terms=_has_pair_terms(self.schema))
                self.translate_spec = self.translate.for_spec()
                self._base64_source = not _source_is_text(self.schema)
            return self._index

    def _searcher(self) -> tantivy.Searcher:
        """A searcher over the latest commit. Reloading the reader costs about a millisecond, so
        it happens only when the generation's meta.json (which every commit, from this process
        or another, replaces atomically) is not the one the cached searcher was opened on."""
        index = self._current()
        try:
            meta = os.stat(self._meta_path)
            stamp = (self._generation, meta.st_ino, meta.st_mtime_ns, meta.st_size)
        except FileNotFoundError:
            stamp = None
        cached = self._searcher_cache
        if stamp is not None and cached is not None and cached[0] == stamp:
            return cached[1]
        with self._lock:
            index.reload()
            searcher = index.searcher()
            self._searcher_cache = (stamp, searcher) if stamp is not None else None
        return searcher

    def _compiled(self):
        """The compiled aggregation's view of the current generation at its latest commit, or None
        (not built, or INSIDER_PURE_PYTHON=1). It reloads when the searcher does."""
        if insider_aggregate is None or pure_python():
            return None
        self._searcher()  # the generation and commit this process serves now
        stamp = self._searcher_cache[0] if self._searcher_cache else None
        generation = self._generation
        cached = self._compiled_cache
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        with self._lock:
            if cached is not None and cached[2] == generation:
                compiled = cached[1]
                compiled.reload()
            else:
                try:
                    compiled = insider_aggregate.Index(str(self.root / generation),
                                                       column_cache_bytes=self.column_cache_bytes)
                except ValueError as exc:
                    raise EngineUnavailable(f"cannot open the index at {self.root / generation}: {exc}") from exc
            self._compiled_cache = (stamp, compiled, generation)
        return compiled

    def _kind_query(self, spec: IndexSpec, query: Node, translate: Translator | None = None):
        """`query` over the documents of `spec` alone. The kind term is left out when a required
        clause names a field only `spec`'s documents have: intersecting with a term that matches
        most of the index costs as much as the query itself (10 ms on a 365-day window at 1M
        filings). A query tantivy refuses to build (a regular expression over its automaton size
        limit, say) is the caller's: 400, not 500."""
        translate = translate or self.translate
        try:
            translated = translate(query)
        except ValueError as exc:
            raise BadRequest(f"the query is too complex to run: {exc}") from exc
        if required_fields(query) & EXCLUSIVE_FIELDS[spec.name]:
            return translated
        kind = translate.q.term(KIND, spec.name)
        if isinstance(query, ast.MatchAll):
            return kind
        return translate.q.boolean([("must", kind), ("must", translated)])

    # -- writing --

    def _get_writer(self):
        index = self._current()
        if self._writer is None:
            try:
                self._writer = index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
            except ValueError as exc:
                raise EngineUnavailable(f"the index is locked by another writer: {exc}") from exc
        return self._writer

    def write(self, batch: Batch) -> None:
        with self._lock:
            writer = self._get_writer()
            try:
                self._add(writer, batch, self._base64_source)
                writer.commit()
            except ValueError as exc:
                if "IO error" not in str(exc):
                    raise
                # A full disk, a read-only directory: the batch is not committed (the last commit
                # stays what readers see), and this writer is done with; a later write starts anew.
                self._writer = None
                raise EngineUnavailable(f"could not write the index under {self.root}: {exc}") from exc

    def _add(self, writer, batch: Batch, base64_source: bool = False) -> None:
        """`base64_source`: the index predates the text source; the workers' encodings (made for
        the current schema) are set aside and each document encoded for the old one."""
        encoded = {} if base64_source else batch.encoded
        for filing in batch.filings:
            accession = filing["accessionNo"]
            writer.delete_documents_by_term(FILINGS.key, accession)
            writer.delete_documents_by_term("accession_no", accession)
            writer.add_json(encoded.get((FILINGS.name, accession)) or encode(FILINGS, filing, base64_source))
        for row in batch.rows:
            writer.add_json(encoded.get((TRANSACTIONS.name, row["id"])) or encode(TRANSACTIONS, row, base64_source))
        for row in batch.row_updates:
            writer.delete_documents_by_term(TRANSACTIONS.key, row["id"])  # only the stored copy
            writer.add_json(encode(TRANSACTIONS, row, base64_source))

    def reserve_writer(self) -> None:
        with self._lock:
            self._get_writer()

    def release_writer(self) -> None:
        with self._lock:
            self._writer = None  # dropping tantivy's writer releases the index's writer lock

    def known_accessions(self, accessions: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(accessions))
        if not wanted:
            return set()
        searcher = self._searcher()
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, KIND, FILINGS.name)),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, FILINGS.key, wanted)),
        ])
        hits = searcher.search(query, limit=len(wanted), count=False).hits
        return {searcher.doc(addr).get_first(FILINGS.key) for _, addr in hits}

    # -- searching --

    def search(self, spec: IndexSpec, query: Node, sort: list[SortKey], offset: int, size: int,
               raw: bool = False) -> Page:
        need = min(offset + size, MAX_RESULT_WINDOW)
        keys = list(sort) + [SortKey(spec.key)]
        decode = orjson.Fragment if raw else orjson.loads  # a Fragment is the stored JSON as it is
        page = self._search_compiled(spec, query, keys, offset, need, decode) if need > offset else None
        if page is not None:
            return page
        searcher = self._searcher()
        q = self._kind_query(spec, query)
        total, addresses = None, []
        if need > offset:
            total, addresses = self._top(searcher, q, keys, need, spec, count=True, skip=offset)
            addresses = addresses[offset:need]
        if total is None:
            total = searcher.search(q, limit=1, count=True).count
        documents = [decode(searcher.doc(a).get_first(SOURCE)) for a in addresses]
        return Page(total=min(total, MAX_RESULT_WINDOW), total_is_exact=total <= MAX_RESULT_WINDOW,
                    documents=documents)

    def _search_compiled(self, spec: IndexSpec, query: Node, keys: list[SortKey], offset: int, need: int,
                         decode) -> Page | None:
        """The page through the compiled extension when it can answer it, else None (tantivy-py's
        path then answers). It takes one-field sorts (the default one too): it orders by that
        field's column, then by the document key, and reads the page's sources itself, with the
        columns it keeps open from one request to the next (tantivy opens them on every search:
        ~100 of a ticker query's ~150 µs at 1M filings). It declines a field that is not a
        numeric column (a keyword), a clause it does not build (text), and a page that documents
        without a key would leave tied (tantivy-py's path orders those as `_top` does). Sorts on
        several fields go through tantivy-py: ties on their first field are the rule (a calendar
        day) and would be found only after the compiled search.
        tests/search/engines/test_compiled_search.py compares the two paths."""
        if len(keys) < 2 or keys[1].field != spec.key or self._base64_source:
            return None
        compiled = self._compiled()
        if compiled is None:
            return None
        then = (spec.key, keys[1].descending)
        try:
            total, sources = compiled.top(self._kind_query(spec, query, self.translate_spec), keys[0].field,
                                          keys[0].descending, need, offset, SOURCE, then)
        except (Unsupported, NotImplementedError, ValueError) as exc:
            _note_internal_error(exc)
            return None  # ValueError: worded by tantivy-py's path, which raises it too
        if sources is None:
            return None
        return Page(total=min(total, MAX_RESULT_WINDOW), total_is_exact=total <= MAX_RESULT_WINDOW,
                    documents=[decode(s) for s in sources])

    def _equal(self, field: str, value) -> tantivy.Query:
        """Documents whose `field` has the sort value `value` (as a hit of an ordered search gives
        it). A date's equality goes through its day twin: a range on the fast column alone scans
        every document in the index (~7 ms at 1M filings), the twin's term is one posting list."""
        f = FIELDS[field]
        if f.type in ("date", "datetime"):
            v = datetime.fromtimestamp(value / 1e9, tz=timezone.utc)
            exact = tantivy.Query.range_query(self.schema, field, tantivy.FieldType.Date, v, v, True, True)
            if not (self.translate.day_terms and field in DAY_FIELDS):
                return exact
            day = tantivy.Query.term_query(self.schema, field + DAY_SUFFIX, day_number(v))
            if f.type == "date" and v.time() == datetime.min.time():  # a calendar day: the twin is exact
                return day
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, day), (tantivy.Occur.Must, exact)])
        if f.type == "double":
            # 0.0 and -0.0 are equal here, apart in the column's order: the range takes both
            low, high = (-0.0, 0.0) if value == 0 else (value, value)
            return tantivy.Query.range_query(self.schema, field, tantivy.FieldType.Float, low, high, True, True)
        return tantivy.Query.term_query(self.schema, field, value)

    def _top(self, searcher, query, keys: list[SortKey], need: int, spec: IndexSpec,
             count: bool = False, skip: int = 0) -> tuple[int | None, list]:
        """(matches if `count` was asked else None, the first `need` documents ordered by `keys`,
        missing values last). The first `skip` of them are only counted: they come back in no
        particular order (the caller drops them).

        tantivy orders by one fast field, puts documents without a value last in both directions
        (tests/search/engines pins this), and breaks ties by doc address. So take the top `need`,
        and one more to see whether the last group goes on, by the first key, and settle each
        group of equal values by the remaining keys: a group wholly before `skip` is left as it
        is; a small group that ends inside the page is ordered from its documents' values; a large
        one, or a last group that continues past `need`, is searched again, recursively. The final
        key is unique.
        """
        if need <= 0:
            return None, []
        key, rest = keys[0], keys[1:]
        order = tantivy.Order.Desc if key.descending else tantivy.Order.Asc
        found = searcher.search(query, limit=need if not rest else need + 1, order_by_field=key.field,
                                order=order, count=count)
        total = found.count if count else None
        if not rest:
            return total, [a for _, a in found.hits]
        hits = found.hits[:need]
        beyond = found.hits[need][0] if len(found.hits) > need else _NOTHING
        result: list = []
        i = 0
        while i < len(hits):
            j = i
            while j < len(hits) and hits[j][0] == hits[i][0]:
                j += 1
            group = [a for _, a in hits[i:j]]
            if j <= skip:
                result.extend(group)
            elif j - i <= SMALL_GROUP and (j < len(hits) or beyond != hits[i][0]):
                result.extend(self._order_group(searcher, group, rest, spec))
            else:
                # The group's documents within the first `need`, whether it ends there or goes on.
                value = hits[i][0]
                same = (tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, PRESENT, key.field)) \
                    if value is None else (tantivy.Occur.Must, self._equal(key.field, value))
                narrowed = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), same])
                result.extend(self._top(searcher, narrowed, rest, j - i, spec, skip=max(0, skip - i))[1])
            i = j
        return total, result[:need]

    def _order_group(self, searcher, addresses: list, keys: list[SortKey], spec: IndexSpec) -> list:
        """Order documents by `keys` from their own values (stable passes, last key first;
        missing values last in both directions)."""
        if len(addresses) == 1:
            return addresses
        docs = [searcher.doc(a) for a in addresses]
        if all(key.field in STORED_KEYS for key in keys):  # the usual tie-breaker: no JSON to parse
            column = {key.field: [d.get_first(key.field) for d in docs] for key in keys}
        else:
            sources = [flatten(spec, orjson.loads(d.get_first(SOURCE))) for d in docs]
            column = {}
            for key in keys:
                convert = _CONVERT[key.field] or (lambda v: v)
                column[key.field] = [convert(src[key.field][0]) if key.field in src else None for src in sources]
        order = list(range(len(addresses)))
        for key in reversed(keys):
            values = column[key.field]
            present = [i for i in order if values[i] is not None]
            absent = [i for i in order if values[i] is None]
            present.sort(key=values.__getitem__, reverse=key.descending)
            order = present + absent
        return [addresses[i] for i in order]

    def aggregate(self, spec: IndexSpec, query: Node, aggs: dict[str, Any]) -> dict[str, Any]:
        """Through the compiled aggregation when it is built and can take the request, otherwise
        through tantivy-py's: the results are equal (tests/search/engines/test_compiled_aggregate.py).
        tantivy's terms aggregation costs 2-4 µs for every bucket it returns, and exact distinct
        counts are thousands of buckets: by-sector over a year at 1M filings, ~50 ms."""
        compiled = self._compiled()
        if compiled is not None:
            try:
                return compiled.aggregate(self._kind_query(spec, query, self.translate_spec), aggs)
            except (Unsupported, NotImplementedError) as exc:
                _note_internal_error(exc)  # a clause or an aggregation it does not do: tantivy-py's answers
            except ValueError as exc:
                if "bucket limit" in str(exc):
                    raise BadRequest(f"aggregation exceeds the {BUCKET_LIMIT}-bucket limit") from exc
                # anything else (a value of the wrong type for its field, say) is worded by tantivy-py
        return self._aggregate_reference(spec, query, aggs)

    def _aggregate_reference(self, spec: IndexSpec, query: Node, aggs: dict[str, Any]) -> dict[str, Any]:
        searcher = self._searcher()
        try:
            raw = searcher.aggregate(self._kind_query(spec, query), _agg_request(aggs))
        except ValueError as exc:
            if "bucket limit" in str(exc):
                raise BadRequest(f"aggregation exceeds the {BUCKET_LIMIT}-bucket limit") from exc
            raise
        return _agg_result(aggs, raw)

    # -- reindex --

    def iter_filings(self):
        """Every filing in filing order (`filedAt` ascending; those without one last), so that
        `reindex` writes a generation whose rows lie in filing order, as `insider sync` and
        `insider follow` write them: a date window is then a few runs of each segment, not rows
        scattered across all of it (by-sector over 30 days at 1M filings: 4.3 ms median instead
        of 6-8; BENCHMARKS.md, session 8)."""
        searcher = self._searcher()
        q = tantivy.Query.term_query(self.schema, KIND, FILINGS.name)
        total = searcher.search(q, limit=1, count=True).count
        hits = searcher.search(q, limit=max(total, 1), count=False, order_by_field=FILED_AT,
                               order=tantivy.Order.Asc).hits if total else []
        for _, addr in hits:
            yield orjson.loads(searcher.doc(addr).get_first(SOURCE))

    def reindex(self, transform) -> int:
        """Rebuild into a new generation and swap it in. The current generation's writer lock is
        held throughout: another process's write would otherwise land in the generation being
        replaced, after it was read, and vanish with it. Such a writer waits (`insider follow`
        retries) or stops with "locked" (`insider ingest`: run it again)."""
        with self._lock:
            self._get_writer()  # EngineUnavailable when another process is writing
            old = self._read_pointer()
            self._remove_stray_generations(keep={old})
            generation = _new_generation()
            new_index = self._open(generation)
            count = 0
            try:
                writer = new_index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
                pending = Batch(filings=[], rows=[])
                for filing in self.iter_filings():
                    new_filing, rows = transform(filing)
                    pending.filings.append(new_filing)
                    pending.rows.extend(rows)
                    count += 1
                    if len(pending.filings) >= 1000:
                        self._add(writer, pending)
                        pending = Batch(filings=[], rows=[])
                self._add(writer, pending)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                shutil.rmtree(self.root / generation, ignore_errors=True)
                raise
            self._swap_pointer(generation)
            self._writer = None  # the old generation's lock goes with it
            self._current()
            if old and old != generation:
                shutil.rmtree(self.root / old, ignore_errors=True)
            return count

    def _remove_stray_generations(self, keep: set) -> None:
        """Generations left by a reindex that was killed (kill -9 and SIGTERM run no clean-up), or by
        two processes that both created the first one: nothing reads them, and each can be nearly
        the size of the index. One that a writer still holds is left alone."""
        for path in self.root.glob("gen-*"):
            if path.name in keep or not path.is_dir():
                continue
            lock = path / WRITER_LOCK
            try:
                fd = os.open(lock, os.O_RDWR)
            except FileNotFoundError:
                fd = None
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # tantivy's writer lock is a flock()
            except BlockingIOError:
                continue
            finally:
                if fd is not None:
                    os.close(fd)
            log.warning("removing %s, a generation no reader uses (left by an interrupted reindex)", path)
            shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.wait_merging_threads()
            self._writer = None
            self._index = None
            self._generation = None
            self._compiled_cache = None
