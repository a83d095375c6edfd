"""GET /insider-module/api/insiders/stats/global: market-wide totals under the by-sector metric
names, the largest single buys and sells, the issuers with the largest net buying and selling, and
the daily trend by trade date (docs/analytics.md).

Requests: flow, per-issuer flow, the daily trend and the exact distinct counts together; the top
buys and the top sells (row listings sorted by value by the engine); the current ticker and name of
the issuers listed.
"""
from __future__ import annotations

from datetime import datetime

from mappings.transactions import TRANSACTIONS
from search.analytics import issuers
from search.analytics.by_sector import sector_filters
from search.analytics.filters import and_, filter_node
from search.analytics.flow import BUY, SELL, Flow, flow, side_aggs
from search.analytics.slices import MAX_TERMS_SIZE, Distinct, aggregate_with_distinct
from search.analytics.tape import tape_row
from search.engines.base import Engine
from search.query import ast
from search.query.ast import SortKey

DEFAULT_TOP = 10
MAX_TOP = 100
COUNTS = (Distinct("unique_insiders", "owner_key"), Distinct("filing_count", "accession_no"))
BY_VALUE = [SortKey("value_cents", descending=True)]


def sums_aggs() -> dict:
    return {
        "rows": {"value_count": {"field": "id"}},
        **side_aggs(),
        "issuers": {"terms": {"field": "issuer_cik", "size": MAX_TERMS_SIZE}, "aggs": side_aggs()},
        "trend": {"date_histogram": {"field": "transaction_date"}, "aggs": side_aggs()},
    }


def totals(result: dict, distinct: dict) -> dict:
    f = flow(result)
    return {
        "transaction_count": result["rows"]["value"],
        "filing_count": distinct["filing_count"],
        "unique_insiders": distinct["unique_insiders"],
        "unique_issuers": len(result["issuers"]["buckets"]),
        **f.metrics(),
    }


def trend(result: dict) -> list[dict]:
    return [{"date": b["key"], "transaction_count": b["doc_count"], **flow(b).metrics()}
            for b in result["trend"]["buckets"]]


def net_flows(result: dict) -> list[tuple[str, int, Flow]]:
    """(issuer CIK, rows, flow) of every issuer."""
    return [(b["key"], b["doc_count"], flow(b)) for b in result["issuers"]["buckets"]]


def top_net(flows: list[tuple[str, int, Flow]], top: int) -> tuple[list, list]:
    """The `top` issuers with the largest positive and the largest negative net value."""
    # Ties by CIK as a number (shown zero-padded; stored without the zeros).
    buying = sorted((x for x in flows if x[2].net_cents > 0), key=lambda x: (-x[2].net_cents, int(x[0])))
    selling = sorted((x for x in flows if x[2].net_cents < 0), key=lambda x: (x[2].net_cents, int(x[0])))
    return buying[:top], selling[:top]


def issuer_row(issuer: issuers.Issuer, rows: int, f: Flow) -> dict:
    m = f.metrics()
    return {"ticker": issuer.ticker, "company_name": issuer.name, "issuer_cik": issuer.padded_cik,
            "transaction_count": rows, "buy_value": m["buy_value"], "sell_value": m["sell_value"],
            "net_value": m["net_value"]}


def largest(engine: Engine, query: ast.Node, side: str, top: int) -> list[dict]:
    """The `top` single rows of one side with the largest value; rows without a value or worth $0
    (grants, conversions) are not trades anyone would list as "top"."""
    narrowed = and_(query, ast.Term("side", side), ast.Range("value_cents", gt=0))
    return [tape_row(r) for r in engine.search(TRANSACTIONS, narrowed, BY_VALUE, 0, top).documents]


def global_stats(engine: Engine, now: datetime, *, top: int = DEFAULT_TOP, **params) -> dict:
    filters = sector_filters(**params)
    query = filter_node(filters, now)
    result, distinct = aggregate_with_distinct(
        engine, query, sums_aggs(), COUNTS, lambda r: (r["rows"]["value"], r["rows"]["value"]),
        filing_level=filters.filing_level)
    buying, selling = top_net(net_flows(result), top)
    labels = issuers.labels(engine, [cik for cik, _, _ in buying + selling])
    return {
        "data": {
            "totals": totals(result, distinct),
            "top_buys": largest(engine, query, BUY, top),
            "top_sells": largest(engine, query, SELL, top),
            "top_net_buying": [issuer_row(labels[cik], n, f) for cik, n, f in buying],
            "top_net_selling": [issuer_row(labels[cik], n, f) for cik, n, f in selling],
            "daily_trend": trend(result),
        },
        "meta": {"filed_at_days": filters.lookback.filed_at_days,
                 "transaction_days": filters.lookback.transaction_days, "top": top},
    }
