"""Exact distinct counts (insiders, filings) computed by the engine, in slices of the owner space.

A distinct count is the engine's `distinct` aggregation (search/engines/base.py): exact, as far as
its size; tantivy's and OpenSearch's cardinality are only approximate. Its values count as buckets,
and both engines refuse more than 65,000 buckets per request. Every row
carries `owner_partition` = hash(owner_key) % 16, and a filing has exactly one canonical owner, so
each owner_key and each accession_no lives in exactly one partition: the counts of disjoint
partition ranges add up to the exact total. The number of slices is chosen from the row count
(every row might open a bucket); a slice that still comes back truncated, or over the bucket limit,
is split in two, down to single partitions.

Filings are counted without buckets when the filter is filing-level (`Filters.filing_level`): a
filing's Table I rows then match all together or not at all, so the filing is counted by its first
line (line 0) alone, with a range aggregation instead of one bucket per accession number.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from insider.errors import BadRequest
from mappings.transactions import OWNER_PARTITIONS, TRANSACTIONS
from search.analytics.filters import UNCLASSIFIED, and_
from search.engines.base import Engine
from search.query import ast

BUCKET_BUDGET = 60_000      # under the engines' 65,000-bucket cap, leaving room for group buckets
MAX_TERMS_SIZE = 65_000
RIDE_ALONG_SIZE = MAX_TERMS_SIZE  # terms size of the counts asked for beside other aggregations
# tantivy also refuses a request whose DECLARED sizes, multiplied through the nesting, pass 100x
# its bucket limit, whatever the data; nested sizes are kept under it.
DECLARED_LIMIT = 6_500_000


FILING_KEY = "accession_no"
FIRST_LINE = {"field": "line", "ranges": [{"key": "first", "to": 1}]}


@dataclass(frozen=True)
class Distinct:
    name: str               # result name, e.g. "unique_insiders"
    field: str              # owner_key or accession_no: both constant within an owner partition
    by: str | None = None   # counted separately for each value of this keyword field
    # Set by `planned`: count accession numbers by first lines (filing-level filters only).
    by_first_line: bool = False


def planned(counts: tuple[Distinct, ...], filing_level: bool) -> tuple[Distinct, ...]:
    """`counts` as they are asked for: under filing-level filters, filings by their first lines."""
    if not filing_level:
        return counts
    return tuple(replace(d, by_first_line=True) if d.field == FILING_KEY else d for d in counts)


def slice_count(rows: int, counts: int) -> int:
    """How many owner-space slices keep one request under the bucket budget, if each of the `rows`
    opened its own bucket in each of the `counts` distinct counts: a power of two, at most 16."""
    slices = 1
    while slices < OWNER_PARTITIONS and rows * counts > BUCKET_BUDGET * slices:
        slices *= 2
    return slices


def terms_size(counts: tuple[Distinct, ...], largest: int, group_size: int) -> int:
    """The terms size of each count: one more than the most rows any one bucket can hold (so a
    result that reaches it is known to be truncated), within both engines' limits."""
    counts = tuple(d for d in counts if not d.by_first_line)
    if not counts:
        return 1
    multiplier = sum(group_size if d.by else 1 for d in counts)
    base = sum(group_size for d in counts if d.by)
    return max(1, min(MAX_TERMS_SIZE, largest + 1, (DECLARED_LIMIT - base) // multiplier))


def distinct_aggs(counts: tuple[Distinct, ...], size: int, group_size: int) -> dict:
    aggs = {}
    for d in counts:
        values = {"range": FIRST_LINE} if d.by_first_line else {"distinct": {"field": d.field, "size": size}}
        if d.by is None:
            aggs[d.name] = values
        else:
            aggs[d.name] = {"terms": {"field": d.by, "size": group_size, "missing": UNCLASSIFIED},
                            "aggs": {"values": values}}
    return aggs


def distinct_values(counts: tuple[Distinct, ...], result: dict) -> dict:
    """name -> number of distinct values, or name -> {group key -> number} for grouped counts."""
    def number(d: Distinct, values: dict) -> int:
        return values["buckets"][0]["doc_count"] if d.by_first_line else values["value"]

    out: dict = {}
    for d in counts:
        if d.by is None:
            out[d.name] = number(d, result[d.name])
        else:
            out[d.name] = {b["key"]: number(d, b["values"]) for b in result[d.name]["buckets"]}
    return out


def _truncated(counts: tuple[Distinct, ...], size: int, result: dict) -> bool:
    for d in counts:
        if d.by_first_line:
            continue
        groups = [result[d.name]] if d.by is None else [b["values"] for b in result[d.name]["buckets"]]
        if any(g["value"] >= size for g in groups):
            return True
    return False


def _partition_range(low: int, high: int) -> ast.Node:
    return ast.Range("owner_partition", gte=low, lt=high)


def aggregate_in_slices(engine: Engine, query: ast.Node, aggs: dict, slices: int,
                        truncated: Callable[[dict], bool]) -> list[dict]:
    """One result of `aggs` per slice of the owner space; together they cover `query` exactly once."""
    width = OWNER_PARTITIONS // slices
    pending = [(low, low + width) for low in range(0, OWNER_PARTITIONS, width)]
    results = []
    while pending:
        low, high = pending.pop(0)
        node = query if (low, high) == (0, OWNER_PARTITIONS) else and_(query, _partition_range(low, high))
        try:
            result = engine.aggregate(TRANSACTIONS, node, aggs)
            complete = not truncated(result)
        except BadRequest as exc:
            if high - low == 1:
                raise _too_broad() from exc
            complete = False
        if complete:
            results.append(result)
        elif high - low == 1:
            raise _too_broad()
        else:
            middle = (low + high) // 2
            pending[:0] = [(low, middle), (middle, high)]
    return results


def _too_broad() -> BadRequest:
    return BadRequest("too many distinct insiders or filings to count exactly in one owner partition; "
                      "narrow the window (filed_at_days / transaction_days) or add filters")


def count_distinct(engine: Engine, query: ast.Node, counts: tuple[Distinct, ...], rows: int,
                   largest: int, group_size: int = 0, filing_level: bool = False) -> dict:
    """Exact distinct counts over `query`, which matches `rows` rows, at most `largest` of them in
    any one group; `group_size` is the number of groups of the grouped counts. `filing_level`: the
    query's filters are filing-level (`Filters.filing_level`), so filings count by first lines."""
    if rows == 0:
        return {d.name: 0 if d.by is None else {} for d in counts}
    counts = planned(counts, filing_level)
    size = terms_size(counts, largest, group_size)
    aggs = distinct_aggs(counts, size, group_size)
    bucketed = sum(1 for d in counts if not d.by_first_line)
    results = aggregate_in_slices(engine, query, aggs, slice_count(rows, bucketed),
                                  lambda result: _truncated(counts, size, result))
    total: dict = {}
    for result in results:
        for name, value in distinct_values(counts, result).items():
            if isinstance(value, int):
                total[name] = total.get(name, 0) + value
            else:
                merged = total.setdefault(name, {})
                for key, n in value.items():
                    merged[key] = merged.get(key, 0) + n
    return total


def aggregate_with_distinct(engine: Engine, query: ast.Node, aggs: dict, counts: tuple[Distinct, ...],
                            rows_of: Callable[[dict], tuple[int, int]], group_size: int = 0,
                            filing_level: bool = False) -> tuple[dict, dict]:
    """(the result of `aggs`, the exact distinct `counts`) over `query`, in one pass over the rows
    when the counts fit in one request, as they nearly always do: the distinct aggregations ride
    along `aggs` (each engine request walks the matching rows again, which costs as much as the
    aggregations). When they come back truncated, or the combined request is over a bucket limit,
    `aggs` is asked alone and the counts are taken in owner slices (`count_distinct`), planned
    from `rows_of(result)` = (rows, most rows in one group)."""
    asked = planned(counts, filing_level)
    size = terms_size(asked, RIDE_ALONG_SIZE, group_size)
    try:
        result = engine.aggregate(TRANSACTIONS, query, {**aggs, **distinct_aggs(asked, size, group_size)})
    except BadRequest:
        result = None
    if result is not None and not _truncated(asked, size, result):
        return result, distinct_values(asked, result)
    if result is None:
        result = engine.aggregate(TRANSACTIONS, query, aggs)
    rows, largest = rows_of(result)
    return result, count_distinct(engine, query, counts, rows, largest, group_size, filing_level)
