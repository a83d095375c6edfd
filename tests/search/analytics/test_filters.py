"""Analytics parameters -> the AST filter, as exact trees (no engine)."""
from datetime import datetime, timezone

from search.analytics.filters import Filters, Lookback, and_, filter_node, resolve_lookback
from search.query.ast import Bool, Range, Term, Terms

UTC = timezone.utc
NOW = datetime(2022, 1, 1, 15, 30, tzinfo=UTC)
EXCLUDED = (Term("table", "derivative"), Term("superseded", True))


def test_by_default_only_table_i_rows_of_unsuperseded_filings_count():
    assert filter_node(Filters(), NOW) == Bool(must_not=EXCLUDED)


def test_filed_at_days_ends_now_and_transaction_days_covers_whole_calendar_days():
    node = filter_node(Filters(lookback=Lookback(filed_at_days=7, transaction_days=30)), NOW)
    assert node == Bool(filter=(
        Range("filed_at", gte=datetime(2021, 12, 25, 15, 30, tzinfo=UTC), lte=NOW),
        Range("transaction_date", gte=datetime(2021, 12, 2, tzinfo=UTC), lte=datetime(2022, 1, 1, tzinfo=UTC)),
    ), must_not=EXCLUDED)


def test_the_deprecated_days_overrides_both_windows():
    assert resolve_lookback(7, 30, 90) == Lookback(filed_at_days=90, transaction_days=90)
    assert resolve_lookback(7, None, None) == Lookback(filed_at_days=7, transaction_days=None)


def test_every_row_filter_becomes_one_clause_and_exclusions_are_must_not():
    filters = Filters(issuer_cik="320193", sector="Technology", industry="Semiconductors",
                      min_value=1000.005, max_value=2_000_000, transaction_codes=("P", "S"), side="A",
                      is_officer=True, is_director=False, is_ten_percent_owner=False, is_csuite=True,
                      exclude_10b5_1=True, exclude_cashless=True)
    assert filter_node(filters, NOW) == Bool(
        filter=(
            Term("issuer_cik", "320193"), Term("sector", "Technology"), Term("industry", "Semiconductors"),
            Term("side", "A"), Terms("code", ("P", "S")),
            Range("value_cents", gte=100001, lte=200_000_000),
            Term("is_officer", True), Term("is_director", False), Term("is_ten_percent_owner", False),
            Term("is_csuite", True),
        ),
        must_not=EXCLUDED + (Term("is_10b5_1", True), Term("is_cashless", True)),
    )


def test_a_lone_minimum_value_leaves_the_range_open_above():
    node = filter_node(Filters(min_value=5), NOW)
    assert node.filter[-1] == Range("value_cents", gte=500)


def test_value_bounds_are_whole_cents_rounded_inward_without_float_noise():
    assert filter_node(Filters(min_value=0.07, max_value=0.07), NOW).filter[-1] == Range("value_cents", gte=7, lte=7)
    assert filter_node(Filters(min_value=0.001, max_value=9.999), NOW).filter[-1] == Range("value_cents", gte=1, lte=999)


def test_the_transparency_filter_differs_only_by_counting_10b5_1_trades():
    filters = Filters(is_csuite=True, exclude_10b5_1=True, exclude_cashless=True)
    assert filters.including_10b5_1() == Filters(is_csuite=True, exclude_cashless=True)


def test_and_keeps_one_flat_bool():
    base = filter_node(Filters(), NOW)
    narrowed = and_(base, Term("side", "D"))
    assert narrowed == Bool(filter=(Term("side", "D"),), must_not=EXCLUDED)
    assert and_(Term("a", 1), Term("b", 2)) == Bool(filter=(Term("a", 1), Term("b", 2)))
