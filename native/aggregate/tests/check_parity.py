"""insider_aggregate against the reference: tantivy-py's own aggregation of the same query,
normalised by the engine's `_agg_request` / `_agg_result` (search/engines/tantivy_engine.py).

Run from the repository root with the project's virtualenv (insider_aggregate installed):

    .venv/bin/python native/aggregate/tests/check_parity.py
        small indexes written with tantivy-py in a temporary directory: missing values,
        multi-valued fields, empty results, ranges with gaps, the bucket limit to the bucket,
        the cases declined (NotImplementedError) and the errors (ValueError)
    .venv/bin/python native/aggregate/tests/check_parity.py --index DATA_DIR [--time]
        the analytics' requests (by-sector 30/365 days, its parts, the dialect nested, the
        filters) on a real index (INSIDER_DATA_DIR), and the timing of by-sector 365 days

Every answer must be equal to the reference's with the same Python types (an int is not a
float); a declined request must be one the reference does not answer exactly. Exit status: the
number of failures. Field names of the small indexes are the transactions mapping's, so that
`_agg_result` types them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import insider_aggregate
import tantivy

from mappings.transactions import TRANSACTIONS
from search.analytics.by_sector import distinct_counts, group_size, sector_filters, sums_aggs
from search.analytics.filters import and_, filter_node
from search.analytics.slices import RIDE_ALONG_SIZE, distinct_aggs, planned, terms_size
from search.engines import tantivy_engine as te
from search.engines.tantivy_engine import TantivyEngine, _agg_request, _agg_result
from search.query import ast

results = {"equal": 0, "declined": 0, "errors alike": 0, "FAIL": 0}

# --- query specs ---------------------------------------------------------------------------
# The engine's translation of an analytics AST, as a spec (mirrors Translator and _kind_query;
# real_index() checks it builds the very query the engine builds), and a spec as the
# tantivy-py query it stands for, so that both sides run the same query.

KINDS = {"integer": tantivy.FieldType.Integer, "float": tantivy.FieldType.Float,
         "date": tantivy.FieldType.Date, "boolean": tantivy.FieldType.Boolean}
KIND_OF = {"date": "date", "datetime": "date", "long": "integer", "double": "float", "boolean": "boolean"}
OCC = {"must": tantivy.Occur.Must, "should": tantivy.Occur.Should, "must_not": tantivy.Occur.MustNot}


def to_tantivy(schema, spec):
    tag = spec[0]
    if tag == "all":
        return tantivy.Query.all_query()
    if tag == "empty":
        return tantivy.Query.empty_query()
    if tag == "term":
        return tantivy.Query.term_query(schema, spec[1], spec[2])
    if tag == "range":
        return tantivy.Query.range_query(schema, spec[1], KINDS[spec[2]], spec[3], spec[4], spec[5], spec[6])
    if tag == "bool":
        return tantivy.Query.boolean_query([(OCC[o], to_tantivy(schema, q)) for o, q in spec[1]])
    if tag == "boost":
        return tantivy.Query.boost_query(to_tantivy(schema, spec[1]), spec[2])
    raise ValueError(tag)


def spec_of(node, day_terms=True):
    """Translator (HEAD) emitting specs."""
    t = type(node).__name__
    if t == "MatchAll":
        return ("all",)
    if t == "MatchNone":
        return ("empty",)
    if t == "Term":
        f = te.FIELDS[node.field]
        if f.type in ("date", "datetime"):
            v = te.to_datetime(node.value)
            if not te.DATE_MIN <= v <= te.DATE_MAX:
                return ("empty",)
            return ("range", node.field, "date", v, v, True, True)
        if f.type == "double":
            v = float(node.value)
            return ("range", node.field, "float", v, v, True, True)
        return ("term", node.field, te._convert(f, node.value))
    if t == "Terms":
        return ("bool", [("should", spec_of(ast.Term(node.field, v), day_terms)) for v in node.values])
    if t == "Exists":
        return ("term", te.PRESENT, node.field)
    if t == "Range":
        f = te.FIELDS[node.field]
        assert f.type != "keyword", "keyword ranges are regexes: not in the spec"
        lower = node.gte if node.gte is not None else node.gt
        upper = node.lte if node.lte is not None else node.lt
        low = te._convert(f, lower) if lower is not None else None
        high = te._convert(f, upper) if upper is not None else None
        if f.type in ("date", "datetime"):
            if (low is not None and low > te.DATE_MAX) or (high is not None and high < te.DATE_MIN):
                return ("empty",)
            low = None if low is None else max(low, te.DATE_MIN)
            high = None if high is None else min(high, te.DATE_MAX)
        exact = ("range", node.field, KIND_OF[f.type], low, high, node.gt is None, node.lt is None)
        if not (day_terms and node.field in te.DAY_FIELDS and low is not None and high is not None):
            return exact
        first, last = te.day_number(low), te.day_number(high)
        if not 2 <= last - first <= te.DAY_TERMS_MAX_SPAN:
            return exact
        twin = node.field + te.DAY_SUFFIX
        inside = ("range", twin, "integer", first + 1, last - 1, True, True)
        edges = [("bool", [("must", ("term", twin, day)), ("must", exact)]) for day in (first, last)]
        return ("bool", [("should", q) for q in (inside, *edges)])
    if t == "Bool":
        clauses = [("must", spec_of(q, day_terms)) for q in node.must + node.filter]
        clauses += [("should", spec_of(q, day_terms)) for q in node.should]
        clauses += [("must_not", spec_of(q, day_terms)) for q in node.must_not]
        if node.must_not and not (node.must or node.filter or node.should):
            clauses.append(("must", ("all",)))
        return ("bool", clauses)
    if t == "Boost":
        return ("boost", spec_of(node.query, day_terms), node.boost)
    raise AssertionError(t)


def kind_spec(spec_name, node):
    """_kind_query (HEAD)."""
    translated = spec_of(node)
    if te.required_fields(node) & te.EXCLUSIVE_FIELDS[spec_name]:
        return translated
    kind = ("term", te.KIND, spec_name)
    if isinstance(node, ast.MatchAll):
        return kind
    return ("bool", [("must", kind), ("must", translated)])


def same(a, b, path="$"):
    """Equal, with the same Python types all the way down; the first difference, or None."""
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b) and set(a) != set(b):
            return f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            d = same(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


# --- small indexes ------------------------------------------------------------------------

UTC = timezone.utc


def schema():
    sb = tantivy.SchemaBuilder()
    for f in ("sector", "owner_ciks", "id", "side"):
        sb.add_text_field(f, fast=True, tokenizer_name="raw", stored=False)
    sb.add_text_field("owner_names", tokenizer_name="raw")  # not fast
    for f in ("is_10b5_1", "is_director"):
        sb.add_boolean_field(f, indexed=True, fast=True)
    for f in ("line", "value_cents", "shares_milli"):
        sb.add_integer_field(f, indexed=True, fast=True)
    for f in ("price", "shares"):
        sb.add_float_field(f, indexed=True, fast=True)
    for f in ("filed_at", "transaction_date"):
        sb.add_date_field(f, indexed=True, fast=True)
    return sb.build()


def build(path, batches, deletes=()):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    s = schema()
    ix = tantivy.Index(s, path=path)
    w = ix.writer(heap_size=50_000_000, num_threads=1)
    for batch in batches:
        for d in batch:
            w.add_json(json.dumps(d))
        w.commit()
    for field, value in deletes:
        w.delete_documents_by_term(field, value)
    if deletes:
        w.commit()
    w.wait_merging_threads()
    ix.reload()
    return ix, s


class Pair:
    def __init__(self, path, batches, deletes=()):
        self.ix, self.schema = build(path, batches, deletes)
        self.searcher = self.ix.searcher()
        self.native = insider_aggregate.Index(path)

    def reference(self, spec, aggs):
        try:
            q = to_tantivy(self.schema, spec)
            return _agg_result(aggs, self.searcher.aggregate(q, _agg_request(aggs)))
        except BaseException as exc:  # tantivy panics are BaseExceptions
            return ("error", type(exc).__name__, "bucket limit" in str(exc), str(exc)[:100])

    def compiled(self, spec, aggs):
        try:
            return self.native.aggregate(spec, aggs)
        except NotImplementedError as exc:
            return ("declined", str(exc))
        except ValueError as exc:
            return ("error", "ValueError", "bucket limit" in str(exc), str(exc)[:100])

    def check(self, label, spec, aggs, expect=None):
        """expect: None (equal answers), "declined", "error" (both raise; same bucket-limit-ness),
        "error-only" (this side raises ValueError, whatever the reference does)."""
        want, got = self.reference(spec, aggs), self.compiled(spec, aggs)
        ok, note = False, ""
        if expect == "declined":
            ok = isinstance(got, tuple) and got[0] == "declined"
            note = got[1] if ok else f"got {str(got)[:200]}"
            kind = "declined"
        elif expect == "error":
            ok = (isinstance(got, tuple) and got[0] == "error" and isinstance(want, tuple) and want[0] == "error"
                  and got[2] == want[2])
            note = f"{got} / reference {want}"
            kind = "errors alike"
        elif expect == "error-only":
            ok = isinstance(got, tuple) and got[0] == "error"
            note = f"{got} / reference {str(want)[:120]}"
            kind = "errors alike"
        elif isinstance(want, tuple) and isinstance(got, tuple) and want[0] == got[0] == "error":
            ok = want[2] == got[2]  # both raise, and both or neither for the bucket limit
            note = f"{got} / reference {want}"
            kind = "errors alike"
        else:
            diff = same(want, got)
            ok = diff is None
            note = "" if ok else f"{diff}\n      reference {str(want)[:300]}\n      compiled  {str(got)[:300]}"
            kind = "equal"
        results[kind if ok else "FAIL"] += 1
        print(f"  {'ok  ' if ok else 'FAIL'} {label}" + (f": {note}" if note else ""))


def d(y, m, day, h=0, mi=0, s=0):
    return datetime(y, m, day, h, mi, s, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def small_indexes(tmp):
    # --- a small index in three segments, with deletions -------------------------------------
    seg1 = [
        {"sector": "Tech", "side": "A", "owner_ciks": ["x", "x", "y"], "is_10b5_1": True, "line": 0, "value_cents": 1000,
         "shares_milli": 5, "price": 1.5, "shares": 10.0, "filed_at": d(2020, 1, 1, 10), "transaction_date": d(2019, 12, 31), "id": "a1"},
        {"sector": "Tech", "side": "D", "owner_ciks": ["y"], "is_10b5_1": False, "line": 1, "value_cents": -250,
         "price": 2.25, "shares": 3.0, "filed_at": d(2020, 1, 1, 23, 59, 59), "transaction_date": d(2020, 1, 1), "id": "a2"},
        {"side": "A", "owner_ciks": [], "line": 2, "value_cents": 7, "filed_at": d(1969, 12, 31, 23), "id": "a3"},  # no sector
        {"sector": "~none", "line": 5, "price": 0.1, "filed_at": d(2021, 6, 30), "id": "a4"},
        {"sector": "Energy", "side": "D", "owner_ciks": ["z"], "is_10b5_1": True, "line": 9,
         "filed_at": [d(2020, 1, 2), d(2020, 1, 2, 5), d(2020, 1, 3)], "transaction_date": d(2020, 1, 2), "id": "a5"},
        {"sector": "Energy", "side": "A", "is_director": True, "line": 1, "value_cents": 2 ** 40, "price": 1e15,
         "filed_at": d(2020, 2, 29), "id": "a6", "owner_names": "someone"},
    ]
    seg2 = [
        {"sector": "Tech", "side": "A", "owner_ciks": ["x"], "is_10b5_1": False, "line": 0, "value_cents": 3,
         "shares_milli": 7, "price": 4.0, "shares": 2.0, "filed_at": d(2020, 1, 3), "transaction_date": d(2020, 1, 3), "id": "b1"},
        {"side": "D", "line": 3, "value_cents": 0, "filed_at": d(2020, 1, 4), "id": "b2"},  # no sector
        {"sector": "Health", "side": "A", "owner_ciks": ["w", "x"], "line": 0, "value_cents": -5, "price": 8.0,
         "filed_at": d(2020, 1, 4), "id": "b3"},
        {"sector": "Tech", "id": "b4", "line": 100},
    ]
    seg3 = [{"sector": "Tech", "side": "D", "line": 4, "value_cents": 11, "filed_at": d(2022, 3, 3), "id": "c1"},
            {"sector": "Gone", "line": 4, "id": "c2"}]
    p = Pair(f"{tmp}/small", [seg1, seg2, seg3], deletes=[("id", "c2")])
    print("small index,", p.searcher.num_segments, "segments")
    ALL = ("all",)
    p.check("terms with missing (missing docs in segments 1 and 2)", ALL,
            {"s": {"terms": {"field": "sector", "missing": "(u)", "size": 10}}})
    p.check("missing key equal to a value in another segment (merged)", ("bool", [("must", ALL), ("must_not", ("term", "id", "b2"))]),
            {"s": {"terms": {"field": "sector", "missing": "Health", "size": 10}}})
    p.check("missing key equal to a value in the same segment (2)", ALL,
            {"s": {"terms": {"field": "sector", "missing": "Health", "size": 10}}}, expect="declined")
    p.check("missing key equal to a value in the same segment", ALL,
            {"s": {"terms": {"field": "sector", "missing": "~none", "size": 10}}}, expect="declined")
    p.check("missing key equal to a value, only where no document lacks one", ("term", "sector", "Tech"),
            {"s": {"terms": {"field": "sector", "missing": "Tech", "size": 10}}})
    p.check("terms without missing", ALL, {"s": {"terms": {"field": "sector"}}})
    p.check("terms, size 1 and 0", ALL, {"a": {"terms": {"field": "sector", "size": 1}}, "b": {"terms": {"field": "sector", "size": 0}}})
    p.check("multi-valued terms (duplicates in a document)", ALL, {"o": {"terms": {"field": "owner_ciks", "size": 10}}})
    p.check("multi-valued terms with missing and sub-aggregations", ALL,
            {"o": {"terms": {"field": "owner_ciks", "size": 10, "missing": "none"},
                   "aggs": {"v": {"sum": {"field": "value_cents"}}, "n": {"value_count": {"field": "owner_ciks"}},
                            "s": {"terms": {"field": "sector", "missing": "(u)"}}}}})
    p.check("distinct, top level and nested, cut to size", ALL,
            {"n": {"distinct": {"field": "sector", "size": 10}}, "one": {"distinct": {"field": "sector", "size": 1}},
             "o": {"distinct": {"field": "owner_ciks", "size": 10}},
             "s": {"terms": {"field": "sector", "missing": "(u)"}, "aggs": {"o": {"distinct": {"field": "owner_ciks", "size": 10}}}}})
    p.check("distinct over a boolean", ALL, {"b": {"distinct": {"field": "is_10b5_1", "size": 5}}}, expect="declined")
    p.check("distinct without a size", ALL, {"n": {"distinct": {"field": "sector"}}}, expect="error-only")
    p.check("distinct with sub-aggregations", ALL,
            {"n": {"distinct": {"field": "sector", "size": 5}, "aggs": {"c": {"value_count": {"field": "line"}}}}},
            expect="error-only")
    p.check("boolean terms", ALL, {"b": {"terms": {"field": "is_10b5_1"}}})
    for size in (1, 2, 3):
        for missing in ("?", "false", "true", "a", "zz"):
            p.check(f"boolean terms, missing {missing!r}, size {size}", ALL,
                    {"b": {"terms": {"field": "is_10b5_1", "size": size, "missing": missing}}})
    p.check("boolean terms, ties between missing and values", ("bool", [("should", ("term", "id", i)) for i in ("a1", "a2", "a3", "b1")]),
            {"b": {"terms": {"field": "is_10b5_1", "size": 2, "missing": "?"}}})
    p.check("boolean terms of a field few documents have", ALL,
            {"b": {"terms": {"field": "is_director", "missing": "no", "size": 3}, "aggs": {"m": {"max": {"field": "line"}}}}})
    p.check("metrics", ALL, {
        "s": {"sum": {"field": "value_cents"}}, "s2": {"sum": {"field": "shares_milli"}}, "mn": {"min": {"field": "value_cents"}},
        "mx": {"max": {"field": "price"}}, "dmin": {"min": {"field": "filed_at"}}, "dmax": {"max": {"field": "filed_at"}},
        "c1": {"value_count": {"field": "owner_ciks"}}, "c2": {"value_count": {"field": "is_10b5_1"}},
        "c3": {"value_count": {"field": "filed_at"}}, "c4": {"value_count": {"field": "sector"}}, "c5": {"value_count": {"field": "price"}},
        "fs": {"sum": {"field": "shares"}}})
    p.check("a float sum with fractions", ALL, {"s": {"sum": {"field": "price"}}}, expect="declined")
    p.check("a float sum with fractions, where it is exact", ("term", "id", "a1"), {"s": {"sum": {"field": "price"}}})
    p.check("metrics over no documents", ("empty",), {
        "s": {"sum": {"field": "value_cents"}}, "f": {"sum": {"field": "price"}}, "mn": {"min": {"field": "value_cents"}},
        "mx": {"max": {"field": "filed_at"}}, "c": {"value_count": {"field": "owner_ciks"}},
        "t": {"terms": {"field": "sector", "missing": "(u)"}}, "h": {"date_histogram": {"field": "filed_at"}},
        "r": {"range": {"field": "line", "ranges": [{"key": "a", "to": 1}, {"key": "b", "from": 1}]},
              "aggs": {"t": {"terms": {"field": "sector"}}, "s": {"sum": {"field": "value_cents"}}, "m": {"min": {"field": "line"}},
                       "c": {"value_count": {"field": "line"}},
                       "r": {"range": {"field": "price", "ranges": [{"key": "x", "from": 1.0}]}}}}})
    p.check("date histograms (a day before 1970, multi-valued dates)", ALL, {
        "f": {"date_histogram": {"field": "filed_at"}, "aggs": {"s": {"terms": {"field": "sector", "missing": "-"}}}},
        "t": {"date_histogram": {"field": "transaction_date"}}})
    p.check("ranges with gaps, empty ones and float bounds on an integer field", ALL, {
        "r": {"range": {"field": "line", "ranges": [{"key": "lo", "to": 0.5}, {"key": "mid", "from": 1, "to": 2.5},
                                                   {"key": "none", "from": 50, "to": 60}, {"key": "hi", "from": 99.9}]},
              "aggs": {"c": {"value_count": {"field": "owner_ciks"}}, "o": {"terms": {"field": "owner_ciks"}}}}})
    p.check("ranges with negative float bounds", ALL, {
        "r": {"range": {"field": "value_cents", "ranges": [{"key": "neg", "from": -2.5, "to": 0}, {"key": "pos", "from": 0}]}}})
    p.check("ranges over a float field", ALL, {
        "r": {"range": {"field": "price", "ranges": [{"key": "a", "to": 1.5}, {"key": "b", "from": 1.5, "to": 4.0},
                                                    {"key": "c", "from": 4.0}]}, "aggs": {"m": {"max": {"field": "filed_at"}}}}})
    p.check("nested ranges in empty range buckets", ALL, {
        "r": {"range": {"field": "line", "ranges": [{"key": "none", "from": 1000, "to": 2000}]},
              "aggs": {"r2": {"range": {"field": "value_cents", "ranges": [{"key": "x", "to": 0}]},
                              "aggs": {"r3": {"range": {"field": "price", "ranges": [{"key": "y", "from": 0.0}]}}}}}}})
    p.check("overlapping ranges", ALL, {"r": {"range": {"field": "line", "ranges": [{"key": "a", "to": 5}, {"key": "b", "from": 2}]}}},
            expect="error")
    p.check("an empty range (from == to)", ALL, {"r": {"range": {"field": "line", "ranges": [{"key": "a", "from": 5, "to": 5}]}}},
            expect="declined")
    p.check("a reversed range", ALL, {"r": {"range": {"field": "line", "ranges": [{"key": "a", "from": 6, "to": 5}]}}},
            expect="declined")
    p.check("two ranges with one key", ALL, {"r": {"range": {"field": "line", "ranges": [{"key": "a", "to": 1}, {"key": "a", "from": 1}]}}},
            expect="declined")
    p.check("a range key equal to a gap's", ALL, {"r": {"range": {"field": "line", "ranges": [{"key": "5-*", "to": 5}]}}},
            expect="declined")
    p.check("no ranges", ALL, {"r": {"range": {"field": "line", "ranges": []}}}, expect="error-only")
    p.check("terms on a long", ALL, {"t": {"terms": {"field": "line"}}}, expect="declined")
    p.check("date_histogram on a long", ALL, {"t": {"date_histogram": {"field": "line"}}}, expect="declined")
    p.check("range on a date", ALL, {"t": {"range": {"field": "filed_at", "ranges": [{"key": "a", "to": 0}]}}}, expect="declined")
    p.check("sum on a boolean", ALL, {"t": {"sum": {"field": "is_10b5_1"}}}, expect="declined")
    p.check("min on text", ALL, {"t": {"min": {"field": "sector"}}}, expect="declined")
    p.check("a field not in the schema", ALL, {"t": {"terms": {"field": "ticker"}}}, expect="declined")
    p.check("a field that is not fast", ALL, {"t": {"value_count": {"field": "owner_names"}}}, expect="declined")
    p.check("avg (not in the dialect)", ALL, {"t": {"avg": {"field": "line"}}}, expect="declined")
    p.check("sum with a missing option", ALL, {"t": {"sum": {"field": "line", "missing": 1}}}, expect="declined")
    p.check("numeric missing key", ALL, {"t": {"terms": {"field": "sector", "missing": 5}}}, expect="declined")

    # queries
    aggs = {"s": {"terms": {"field": "sector", "missing": "(u)"}}, "n": {"value_count": {"field": "line"}}}
    t0 = datetime(2020, 1, 1, 10, tzinfo=UTC)
    for label, q in {
        "term text": ("term", "sector", "Tech"), "term bool": ("term", "is_10b5_1", True),
        "term bool false": ("term", "is_10b5_1", False), "term int": ("term", "line", 0),
        "term int from bool": ("term", "line", True), "term float": ("term", "price", 2),
        "term date": ("term", "filed_at", t0),
        "range date incl": ("range", "filed_at", "date", t0, t0, True, True),
        "range date excl lower": ("range", "filed_at", "date", t0, None, False, True),
        "range date other offset": ("range", "filed_at", "date", t0.astimezone(timezone(timedelta(hours=5, minutes=30))), None, True, True),
        "range date naive": ("range", "filed_at", "date", datetime(2020, 1, 1, 10), datetime(2020, 1, 3), True, False),
        "range date pre-1970": ("range", "filed_at", "date", None, datetime(1970, 1, 1, tzinfo=UTC), True, False),
        "range date sub-second": ("range", "filed_at", "date", datetime(2020, 1, 1, 23, 59, 58, 999999, tzinfo=UTC), None, False, True),
        "range int": ("range", "line", "integer", 1, 4, True, False),
        "range int open": ("range", "value_cents", "integer", None, 0, True, True),
        "range float": ("range", "price", "float", 1.5, None, False, True),
        "range float int bounds": ("range", "price", "float", 1, 4, True, True),
        "must_not only": ("bool", [("must_not", ("term", "sector", "Tech"))]),
        "must_not and all": ("bool", [("must_not", ("term", "sector", "Tech")), ("must", ("all",))]),
        "should": ("bool", [("should", ("term", "sector", "Tech")), ("should", ("term", "line", 9))]),
        "boost": ("boost", ("term", "side", "A"), 3),
        "empty bool": ("bool", []),
    }.items():
        p.check(f"query {label}", q, aggs)
    for label, q in {
        "range kind boolean": ("range", "is_10b5_1", "boolean", True, True, True, True),
        "range without bounds": ("range", "line", "integer", None, None, True, True),
        "range excluding an open end": ("range", "line", "integer", None, 3, False, True),
        "range kind mismatch": ("range", "line", "float", 1.0, 2.0, True, True),
        "term of the wrong type": ("term", "line", "3"),
        "term on an unknown field": ("term", "nope", "x"),
        "date out of range": ("range", "filed_at", "date", datetime(3000, 1, 1, tzinfo=UTC), None, True, True),
        "date not a datetime": ("range", "filed_at", "date", "2020-01-01", None, True, True),
    }.items():
        p.check(f"query error: {label}", q, aggs, expect="error")
    for label, q in {"malformed": ("nope",), "not a tuple": "all", "bad occur": ("bool", [("maybe", ("all",))]),
                     "wrong arity": ("term", "sector")}.items():
        p.check(f"spec error: {label}", q, aggs, expect="error-only")
    p.check("aggs error: not a dict", ALL, [], expect="error-only")
    p.check("aggs error: bad size", ALL, {"t": {"terms": {"field": "sector", "size": -1}}}, expect="error")

    # reload sees a new commit
    w = p.ix.writer(heap_size=50_000_000, num_threads=1)
    w.add_json(json.dumps({"sector": "New", "id": "n1", "line": 1}))
    w.commit()
    w.wait_merging_threads()
    p.ix.reload()
    p.searcher = p.ix.searcher()
    before = p.native.aggregate(ALL, {"s": {"terms": {"field": "sector"}}})
    p.native.reload()
    after = p.native.aggregate(ALL, {"s": {"terms": {"field": "sector"}}})
    ok = "New" not in str(before) and "New" in str(after)
    results["equal" if ok else "FAIL"] += 1
    print(f"  {'ok  ' if ok else 'FAIL'} reload() makes the new commit visible")
    p.check("after reload", ALL, {"s": {"terms": {"field": "sector", "missing": "(u)"}}})

    # --- the bucket limit: 65,000 distinct ids over three segments ----------------------------
    batches = [[{"id": f"id{i:06d}", "line": i % 3, "sector": "S"} for i in range(k, k + 21_700)] for k in (0, 21_700, 43_400)]
    big = Pair(f"{tmp}/big", batches)
    print("bucket limit index,", big.searcher.num_segments, "segments,", sum(map(len, batches)), "docs")
    ids = lambda size: {"t": {"terms": {"field": "id", "size": size}}}  # noqa: E731
    first = {"r": {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]}}}  # 2 buckets with its gap
    big.check("65,000 buckets exactly", ALL, ids(65_000))
    big.check("65,001 buckets", ALL, {**ids(65_000), "s": {"terms": {"field": "sector"}}}, expect="error")
    big.check("64,998 terms + a range and its gap = 65,000", ALL, {**ids(64_998), **first})
    big.check("64,999 terms + a range and its gap = 65,001", ALL, {**ids(64_999), **first}, expect="error")
    big.check("gap buckets' sub-aggregations count", ALL,
              {"r": {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]},
                     "aggs": {"t": {"terms": {"field": "id", "size": 65_000}}}}}, expect="error")
    big.check("terms cut by size are not counted", ALL,
              {"r": {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]},
                     "aggs": {"t": {"terms": {"field": "id", "size": 32_000}}}}})
    big.check("more than 65,000 buckets in one terms aggregation", ALL,
              {"t": {"terms": {"field": "id", "size": 70_000}}}, expect="error")
    big.check("65,000 distinct values counted", ALL, {"n": {"distinct": {"field": "id", "size": 65_000}}})
    big.check("65,000 distinct values and one more bucket", ALL,
              {"n": {"distinct": {"field": "id", "size": 65_000}}, "s": {"terms": {"field": "sector"}}}, expect="error")
    big.check("distinct values cut by size are not counted", ALL,
              {"n": {"distinct": {"field": "id", "size": 1_000}}, "s": {"terms": {"field": "sector"}}})
    one = Pair(f"{tmp}/one", [[{"id": f"id{i:06d}", "line": i % 3} for i in range(65_100)]])
    print("one segment,", one.searcher.num_segments, "segment, 65,100 distinct ids")
    one.check("more than 65,000 values in one segment (tantivy cuts them there)", ALL,
              {"t": {"terms": {"field": "id", "size": 65_000}}}, expect="declined")
    one.check("the same, size 10", ALL, {"t": {"terms": {"field": "id", "size": 10}}}, expect="declined")
    one.check("a distinct count there is exact as far as its size", ALL, {"n": {"distinct": {"field": "id", "size": 65_000}}})
    one.check("fewer matches in that segment", ("range", "line", "integer", 0, 0, True, True), {"t": {"terms": {"field": "id", "size": 65_000}}})


# --- a real index ---------------------------------------------------------------------------

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Real(Pair):
    """The engine's current generation, through tantivy-py and through insider_aggregate (read
    only: unlike a Pair's, nothing is written)."""

    def __init__(self, data_dir):
        self.engine = TantivyEngine(Path(data_dir))
        self.engine.ensure_ready()
        self.searcher = self.engine._searcher()
        self.schema = self.engine.schema
        generation = (Path(data_dir) / "index" / "CURRENT").read_text().strip()
        self.native = insider_aggregate.Index(str(Path(data_dir) / "index" / generation))


R: Real


def check(label, spec, aggs, expect_declined=False):
    R.check(label, spec, aggs, "declined" if expect_declined else None)


def by_sector_request(days, group_by="sector"):
    filters = sector_filters(filed_at_days=days)
    node = filter_node(filters, NOW)
    counts = planned(distinct_counts(group_by), filters.filing_level)
    aggs = {**sums_aggs(group_by),
            **distinct_aggs(counts, terms_size(counts, RIDE_ALONG_SIZE, group_size(group_by)), group_size(group_by))}
    return node, aggs


def real_index():
    e, schema = R.engine, R.schema
    # The spec translation is the engine's translation.
    node, aggs = by_sector_request(365)
    spec = kind_spec(TRANSACTIONS.name, node)
    try:
        engine_query = e._kind_query(TRANSACTIONS, node)
    except TypeError:
        engine_query = e._kind_query(TRANSACTIONS, node, e.translate)
    assert repr(to_tantivy(schema, spec)) == repr(engine_query), "spec translation differs from the engine's"
    print("spec translation == engine translation (by-sector 365 days)")

    print("(1) the whole by-sector request")
    for days in (30, 365):
        for group_by in ("sector", "industry"):
            node, aggs = by_sector_request(days, group_by)
            check(f"by-sector {group_by} {days} days", kind_spec(TRANSACTIONS.name, node), aggs)

    print("(2) each part alone")
    node, aggs = by_sector_request(365)
    spec = kind_spec(TRANSACTIONS.name, node)
    for name, agg in aggs.items():
        check(f"part {name}", spec, {name: agg})
        for sub, sub_agg in agg.get("aggs", {}).items():
            check(f"part {name}.{sub} (top level)", spec, {sub: sub_agg})
    check("side.value alone", spec, {"v": {"sum": {"field": "value_cents"}}})
    check("side.shares alone", spec, {"v": {"sum": {"field": "shares_milli"}}})
    check("accession_no terms (distinct filings, unplanned)", spec,
          {"f": {"terms": {"field": "sector", "size": 13, "missing": "(unclassified)"},
                 "aggs": {"values": {"terms": {"field": "accession_no", "size": 30000}}}}})

    print("(3) the dialect, nested")
    dialect = {
        "histograms": {
            "f": {"date_histogram": {"field": "filed_at"}, "aggs": {"c": {"terms": {"field": "code", "size": 4}}}},
            "t": {"date_histogram": {"field": "transaction_date"},
                  "aggs": {"side": {"terms": {"field": "side", "size": 2},
                                    "aggs": {"v": {"sum": {"field": "value_cents"}}}}}},
        },
        "ranges": {
            "r": {"range": {"field": "value_cents", "ranges": [
                {"key": "small", "from": 0, "to": 100_000}, {"key": "none", "from": -5, "to": -1}, {"key": "big", "from": 10_000_000}]},
                "aggs": {"t": {"terms": {"field": "side", "size": 2}}, "lo": {"min": {"field": "transaction_date"}},
                         "n": {"value_count": {"field": "price"}},
                         "first": {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]}}}},
            "l": {"range": {"field": "line", "ranges": [{"key": "0", "to": 1}, {"key": "1-3", "from": 1, "to": 3},
                                                         {"key": "many", "from": 10}]},
                  "aggs": {"h": {"date_histogram": {"field": "filed_at"}}}},
            "fl": {"range": {"field": "price", "ranges": [{"key": "penny", "to": 1.0}, {"key": "mid", "from": 1.0, "to": 99.5},
                                                          {"key": "high", "from": 99.5}]}},
        },
        "metrics": {
            "a": {"min": {"field": "filed_at"}}, "b": {"max": {"field": "filed_at"}}, "c": {"min": {"field": "price"}},
            "d": {"max": {"field": "shares"}}, "e": {"min": {"field": "line"}}, "f": {"max": {"field": "period_of_report"}},
            "g": {"value_count": {"field": "ticker"}}, "h": {"value_count": {"field": "value_cents"}},
            "i": {"value_count": {"field": "owner_ciks"}}, "j": {"value_count": {"field": "is_10b5_1"}},
            "k": {"value_count": {"field": "filed_at"}}, "l": {"value_count": {"field": "id"}},
            "m": {"sum": {"field": "shares_milli"}}, "n": {"sum": {"field": "line"}},
        },
        "terms": {
            "missing": {"terms": {"field": "sector", "size": 30, "missing": "~none"}},
            "bool": {"terms": {"field": "is_10b5_1", "size": 3}},
            "bool cut": {"terms": {"field": "is_officer", "size": 1}},
            "bool missing": {"terms": {"field": "is_10b5_1", "size": 3, "missing": "?"}},
            "multi": {"terms": {"field": "owner_ciks", "size": 50}},
            "multi big": {"terms": {"field": "owner_ciks", "size": 65000}},
            "cut": {"terms": {"field": "owner_key", "size": 7}}, "one": {"terms": {"field": "ticker", "size": 1}},
            "zero": {"terms": {"field": "ticker", "size": 0}},
        },
        "nested": {
            "s": {"terms": {"field": "sector", "size": 13, "missing": "(u)"}, "aggs": {
                "b": {"terms": {"field": "is_director", "size": 2}, "aggs": {
                    "d": {"date_histogram": {"field": "transaction_date"}, "aggs": {
                        "o": {"terms": {"field": "owner_ciks", "size": 3}},
                        "r": {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]}}}}}},
                "mx": {"max": {"field": "filed_at"}}, "n": {"value_count": {"field": "owner_ciks"}}}},
            "o": {"terms": {"field": "owner_ciks", "size": 20}, "aggs": {
                "s": {"terms": {"field": "side", "size": 2}, "aggs": {"v": {"sum": {"field": "value_cents"}}}},
                "r": {"range": {"field": "value_cents", "ranges": [{"key": "lo", "to": 0}, {"key": "hi", "from": 0}]},
                      "aggs": {"m": {"min": {"field": "filed_at"}}}}}},
        },
    }
    window = filter_node(sector_filters(filed_at_days=365), NOW)
    for group, cases in dialect.items():
        for label, agg in cases.items():
            for qname, q in (("365d", kind_spec(TRANSACTIONS.name, window)),
                             ("30d", kind_spec(TRANSACTIONS.name, filter_node(sector_filters(filed_at_days=30), NOW)))):
                check(f"{group}/{label} {qname}", q, {label: agg})
        check(f"{group} all together 365d", kind_spec(TRANSACTIONS.name, window), cases)

    print("(4) queries")
    aggs = {"s": {"terms": {"field": "sector", "size": 13, "missing": "(u)"}, "aggs": {
        "side": {"terms": {"field": "side", "size": 2}, "aggs": {"v": {"sum": {"field": "value_cents"}}}}}},
        "n": {"value_count": {"field": "id"}}, "h": {"date_histogram": {"field": "filed_at"}},
        "c": {"terms": {"field": "code", "size": 30}}}
    d0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
    est = timezone(timedelta(hours=-5))
    queries = {
        "all": ("all",),
        "empty": ("empty",),
        "kind only": ("term", "_kind", "transactions"),
        "must_not only (matches nothing)": ("bool", [("must_not", ("term", "code", "S"))]),
        "must_not + all": ("bool", [("must_not", ("term", "code", "S")), ("must", ("all",))]),
        "should": ("bool", [("should", ("term", "code", "P")), ("should", ("term", "ticker", "INTC")),
                            ("should", ("term", "ticker", "AAPL"))]),
        "bool term true": ("bool", [("must", ("term", "is_director", True)), ("must", ("term", "_kind", "transactions"))]),
        "bool term false": ("term", "is_officer", False),
        "int range incl": ("range", "value_cents", "integer", 100_000, 5_000_000, True, True),
        "int range excl": ("range", "value_cents", "integer", 100_000, 5_000_000, False, False),
        "int range open low": ("range", "line", "integer", None, 2, True, False),
        "int range open high": ("range", "line", "integer", 3, None, False, True),
        "int range bool bound": ("range", "line", "integer", True, None, True, True),
        "float range": ("range", "price", "float", 10.5, 50.25, True, False),
        "float range int bound": ("range", "price", "float", None, 20, True, True),
        "date range incl": ("range", "filed_at", "date", d0, d0 + timedelta(days=20), True, True),
        "date range excl": ("range", "filed_at", "date", d0, d0 + timedelta(days=20), False, False),
        "date range other tz": ("range", "filed_at", "date", d0.astimezone(est), None, True, True),
        "date range naive": ("range", "filed_at", "date", datetime(2025, 6, 1, 12, 30, 15, 123456), None, False, True),
        "date range micro": ("range", "transaction_date", "date", None, datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone.utc), True, False),
        "day twin": ("range", "filed_at#day", "integer", 20100, 20200, True, True),
        "date term": ("range", "transaction_date", "date", datetime(2025, 5, 1, tzinfo=timezone.utc), datetime(2025, 5, 1, tzinfo=timezone.utc), True, True),
        "boost": ("boost", ("term", "code", "S"), 2.0),
        "nested bool": ("bool", [("must", ("bool", [("should", ("term", "side", "A")), ("should", ("term", "code", "P"))])),
                                 ("must_not", ("range", "value_cents", "integer", None, 0, True, True)),
                                 ("must", ("term", "_kind", "transactions"))]),
        "no clauses": ("bool", []),
        "exists": ("term", "_present", "price"),
    }
    for label, q in queries.items():
        check(f"query {label}", q, aggs)
    # The analytics' filters through the translation.
    for label, filters in {
        "codes+side+values+officer": sector_filters(filed_at_days=365, transaction_code=("S", "F"), acquired_disposed_code="D",
                                                    min_value=10_000, max_value=5_000_000, is_officer=True),
        "csuite excl": sector_filters(filed_at_days=365, is_c_suite=True, exclude_10b5_1=True, exclude_cashless=True),
        "transaction days": sector_filters(filed_at_days=365, transaction_days=200, is_ten_percent_owner=False),
        "sector": sector_filters(filed_at_days=3650, sector="Technology"),
    }.items():
        node = filter_node(filters, NOW)
        check(f"filters {label}", kind_spec(TRANSACTIONS.name, node), aggs)
        node2 = and_(node, ast.Range("owner_partition", gte=0, lt=8))
        check(f"filters {label} + partition", kind_spec(TRANSACTIONS.name, node2), aggs)

    print("(5) expected declines / errors")
    spec = kind_spec(TRANSACTIONS.name, window)
    check("terms on a long", spec, {"t": {"terms": {"field": "line"}}}, expect_declined=True)
    check("terms on a date", spec, {"t": {"terms": {"field": "filed_at"}}}, expect_declined=True)
    check("float sum", spec, {"t": {"sum": {"field": "shares"}}}, expect_declined=True)
    check("float sum (value)", spec, {"t": {"sum": {"field": "value"}}}, expect_declined=True)
    check("more than 65,000 values in one segment", kind_spec(TRANSACTIONS.name, filter_node(sector_filters(filed_at_days=3650), NOW)),
          {"a": {"terms": {"field": "accession_no", "size": 65000}}, "b": {"terms": {"field": "id", "size": 65000}}},
          expect_declined=True)
    # Distinct counts, not terms: in filing order, one segment holds more than 65,000 of a year's
    # rows, and terms over their ids would be declined (tantivy cuts them) before any limit.
    check("the bucket limit", spec,
          {"a": {"distinct": {"field": "accession_no", "size": 65000}}, "b": {"distinct": {"field": "issuer_cik", "size": 65000}},
           "c": {"distinct": {"field": "id", "size": 65000}}})


def timing():
    native, s = R.native, R.searcher
    node, aggs = by_sector_request(365)
    spec = kind_spec(TRANSACTIONS.name, node)
    q = to_tantivy(R.schema, spec)
    req = _agg_request(aggs)
    native.aggregate(spec, aggs)
    _agg_result(aggs, s.aggregate(q, req))

    def median(fn, n=9):
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t) * 1000)
        return statistics.median(ts), min(ts), max(ts)

    for _ in range(3):  # alternating, on a noisy machine
        print("by-sector 365 days: insider_aggregate median %.2f ms (min %.2f, max %.2f)"
              % median(lambda: native.aggregate(spec, aggs)))
        print("by-sector 365 days: tantivy-py        median %.2f ms (min %.2f, max %.2f)"
              % median(lambda: _agg_result(aggs, s.aggregate(q, req))))
    print("the query alone: insider_aggregate, no aggregation %.2f ms; tantivy-py, count %.2f ms"
          % (median(lambda: native.aggregate(spec, {}))[0], median(lambda: s.search(q, limit=1, count=True))[0]))

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", help="a data directory (INSIDER_DATA_DIR) to check against")
    parser.add_argument("--time", action="store_true", help="time by-sector 365 days (with --index)")
    args = parser.parse_args()
    if args.index:
        global R
        R = Real(args.index)
        if args.time:
            timing()
            return 0
        real_index()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            small_indexes(tmp)
    print(results)
    return results["FAIL"]


if __name__ == "__main__":
    sys.exit(main())
