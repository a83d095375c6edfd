"""The analytics on the real corpus, on each engine, equal to the values computed row by row in
plain Python (oracle.py): every metric of both seeds, every filter, several tickers and groups."""
from datetime import datetime, timezone

import pytest

from insider.errors import NotFound
from mappings.transactions import TRANSACTIONS
from search.analytics import by_sector, clusters, market, slices, summary, tape
from search.analytics.filters import filter_node
from tests.search.analytics import oracle

NOW = datetime(2022, 1, 1, tzinfo=timezone.utc)  # the corpus is densest in 2018-2021
DECADE = 3650


@pytest.mark.parametrize("ticker, params", [
    # GOOG moved from Google Inc. (CIK 1288776) to Alphabet (1652044): the latest holder answers.
    ("GOOG", {"filed_at_days": DECADE}),
    ("INTC", {"filed_at_days": DECADE, "exclude_10b5_1": True}),
    ("INTC", {"filed_at_days": DECADE, "transaction_days": 365, "exclude_cashless": True}),
    ("AAPL", {"filed_at_days": DECADE, "is_c_suite": True}),
    ("AAPL", {"filed_at_days": DECADE, "is_c_suite": False, "exclude_10b5_1": True, "exclude_cashless": True}),
    ("AAPL", {"days": 365}),
    ("CRWD", {"filed_at_days": DECADE}),
    ("GOOG", {}),                                   # the default 7 days before NOW: an empty window
])
def test_the_summary_equals_the_row_by_row_computation(engine, rows, ticker, params):
    expected = oracle.summary(rows, ticker, NOW, **params)
    assert summary.by_ticker(engine, ticker, NOW, **params) == expected


def test_the_summary_of_a_busy_window_is_not_trivial(engine):
    """Guards the parametrised cases above against agreeing on zeros."""
    got = summary.by_ticker(engine, "INTC", NOW, filed_at_days=DECADE)
    assert got["total_buys"] > 100 and got["total_sells"] > 100 and got["rule_10b5_1_sell_count"] > 0
    assert got["csuite_buy_count"] > 0 and got["filing_count"] < got["total_transactions"]
    assert got["unique_buyers"] < got["unique_insiders"] or got["unique_sellers"] < got["unique_insiders"]


@pytest.mark.parametrize("spelling", ["viia.u", "VIIA/U", "viia-u", " VIIA.U "])
def test_class_share_tickers_are_found_however_they_are_spelt(engine, rows, spelling):
    got = summary.by_ticker(engine, spelling, NOW, filed_at_days=DECADE)
    assert got["ticker"] == "VIIA-U"
    assert got == oracle.summary(rows, "VIIA-U", NOW, filed_at_days=DECADE)


@pytest.mark.parametrize("ticker", ["ZZZZ", "A[B", "A]B", "A\\B", "A^", "^", "A&B", "A~B", "A$B", "A*", "É"])
def test_a_ticker_no_filing_ever_named_is_not_found(engine, ticker):
    # Characters that mean something in a regular expression are taken literally, on both engines.
    with pytest.raises(NotFound):
        summary.by_ticker(engine, ticker, NOW)


@pytest.mark.parametrize("params", [
    {"filed_at_days": DECADE},
    {"filed_at_days": DECADE, "group_by": "industry", "sector": "Technology"},
    {"filed_at_days": DECADE, "group_by": "industry", "industry": "Semiconductors",
     "transaction_code": ("S", "F"), "acquired_disposed_code": "D"},
    {"filed_at_days": DECADE, "sector": "Communication Services", "is_officer": True, "is_director": False,
     "min_value": 10_000, "max_value": 5_000_000},
    {"filed_at_days": DECADE, "is_ten_percent_owner": True, "transaction_days": 365},
    {"filed_at_days": DECADE, "is_c_suite": True, "exclude_10b5_1": True, "exclude_cashless": True,
     "sort_by": "unique_insiders", "limit": 2, "offset": 1},
    {"filed_at_days": DECADE, "group_by": "industry", "sort_by": "net_value", "limit": 5},
    {"filed_at_days": DECADE, "sort_by": "total_value", "is_officer": False},
    {"filed_at_days": DECADE, "sort_by": "transaction_count", "is_director": True, "transaction_code": ("P",)},
    {"filed_at_days": 365, "limit": 900},
])
def test_by_sector_equals_the_row_by_row_computation(engine, rows, params):
    assert by_sector.by_sector(engine, NOW, **params) == oracle.by_sector(rows, NOW, **params)


def test_unclassified_issuers_form_one_null_group(engine):
    groups = by_sector.by_sector(engine, NOW, filed_at_days=DECADE)["data"]
    assert [g["group"] for g in groups].count(None) == 1
    assert len(groups) == len({g["group"] for g in groups})


def test_counting_in_sixteen_owner_slices_gives_the_same_exact_numbers(engine, rows, monkeypatch):
    """What a huge window does (slices.py), forced on the corpus by a tiny bucket budget: the counts
    riding along the sums come back truncated, and are taken again in sixteen owner slices."""
    monkeypatch.setattr(slices, "BUCKET_BUDGET", 10)
    monkeypatch.setattr(slices, "RIDE_ALONG_SIZE", 1)
    params = {"filed_at_days": DECADE, "group_by": "industry"}
    assert by_sector.by_sector(engine, NOW, **params) == oracle.by_sector(rows, NOW, **params)
    assert summary.by_ticker(engine, "GOOG", NOW, filed_at_days=DECADE) == oracle.summary(rows, "GOOG", NOW, filed_at_days=DECADE)


@pytest.mark.parametrize("params", [
    {"filed_at_days": DECADE},
    {"filed_at_days": DECADE, "sector": "Technology", "is_officer": True, "is_c_suite": False},
])
def test_filings_counted_by_their_first_line_equal_the_distinct_accession_numbers(engine, params):
    """Under filing-level filters a filing is counted by its line 0 (slices.py); both ways agree."""
    filters = by_sector.sector_filters(**params)
    assert filters.filing_level
    query = filter_node(filters, NOW)
    rows = engine.aggregate(TRANSACTIONS, query, {"n": {"value_count": {"field": "id"}}})["n"]["value"]
    counts = (slices.Distinct("filings", "accession_no"), slices.Distinct("per_sector", "accession_no", by="sector"))
    by_line = slices.count_distinct(engine, query, counts, rows, rows, group_size=20, filing_level=True)
    by_bucket = slices.count_distinct(engine, query, counts, rows, rows, group_size=20, filing_level=False)
    assert by_line == by_bucket
    assert 10 < by_line["filings"] < rows


def test_row_level_filters_are_not_filing_level():
    for params in ({"transaction_days": 30}, {"transaction_code": ("P",)}, {"acquired_disposed_code": "A"},
                   {"min_value": 1}, {"max_value": 1}, {"exclude_10b5_1": True}, {"exclude_cashless": True}):
        assert not by_sector.sector_filters(**params).filing_level, params


@pytest.mark.parametrize("ticker, params", [
    ("AAPL", {"filed_at_days": DECADE}),
    ("INTC", {"filed_at_days": DECADE, "exclude_cashless": True, "transaction_code": ("S",)}),
    ("GOOG", {"filed_at_days": DECADE, "acquired_disposed_code": "A", "is_c_suite": True}),
])
def test_the_tape_lists_the_summarys_rows_newest_trade_first(engine, rows, ticker, params):
    expected = oracle.tape_ids(rows, ticker, NOW, **dict(params))
    first = tape.by_ticker(engine, ticker, NOW, limit=7, **params)
    later = tape.by_ticker(engine, ticker, NOW, limit=5, offset=20, **params)
    assert [r["id"] for r in first["data"]] == expected[:7]
    assert [r["id"] for r in later["data"]] == expected[20:25]
    assert first["meta"]["total"] == len(expected)
    assert first["meta"]["has_more"] is (len(expected) > 7)


def test_the_tape_total_is_the_summarys_total_transactions(engine):
    params = {"filed_at_days": DECADE, "exclude_10b5_1": True}
    assert (tape.by_ticker(engine, "INTC", NOW, **params)["meta"]["total"]
            == summary.by_ticker(engine, "INTC", NOW, **params)["total_transactions"])


@pytest.mark.parametrize("now, params", [
    (datetime(2020, 3, 1, tzinfo=timezone.utc), {"days": 365, "min_insiders": 2}),
    (NOW, {"days": 365, "min_insiders": 3}),
    (NOW, {"days": 365, "min_insiders": 1, "min_value": 100_000}),
    (NOW, {"days": 365, "min_insiders": 2, "transaction_code": ("P", "A"), "is_director": True}),
])
def test_clusters_equal_the_row_by_row_computation(engine, rows, now, params):
    expected = oracle.clusters(rows, now, **params)
    got = clusters.find(engine, now, **params)
    assert got["data"] == expected
    assert got["meta"]["total"] == len(expected)


def test_intel_insiders_bought_together_in_2021(engine):
    got = clusters.find(engine, NOW, days=365, min_insiders=3)
    intel = next(c for c in got["data"] if c["ticker"] == "INTC")
    assert intel["company_name"] == "INTEL CORP" and intel["insider_count"] >= 3
    assert len({i["owner_key"] for i in intel["insiders"]}) == intel["insider_count"]


@pytest.mark.parametrize("params", [
    {"filed_at_days": 365, "top": 5},
    {"filed_at_days": DECADE, "sector": "Technology", "exclude_cashless": True, "top": 3},
])
def test_global_stats_equal_the_row_by_row_computation(engine, rows, params):
    expected = oracle.stats(rows, NOW, **params)
    got = market.global_stats(engine, NOW, **params)["data"]
    assert got["totals"] == expected["totals"]
    assert [r["id"] for r in got["top_buys"]] == expected["top_buys"]
    assert [r["id"] for r in got["top_sells"]] == expected["top_sells"]
    assert [r["issuer_cik"] for r in got["top_net_buying"]] == expected["top_net_buying"]
    assert [r["issuer_cik"] for r in got["top_net_selling"]] == expected["top_net_selling"]
    assert got["daily_trend"] == expected["daily_trend"]


def test_value_bounds_beyond_64_bit_cents_bound_nothing_or_leave_nothing(engine):
    # value_cents is a 64-bit integer on both engines: such bounds once overflowed it (500 / 503).
    unbounded = by_sector.by_sector(engine, NOW, filed_at_days=DECADE)
    assert by_sector.by_sector(engine, NOW, filed_at_days=DECADE, max_value=9.3e16) == \
        by_sector.by_sector(engine, NOW, filed_at_days=DECADE, min_value=0)
    assert unbounded["data"]
    assert by_sector.by_sector(engine, NOW, filed_at_days=DECADE, min_value=1e20)["data"] == []
    assert clusters.find(engine, NOW, days=DECADE, min_insiders=1, max_value=1e17) == \
        clusters.find(engine, NOW, days=DECADE, min_insiders=1, min_value=0)
