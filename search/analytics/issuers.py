"""Tickers to issuers, and issuers to their current ticker and name.

Trades are attributed by issuer CIK. A ticker resolves to the issuer of the latest FILING that
carried it, rows or not (a ticker can pass from one company to another; an issuer known only from
a Form 3 of holdings is still known); its name is the one on that filing. Listings keyed by CIK
(clusters, top issuers) show the ticker and name of the issuer's latest row. "Latest" orders by
filing time, then trade date (a filing parsed from a bare XML document has no filing time), then by
the key itself so that ties are stable.
"""
from __future__ import annotations

from dataclasses import dataclass

from indexer.derive import normalize_ticker
from insider.errors import NotFound
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines.base import Engine
from search.query import ast
from search.query.ast import SortKey

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


# Characters with a meaning inside a character class, in Rust's regex or Lucene's: escaped there.
_CLASS_SPECIAL = frozenset("[]\\^-&~")


def _letter(c: str) -> str:
    if c.isalpha():
        return f"[{c.upper()}{c.lower()}]"
    if c.isdigit():
        return c
    return f"[\\{c}]" if c in _CLASS_SPECIAL else f"[{c}]"


def spelling_pattern(ticker: str) -> str:
    """A regex for every raw `issuer.tradingSymbol` that normalises to `ticker` (any case, '.', '/',
    '-' or spaces between the parts, several symbols after ';' or ','), in the portable subset."""
    body = "[-./ ]+".join("".join(_letter(c) for c in part) for part in ticker.split("-"))
    return f"[-./ ]*{body}[-./ ]*([;,].*)?"


SPELLINGS_CHECKED = 20


def resolve(engine: Engine, ticker: str) -> tuple[str, Issuer]:
    """(normalised ticker, the issuer of the latest filing that carried it); NotFound otherwise."""
    normalised = normalize_ticker(ticker)
    if normalised is not None:
        query = ast.Regex("issuer.tradingSymbol", spelling_pattern(normalised))
        newest = [SortKey("filedAt", descending=True)]
        # The newest match nearly always is the ticker itself; the pattern is looser than the
        # normalisation only for odd spellings, so the next ones are read only when needed.
        for offset, size in ((0, 1), (1, SPELLINGS_CHECKED - 1)):
            for filing in engine.search(FILINGS, query, newest, offset, size).documents:
                issuer = filing["issuer"]
                if normalize_ticker(issuer.get("tradingSymbol")) == normalised:
                    return normalised, Issuer(cik=issuer["cik"], ticker=normalised,
                                              name=issuer.get("name") or NO_NAME)
    raise NotFound(f"no filing has ever named the ticker {ticker!r}", ticker=normalised or ticker)
