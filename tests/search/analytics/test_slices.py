"""Exact distinct counts in owner-space slices: request building and the splitting rules, with a
scripted stand-in for the engine."""
import pytest

from insider.errors import BadRequest
from search.analytics.slices import (
    DECLARED_LIMIT, Distinct, aggregate_with_distinct, count_distinct, distinct_aggs, distinct_values, slice_count,
    terms_size,
)
from search.query.ast import Bool, Range, Term

OWNERS = Distinct("unique_insiders", "owner_key")
FILINGS = Distinct("filing_count", "accession_no")
BY_SECTOR = Distinct("unique_insiders", "owner_key", by="sector")
QUERY = Bool(filter=(Term("table", "nonDerivative"),))


def test_small_windows_need_one_request_and_huge_ones_all_sixteen_partitions():
    assert slice_count(0, 3) == 1
    assert slice_count(20_000, 3) == 1
    assert slice_count(20_001, 3) == 2
    assert slice_count(100_000, 2) == 4
    assert slice_count(50_000_000, 3) == 16


def test_the_terms_size_is_one_more_than_any_bucket_can_hold_so_truncation_shows():
    assert terms_size((OWNERS, FILINGS), largest=120, group_size=0) == 121
    assert terms_size((OWNERS,), largest=10_000_000, group_size=0) == 65_000


def test_grouped_sizes_stay_under_the_declared_bucket_limit():
    size = terms_size((BY_SECTOR,), largest=1_000_000, group_size=500)
    assert 500 * (1 + size) <= DECLARED_LIMIT < 500 * (2 + size)


def test_distinct_aggs_request_one_distinct_count_per_count_nested_under_the_group():
    assert distinct_aggs((FILINGS, BY_SECTOR), size=7, group_size=13) == {
        "filing_count": {"distinct": {"field": "accession_no", "size": 7}},
        "unique_insiders": {"terms": {"field": "sector", "size": 13, "missing": "(unclassified)"},
                            "aggs": {"values": {"distinct": {"field": "owner_key", "size": 7}}}},
    }


def test_distinct_values_reads_the_counts_overall_and_per_group():
    result = {
        "filing_count": {"value": 2},
        "unique_insiders": {"buckets": [
            {"key": "Technology", "doc_count": 4, "values": {"value": 1}},
            {"key": "(unclassified)", "doc_count": 2, "values": {"value": 2}},
        ]},
    }
    assert distinct_values((FILINGS, BY_SECTOR), result) == {
        "filing_count": 2, "unique_insiders": {"Technology": 1, "(unclassified)": 2}}


class ScriptedEngine:
    """Answers each aggregate call from a function of the owner-partition range it was asked."""

    def __init__(self, answer):
        self.answer = answer
        self.ranges = []

    def aggregate(self, spec, query, aggs):
        ranges = [c for c in getattr(query, "filter", ()) if isinstance(c, Range) and c.field == "owner_partition"]
        low, high = (ranges[0].gte, ranges[0].lt) if ranges else (0, 16)
        self.ranges.append((low, high))
        return self.answer(low, high, aggs)


def _owners(n):
    return {"unique_insiders": {"value": n}}


def test_one_request_counts_a_small_window_without_slicing():
    engine = ScriptedEngine(lambda low, high, aggs: _owners(3))
    assert count_distinct(engine, QUERY, (OWNERS,), rows=10, largest=10) == {"unique_insiders": 3}
    assert engine.ranges == [(0, 16)]


def test_an_empty_window_asks_the_engine_nothing():
    engine = ScriptedEngine(lambda *a: pytest.fail("no request expected"))
    assert count_distinct(engine, QUERY, (FILINGS, BY_SECTOR), rows=0, largest=0) == {
        "filing_count": 0, "unique_insiders": {}}


def test_large_windows_are_counted_per_slice_and_added_up():
    engine = ScriptedEngine(lambda low, high, aggs: _owners(high - low))
    assert count_distinct(engine, QUERY, (OWNERS,), rows=200_000, largest=200_000) == {"unique_insiders": 16}
    assert engine.ranges == [(0, 4), (4, 8), (8, 12), (12, 16)]


def test_a_truncated_slice_is_split_in_two_and_only_that_one():
    def answer(low, high, aggs):
        size = aggs["unique_insiders"]["distinct"]["size"]
        return _owners(size if high - low > 2 else 1)   # a slice wider than 2 partitions overflows
    engine = ScriptedEngine(answer)
    assert count_distinct(engine, QUERY, (OWNERS,), rows=200_000, largest=5) == {"unique_insiders": 8}
    assert engine.ranges[:3] == [(0, 4), (0, 2), (2, 4)]


def test_a_slice_over_the_engines_bucket_limit_is_split_too():
    def answer(low, high, aggs):
        if high - low > 8:
            raise BadRequest("aggregation exceeds the 65000-bucket limit")
        return _owners(1)
    engine = ScriptedEngine(answer)
    assert count_distinct(engine, QUERY, (OWNERS,), rows=10, largest=10) == {"unique_insiders": 2}
    assert engine.ranges == [(0, 16), (0, 8), (8, 16)]


def test_a_single_partition_that_still_overflows_is_a_400_asking_for_a_narrower_window():
    engine = ScriptedEngine(lambda low, high, aggs: _owners(aggs["unique_insiders"]["distinct"]["size"]))
    with pytest.raises(BadRequest, match="narrow the window"):
        count_distinct(engine, QUERY, (OWNERS,), rows=10, largest=1)


def test_under_filing_level_filters_filings_are_counted_by_first_lines_in_the_same_request():
    def answer(low, high, aggs):
        assert aggs["filing_count"] == {"range": {"field": "line", "ranges": [{"key": "first", "to": 1}]}}
        return {**_owners(2), "filing_count": {"buckets": [{"key": "first", "doc_count": 5}]}}
    engine = ScriptedEngine(answer)
    got = count_distinct(engine, QUERY, (OWNERS, FILINGS), rows=50_000, largest=50_000, filing_level=True)
    assert got == {"unique_insiders": 2, "filing_count": 5}
    assert engine.ranges == [(0, 16)]   # only the owners open buckets: one request is enough


def test_filings_are_counted_distinct_when_a_filter_is_row_level():
    def answer(low, high, aggs):
        assert aggs == {"filing_count": {"distinct": {"field": "accession_no", "size": 4}}}
        return {"filing_count": {"value": 2}}
    engine = ScriptedEngine(answer)
    assert count_distinct(engine, QUERY, (FILINGS,), rows=3, largest=3) == {"filing_count": 2}


SUMS = {"rows": {"value_count": {"field": "id"}}}


def _rows(result):
    return result["rows"]["value"], result["rows"]["value"]


def test_distinct_counts_ride_along_the_other_aggregations_in_one_request():
    asked = []

    def answer(low, high, aggs):
        asked.append(sorted(aggs))
        return {"rows": {"value": 7}, **_owners(3)}
    engine = ScriptedEngine(answer)
    result, distinct = aggregate_with_distinct(engine, QUERY, SUMS, (OWNERS,), _rows)
    assert result["rows"] == {"value": 7} and distinct == {"unique_insiders": 3}
    assert asked == [["rows", "unique_insiders"]]


def test_counts_truncated_beside_the_sums_are_taken_again_in_slices(monkeypatch):
    monkeypatch.setattr("search.analytics.slices.RIDE_ALONG_SIZE", 2)

    def answer(low, high, aggs):
        if "rows" in aggs:
            return {"rows": {"value": 200_000}, **_owners(5)}     # 5 >= the size asked: truncated
        return _owners(high - low)
    engine = ScriptedEngine(answer)
    result, distinct = aggregate_with_distinct(engine, QUERY, SUMS, (OWNERS,), _rows)
    assert distinct == {"unique_insiders": 16}
    assert engine.ranges == [(0, 16), (0, 4), (4, 8), (8, 12), (12, 16)]   # planned from 200,000 rows


def test_a_combined_request_over_the_bucket_limit_falls_back_to_separate_ones():
    def answer(low, high, aggs):
        if "rows" in aggs and "unique_insiders" in aggs:
            raise BadRequest("the aggregation would return more than 65000 buckets")
        return {"rows": {"value": 10}} if "rows" in aggs else _owners(4)
    engine = ScriptedEngine(answer)
    result, distinct = aggregate_with_distinct(engine, QUERY, SUMS, (OWNERS,), _rows)
    assert result == {"rows": {"value": 10}} and distinct == {"unique_insiders": 4}
    assert len(engine.ranges) == 3
