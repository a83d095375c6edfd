"""GET /insider-module/api/insiders/summary/by-ticker/{ticker}: one issuer's rolled-up insider
sentiment over a lookback window (seeds/finradar-summary-by-ticker.txt; docs/analytics.md).

After the ticker is resolved (issuers.py), one engine request: the sums, split by the 10b5-1 flag
so that the transparency metrics (which ignore exclude_10b5_1) come from the same request as the
headline ones, and the exact distinct counts. With exclude_10b5_1 the counts need the headline
filter itself, and come from a second request.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from mappings.transactions import TRANSACTIONS
from search.analytics import issuers
from search.analytics.filters import Filters, filter_node, resolve_lookback
from search.analytics.flow import BUY, SELL, Flow, day, dollars, flow, integer, shares, side_aggs
from search.analytics.slices import Distinct, aggregate_with_distinct, count_distinct
from search.engines.base import Engine

DEFAULT_FILED_AT_DAYS = 7
INFINITY = "Infinity"  # buy_sell_ratio with buys and no sells: JSON has no infinite number
ROLE_FLAGS = ("is_csuite", "is_officer", "is_director")

COUNTS = (
    Distinct("unique_insiders", "owner_key"),
    Distinct("filing_count", "accession_no"),
    Distinct("traders", "owner_key", by="side"),
)


def sums_aggs() -> dict:
    """Per 10b5-1 flag, per side: flow, and the value of the rows of C-suite, officers, directors."""
    roles = {flag: {"terms": {"field": flag, "size": 2}, "aggs": {"value": {"sum": {"field": "value_cents"}}}}
             for flag in ROLE_FLAGS}
    return {"plan": {"terms": {"field": "is_10b5_1", "size": 2},
                     "aggs": {**side_aggs(roles), "latest": {"max": {"field": "transaction_date"}}}}}


@dataclass(frozen=True)
class Totals:
    """The additive part of a summary: rows, flow, per-role (rows, value cents), latest trade."""
    rows: int = 0
    flow: Flow = Flow()
    roles: dict = field(default_factory=dict)   # (flag, side) -> (rows, value cents)
    latest: float | None = None                 # epoch ms

    def role(self, flag: str, side: str) -> tuple[int, int]:
        return self.roles.get((flag, side), (0, 0))

    def __add__(self, other: "Totals") -> "Totals":
        keys = self.roles.keys() | other.roles.keys()
        return Totals(
            rows=self.rows + other.rows,
            flow=self.flow + other.flow,
            roles={k: (self.role(*k)[0] + other.role(*k)[0], self.role(*k)[1] + other.role(*k)[1]) for k in keys},
            latest=max((v for v in (self.latest, other.latest) if v is not None), default=None),
        )


def _totals(bucket: dict) -> Totals:
    roles = {}
    for side in bucket["side"]["buckets"]:
        for flag in ROLE_FLAGS:
            for b in side[flag]["buckets"]:
                if b["key"] == "true":
                    roles[(flag, side["key"])] = (b["doc_count"], integer(b["value"]))
    return Totals(rows=bucket["doc_count"], flow=flow(bucket), roles=roles, latest=bucket["latest"]["value"])


def split_sums(result: dict, exclude_10b5_1: bool) -> tuple[Totals, Flow]:
    """(headline totals, flow of the 10b5-1 rows) of a `sums_aggs` result."""
    plans = {b["key"]: _totals(b) for b in result["plan"]["buckets"]}
    unplanned, planned = plans.get("false", Totals()), plans.get("true", Totals())
    return (unplanned if exclude_10b5_1 else unplanned + planned), planned.flow


def score(positive: int, negative: int) -> float:
    """(p - n) / (p + n) in [-1, 1], rounded to 6 decimals; 0 when both are zero."""
    total = positive + negative
    return 0.0 if total == 0 else round((positive - negative) / total, 6)


def ratio(buys: int, sells: int) -> float | str:
    if buys == 0:
        return 0.0
    return INFINITY if sells == 0 else round(buys / sells, 6)


def summary_row(ticker: str, issuer: issuers.Issuer, days: int | None, headline: Totals, planned: Flow,
                distinct: dict) -> dict:
    f = headline.flow
    (cs_buys, cs_buy_cents), (cs_sells, cs_sell_cents) = headline.role("is_csuite", BUY), headline.role("is_csuite", SELL)
    traders = distinct["traders"]
    return {
        "ticker": ticker,
        "company_name": issuer.name,
        "issuer_cik": issuer.padded_cik,
        "days": days,
        "total_transactions": headline.rows,
        "total_buys": f.buy_count,
        "total_sells": f.sell_count,
        "total_buy_value": dollars(f.buy_cents),
        "total_sell_value": dollars(f.sell_cents),
        "total_buy_shares": shares(f.buy_milli),
        "total_sell_shares": shares(f.sell_milli),
        "unique_insiders": distinct["unique_insiders"],
        "latest_transaction_date": day(headline.latest),
        "net_shares": shares(f.buy_milli - f.sell_milli),
        "net_value": dollars(f.net_cents),
        "unique_buyers": traders.get(BUY, 0),
        "unique_sellers": traders.get(SELL, 0),
        "rule_10b5_1_buy_count": planned.buy_count,
        "rule_10b5_1_sell_count": planned.sell_count,
        "rule_10b5_1_buy_value": dollars(planned.buy_cents),
        "rule_10b5_1_sell_value": dollars(planned.sell_cents),
        "csuite_buy_count": cs_buys,
        "csuite_sell_count": cs_sells,
        "csuite_buy_value": dollars(cs_buy_cents),
        "csuite_sell_value": dollars(cs_sell_cents),
        "csuite_net_value": dollars(cs_buy_cents - cs_sell_cents),
        "officer_buy_value": dollars(headline.role("is_officer", BUY)[1]),
        "officer_sell_value": dollars(headline.role("is_officer", SELL)[1]),
        "director_buy_value": dollars(headline.role("is_director", BUY)[1]),
        "director_sell_value": dollars(headline.role("is_director", SELL)[1]),
        "buy_sell_ratio": ratio(f.buy_count, f.sell_count),
        "sentiment_score": score(f.buy_count, f.sell_count),
        "value_sentiment_score": score(f.buy_cents, f.sell_cents),
        "csuite_sentiment_score": score(cs_buys, cs_sells),
        "value_csuite_sentiment_score": score(cs_buy_cents, cs_sell_cents),
        "filing_count": distinct["filing_count"],
    }


def ticker_filters(issuer_cik: str, *, filed_at_days: int = DEFAULT_FILED_AT_DAYS,
                   transaction_days: int | None = None, days: int | None = None,
                   is_c_suite: bool | None = None, exclude_10b5_1: bool = False,
                   exclude_cashless: bool = False) -> Filters:
    """The rows behind one issuer's summary (and its trade tape) for the seed's parameters."""
    return Filters(lookback=resolve_lookback(filed_at_days, transaction_days, days), issuer_cik=issuer_cik,
                   is_csuite=is_c_suite, exclude_10b5_1=exclude_10b5_1, exclude_cashless=exclude_cashless)


def by_ticker(engine: Engine, ticker: str, now: datetime, **params) -> dict:
    normalised, issuer = issuers.resolve(engine, ticker)
    filters = ticker_filters(issuer.cik, **params)
    every_plan = filter_node(filters.including_10b5_1(), now)
    if filters.exclude_10b5_1:
        # The counts are over the headline rows, which are fewer than the sums read: two requests.
        result = engine.aggregate(TRANSACTIONS, every_plan, sums_aggs())
        headline, planned = split_sums(result, True)
        distinct = count_distinct(engine, filter_node(filters, now), COUNTS, rows=headline.rows,
                                  largest=headline.rows, group_size=3, filing_level=filters.filing_level)
    else:
        result, distinct = aggregate_with_distinct(
            engine, every_plan, sums_aggs(), COUNTS, lambda r: (split_sums(r, False)[0].rows,) * 2,
            group_size=3, filing_level=filters.filing_level)
        headline, planned = split_sums(result, False)
    return summary_row(normalised, issuer, params.get("days"), headline, planned, distinct)
