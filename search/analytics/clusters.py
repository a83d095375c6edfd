"""GET /insider-module/api/insiders/clusters: issuers where at least `min_insiders` distinct
canonical insiders bought within the last `days` days of trade dates (docs/analytics.md).

Requests: buying rows per issuer (to keep only issuers with enough rows to form a cluster), then
the candidates' buyers with their totals, in owner-space slices (slices.py), then the current
ticker and name of the issuers on the page.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mappings.transactions import TRANSACTIONS
from search.analytics import issuers
from search.analytics.by_sector import sector_filters
from search.analytics.filters import Filters, Lookback, and_, filter_node
from search.analytics.flow import BUY, day, dollars, integer, shares
from search.analytics.issuers import latest_key
from search.analytics.slices import DECLARED_LIMIT, MAX_TERMS_SIZE, aggregate_in_slices, slice_count
from search.engines.base import Engine
from search.query import ast

DEFAULT_DAYS = 30
DEFAULT_MIN_INSIDERS = 3
DEFAULT_CODES = ("P",)      # open-market purchases: the classic cluster-buy screen
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
NAMES = 10                  # names one owner_key is shown under among a cluster's rows
ROW_BUCKETS = 3             # an issuer, an owner and a name bucket per row at most

_OWNER_AGGS = {
    "value": {"sum": {"field": "value_cents"}},
    "shares": {"sum": {"field": "shares_milli"}},
    "first": {"min": {"field": "transaction_date"}},
    "last": {"max": {"field": "transaction_date"}},
    "names": {"terms": {"field": "owner_name", "size": NAMES}, "aggs": {
        "filed": {"max": {"field": "filed_at"}}, "traded": {"max": {"field": "transaction_date"}}}},
}


def cluster_filters(*, days: int = DEFAULT_DAYS, transaction_code: tuple[str, ...] = DEFAULT_CODES,
                    **params) -> Filters:
    """Acquisitions (side A) of the given codes with trade dates in the last `days` days."""
    filters = sector_filters(filed_at_days=None, transaction_code=transaction_code or DEFAULT_CODES, **params)
    return replace(filters, lookback=Lookback(transaction_days=days), side=BUY)


def candidates_aggs() -> dict:
    return {"issuers": {"terms": {"field": "issuer_cik", "size": MAX_TERMS_SIZE}}}


def buyers_aggs(candidates: int, largest: int) -> dict:
    """Per candidate issuer, per buyer: totals and names. The buyers' terms size is one more than
    any issuer's rows (so a truncated list shows), within the declared-size limit."""
    per_issuer = DECLARED_LIMIT // (candidates + 1) - 1
    size = max(1, min(MAX_TERMS_SIZE, largest + 1, per_issuer // (1 + NAMES)))
    return {"issuers": {"terms": {"field": "issuer_cik", "size": candidates + 1}, "aggs": {
        "owners": {"terms": {"field": "owner_key", "size": size}, "aggs": _OWNER_AGGS}}}}


def _truncated(result: dict, size: int) -> bool:
    return any(len(b["owners"]["buckets"]) >= size for b in result["issuers"]["buckets"])


def insider(bucket: dict) -> dict:
    return {
        "owner_key": bucket["key"],
        "name": latest_key(bucket["names"]["buckets"]),
        "transaction_count": bucket["doc_count"],
        "value_cents": integer(bucket["value"]),
        "shares_milli": integer(bucket["shares"]),
        "first_transaction_date": day(bucket["first"]["value"]),
        "last_transaction_date": day(bucket["last"]["value"]),
    }


def merge_buyers(results: list[dict]) -> dict[str, list[dict]]:
    """Issuer CIK -> its buyers; the slices hold disjoint owners, so lists just concatenate."""
    buyers: dict[str, list[dict]] = {}
    for result in results:
        for b in result["issuers"]["buckets"]:
            buyers.setdefault(b["key"], []).extend(insider(o) for o in b["owners"]["buckets"])
    return buyers


def cluster(cik: str, buyers: list[dict]) -> dict:
    ordered = sorted(buyers, key=lambda o: (-o["value_cents"], o["owner_key"]))
    return {
        "issuer_cik": cik,
        "insider_count": len(buyers),
        "transaction_count": sum(o["transaction_count"] for o in buyers),
        "value_cents": sum(o["value_cents"] for o in buyers),
        "shares_milli": sum(o["shares_milli"] for o in buyers),
        "first_transaction_date": min(o["first_transaction_date"] for o in buyers),
        "last_transaction_date": max(o["last_transaction_date"] for o in buyers),
        "insiders": ordered,
    }


def clusters_of(buyers: dict[str, list[dict]], min_insiders: int) -> list[dict]:
    """Clusters sorted by total value, largest first, then by CIK (as a number: the CIKs shown
    are zero-padded, stored ones are not)."""
    found = [cluster(cik, owners) for cik, owners in buyers.items() if len(owners) >= min_insiders]
    return sorted(found, key=lambda c: (-c["value_cents"], int(c["issuer_cik"])))


def _money(item: dict, prefix: str) -> dict:
    """`value_cents`/`shares_milli` rendered as `<prefix>value`/`<prefix>shares`, keys in place."""
    out = {}
    for key, value in item.items():
        if key == "value_cents":
            out[prefix + "value"] = dollars(value)
        elif key == "shares_milli":
            out[prefix + "shares"] = shares(value)
        else:
            out[key] = value
    return out


def cluster_row(found: dict, issuer: issuers.Issuer) -> dict:
    row = _money(found, "total_")
    row["issuer_cik"] = issuer.padded_cik
    row["insiders"] = [_money(o, "") for o in found["insiders"]]
    return {"ticker": issuer.ticker, "company_name": issuer.name, **row}


def find(engine: Engine, now: datetime, *, min_insiders: int = DEFAULT_MIN_INSIDERS, limit: int = DEFAULT_LIMIT,
         offset: int = 0, **params) -> dict:
    filters = cluster_filters(**params)
    query = filter_node(filters, now)
    counted = engine.aggregate(TRANSACTIONS, query, candidates_aggs())["issuers"]["buckets"]
    candidates = [b for b in counted if b["doc_count"] >= min_insiders]
    buyers: dict[str, list[dict]] = {}
    if candidates:
        rows = sum(b["doc_count"] for b in candidates)
        aggs = buyers_aggs(len(candidates), max(b["doc_count"] for b in candidates))
        size = aggs["issuers"]["aggs"]["owners"]["terms"]["size"]
        narrowed = and_(query, ast.Terms("issuer_cik", tuple(b["key"] for b in candidates)))
        buyers = merge_buyers(aggregate_in_slices(engine, narrowed, aggs, slice_count(rows, ROW_BUCKETS),
                                                  lambda result: _truncated(result, size)))
    found = clusters_of(buyers, min_insiders)
    limit = min(limit, MAX_LIMIT)
    shown = found[offset:offset + limit]
    labels = issuers.labels(engine, [c["issuer_cik"] for c in shown])
    return {
        "data": [cluster_row(c, labels[c["issuer_cik"]]) for c in shown],
        "meta": {"total": len(found), "limit": limit, "offset": offset, "has_more": offset + limit < len(found),
                 "days": filters.lookback.transaction_days, "min_insiders": min_insiders,
                 "transaction_code": list(filters.transaction_codes)},
    }
