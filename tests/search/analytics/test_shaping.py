"""Aggregation requests as exact dicts, and engine answers (normalised shape, hand-written here)
turned into the API's rows. No engine involved."""
import pytest

from insider.errors import BadRequest
from search.analytics import by_sector, clusters, issuers, market, summary, tape
from search.analytics.flow import Flow, flow

MS_2021_11_12 = 1636675200000.0
MS_2021_11_15 = 1636934400000.0


def value(cents):
    return {"value": float(cents)}


def side(key, count, cents, milli, **extra):
    return {"key": key, "doc_count": count, "value": value(cents), "shares": value(milli), **extra}


def flag(yes_count, yes_cents, no_count=0):
    buckets = [{"key": "true", "doc_count": yes_count, "value": value(yes_cents)}] if yes_count else []
    if no_count:
        buckets.append({"key": "false", "doc_count": no_count, "value": value(0)})
    return {"buckets": buckets}


# --- issuers -------------------------------------------------------------------------------

def recency(key, filed, traded, **extra):
    return {"key": key, "doc_count": 1, "filed": {"value": filed}, "traded": {"value": traded}, **extra}


def test_the_latest_filing_wins_and_filings_without_a_filing_time_lose():
    assert issuers.latest_key([recency("1288776", None, 9e12), recency("1652044", 1.6e12, 1.0e12)]) == "1652044"


def test_equal_filing_times_fall_back_to_trade_date_then_key():
    assert issuers.latest_key([recency("a", 5.0, 1.0), recency("b", 5.0, 2.0)]) == "b"
    assert issuers.latest_key([recency("b", 5.0, 2.0), recency("a", 5.0, 2.0)]) == "b"
    assert issuers.latest_key([]) is None


def test_an_issuer_without_a_name_is_unknown_and_its_cik_is_padded_to_ten():
    result = {"issuers": {"buckets": [
        {"key": "320193", "doc_count": 3,
         "tickers": {"buckets": [recency("AAPL", 2.0, 1.0)]}, "names": {"buckets": []}},
    ]}}
    issuer = issuers.labels_from(result)["320193"]
    assert (issuer.ticker, issuer.name, issuer.padded_cik) == ("AAPL", "Unknown", "0000320193")


# --- summary -------------------------------------------------------------------------------

def test_summary_sums_split_by_10b5_1_flag_then_side_with_role_values():
    role = {"aggs": {"value": {"sum": {"field": "value_cents"}}}}
    assert summary.sums_aggs() == {"plan": {
        "terms": {"field": "is_10b5_1", "size": 2},
        "aggs": {
            "side": {"terms": {"field": "side", "size": 2}, "aggs": {
                "value": {"sum": {"field": "value_cents"}}, "shares": {"sum": {"field": "shares_milli"}},
                "is_csuite": {"terms": {"field": "is_csuite", "size": 2}, **role},
                "is_officer": {"terms": {"field": "is_officer", "size": 2}, **role},
                "is_director": {"terms": {"field": "is_director", "size": 2}, **role},
            }},
            "latest": {"max": {"field": "transaction_date"}},
        },
    }}


def plan(key, rows, latest, *sides):
    return {"key": key, "doc_count": rows, "side": {"buckets": list(sides)}, "latest": {"value": latest}}


def roles(csuite=(0, 0), officer=(0, 0), director=(0, 0)):
    return {"is_csuite": flag(*csuite), "is_officer": flag(*officer), "is_director": flag(*director)}


SUMS = {"plan": {"buckets": [
    plan("false", 5, MS_2021_11_12,
         side("A", 2, 100_00, 3_000, **roles(csuite=(1, 40_00), officer=(2, 100_00))),
         side("D", 3, 250_00, 5_500, **roles(director=(3, 250_00)))),
    plan("true", 2, MS_2021_11_15,
         side("D", 2, 1_000_00, 2_000, **roles(csuite=(2, 1_000_00), officer=(2, 1_000_00)))),
]}}
DISTINCT = {"unique_insiders": 4, "filing_count": 3, "traders": {"A": 2, "D": 3}}
APPLE = issuers.Issuer(cik="320193", ticker="AAPL", name="Apple Inc.")


def test_the_headline_counts_10b5_1_trades_unless_excluded_and_transparency_always_does():
    headline, planned = summary.split_sums(SUMS, exclude_10b5_1=False)
    assert (headline.rows, headline.flow, headline.latest) == (7, Flow(2, 5, 100_00, 1_250_00, 3_000, 7_500), MS_2021_11_15)
    assert planned == Flow(0, 2, 0, 1_000_00, 0, 2_000)
    excluded, planned_again = summary.split_sums(SUMS, exclude_10b5_1=True)
    assert (excluded.rows, excluded.flow, excluded.latest) == (5, Flow(2, 3, 100_00, 250_00, 3_000, 5_500), MS_2021_11_12)
    assert planned_again == planned


def test_a_summary_row_carries_every_seed_field_with_its_documented_meaning():
    headline, planned = summary.split_sums(SUMS, exclude_10b5_1=False)
    assert summary.summary_row("AAPL", APPLE, None, headline, planned, DISTINCT) == {
        "ticker": "AAPL", "company_name": "Apple Inc.", "issuer_cik": "0000320193", "days": None,
        "total_transactions": 7, "total_buys": 2, "total_sells": 5,
        "total_buy_value": 100.0, "total_sell_value": 1250.0, "total_buy_shares": 3.0, "total_sell_shares": 7.5,
        "unique_insiders": 4, "latest_transaction_date": "2021-11-15",
        "net_shares": -4.5, "net_value": -1150.0, "unique_buyers": 2, "unique_sellers": 3,
        "rule_10b5_1_buy_count": 0, "rule_10b5_1_sell_count": 2,
        "rule_10b5_1_buy_value": 0.0, "rule_10b5_1_sell_value": 1000.0,
        "csuite_buy_count": 1, "csuite_sell_count": 2, "csuite_buy_value": 40.0, "csuite_sell_value": 1000.0,
        "csuite_net_value": -960.0,
        "officer_buy_value": 100.0, "officer_sell_value": 1000.0,
        "director_buy_value": 0.0, "director_sell_value": 250.0,
        "buy_sell_ratio": 0.4, "sentiment_score": -0.428571, "value_sentiment_score": -0.851852,
        "csuite_sentiment_score": -0.333333, "value_csuite_sentiment_score": -0.923077,
        "filing_count": 3,
    }


def test_an_empty_window_is_all_zeros_and_a_null_latest_date():
    headline, planned = summary.split_sums({"plan": {"buckets": []}}, exclude_10b5_1=False)
    row = summary.summary_row("AAPL", APPLE, 30, headline, planned, {"unique_insiders": 0, "filing_count": 0, "traders": {}})
    assert row["days"] == 30 and row["latest_transaction_date"] is None
    assert row["total_transactions"] == row["unique_buyers"] == row["filing_count"] == 0
    assert row["buy_sell_ratio"] == row["sentiment_score"] == row["value_csuite_sentiment_score"] == 0.0


@pytest.mark.parametrize("buys, sells, expected", [(3, 0, "Infinity"), (0, 4, 0.0), (0, 0, 0.0), (12, 35, 0.342857)])
def test_buy_sell_ratio_is_infinity_as_a_string_without_sells_and_zero_without_buys(buys, sells, expected):
    assert summary.ratio(buys, sells) == expected


def test_sentiment_scores_stay_in_bounds_and_round_to_six_decimals():
    assert summary.score(12, 35) == -0.489362
    assert summary.score(5, 0) == 1.0 and summary.score(0, 5) == -1.0 and summary.score(0, 0) == 0.0


# --- by sector -----------------------------------------------------------------------------

def test_by_sector_sums_every_group_with_unclassified_issuers_in_one_bucket():
    assert by_sector.sums_aggs("sector") == {"groups": {
        "terms": {"field": "sector", "size": 13, "missing": "(unclassified)"},
        "aggs": {
            "side": {"terms": {"field": "side", "size": 2}, "aggs": {
                "value": {"sum": {"field": "value_cents"}}, "shares": {"sum": {"field": "shares_milli"}}}},
            "issuers": {"distinct": {"field": "issuer_cik", "size": 65_000}},
        },
    }}
    assert by_sector.sums_aggs("industry")["groups"]["terms"]["size"] == 501


def group(key, rows, sides, issuers_):
    return {"key": key, "doc_count": rows, "side": {"buckets": sides},
            "issuers": {"value": len(issuers_)}}


SECTORS = {"groups": {"buckets": [
    group("Technology", 4, [side("A", 1, 500_00, 1_000), side("D", 3, 100_00, 9_000)], ["1", "2"]),
    group("(unclassified)", 2, [side("D", 2, 900_00, 1_000)], ["3"]),
    group("Energy", 1, [side("A", 1, 300_00, 500)], ["4"]),
]}}


def sector_groups():
    groups = by_sector.groups_from(SECTORS, "sector")
    for key, insiders, filings in (("Technology", 3, 2), ("(unclassified)", 1, 2), ("Energy", 1, 1)):
        groups[key].update(unique_insiders=insiders, filing_count=filings)
    return groups


def test_a_group_row_has_the_13_seed_metrics_and_unclassified_is_a_null_group():
    rows = by_sector.page(sector_groups(), "abs_net_value", 50, 0)
    assert rows[0] == {
        "group": None, "transaction_count": 2, "filing_count": 2, "unique_insiders": 1, "unique_issuers": 1,
        "buy_count": 0, "sell_count": 2, "buy_value": 0.0, "sell_value": 900.0, "net_value": -900.0,
        "buy_shares": 0.0, "sell_shares": 1.0, "net_shares": -1.0,
    }
    assert [r["group"] for r in rows] == [None, "Technology", "Energy"]


@pytest.mark.parametrize("sort_by, order", [
    ("net_value", ["Technology", "Energy", None]),
    ("total_value", [None, "Technology", "Energy"]),
    ("transaction_count", ["Technology", None, "Energy"]),
    ("unique_insiders", ["Technology", "Energy", None]),   # a tie: by name, unclassified last
])
def test_groups_sort_descending_by_the_chosen_metric(sort_by, order):
    assert [r["group"] for r in by_sector.page(sector_groups(), sort_by, 50, 0)] == order


def test_the_page_is_cut_after_sorting():
    assert [r["group"] for r in by_sector.page(sector_groups(), "transaction_count", 1, 1)] == [None]


def test_min_value_above_max_value_is_a_400():
    with pytest.raises(BadRequest, match="min_value"):
        by_sector.sector_filters(min_value=10, max_value=5)


# --- clusters ------------------------------------------------------------------------------

def buyer(key, rows, cents, milli, first, last, name):
    return {"key": key, "doc_count": rows, "value": value(cents), "shares": value(milli),
            "first": {"value": first}, "last": {"value": last},
            "names": {"buckets": [recency(name, 1.0, last)]}}


def test_buyers_are_listed_per_candidate_issuer_with_a_size_that_reveals_truncation():
    aggs = clusters.buyers_aggs(candidates=4, largest=9)
    assert aggs["issuers"]["terms"] == {"field": "issuer_cik", "size": 5}
    assert aggs["issuers"]["aggs"]["owners"]["terms"] == {"field": "owner_key", "size": 10}
    assert set(aggs["issuers"]["aggs"]["owners"]["aggs"]) == {"value", "shares", "first", "last", "names"}


def test_clusters_need_min_insiders_distinct_buyers_and_sort_by_total_value():
    slices = [
        {"issuers": {"buckets": [
            {"key": "50863", "doc_count": 3, "owners": {"buckets": [
                buyer("p:A", 2, 300_00, 2_000, MS_2021_11_12, MS_2021_11_15, "A Person")]}},
            {"key": "1", "doc_count": 1, "owners": {"buckets": [
                buyer("p:C", 1, 9_000_00, 1_000, MS_2021_11_12, MS_2021_11_12, "C Person")]}},
        ]}},
        {"issuers": {"buckets": [
            {"key": "50863", "doc_count": 1, "owners": {"buckets": [
                buyer("p:B", 1, 500_00, 1_000, MS_2021_11_12, MS_2021_11_12, "B Person")]}},
        ]}},
    ]
    found = clusters.clusters_of(clusters.merge_buyers(slices), min_insiders=2)
    assert len(found) == 1
    intel = issuers.Issuer(cik="50863", ticker="INTC", name="INTEL CORP")
    assert clusters.cluster_row(found[0], intel) == {
        "ticker": "INTC", "company_name": "INTEL CORP", "issuer_cik": "0000050863",
        "insider_count": 2, "transaction_count": 3, "total_value": 800.0, "total_shares": 3.0,
        "first_transaction_date": "2021-11-12", "last_transaction_date": "2021-11-15",
        "insiders": [
            {"owner_key": "p:B", "name": "B Person", "transaction_count": 1, "value": 500.0, "shares": 1.0,
             "first_transaction_date": "2021-11-12", "last_transaction_date": "2021-11-12"},
            {"owner_key": "p:A", "name": "A Person", "transaction_count": 2, "value": 300.0, "shares": 2.0,
             "first_transaction_date": "2021-11-12", "last_transaction_date": "2021-11-15"},
        ],
    }
    assert [c["issuer_cik"] for c in clusters.clusters_of(clusters.merge_buyers(slices), 1)] == ["1", "50863"]


def test_clusters_count_acquisitions_of_open_market_purchases_by_default():
    filters = clusters.cluster_filters()
    assert (filters.transaction_codes, filters.side, filters.lookback.transaction_days) == (("P",), "A", 30)
    assert filters.lookback.filed_at_days is None


# --- market --------------------------------------------------------------------------------

def test_top_net_lists_split_buyers_from_sellers_and_ignore_flat_issuers():
    flows = [("1", 1, Flow(buy_cents=500)), ("2", 1, Flow(sell_cents=700)), ("3", 2, Flow()),
             ("4", 1, Flow(buy_cents=900)), ("5", 1, Flow(buy_cents=10, sell_cents=20))]
    buying, selling = market.top_net(flows, top=1)
    assert [cik for cik, _, _ in buying] == ["4"]
    assert [cik for cik, _, _ in market.top_net(flows, top=5)[1]] == ["2", "5"]
    assert [cik for cik, _, _ in selling] == ["2"]


def test_the_daily_trend_has_one_row_per_trade_day_with_the_flow_metrics():
    result = {"trend": {"buckets": [{"key": "2021-11-12", "doc_count": 3,
                                     "side": {"buckets": [side("A", 1, 100, 1000), side("D", 1, 50, 2000)]}}]}}
    assert market.trend(result) == [{
        "date": "2021-11-12", "transaction_count": 3, "buy_count": 1, "sell_count": 1, "buy_value": 1.0,
        "sell_value": 0.5, "net_value": 0.5, "buy_shares": 1.0, "sell_shares": 2.0, "net_shares": -1.0}]


# --- tape ----------------------------------------------------------------------------------

def test_a_tape_row_without_a_usable_price_has_a_null_value():
    row = {"id": "x:N:0", "issuer_cik": "50863", "shares": 10.0, "price_suspect": True}
    shown = tape.tape_row(row)
    assert shown["value"] is None and shown["issuer_cik"] == "0000050863" and shown["price_suspect"] is True
    assert tape.tape_row({**row, "value_cents": 123456})["value"] == 1234.56


def test_flow_reads_missing_sides_as_zero():
    assert flow({"side": {"buckets": [side("D", 2, 5, 7)]}}) == Flow(sell_count=2, sell_cents=5, sell_milli=7)


def test_clusters_of_equal_value_are_ordered_by_cik_as_a_number():
    # Shown zero-padded (0000320193 before 0001652044), stored without the zeros ("1652044" < "320193").
    buyers = {cik: [{"owner_key": f"p:{cik}", "name": "X", "transaction_count": 1, "value_cents": 0,
                     "shares_milli": 1000, "first_transaction_date": "2021-11-12",
                     "last_transaction_date": "2021-11-12"}] for cik in ("1652044", "320193", "50863")}
    assert [c["issuer_cik"] for c in clusters.clusters_of(buyers, 1)] == ["50863", "320193", "1652044"]


def test_the_tape_lists_the_lines_of_a_filing_in_their_order(tantivy_engine, settings):
    # Twelve lines on one day: `:N:2` comes before `:N:10` (the row id as text would not).
    from datetime import datetime, timezone

    from indexer.pipeline import Ingestor, Source
    from search.analytics import tape
    from tests.builders import Tx, form4_xml, submission_txt

    xml = form4_xml(transactions=[Tx(code="S", date="2025-12-10", shares=str(100 + n)) for n in range(12)])
    Ingestor(tantivy_engine, settings, workers=1).ingest(
        [Source("a.txt", submission_txt(xml, "0000999001-25-000001", accepted="20251215120000"))])
    got = tape.by_ticker(tantivy_engine, "ACME", datetime(2026, 1, 1, tzinfo=timezone.utc), filed_at_days=365)
    assert [row["id"].rsplit(":", 1)[1] for row in got["data"]] == [str(n) for n in range(12)]
