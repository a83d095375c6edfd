"""GET /insider-module/api/insiders/aggregation/by-sector: insider activity per sector or industry
(seeds/finradar-aggregation-by-sector.txt; docs/analytics.md).

One engine request (more only for very large windows, see slices.py): per group the flow, the
issuers, and the exact distinct insiders and filings. Every group is computed, so that
sorting by any metric and `meta.total` are exact; the page is cut afterwards.
"""
from __future__ import annotations

from datetime import datetime

from indexer.sectors import SECTORS
from insider.errors import BadRequest
from search.analytics.filters import UNCLASSIFIED, Filters, Lookback, filter_node
from search.analytics.flow import Flow, flow, side_aggs
from search.analytics.slices import DECLARED_LIMIT, MAX_TERMS_SIZE, Distinct, aggregate_with_distinct
from search.engines.base import Engine

GROUP_BY = ("sector", "industry")
DEFAULT_FILED_AT_DAYS = 30
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Every sector plus the unclassified bucket; industries are free text in user overrides.
MAX_GROUPS = {"sector": len(SECTORS) + 1, "industry": 500}
SIDE_BUCKETS = 2

SORT_KEYS = {
    "abs_net_value": lambda g: abs(g["flow"].net_cents),
    "net_value": lambda g: g["flow"].net_cents,
    "total_value": lambda g: g["flow"].buy_cents + g["flow"].sell_cents,
    "transaction_count": lambda g: g["rows"],
    "unique_insiders": lambda g: g["unique_insiders"],
}
SORT_BY = tuple(SORT_KEYS)


def group_size(group_by: str) -> int:
    """One more than the groups there can be, so that a truncated answer shows."""
    return MAX_GROUPS[group_by] + 1


def issuer_size(group_by: str) -> int:
    """Issuers listed per group: as many as the declared-size limit allows beside the groups."""
    return min(MAX_TERMS_SIZE, DECLARED_LIMIT // group_size(group_by) - 1 - SIDE_BUCKETS)


def sums_aggs(group_by: str) -> dict:
    return {"groups": {
        "terms": {"field": group_by, "size": group_size(group_by), "missing": UNCLASSIFIED},
        "aggs": {**side_aggs(), "issuers": {"distinct": {"field": "issuer_cik", "size": issuer_size(group_by)}}},
    }}


def groups_from(result: dict, group_by: str) -> dict[str, dict]:
    """Group key -> rows, flow and issuer count, from a `sums_aggs` result."""
    buckets = result["groups"]["buckets"]
    if len(buckets) > MAX_GROUPS[group_by]:
        raise BadRequest(f"more than {MAX_GROUPS[group_by]} {group_by} groups; filter by sector first")
    limit = issuer_size(group_by)
    groups = {}
    for b in buckets:
        issuers = b["issuers"]["value"]
        if issuers >= limit:
            raise BadRequest(f"more than {limit - 1} issuers in the {group_by} {b['key']!r}; narrow the window")
        groups[b["key"]] = {"rows": b["doc_count"], "flow": flow(b), "unique_issuers": issuers}
    return groups


def distinct_counts(group_by: str) -> tuple[Distinct, ...]:
    return (Distinct("unique_insiders", "owner_key", by=group_by),
            Distinct("filing_count", "accession_no", by=group_by))


def group_row(key: str, group: dict) -> dict:
    f: Flow = group["flow"]
    return {
        "group": None if key == UNCLASSIFIED else key,
        "transaction_count": group["rows"],
        "filing_count": group["filing_count"],
        "unique_insiders": group["unique_insiders"],
        "unique_issuers": group["unique_issuers"],
        **f.metrics(),
    }


def page(groups: dict[str, dict], sort_by: str, limit: int, offset: int) -> list[dict]:
    """Rows sorted by `sort_by` descending, then by group name with the unclassified group last."""
    key = SORT_KEYS[sort_by]
    ordered = sorted(groups.items(), key=lambda kv: (-key(kv[1]), kv[0] == UNCLASSIFIED, kv[0]))
    return [group_row(k, g) for k, g in ordered[offset:offset + limit]]


def sector_filters(*, sector: str | None = None, industry: str | None = None,
                   filed_at_days: int = DEFAULT_FILED_AT_DAYS, transaction_days: int | None = None,
                   min_value: float | None = None, max_value: float | None = None,
                   transaction_code: tuple[str, ...] = (), acquired_disposed_code: str | None = None,
                   is_officer: bool | None = None, is_director: bool | None = None,
                   is_ten_percent_owner: bool | None = None, is_c_suite: bool | None = None,
                   exclude_10b5_1: bool = False, exclude_cashless: bool = False) -> Filters:
    """The market-wide filter set of by-sector (also used by stats/global and clusters)."""
    if min_value is not None and max_value is not None and min_value > max_value:
        raise BadRequest("min_value must not exceed max_value", min_value=min_value, max_value=max_value)
    return Filters(
        lookback=Lookback(filed_at_days=filed_at_days, transaction_days=transaction_days),
        sector=sector, industry=industry, min_value=min_value, max_value=max_value,
        transaction_codes=tuple(transaction_code), side=acquired_disposed_code,
        is_officer=is_officer, is_director=is_director, is_ten_percent_owner=is_ten_percent_owner,
        is_csuite=is_c_suite, exclude_10b5_1=exclude_10b5_1, exclude_cashless=exclude_cashless,
    )


def by_sector(engine: Engine, now: datetime, *, group_by: str = "sector", limit: int = DEFAULT_LIMIT,
              offset: int = 0, sort_by: str = "abs_net_value", **params) -> dict:
    """{"data": rows, "meta": ...}"""
    filters = sector_filters(**params)
    query = filter_node(filters, now)

    def rows_of(result: dict) -> tuple[int, int]:
        counts = [b["doc_count"] for b in result["groups"]["buckets"]]
        return sum(counts), max(counts, default=0)

    result, distinct = aggregate_with_distinct(engine, query, sums_aggs(group_by), distinct_counts(group_by), rows_of,
                                               group_size=group_size(group_by), filing_level=filters.filing_level)
    groups = groups_from(result, group_by)
    for key, group in groups.items():
        group["unique_insiders"] = distinct["unique_insiders"].get(key, 0)
        group["filing_count"] = distinct["filing_count"].get(key, 0)
    limit = min(limit, MAX_LIMIT)
    return {
        "data": page(groups, sort_by, limit, offset),
        "meta": {"total": len(groups), "limit": limit, "offset": offset, "has_more": offset + limit < len(groups),
                 "group_by": group_by, "filed_at_days": filters.lookback.filed_at_days},
    }
