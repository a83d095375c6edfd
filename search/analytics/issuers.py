"""Tickers to issuers and issuers to their current ticker and name, from the transaction rows.

Trades are attributed by issuer CIK. A ticker resolves to the issuer whose latest filing carried it
(a ticker can pass from one company to another); an issuer's ticker and name are those of its
latest filing. "Latest" orders by filing time, then by trade date (filings parsed from a bare XML
document have no filing time), then by the key itself so that ties are stable.
"""
from __future__ import annotations

from dataclasses import dataclass

from indexer.derive import normalize_ticker
from insider.errors import NotFound
from mappings.transactions import TRANSACTIONS
from search.engines.base import Engine
from search.query import ast

NO_NAME = "Unknown"
MAX_NAMES = 50  # distinct tickers or names one issuer has filed under; more would be a data error

_RECENCY = {"filed": {"max": {"field": "filed_at"}}, "traded": {"max": {"field": "transaction_date"}}}


@dataclass(frozen=True)
class Issuer:
    cik: str                 # without leading zeros, as stored
    ticker: str | None
    name: str

    @property
    def padded_cik(self) -> str:
        return self.cik.zfill(10)


def _recency(bucket: dict) -> tuple:
    missing = float("-inf")
    filed, traded = bucket["filed"]["value"], bucket["traded"]["value"]
    return (missing if filed is None else filed, missing if traded is None else traded)


def latest_key(buckets: list[dict]) -> str | None:
    """The key of the bucket with the most recent rows (see the module docstring)."""
    if not buckets:
        return None
    return max(buckets, key=lambda b: (_recency(b), b["key"]))["key"]


def resolution_aggs() -> dict:
    return {"issuers": {"terms": {"field": "issuer_cik", "size": MAX_NAMES}, "aggs": _RECENCY}}


def label_aggs(count: int) -> dict:
    return {"issuers": {"terms": {"field": "issuer_cik", "size": count}, "aggs": {
        "tickers": {"terms": {"field": "ticker", "size": MAX_NAMES}, "aggs": _RECENCY},
        "names": {"terms": {"field": "issuer_name", "size": MAX_NAMES}, "aggs": _RECENCY},
    }}}


def labels_from(result: dict) -> dict[str, Issuer]:
    return {
        b["key"]: Issuer(cik=b["key"], ticker=latest_key(b["tickers"]["buckets"]),
                         name=latest_key(b["names"]["buckets"]) or NO_NAME)
        for b in result["issuers"]["buckets"]
    }


def labels(engine: Engine, ciks: list[str]) -> dict[str, Issuer]:
    """CIK -> its current ticker and name, over every row ever stored for it."""
    if not ciks:
        return {}
    result = engine.aggregate(TRANSACTIONS, ast.Terms("issuer_cik", tuple(ciks)), label_aggs(len(ciks)))
    return labels_from(result)


def resolve(engine: Engine, ticker: str) -> tuple[str, Issuer]:
    """(normalised ticker, its issuer); NotFound when no stored row ever named the ticker."""
    normalised = normalize_ticker(ticker)
    if normalised is not None:
        result = engine.aggregate(TRANSACTIONS, ast.Term("ticker", normalised), resolution_aggs())
        cik = latest_key(result["issuers"]["buckets"])
        if cik is not None:
            return normalised, labels(engine, [cik])[cik]
    raise NotFound(f"no issuer has ever filed under the ticker {ticker!r}", ticker=normalised or ticker)
