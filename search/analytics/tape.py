"""GET /insider-module/api/insiders/transactions/by-ticker/{ticker}: the rows behind the summary,
newest trade first. With the same parameters, `meta.total` equals the summary's
`total_transactions` (docs/analytics.md)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from insider.errors import BadRequest
from mappings.transactions import TRANSACTIONS
from search.analytics import issuers, summary
from search.analytics.filters import filter_node
from search.engines.base import MAX_RESULT_WINDOW, Engine
from search.query import ast
from search.query.ast import SortKey

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
# Then the row id ascending: every engine breaks the last ties by the index key.
# Within one filing, lines in their order (by number: `:N:2` before `:N:10`); the row id last.
SORT = [SortKey("transaction_date", descending=True), SortKey("filed_at", descending=True),
        SortKey("accession_no"), SortKey("line")]

_COPIED = ("id", "accession_no", "filed_at", "document_type", "ticker", "issuer_name", "transaction_date",
           "code", "side", "security_title", "shares", "price", "shares_owned_after", "direct_indirect",
           "owner_key", "owner_name", "officer_title", "role", "is_director", "is_officer",
           "is_ten_percent_owner", "is_csuite", "is_10b5_1", "is_cashless", "price_suspect")


def tape_row(row: dict) -> dict:
    """One stored transaction row as the API shows it; `value` is the exact cents sum's unit (USD),
    null when the price is missing or outside the sanity bounds."""
    out = {name: row.get(name) for name in _COPIED}
    out["issuer_cik"] = row["issuer_cik"].zfill(10)
    out["value"] = row["value_cents"] / 100 if "value_cents" in row else None
    return out


def exact_total(engine: Engine, query: ast.Node) -> int:
    result = engine.aggregate(TRANSACTIONS, query, {"rows": {"value_count": {"field": "id"}}})
    return result["rows"]["value"]


def by_ticker(engine: Engine, ticker: str, now: datetime, *, limit: int = DEFAULT_LIMIT, offset: int = 0,
              transaction_code: tuple[str, ...] = (), acquired_disposed_code: str | None = None, **params) -> dict:
    if offset + limit > MAX_RESULT_WINDOW:
        raise BadRequest(f"offset + limit must not exceed {MAX_RESULT_WINDOW}; narrow the window instead",
                         offset=offset, limit=limit)
    normalised, issuer = issuers.resolve(engine, ticker)
    filters = replace(summary.ticker_filters(issuer.cik, **params),
                      transaction_codes=tuple(transaction_code), side=acquired_disposed_code)
    query = filter_node(filters, now)
    page = engine.search(TRANSACTIONS, query, SORT, offset, limit)
    total = page.total if page.total_is_exact else exact_total(engine, query)
    return {
        "data": [tape_row(r) for r in page.documents],
        "meta": {"ticker": normalised, "issuer_cik": issuer.padded_cik, "company_name": issuer.name,
                 "total": total, "limit": limit, "offset": offset, "has_more": offset + len(page.documents) < total},
    }
