"""The analytics endpoints over HTTP: envelope, every parameter check (400), unknown tickers (404),
auth (401), and what JSON cannot say (Infinity)."""
from __future__ import annotations

import json

import pytest

from indexer.pipeline import Ingestor, Source
from service.app import create_app
from service.keys import KeyStore
from tests.builders import Tx, form4_xml, submission_txt
from tests.conftest import make_settings

BASE = "/insider-module/api/insiders"
SUMMARY = f"{BASE}/summary/by-ticker"
SECTORS = f"{BASE}/aggregation/by-sector"
TAPE = f"{BASE}/transactions/by-ticker"
CLUSTERS = f"{BASE}/clusters"
STATS = f"{BASE}/stats/global"


def filing(number: int, ticker: str, cik: str, transactions, document_type="4", holdings=0) -> Source:
    xml = form4_xml(document_type=document_type, issuer_cik=cik, ticker=ticker, transactions=transactions,
                    holdings=holdings)
    return Source(f"{number}.txt", submission_txt(xml, f"0000999001-25-{number:06d}", accepted="20251215120000"))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("analytics-http") / "data")  # now = 2026-01-01
    from search.engines.tantivy_engine import TantivyEngine

    engine = TantivyEngine(settings.data_dir)
    buy = Tx(code="P", side="A", date="2025-12-10", shares="100", price="20")
    Ingestor(engine, settings, workers=1).ingest([
        filing(1, "BRK.B", "0000999002", [buy, buy]),
        filing(2, "ACME", "0000999001", [Tx(code="S", side="D", date="2025-12-11"), buy]),
        filing(3, "HOLD", "0000999003", [], document_type="3", holdings=1),
    ])
    key = KeyStore(settings.data_dir).create("tests")
    client = create_app(settings, engine).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = key
    client.key = key
    return client


def ok(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "success"
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["timestamp"].endswith("Z")
    return body


def bad(response, *words):
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error" and body["error"]["code"] == "bad_request"
    text = json.dumps(body["error"])
    for word in words:
        assert word in text, text
    return body


@pytest.mark.parametrize("spelling", ["BRK.B", "BRK/B", "brk-b", "Brk.b"])
def test_a_class_share_ticker_answers_under_any_spelling_in_canonical_form(client, spelling):
    data = ok(client.get(f"{SUMMARY}/{spelling}?filed_at_days=30"))["data"]
    assert data["ticker"] == "BRK-B" and data["issuer_cik"] == "0000999002" and data["company_name"] == "Acme Corp"
    assert data["total_buys"] == 2 and data["total_buy_value"] == 4000.0


def test_buy_sell_ratio_without_sells_is_the_string_infinity_in_valid_json(client):
    response = client.get(f"{SUMMARY}/BRK-B?filed_at_days=30")
    body = json.loads(response.get_data(as_text=True))   # strict JSON: no bare Infinity token
    assert body["data"]["buy_sell_ratio"] == "Infinity"
    assert body["data"]["sentiment_score"] == 1.0 and body["data"]["days"] is None


def test_the_default_seven_day_window_ends_at_the_pinned_now(client):
    data = ok(client.get(f"{SUMMARY}/ACME"))["data"]   # filed 2025-12-15, now 2026-01-01
    assert data["total_transactions"] == 0 and data["latest_transaction_date"] is None
    assert data["buy_sell_ratio"] == 0.0


def test_the_deprecated_days_is_echoed_and_sets_both_windows(client):
    data = ok(client.get(f"{SUMMARY}/ACME?days=30&filed_at_days=1"))["data"]
    assert data["days"] == 30 and data["total_transactions"] == 2 and data["buy_sell_ratio"] == 1.0


def test_an_issuer_known_only_from_holdings_is_a_zero_summary_not_a_404(client):
    data = ok(client.get(f"{SUMMARY}/HOLD?filed_at_days=30"))["data"]
    assert data["issuer_cik"] == "0000999003" and data["total_transactions"] == 0


def test_a_ticker_no_filing_ever_named_is_404_on_summary_and_tape(client):
    for url in (f"{SUMMARY}/NOPE", f"{TAPE}/NOPE"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("query, field", [
    ("filed_at_days=0", "filed_at_days"), ("filed_at_days=3651", "filed_at_days"),
    ("filed_at_days=seven", "filed_at_days"), ("transaction_days=0", "transaction_days"),
    ("transaction_days=366", "transaction_days"), ("days=0", "days"), ("days=366", "days"),
    ("is_c_suite=maybe", "is_c_suite"), ("exclude_10b5_1=2", "exclude_10b5_1"),
    ("exclude_cashless=nah", "exclude_cashless"), ("filed_at_day=30", "filed_at_day"),
])
def test_every_summary_parameter_outside_its_range_is_a_400_naming_it(client, query, field):
    bad(client.get(f"{SUMMARY}/ACME?{query}"), field)


@pytest.mark.parametrize("query, field", [
    ("group_by=ticker", "group_by"), ("sort_by=filed_at", "sort_by"), ("limit=0", "limit"),
    ("offset=-1", "offset"), ("min_value=-5", "min_value"), ("max_value=abc", "max_value"),
    ("min_value=10&max_value=5", "min_value"), ("transaction_code=Q", "transaction_code"),
    ("transaction_code=P,,ZZ", "transaction_code"), ("acquired_disposed_code=X", "acquired_disposed_code"),
    ("is_officer=perhaps", "is_officer"), ("filed_at_days=4000", "filed_at_days"),
    ("transaction_days=400", "transaction_days"), ("days=30", "days"), ("min_value=nan", "min_value"),
])
def test_every_by_sector_parameter_outside_its_range_is_a_400_naming_it(client, query, field):
    bad(client.get(f"{SECTORS}?{query}"), field)


@pytest.mark.parametrize("url, field", [
    (f"{TAPE}/ACME?limit=101", "limit"), (f"{TAPE}/ACME?offset=9990&limit=50", "offset"),
    (f"{CLUSTERS}?min_insiders=0", "min_insiders"), (f"{CLUSTERS}?days=400", "days"),
    (f"{CLUSTERS}?filed_at_days=30", "filed_at_days"), (f"{STATS}?top=101", "top"),
    (f"{STATS}?group_by=sector", "group_by"),
    # far past any page: refused instead of echoed into a number JSON cannot carry
    (f"{SECTORS}?offset=100000000000000000000", "offset"), (f"{CLUSTERS}?offset=99999999999999999999", "offset"),
    (f"{TAPE}/ACME?offset=100000000000000000000000", "offset"),
    # a parameter given twice would silently keep its first value
    (f"{SECTORS}?transaction_code=P&transaction_code=S", "transaction_code"),
    (f"{SUMMARY}/ACME?filed_at_days=30&filed_at_days=40", "filed_at_days"),
])
def test_the_other_endpoints_check_their_parameters_too(client, url, field):
    bad(client.get(url), field)


def test_by_sector_caps_the_page_at_500_and_echoes_the_resolved_window(client):
    body = ok(client.get(f"{SECTORS}?limit=9999&transaction_code=p,s"))
    assert body["meta"] == {"total": 1, "limit": 500, "offset": 0, "has_more": False,
                            "group_by": "sector", "filed_at_days": 30}
    assert body["data"][0]["group"] == "Consumer Cyclical" and body["data"][0]["transaction_count"] == 4


def test_the_tape_pages_with_meta(client):
    body = ok(client.get(f"{TAPE}/ACME?filed_at_days=30&limit=1"))
    assert body["meta"] == {"ticker": "ACME", "issuer_cik": "0000999001", "company_name": "Acme Corp",
                            "total": 2, "limit": 1, "offset": 0, "has_more": True}
    assert body["data"][0]["transaction_date"] == "2025-12-11" and body["data"][0]["value"] == 1050.0


def test_clusters_and_stats_answer_in_the_same_envelope(client):
    clusters = ok(client.get(f"{CLUSTERS}?min_insiders=1"))
    assert [c["ticker"] for c in clusters["data"]] == ["BRK-B", "ACME"]
    stats = ok(client.get(f"{STATS}?top=1"))
    assert stats["data"]["totals"]["transaction_count"] == 4 and len(stats["data"]["top_buys"]) == 1
    assert stats["meta"] == {"filed_at_days": 30, "transaction_days": None, "top": 1}


@pytest.mark.parametrize("url", [f"{SUMMARY}/ACME", SECTORS, f"{TAPE}/ACME", CLUSTERS, STATS])
def test_every_endpoint_needs_a_valid_key(client, url):
    for headers in ({"Authorization": ""}, {"Authorization": "isk_not-a-key"}):
        response = client.get(url, headers=headers)
        assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("parameter", ["token", "api_Token"])
def test_the_key_may_travel_as_a_query_parameter_without_counting_as_a_filter(client, parameter):
    response = client.get(f"{SECTORS}?{parameter}={client.key}", headers={"Authorization": ""})
    ok(response)


def test_a_repeated_parameter_is_named_without_a_hint_meant_for_another(client):
    body = bad(client.get(f"{SUMMARY}/ACME?filed_at_days=30&filed_at_days=40"), "filed_at_days", "given more than once")
    assert "transaction_code" not in json.dumps(body["error"])
    bad(client.get(f"{SECTORS}?transaction_code=P&transaction_code=S"), "transaction_code=P,S")


def test_the_side_filter_takes_any_case_as_the_transaction_codes_do(client):
    lower, upper = (client.get(f"{SECTORS}?acquired_disposed_code={side}&filed_at_days=3650") for side in ("d", "D"))
    assert lower.status_code == upper.status_code == 200
    assert lower.get_json()["data"] == upper.get_json()["data"]
    assert upper.get_json()["data"], "the fixture has sales in the window"
