"""Buy/sell flow: counts, values and shares per side, summed by the engine as exact integers.

Values are sums of `value_cents` and shares sums of `shares_milli` (integers on both engines, exact
below 2^53), turned into dollars and shares only when rendered. A row without a usable price
(none reported, or outside the sanity bounds: price_suspect) has no value_cents: it counts as a
transaction and its shares count, but it adds nothing to any value.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from search.analytics.filters import BUY, SELL


def side_aggs(extra: dict | None = None) -> dict:
    """Per side (acquired A / disposed D): row count, value and shares; `extra` nests more."""
    aggs = {"value": {"sum": {"field": "value_cents"}}, "shares": {"sum": {"field": "shares_milli"}}}
    return {"side": {"terms": {"field": "side", "size": 2}, "aggs": {**aggs, **(extra or {})}}}


@dataclass(frozen=True)
class Flow:
    buy_count: int = 0
    sell_count: int = 0
    buy_cents: int = 0
    sell_cents: int = 0
    buy_milli: int = 0
    sell_milli: int = 0

    def __add__(self, other: "Flow") -> "Flow":
        return Flow(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.buy_count, self.sell_count, self.buy_cents, self.sell_cents, self.buy_milli, self.sell_milli)

    @property
    def net_cents(self) -> int:
        return self.buy_cents - self.sell_cents

    def metrics(self) -> dict:
        """The flow metrics under the by-sector seed's names."""
        return {
            "buy_count": self.buy_count,
            "sell_count": self.sell_count,
            "buy_value": dollars(self.buy_cents),
            "sell_value": dollars(self.sell_cents),
            "net_value": dollars(self.net_cents),
            "buy_shares": shares(self.buy_milli),
            "sell_shares": shares(self.sell_milli),
            "net_shares": shares(self.buy_milli - self.sell_milli),
        }


def flow(result: dict) -> Flow:
    """The Flow of a `side_aggs` result."""
    sides = {b["key"]: b for b in result["side"]["buckets"]}
    buy, sell = sides.get(BUY), sides.get(SELL)
    return Flow(
        buy_count=buy["doc_count"] if buy else 0,
        sell_count=sell["doc_count"] if sell else 0,
        buy_cents=integer(buy["value"]) if buy else 0,
        sell_cents=integer(sell["value"]) if sell else 0,
        buy_milli=integer(buy["shares"]) if buy else 0,
        sell_milli=integer(sell["shares"]) if sell else 0,
    )


def integer(sum_result: dict) -> int:
    """An engine sum of an integer field (reported as a float) back to the integer it is."""
    return round(sum_result["value"])


def dollars(cents: int) -> float:
    return cents / 100


def shares(milli: int) -> float:
    return milli / 1000


def day(epoch_ms: float | None) -> str | None:
    """An engine min/max of a date field (epoch ms) as YYYY-MM-DD."""
    if epoch_ms is None:
        return None
    return datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")
