"""Which transaction rows an analytics request counts: typed filters in, one AST filter out.

Every endpoint builds its filter here so that they all agree on the defaults (docs/analytics.md,
"Which rows count"): Table I (non-derivative) rows of filings that no amendment has restated.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from search.query import ast

UNCLASSIFIED = "(unclassified)"  # bucket key of rows without a sector/industry; rendered as null
TRANSACTION_CODES = ("P", "S", "V", "A", "D", "F", "I", "M", "C", "E", "H", "O", "X", "G", "L", "W", "Z", "J", "K", "U")
BUY, SELL = "A", "D"  # acquiredDisposedCode
SIDES = (BUY, SELL)


@dataclass(frozen=True)
class Lookback:
    filed_at_days: int | None = None       # filed_at within [now - N days, now]
    transaction_days: int | None = None    # transaction_date within [today - N days, today]


def resolve_lookback(filed_at_days: int | None, transaction_days: int | None, days: int | None) -> Lookback:
    """The deprecated `days`, when given, overrides both windows (finradar's documented rule)."""
    if days is not None:
        return Lookback(filed_at_days=days, transaction_days=days)
    return Lookback(filed_at_days=filed_at_days, transaction_days=transaction_days)


@dataclass(frozen=True)
class Filters:
    lookback: Lookback = Lookback()
    issuer_cik: str | None = None
    sector: str | None = None
    industry: str | None = None
    min_value: float | None = None          # USD, inclusive
    max_value: float | None = None
    transaction_codes: tuple[str, ...] = ()
    side: str | None = None                 # A | D
    is_officer: bool | None = None          # None: either; True/False: only rows with/without the flag
    is_director: bool | None = None
    is_ten_percent_owner: bool | None = None
    is_csuite: bool | None = None
    exclude_10b5_1: bool = False
    exclude_cashless: bool = False

    @property
    def filing_level(self) -> bool:
        """Whether every filter is a fact of the filing (window on filed_at, issuer, sector,
        industry, the canonical owner's roles) rather than of a transaction line: then a filing's
        Table I rows are counted all together or not at all."""
        return (self.lookback.transaction_days is None and not self.transaction_codes and self.side is None
                and self.min_value is None and self.max_value is None
                and not self.exclude_10b5_1 and not self.exclude_cashless)

    def including_10b5_1(self) -> "Filters":
        """The same filters with 10b5-1 trades counted: the summary's transparency metrics."""
        return replace(self, exclude_10b5_1=False)


MAX_CENTS = 2**63 - 1


def cents(dollars: float, rounding: str) -> int:
    """Whole cents of a dollar bound (via its decimal spelling, so 0.07 is 7 cents, not 7.000...1)."""
    return int((Decimal(str(dollars)) * 100).to_integral_value(rounding=rounding))


def _day(moment: datetime) -> datetime:
    """Midnight UTC of the calendar day of `moment`: date fields take UTC datetimes in the AST."""
    day = moment.astimezone(timezone.utc).date()
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def _window(lookback: Lookback, now: datetime) -> list:
    clauses = []
    if lookback.filed_at_days is not None:
        clauses.append(ast.Range("filed_at", gte=now - timedelta(days=lookback.filed_at_days), lte=now))
    if lookback.transaction_days is not None:
        today = _day(now)
        clauses.append(ast.Range("transaction_date", gte=today - timedelta(days=lookback.transaction_days), lte=today))
    return clauses


_FLAGS = ("is_officer", "is_director", "is_ten_percent_owner", "is_csuite")


# Table I rows of unsuperseded filings, written as exclusions: every row has a table and a
# superseded flag, so this is the same set; on tantivy, a conjunction with a term that matches most
# of the index (table:nonDerivative) costs as much as walking it (8x slower on 900k rows).
_DEFAULT_EXCLUSIONS = (ast.Term("table", "derivative"), ast.Term("superseded", True))


def filter_node(filters: Filters, now: datetime) -> ast.Node:
    clauses: list = _window(filters.lookback, now)
    for field, value in (("issuer_cik", filters.issuer_cik), ("sector", filters.sector),
                         ("industry", filters.industry), ("side", filters.side)):
        if value is not None:
            clauses.append(ast.Term(field, value))
    if filters.transaction_codes:
        clauses.append(ast.Terms("code", tuple(filters.transaction_codes)))
    if filters.min_value is not None or filters.max_value is not None:
        # Rows are valued in whole cents: a bound with a fraction of a cent is rounded inward.
        low = cents(filters.min_value, ROUND_CEILING) if filters.min_value is not None else None
        high = cents(filters.max_value, ROUND_FLOOR) if filters.max_value is not None else None
        # value_cents is a 64-bit integer on both engines: an upper bound beyond it is clamped
        # (it still asks for a value) and a lower one leaves nothing, rather than overflowing.
        if low is not None and low > MAX_CENTS:
            clauses.append(ast.MatchNone())
        else:
            clauses.append(ast.Range("value_cents", gte=low, lte=None if high is None else min(high, MAX_CENTS)))
    for flag in _FLAGS:
        value = getattr(filters, flag)
        if value is not None:
            clauses.append(ast.Term(flag, value))
    must_not = list(_DEFAULT_EXCLUSIONS)
    if filters.exclude_10b5_1:
        must_not.append(ast.Term("is_10b5_1", True))
    if filters.exclude_cashless:
        must_not.append(ast.Term("is_cashless", True))
    return ast.Bool(filter=tuple(clauses), must_not=tuple(must_not))


def and_(node: ast.Node, *more: ast.Node) -> ast.Node:
    """`node` narrowed by more clauses, keeping one flat Bool."""
    if isinstance(node, ast.Bool) and not node.must and not node.should:
        return replace(node, filter=node.filter + more)
    return ast.Bool(filter=(node,) + more)
