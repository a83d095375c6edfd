"""The compiled aggregation (native/aggregate/, `insider_aggregate`) answers every aggregation
exactly as tantivy-py's own does: the analytics' requests on the real corpus, edge cases of the
dialect (missing values, multi-valued fields, empty ranges, empty matches), commits and reindex
swaps. What it cannot build is answered by tantivy-py; INSIDER_PURE_PYTHON=1 turns it off."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from insider.errors import BadRequest
from insider.settings import PURE_PYTHON_ENV
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.analytics import by_sector, clusters, market, summary, tape
from search.engines import tantivy_engine as te
from search.engines.base import Batch
from search.query import ast
from tests.required import missing
from tests.search.engines.test_tantivy_engine import make_rows

NOW = datetime(2022, 1, 1, tzinfo=timezone.utc)
DECADE = 3650


@pytest.fixture(autouse=True)
def _extension():
    if te.insider_aggregate is None:
        missing("the compiled aggregation (insider_aggregate) is not built (needs cargo: `make setup`)")


def compiled(engine, spec, query, aggs, index=None):
    """The compiled answer (of the engine's own `insider_aggregate.Index`, or of `index`), or
    te.Unsupported / NotImplementedError when it cannot take the request."""
    index = engine._compiled() if index is None else index
    return index.aggregate(engine._kind_query(spec, query, engine.translate.for_spec()), aggs)


def reference(engine, spec, query, aggs):
    return engine._aggregate_reference(spec, query, aggs)


@pytest.fixture
def recorded(loaded_tantivy, monkeypatch):
    """Every aggregation request the analytics make, as (spec, query, aggs)."""
    requests = []
    original = loaded_tantivy.aggregate

    def record(spec, query, aggs):
        requests.append((spec, query, aggs))
        return original(spec, query, aggs)

    monkeypatch.setattr(loaded_tantivy, "aggregate", record)
    return loaded_tantivy, requests


def run_the_analytics(engine) -> None:
    for params in ({"filed_at_days": DECADE}, {"filed_at_days": DECADE, "group_by": "industry", "sector": "Technology"},
                   {"filed_at_days": DECADE, "transaction_code": ("S", "F"), "acquired_disposed_code": "D",
                    "min_value": 10_000, "max_value": 5_000_000, "is_officer": True},
                   {"filed_at_days": DECADE, "is_c_suite": True, "exclude_10b5_1": True, "exclude_cashless": True},
                   {"filed_at_days": 365, "transaction_days": 200, "is_ten_percent_owner": False}):
        by_sector.by_sector(engine, NOW, **params)
    for ticker, params in (("INTC", {"filed_at_days": DECADE}), ("GOOG", {"filed_at_days": DECADE, "is_c_suite": True}),
                           ("AAPL", {"days": 365, "exclude_10b5_1": True})):
        summary.by_ticker(engine, ticker, NOW, **params)
    tape.by_ticker(engine, "INTC", NOW, filed_at_days=DECADE, limit=5)
    clusters.find(engine, NOW, days=365, min_insiders=2)
    market.global_stats(engine, NOW, filed_at_days=DECADE, top=5)


def test_every_analytics_request_gets_the_answer_tantivy_py_gives(recorded):
    engine, requests = recorded
    run_the_analytics(engine)
    compiled_ones = 0
    for spec, query, aggs in requests:
        try:
            got = compiled(engine, spec, query, aggs)
        except (te.Unsupported, NotImplementedError):
            continue
        assert got == reference(engine, spec, query, aggs), aggs
        compiled_ones += 1
    assert len(requests) >= 12 and compiled_ones == len(requests), (compiled_ones, len(requests))


def test_by_sector_summary_and_global_stats_never_leave_the_compiled_path(recorded, monkeypatch):
    engine, _ = recorded
    fallbacks = []
    monkeypatch.setattr(engine, "_aggregate_reference", lambda *a: fallbacks.append(a) or pytest.fail("fell back"))
    by_sector.by_sector(engine, NOW, filed_at_days=DECADE, group_by="industry")
    market.global_stats(engine, NOW, filed_at_days=365)
    summary.by_ticker(engine, "INTC", NOW, filed_at_days=DECADE)  # resolves the ticker by a search, not an aggregation
    assert fallbacks == []


def test_the_answers_are_the_same_python_values_not_only_equal_numbers(loaded_tantivy):
    aggs = {"s": {"sum": {"field": "value_cents"}}, "n": {"value_count": {"field": "value_cents"}},
            "m": {"max": {"field": "filed_at"}}, "t": {"terms": {"field": "is_10b5_1", "size": 3}}}
    got = compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    want = reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    assert got == want
    assert type(got["s"]["value"]) is float and type(got["n"]["value"]) is int and type(got["m"]["value"]) is float
    assert {b["key"] for b in got["t"]["buckets"]} == {"true", "false"}


DIALECT_CASES = {
    "terms with missing, nested two levels": {"g": {"terms": {"field": "sector", "size": 30, "missing": "~none"}, "aggs": {
        "side": {"terms": {"field": "side", "size": 2}, "aggs": {"v": {"sum": {"field": "value_cents"}},
                                                               "sh": {"sum": {"field": "shares_milli"}}}},
        "issuers": {"terms": {"field": "issuer_cik", "size": 5}}}}},
    "a multi-valued keyword field": {"o": {"terms": {"field": "owner_ciks", "size": 50}}},
    "date histograms of both date kinds": {
        "f": {"date_histogram": {"field": "filed_at"}, "aggs": {"c": {"terms": {"field": "code", "size": 4}}}},
        "t": {"date_histogram": {"field": "transaction_date"}}},
    "ranges with empty ones and sub-aggregations": {"r": {"range": {"field": "value_cents", "ranges": [
        {"key": "small", "from": 0, "to": 100_000}, {"key": "none", "from": -5, "to": -1}, {"key": "big", "from": 10_000_000}]},
        "aggs": {"t": {"terms": {"field": "side", "size": 2}}, "lo": {"min": {"field": "transaction_date"}},
                 "n": {"value_count": {"field": "price"}}, "first": {"range": {"field": "line", "ranges": [
                     {"key": "first", "to": 1}]}}}}},
    "extremes and counts of every numeric kind": {
        "a": {"min": {"field": "price"}}, "b": {"max": {"field": "shares"}}, "c": {"min": {"field": "line"}},
        "d": {"max": {"field": "period_of_report"}}, "e": {"value_count": {"field": "ticker"}}},
    "terms cut to their size": {"t": {"terms": {"field": "owner_key", "size": 7}},
                                "u": {"terms": {"field": "ticker", "size": 1}}},
    "distinct counts, nested and at the top, some cut to their size": {
        "g": {"terms": {"field": "sector", "size": 30, "missing": "~none"}, "aggs": {
            "issuers": {"distinct": {"field": "issuer_cik", "size": 65_000}},
            "owners": {"distinct": {"field": "owner_key", "size": 3}}}},
        "filings": {"distinct": {"field": "accession_no", "size": 65_000}},
        "owner_ciks": {"distinct": {"field": "owner_ciks", "size": 1_000}},
        "tickers": {"distinct": {"field": "ticker", "size": 2}}},
}

QUERIES = {
    "everything": ast.MatchAll(),
    "nothing": ast.MatchNone(),
    "a filter with must_not": ast.Bool(filter=(ast.Range("filed_at", gte="2019-01-01", lt="2021-06-30T12:00:00Z"),),
                                       must_not=(ast.Term("table", "derivative"), ast.Term("superseded", True))),
    "should clauses": ast.Bool(should=(ast.Term("code", "P"), ast.Terms("ticker", ("INTC", "AAPL")))),
    "numeric and boolean bounds": ast.Bool(filter=(ast.Range("value_cents", gt=100_000), ast.Range("price", lte=50.5),
                                                   ast.Term("is_director", True), ast.Range("line", gte=0, lt=3))),
    "a day-twin date range": ast.Range("transaction_date", gte="2020-03-02", lte="2020-09-30"),
    "exists": ast.Exists("price"),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("aggs", DIALECT_CASES.values(), ids=DIALECT_CASES.keys())
def test_the_dialect_answers_as_tantivy_py_does(loaded_tantivy, aggs, query):
    assert compiled(loaded_tantivy, TRANSACTIONS, query, aggs) == reference(loaded_tantivy, TRANSACTIONS, query, aggs)


def test_a_float_sum_is_left_to_tantivy_py_which_rounds_in_its_own_order(loaded_tantivy):
    """Sums of doubles (no analytics metric: money and shares are summed as integers) depend on the
    order of the additions; the compiled path declines them rather than differ in the last bit."""
    aggs = {"g": {"terms": {"field": "side", "size": 2}, "aggs": {"f": {"sum": {"field": "shares"}}}}}
    with pytest.raises(NotImplementedError):
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    assert loaded_tantivy.aggregate(TRANSACTIONS, ast.MatchAll(), aggs) == reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)


def test_the_cases_above_are_not_all_empty(loaded_tantivy):
    got = compiled(loaded_tantivy, TRANSACTIONS, QUERIES["a filter with must_not"], DIALECT_CASES["terms with missing, nested two levels"])
    assert len(got["g"]["buckets"]) > 5 and any(b["key"] == "~none" for b in got["g"]["buckets"])
    rows = compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), {"n": {"value_count": {"field": "id"}}})["n"]["value"]
    owners = compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), {"o": {"terms": {"field": "owner_ciks", "size": 65_000}}})
    assert sum(b["doc_count"] for b in owners["o"]["buckets"]) > rows  # joint filings: a row counts for each owner
    got = compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), DIALECT_CASES["ranges with empty ones and sub-aggregations"])
    assert [b["doc_count"] > 0 for b in got["r"]["buckets"]] == [True, False, True]


def test_filings_aggregate_too(loaded_tantivy):
    aggs = {"t": {"terms": {"field": "documentType", "size": 10}}}
    assert compiled(loaded_tantivy, FILINGS, ast.MatchAll(), aggs) == reference(loaded_tantivy, FILINGS, ast.MatchAll(), aggs)


def test_a_query_it_cannot_build_is_answered_by_tantivy_py(loaded_tantivy):
    query = ast.Bool(filter=(ast.Wildcard("ticker", "IN*"), ast.Term("side", "D")))
    aggs = {"t": {"terms": {"field": "ticker", "size": 10}}}
    with pytest.raises(te.Unsupported):
        compiled(loaded_tantivy, TRANSACTIONS, query, aggs)
    got = loaded_tantivy.aggregate(TRANSACTIONS, query, aggs)
    assert got == reference(loaded_tantivy, TRANSACTIONS, query, aggs)
    assert {b["key"] for b in got["t"]["buckets"]} >= {"INTC"}


def test_more_buckets_than_the_limit_is_a_bad_request(tantivy_engine):
    rows = [{"id": f"r{i}", "owner_key": f"o{i}"} for i in range(40_000)]
    tantivy_engine.write(Batch(filings=[], rows=rows))
    aggs = {"o": {"terms": {"field": "owner_key", "size": 65_000}}, "i": {"terms": {"field": "id", "size": 65_000}}}
    with pytest.raises(BadRequest, match="bucket limit"):
        tantivy_engine.aggregate(TRANSACTIONS, ast.MatchAll(), aggs)  # 80,000 buckets in the answer
    with pytest.raises(BadRequest, match="bucket limit"):
        tantivy_engine._aggregate_reference(TRANSACTIONS, ast.MatchAll(), aggs)
    one = tantivy_engine.aggregate(TRANSACTIONS, ast.MatchAll(), {"o": aggs["o"]})
    assert len(one["o"]["buckets"]) == 40_000


def test_each_commit_and_each_reindex_swap_is_seen_by_the_next_aggregation(tmp_path):
    writer, reader = te.TantivyEngine(tmp_path), te.TantivyEngine(tmp_path)
    writer.ensure_ready()
    count = {"n": {"value_count": {"field": "id"}}}
    rows = make_rows(4)
    for n, row in enumerate(rows, start=1):
        writer.write(Batch(filings=[], rows=[row]))
        assert reader.aggregate(TRANSACTIONS, ast.MatchAll(), count) == {"n": {"value": n}}
    filing = {"accessionNo": "0000000001-25-000001", "documentType": "4"}
    writer.write(Batch(filings=[filing], rows=[]))
    writer.reindex(lambda f: (f, [{"id": "new-row", "accession_no": f["accessionNo"]}]))
    assert reader.aggregate(TRANSACTIONS, ast.MatchAll(), count) == {"n": {"value": 1}}
    assert reader._compiled_cache[2] == reader._generation


def test_pure_python_turns_it_off(loaded_tantivy, monkeypatch):
    monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    assert loaded_tantivy._compiled() is None
    aggs = {"t": {"terms": {"field": "side", "size": 2}}}
    assert loaded_tantivy.aggregate(TRANSACTIONS, ast.MatchAll(), aggs) == reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)


@pytest.mark.parametrize("aggs", [
    # a sub-aggregation named as a bucket's own key: tantivy-py's result cannot hold it
    {"t": {"terms": {"field": "side", "size": 2}, "aggs": {"doc_count": {"value_count": {"field": "id"}}}}},
    # an integer bound tantivy-py cannot read as 64 bits
    {"r": {"range": {"field": "value_cents", "ranges": [{"key": "a", "from": 2 ** 64}]}}},
    {"r": {"range": {"field": "value_cents", "ranges": [{"key": "a", "to": -2 ** 63 - 1}]}}},
], ids=["doc_count sub-aggregation", "bound 2^64", "bound -2^63-1"])
def test_requests_tantivy_py_refuses_are_left_to_it(loaded_tantivy, aggs):
    """Found by a differential fuzz (42,444 random requests, no other difference): the compiled
    path answered these where the reference fails. It declines them, so both modes fail alike."""
    with pytest.raises(NotImplementedError):
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    with pytest.raises(Exception) as reference_error:
        reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    with pytest.raises(type(reference_error.value)):
        loaded_tantivy.aggregate(TRANSACTIONS, ast.MatchAll(), aggs)


def test_a_range_aggregation_without_ranges_is_a_bad_request_not_a_panic(loaded_tantivy):
    # The compiled path refuses it, and tantivy-py, asked next, would panic (a BaseException).
    aggs = {"r": {"range": {"field": "value_cents", "ranges": []}}}
    with pytest.raises(BadRequest, match="names no range"):
        loaded_tantivy.aggregate(TRANSACTIONS, ast.MatchAll(), aggs)


# --- a segment with many matches, collected in runs on several threads -------------------------

def split_index(engine, **options):
    """The compiled aggregation over `engine`'s current index, with its own threads and split.
    Its requests decode every segment's columns they read, however few documents they match
    (the engine's own decode for requests matching a share of a segment: tested below)."""
    engine._searcher()
    options.setdefault("column_decode_share", 0.0)
    return te.insider_aggregate.Index(str(engine.root / engine._generation), **options)



def segments(engine) -> int:
    return len(json.loads((engine.root / engine._generation / "meta.json").read_text())["segments"])


@pytest.fixture(params=["global", "named", "mixed", "undecoded", "part-decoded"])
def runs_of_one(loaded_tantivy, request):
    """Every segment of the corpus with more than a handful of matches cut into three runs (the
    service cuts at 16,384 matches: the corpus alone would never be split). Distinct counts
    merge their values as global ordinals (the default), as names (a limit of 0 texts), or each
    way by field in one request (a limit between the tickers' texts and the accession numbers').
    Columns are read from decoded arrays (the default), from the index (a budget of 0), or some
    one way and some the other (a budget that holds some of a request's columns, not all)."""
    if request.param == "global":
        yield split_index(loaded_tantivy, threads=3, split_min_docs=5)
        return
    if request.param == "undecoded":
        index = split_index(loaded_tantivy, threads=3, split_min_docs=5, column_cache_bytes=0)
        yield index
        assert index.column_cache_size() == 0
        return
    if request.param == "part-decoded":
        aggs = DIALECT_CASES["terms with missing, nested two levels"]  # five columns
        whole = split_index(loaded_tantivy, threads=3, split_min_docs=5)
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs, index=whole)
        budget = whole.column_cache_size() // 2
        index = split_index(loaded_tantivy, threads=3, split_min_docs=5, column_cache_bytes=budget)
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs, index=index)
        assert 0 < index.column_cache_size() <= budget
        yield index
        assert index.column_cache_size() <= budget
        return
    if request.param == "named":
        index = split_index(loaded_tantivy, threads=3, split_min_docs=5, global_ordinals_max_terms=0)
        assert index.global_ordinals("ticker") is None
        yield index
        return
    for limit in (250, 500, 1_000, 2_000):
        index = split_index(loaded_tantivy, threads=3, split_min_docs=5, global_ordinals_max_terms=limit)
        if index.global_ordinals("ticker") and index.global_ordinals("accession_no") is None:
            yield index
            return
    pytest.fail("no limit numbers the tickers and names the accession numbers")


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("aggs", DIALECT_CASES.values(), ids=DIALECT_CASES.keys())
def test_segments_cut_into_runs_answer_as_tantivy_py_does(loaded_tantivy, runs_of_one, aggs, query):
    got = compiled(loaded_tantivy, TRANSACTIONS, query, aggs, index=runs_of_one)
    assert got == reference(loaded_tantivy, TRANSACTIONS, query, aggs)


def test_the_analytics_requests_cut_into_runs_get_tantivy_pys_answers(recorded, runs_of_one):
    engine, requests = recorded
    run_the_analytics(engine)
    for spec, query, aggs in requests:
        assert compiled(engine, spec, query, aggs, index=runs_of_one) == reference(engine, spec, query, aggs), aggs


def test_distinct_values_shared_by_segments_count_once_and_new_segments_renumber_them(tantivy_engine, monkeypatch):
    """Distinct counts across segments that share some values and not others, each way of
    merging them; then a commit whose values sort between the old ones (every global ordinal
    after them moves), and a reader that reloads: the counts follow, as tantivy-py's do."""
    engine = tantivy_engine
    reader = te.TantivyEngine(engine.root.parent)  # another process's reader, say
    aggs = {"by_side": {"terms": {"field": "side", "size": 2}, "aggs": {
                "owners": {"distinct": {"field": "owner_key", "size": 1_000}}}},
            "owners": {"distinct": {"field": "owner_key", "size": 1_000}},
            "filings": {"distinct": {"field": "accession_no", "size": 1_000}}}
    def rows(prefix, owners, side):  # one filing per row: more accession numbers than owners
        return [{"id": f"{prefix}{n}", "accession_no": f"{prefix}-{n}", "side": side, "owner_key": owner}
                for n, owner in enumerate(owners)]
    engine.write(Batch(filings=[], rows=rows("a", ["o1", "o3", "o5", "o3", "o1", "o5"], "A")))
    engine.write(Batch(filings=[], rows=rows("b", ["o3", "o5", "o7", "o7"], "D")))
    engine.write(Batch(filings=[], rows=rows("c", ["o1", "o9", "o9"], "A")))
    assert segments(engine) >= 2
    reader._searcher()
    # Kept across the next commit (reloaded, as the engine reloads its own), each way of merging:
    # numbers, names, and (with limits between the two fields' texts) numbers for one field and
    # names for the other in the same request.
    kept = {limit: split_index(reader, threads=2, split_min_docs=1, global_ordinals_max_terms=limit)
            for limit in (2 ** 18, 0, 10, 14)}
    modes = {limit: (index.global_ordinals("owner_key"), index.global_ordinals("accession_no"))
             for limit, index in kept.items()}
    assert any(owners and filings is None for owners, filings in modes.values()), modes
    monkeypatch.setattr(reader, "_aggregate_reference", lambda *a: pytest.fail("the engine fell back"))

    def answers():
        reader._searcher()
        for index in kept.values():
            index.reload()
        # `compiled` raises where the extension declines (a stale map would): no fallback here
        return [compiled(reader, TRANSACTIONS, ast.MatchAll(), aggs, index=index) for index in kept.values()] + [
            reader.aggregate(TRANSACTIONS, ast.MatchAll(), aggs)]

    expected = reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    assert expected["owners"] == {"value": 5} and expected["filings"] == {"value": 13}
    assert expected["by_side"]["buckets"] == [{"key": "A", "doc_count": 9, "owners": {"value": 4}},
                                              {"key": "D", "doc_count": 4, "owners": {"value": 3}}]
    assert answers() == [expected] * 5
    engine.write(Batch(filings=[], rows=rows("d", ["o2", "o4", "o5", "o8"], "D")))
    expected = reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    assert expected["owners"] == {"value": 8}
    assert expected["by_side"]["buckets"][0] == {"key": "A", "doc_count": 9, "owners": {"value": 4}}
    assert expected["by_side"]["buckets"][1] == {"key": "D", "doc_count": 8, "owners": {"value": 6}}
    assert answers() == [expected] * 5


# --- columns decoded whole and kept between requests (native/aggregate/src/decoded.rs) -----------

def test_the_engine_keeps_the_columns_it_aggregates_decoded_within_the_budget(loaded_tantivy):
    index = loaded_tantivy._compiled()
    for aggs in DIALECT_CASES.values():
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    kept = index.column_cache_size()
    assert 0 < kept <= loaded_tantivy.column_cache_bytes
    # the second time every column is already decoded: nothing more is kept
    for aggs in DIALECT_CASES.values():
        compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    assert index.column_cache_size() == kept


def test_a_budget_of_zero_keeps_nothing(loaded_tantivy):
    engine = te.TantivyEngine(loaded_tantivy.root.parent, column_cache_mb=0)  # INSIDER_COLUMN_CACHE_MB=0
    aggs = DIALECT_CASES["terms with missing, nested two levels"]
    assert compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs) == reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    assert engine._compiled().column_cache_size() == 0


@pytest.mark.parametrize("span", [0, 1, 253, 254, 255, 256, 65_534, 65_535, 65_536,
                                  2**32 - 2, 2**32 - 1, 2**32, 2**62, 2**64 - 2, 2**64 - 1])
def test_values_at_each_width_boundary_and_missing_ones_read_back_exactly(one_segment_engine, span):
    """A decoded column stores each value less the smallest in 1, 2, 4 or 8 bytes, the largest
    of each width standing for "no value": a column whose values span exactly that far must take
    the next width (2**64 - 1, the whole i64 range, has no width to spare and is read from the
    index). Values, missing ones, sums, extremes and ranges as tantivy-py gives them."""
    low = -2**63 if span >= 2**63 else -7
    values = [low, low + span, low + span // 2, low]
    rows = [{"id": f"r{n}", "accession_no": f"a{n}", "side": "AD"[n % 2], "shares_milli": v}
            for n, v in enumerate(values)]
    rows += [{"id": f"m{n}", "accession_no": f"m{n}", "side": "D"} for n in range(3)]  # no value
    one_segment_engine.write(Batch(filings=[], rows=rows))
    aggs = {"lo": {"min": {"field": "shares_milli"}}, "hi": {"max": {"field": "shares_milli"}},
            "n": {"value_count": {"field": "shares_milli"}},
            "by_side": {"terms": {"field": "side", "size": 2}, "aggs": {
                "hi": {"max": {"field": "shares_milli"}}, "n": {"value_count": {"field": "shares_milli"}}}},
            "top": {"range": {"field": "shares_milli", "ranges": [{"key": "top", "from": low + span}]}}}
    engine = one_segment_engine
    index = split_index(engine, threads=1)
    got = compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index)
    assert got == reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    assert got["n"] == {"value": 4} and got["hi"] == {"value": float(low + span)}
    if span < 2**53:  # range bounds are doubles: beyond 2**53 the bound itself is rounded
        assert got["top"]["buckets"][0]["doc_count"] == (1 if span else 4)
    assert segments(engine) == 1
    width = next((w for w in (1, 2, 4, 8) if span < 2 ** (8 * w) - 1), 0)  # 0: not decoded
    assert index.column_cache_size() == len(rows) * (1 + width)  # `side` takes a byte a document


@pytest.mark.parametrize("kind", ["negative and positive doubles", "doubles one apart in their last bit",
                                  "dates at the storable extremes", "255 texts", "256 texts"])
def test_every_column_kind_reads_back_exactly_from_decoded_arrays(one_segment_engine, kind):
    """Doubles and dates are decoded as tantivy's order-preserving codes, texts as ordinals: the
    same answers from the arrays as from the index and tantivy-py, missing values included."""
    if kind.endswith("texts"):
        n = int(kind.split()[0])  # ordinals 0..n-1: a byte holds 255 of them and "no value"
        rows = [{"id": f"r{i}", "accession_no": "x", "owner_key": f"o{i:03d}"} for i in range(n)]
        aggs = {"t": {"terms": {"field": "owner_key", "size": 300}}, "d": {"distinct": {"field": "owner_key", "size": 300}},
                "n": {"value_count": {"field": "owner_key"}}}
    elif kind.startswith("dates"):
        days = ["1677-09-22", "2262-04-10", "1970-01-01", "2020-02-29"]
        rows = [{"id": f"r{i}", "accession_no": "x", "transaction_date": d} for i, d in enumerate(days)]
        aggs = {"lo": {"min": {"field": "transaction_date"}}, "hi": {"max": {"field": "transaction_date"}},
                "h": {"date_histogram": {"field": "transaction_date"}}}
    else:
        one = 1.0000000000000002
        values = [-1e300, -0.5, 3.25, 1e300] if kind.startswith("negative") else [1.0, one, 1.0]
        rows = [{"id": f"r{i}", "accession_no": "x", "price": v} for i, v in enumerate(values)]
        aggs = {"lo": {"min": {"field": "price"}}, "hi": {"max": {"field": "price"}},
                "n": {"value_count": {"field": "price"}},
                "r": {"range": {"field": "price", "ranges": [{"key": "low", "to": 1.0}, {"key": "high", "from": 1.0}]}}}
    rows += [{"id": "none", "accession_no": "x", "side": "A"}]  # without the field
    engine = one_segment_engine
    engine.write(Batch(filings=[], rows=rows))
    decoded, undecoded = split_index(engine, threads=1), split_index(engine, threads=1, column_cache_bytes=0)
    want = reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    got = compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=decoded)
    assert repr(got) == repr(want) == repr(compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=undecoded))
    assert decoded.column_cache_size() > 0


def test_rewritten_rows_and_new_segments_are_read_right_by_a_reloaded_index(tantivy_engine):
    """Rows replaced (their old documents deleted in a decoded segment) and new segments beside the
    decoded ones: the same index, reloaded, answers as tantivy-py."""
    engine = tantivy_engine
    rows = make_rows(200)
    engine.write(Batch(filings=[], rows=rows[:100]))
    engine.write(Batch(filings=[], rows=rows[100:]))
    aggs = DIALECT_CASES["terms with missing, nested two levels"]
    index = split_index(engine, threads=2, split_min_docs=10)
    assert compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index) == reference(
        engine, TRANSACTIONS, ast.MatchAll(), aggs)
    kept = index.column_cache_size()
    changed = [{**row, "side": "D", "value_cents": 123_456} for row in rows[::3]]
    engine.write(Batch(filings=[], rows=[], row_updates=changed))  # deleted where decoded, added anew
    engine._searcher()
    index.reload()
    # a segment keeps its arrays through deletions (one whose every document went is dropped)
    assert 0 < index.column_cache_size() <= kept
    want = reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    assert compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index) == want
    assert sum(b["doc_count"] for b in want["g"]["buckets"]) == 200


def test_a_request_matching_a_sliver_of_a_segment_reads_it_from_the_index(one_segment_engine):
    """A ticker's rows are a sliver of every segment: decoding whole columns for them would cost
    more than it saves. A request decodes a segment's columns when it matches at least
    `column_decode_share` of its documents; once decoded, every request reads the arrays."""
    engine = one_segment_engine
    engine.write(Batch(filings=[], rows=make_rows(320)))
    aggs = {"v": {"sum": {"field": "value_cents"}}, "s": {"terms": {"field": "side", "size": 2}}}
    few = ast.Terms("id", tuple(f"R{n:05d}" for n in range(1, 10)))  # 9 rows: under 320 / 32
    enough = ast.Terms("id", tuple(f"R{n:05d}" for n in range(1, 11)))  # 10 rows
    index = split_index(engine, threads=1, column_decode_share=1 / 32)

    def answer(query):
        got = compiled(engine, TRANSACTIONS, query, aggs, index=index)
        assert got == reference(engine, TRANSACTIONS, query, aggs)
        return index.column_cache_size()

    assert answer(few) == 0
    assert answer(enough) == 320 * 3  # value_cents (0-400) two bytes a row, side one
    assert answer(few) == 320 * 3  # read from the arrays now
    with pytest.raises(ValueError, match="column_decode_share"):
        split_index(engine, column_decode_share=1.5)


def test_the_columns_of_segments_merged_away_are_let_go(one_segment_engine):
    """Columns decoded for segments that a merge then replaces are dropped at the next reload.
    Seven one-segment commits stay seven segments (tantivy's log merge policy merges eight or
    more of a size); the eighth commit starts a merge that `close` waits for. Nothing here
    races the merge threads: the index is opened and decoded before any merge can start."""
    engine = one_segment_engine
    rows = make_rows(400)
    for chunk in range(0, 350, 50):  # seven commits, seven small segments
        engine.write(Batch(filings=[], rows=rows[chunk:chunk + 50]))
    aggs = DIALECT_CASES["terms with missing, nested two levels"]
    index = split_index(engine, threads=1)
    assert compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index) == reference(
        engine, TRANSACTIONS, ast.MatchAll(), aggs)
    many, kept = segments(engine), index.column_cache_size()
    assert many == 7 and kept > 0
    engine.write(Batch(filings=[], rows=rows[350:]))  # the eighth: a merge starts
    engine.close()  # waits for it
    engine._searcher()
    assert segments(engine) < many, "tantivy merged nothing: the test needs merged segments"
    index.reload()
    left = index.column_cache_size()
    assert left < kept
    want = reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    assert sum(b["doc_count"] for b in want["g"]["buckets"]) == 400
    assert compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index) == want
    assert index.column_cache_size() > left  # the merged segment's columns, decoded now


def test_a_float_sum_past_the_range_of_doubles_is_left_to_tantivy_py(tantivy_engine):
    """Magnitudes that overflow a double overflow somewhere in tantivy's adding order, and its
    answer (inf or NaN) depends on that order: the compiled sum declines (found by a fuzz)."""
    big = 1.7976931348623157e308
    tantivy_engine.write(Batch(filings=[], rows=[{"id": f"r{n}", "accession_no": "x", "exercise_price": big}
                                                 for n in range(4)]))
    aggs = {"s": {"sum": {"field": "exercise_price"}}}
    with pytest.raises(NotImplementedError):
        compiled(tantivy_engine, TRANSACTIONS, ast.MatchAll(), aggs)
    got = tantivy_engine.aggregate(TRANSACTIONS, ast.MatchAll(), aggs)["s"]["value"]
    want = reference(tantivy_engine, TRANSACTIONS, ast.MatchAll(), aggs)["s"]["value"]
    assert repr(got) == repr(want)  # NaN == NaN is False; their reprs compare


def test_one_thread_and_a_bad_option(loaded_tantivy):
    aggs = DIALECT_CASES["distinct counts, nested and at the top, some cut to their size"]
    one = split_index(loaded_tantivy, threads=1, split_min_docs=1)
    assert compiled(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs, index=one) == reference(loaded_tantivy, TRANSACTIONS, ast.MatchAll(), aggs)
    for bad in ({"threads": 0}, {"split_min_docs": 0}):
        with pytest.raises(ValueError, match="at least 1"):
            split_index(loaded_tantivy, **bad)


@pytest.fixture
def one_segment_engine(tantivy_engine, monkeypatch):
    monkeypatch.setattr(te, "WRITER_THREADS", 1)  # one commit, one segment
    return tantivy_engine


def test_a_terms_cut_is_decided_for_the_whole_segment_not_per_run(one_segment_engine):
    """tantivy cuts a segment's buckets to 65,000 before merging; the compiled path declines a
    segment with more, so that tantivy-py answers. Two runs of 35,000 values each are under the
    cut, the segment is not: the merged runs are checked as the segment."""
    engine = one_segment_engine
    engine.write(Batch(filings=[], rows=[{"id": f"r{i:05d}", "owner_key": f"o{i:05d}", "side": "AD"[i % 2]}
                                         for i in range(70_000)]))
    assert segments(engine) == 1
    aggs = {"o": {"terms": {"field": "owner_key", "size": 10}}}
    for index in (split_index(engine, threads=2, split_min_docs=10**9), split_index(engine, threads=2, split_min_docs=1)):
        with pytest.raises(NotImplementedError, match="65000 distinct values in one segment"):
            compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index)
    nested = {"s": {"terms": {"field": "side", "size": 2}, "aggs": aggs}}  # 35,000 values under each side: no cut
    split = compiled(engine, TRANSACTIONS, ast.MatchAll(), nested, index=split_index(engine, threads=2, split_min_docs=1))
    assert split == reference(engine, TRANSACTIONS, ast.MatchAll(), nested)
    assert engine.aggregate(TRANSACTIONS, ast.MatchAll(), aggs) == reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)


def test_a_missing_key_that_is_also_a_value_keeps_the_segment_whole(one_segment_engine):
    """tantivy drops the rows without a value when `missing` names a real value of the segment
    (the compiled path declines that). Cut into runs, the rows without a value and the rows with
    that value would land in different runs and be added up: such a segment is not cut."""
    engine = one_segment_engine
    rows = [{"id": f"r{i:02d}", "side": "A"} if i < 20 else {"id": f"r{i:02d}", "side": "D", "sector": "~none"}
            for i in range(40)]
    engine.write(Batch(filings=[], rows=rows))
    assert segments(engine) == 1
    aggs = {"g": {"terms": {"field": "sector", "size": 5, "missing": "~none"}}}
    for index in (split_index(engine, threads=2, split_min_docs=10**9), split_index(engine, threads=2, split_min_docs=1)):
        with pytest.raises(NotImplementedError, match="missing"):
            compiled(engine, TRANSACTIONS, ast.MatchAll(), aggs, index=index)
    assert engine.aggregate(TRANSACTIONS, ast.MatchAll(), aggs) == reference(engine, TRANSACTIONS, ast.MatchAll(), aggs)
    other_key = {"g": {"terms": {"field": "sector", "size": 5, "missing": "(unclassified)"}}}
    split = compiled(engine, TRANSACTIONS, ast.MatchAll(), other_key, index=split_index(engine, threads=2, split_min_docs=1))
    assert split == reference(engine, TRANSACTIONS, ast.MatchAll(), other_key) == {
        "g": {"buckets": [{"key": "(unclassified)", "doc_count": 20}, {"key": "~none", "doc_count": 20}]}}
