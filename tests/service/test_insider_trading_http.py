"""POST /insider-trading over HTTP: the sec-api contract, every 400, auth, 503, one error shape."""
from __future__ import annotations

import re

import pytest

from indexer.pipeline import Ingestor, Source
from service.app import create_app
from service.keys import KeyStore
from tests.builders import Tx, form4_xml, submission_txt
from tests.conftest import make_settings


@pytest.fixture
def client(tmp_path):
    settings = make_settings(tmp_path / "data")
    from search.engines.tantivy_engine import TantivyEngine

    engine = TantivyEngine(settings.data_dir)
    sources = [Source(f"{i}.txt", submission_txt(form4_xml(ticker="ACME" if i % 2 else "WIDG",
                                                           transactions=[Tx(code="P" if i % 3 else "S")]),
                                                 f"0000999001-25-{i:06d}", accepted=f"202503{10 + i:02d}120000"))
               for i in range(6)]
    Ingestor(engine, settings, workers=1).ingest(sources)
    key = KeyStore(settings.data_dir).create("tests")
    app = create_app(settings, engine)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = key
    client.key = key
    return client


def post(client, body, **kwargs):
    return client.post("/insider-trading", json=body, **kwargs)


def assert_error(response, status: int, code: str, *words: str):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error" and body["error"]["code"] == code
    assert body["request_id"] and response.headers["X-Request-ID"] == body["request_id"]
    for word in words:
        assert word in body["error"]["message"], body["error"]["message"]
    return body


def test_a_ticker_query_returns_its_filings_newest_first(client):
    response = post(client, {"query": "issuer.tradingSymbol:ACME", "from": "0", "size": "50",
                             "sort": [{"filedAt": {"order": "desc"}}]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == {"value": 3, "relation": "eq"}
    assert [t["accessionNo"] for t in body["transactions"]] == [
        "0000999001-25-000005", "0000999001-25-000003", "0000999001-25-000001"]
    assert all(t["issuer"]["tradingSymbol"] == "ACME" for t in body["transactions"])


def test_from_and_size_accept_numbers_and_numeric_strings_alike(client):
    as_numbers = post(client, {"query": "issuer.cik:999001", "from": 1, "size": 2}).get_json()
    as_strings = post(client, {"query": "issuer.cik:999001", "from": "1", "size": "2"}).get_json()
    assert as_numbers == as_strings and len(as_numbers["transactions"]) == 2


def test_paging_past_ten_thousand_is_an_empty_page_not_an_error(client):
    body = post(client, {"query": "issuer.cik:999001", "from": 10000, "size": 50}).get_json()
    assert body == {"total": {"value": 6, "relation": "eq"}, "transactions": []}


@pytest.mark.parametrize("body, words", [
    ({}, ["query", "required"]),
    ({"query": ""}, ["query", "empty"]),
    ({"query": "   "}, ["query", "empty"]),
    ({"query": "a" * 2001}, ["2001", "2000"]),
    ({"query": "issuer.cik:1", "size": 51}, ["size", "50"]),
    ({"query": "issuer.cik:1", "size": "lots"}, ["size"]),
    ({"query": "issuer.cik:1", "from": -1}, ["from"]),
    ({"query": "issuer.cik:1", "from": 10001}, ["from"]),
    # bare words search every default field: OpenSearch would refuse more than 1,024 clauses
    ({"query": " ".join(f"w{i}" for i in range(171))}, ["1,026 clauses", "1,024"]),
    # a regular expression within the validated size that tantivy's automaton cannot hold
    ({"query": "issuer.tradingSymbol:/[^a]{100}/"}, ["too complex"]),
    # numbers only in ASCII digits, with one sign, of a sane length
    ({"query": "issuer.cik:1", "size": "²"}, ["size"]),
    ({"query": "issuer.cik:1", "from": "--1"}, ["from"]),
    ({"query": "issuer.cik:1", "size": "1" + "0" * 5000}, ["size"]),
])
def test_bad_parameters_are_400_with_a_clear_message(client, body, words):
    assert_error(post(client, body), 400, "bad_request", *words)


def test_a_syntax_error_names_its_position(client):
    body = assert_error(post(client, {"query": "issuer.cik:(1 OR"}), 400, "query_syntax_error")
    assert "position" in body["error"]["message"] or "column" in body["error"]["message"]


def test_an_unknown_field_is_named_with_a_suggestion(client):
    body = assert_error(post(client, {"query": "issuer.tradingsymbol:TSLA"}), 400, "unknown_field")
    assert "issuer.tradingsymbol" in body["error"]["message"]
    assert "issuer.tradingSymbol" in body["error"]["message"]


def test_sorting_on_a_text_field_is_refused(client):
    assert_error(post(client, {"query": "issuer.cik:1", "sort": [{"issuer.name": {"order": "asc"}}]}),
                 400, "invalid_query", "issuer.name")


def test_no_key_or_a_wrong_key_is_401(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    assert_error(post(client, {"query": "issuer.cik:1"}), 401, "unauthorized", "API key")
    assert_error(post(client, {"query": "issuer.cik:1"}, headers={"Authorization": "nope"}), 401, "unauthorized")


def test_the_key_works_as_header_or_token_parameter_and_stops_working_when_revoked(client, tmp_path):
    key = client.key
    del client.environ_base["HTTP_AUTHORIZATION"]
    assert post(client, {"query": "issuer.cik:999001"}, headers={"Authorization": key}).status_code == 200
    assert client.post(f"/insider-trading?token={key}", json={"query": "issuer.cik:999001"}).status_code == 200
    KeyStore(tmp_path / "data").revoke("tests")
    assert_error(post(client, {"query": "issuer.cik:999001"}, headers={"Authorization": key}), 401, "unauthorized")


def test_an_engine_that_is_down_answers_503_without_a_stack_trace(tmp_path):
    from search.engines.opensearch import OpenSearchEngine

    settings = make_settings(tmp_path / "data", INSIDER_AUTH="off")
    app = create_app(settings, OpenSearchEngine("http://127.0.0.1:9", prefix="down"))
    response = app.test_client().post("/insider-trading", json={"query": "issuer.cik:1"})
    body = assert_error(response, 503, "engine_unavailable")
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["timestamp"].endswith("Z")


def test_openapi_describes_the_endpoint_and_the_docs_page_is_public(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    spec = client.get("/openapi.json").get_json()
    assert "/insider-trading" in spec["paths"]
    assert "query" in str(spec["components"]["schemas"]["SearchRequest"])
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("body, words", [
    ({"query": "issuer.cik:1", "sort": ["filedAt", "periodOfReport", "accessionNo", "documentType",
                                        "issuer.cik", "id", "issuer.tradingSymbol", "schemaVersion",
                                        "dateOfOriginalSubmission", "ownerSignatureNameDate", "classification.sic"]},
     ["11 sort fields", "10"]),
    ({"query": '"a b"~99999999999999999999'}, ["slop", "out of range"]),
])
def test_queries_past_the_engines_limits_are_400s(client, body, words):
    response = post(client, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    for word in words:
        assert word in response.get_json()["error"]["message"]


def test_a_sort_field_repeated_many_times_is_one_key(client):
    assert post(client, {"query": "issuer.cik:1", "sort": ["filedAt"] * 1000}).status_code == 200


def test_a_body_nested_too_deeply_or_too_large_is_refused_in_the_error_shape(client):
    deep = '{"query": "issuer.cik:1", "x": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client.post("/insider-trading", data=deep, content_type="application/json")
    assert_error(response, 400, "bad_request", "nested too deeply")
    huge = {"query": "issuer.cik:1", "pad": "x" * 100_000}
    assert_error(post(client, huge), 413, "request_entity_too_large")


def test_a_body_that_is_not_json_says_so(client):
    for body in (b"{bad", b"\xff\xfe{}"):
        response = client.post("/insider-trading", data=body, content_type="application/json")
        assert_error(response, 400, "bad_request", "JSON body")


def test_a_request_id_is_kept_when_it_is_a_plain_token_and_replaced_otherwise(client):
    ok = post(client, {"query": "issuer.cik:1"}, headers={"X-Request-ID": "trace-42"})
    assert ok.headers["X-Request-ID"] == "trace-42"
    for odd in ("x" * 500, "a b", "é"):
        response = post(client, {"query": ""}, headers={"X-Request-ID": odd})
        assert response.headers["X-Request-ID"] != odd
        assert response.get_json()["request_id"] == response.headers["X-Request-ID"]


def test_each_request_without_an_id_gets_its_own(client):
    ids = {post(client, {"query": "issuer.cik:1"}).headers["X-Request-ID"] for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)


def test_a_wrong_method_is_405_naming_the_allowed_ones(client):
    response = client.get("/insider-trading")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_openapi_documents_errors_as_they_are_sent(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    spec = client.get("/openapi.json").get_json()
    post_op = spec["paths"]["/insider-trading"]["post"]
    assert "422" not in post_op["responses"] and "400" in post_op["responses"]
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert set(error) == {"status", "error", "request_id", "timestamp"}
    assert "query" in spec["components"]["schemas"]["SearchRequest"]["required"]
    assert "api_Token" in spec["components"]["securitySchemes"]
    # and the body of a real 400 has exactly those parts
    assert set(post(client, {}).get_json()) == {"status", "error", "request_id", "timestamp"}


def test_unknown_routes_use_the_same_error_shape(client):
    assert_error(client.get("/nope"), 404, "not_found")


def test_a_json_body_sent_without_its_content_type_is_told_so(client):
    # `curl -d '{"query": ...}'` sends a form content type: the body is not read as JSON
    response = client.post("/insider-trading", data='{"query": "issuer.tradingSymbol:ACME"}',
                           content_type="application/x-www-form-urlencoded")
    assert_error(response, 400, "bad_request", "must be JSON", "Content-Type: application/json")
    assert post(client, {"query": "issuer.tradingSymbol:ACME"}).status_code == 200


def test_the_docs_page_works_offline_from_assets_the_service_serves_itself(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    page = client.get("/docs").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/docs/assets/") for a in assets), assets  # no CDN
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.data) > 1000, asset
    assert client.get("/docs/assets/../../insider/settings.py").status_code == 404


def test_openapi_lists_every_error_an_operation_can_answer(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    paths = client.get("/openapi.json").get_json()["paths"]
    assert set(paths["/insider-trading"]["post"]["responses"]) >= {"200", "400", "401", "413", "429", "503"}
    ticker = paths["/insider-module/api/insiders/summary/by-ticker/{ticker}"]["get"]["responses"]
    assert set(ticker) >= {"200", "400", "401", "404", "429", "503"}
    sectors = paths["/insider-module/api/insiders/aggregation/by-sector"]["get"]["responses"]
    assert "401" in sectors and "404" not in sectors


def test_the_root_points_to_the_docs_without_a_key(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    body = client.get("/").get_json()
    assert body["docs"] == "/docs" and body["openapi"] == "/openapi.json"


def test_surrogates_are_a_400_or_the_character_they_spell_never_a_500(client):
    # a lone surrogate from a JSON escape is not text
    response = client.post("/insider-trading", data='{"query": "\\ud800"}', content_type="application/json")
    assert_error(response, 400, "bad_request", "surrogate")
    # Lucene's \uXXXX escapes: half a pair is a syntax error with its position ...
    for query in ("\\uD800", "_exists_:\\uD83D", "issuer.name:a\\uDE00"):
        body = assert_error(post(client, {"query": query}), 400, "query_syntax_error", "surrogate")
        assert "position" in body["error"]
    # ... and a whole pair is the character it encodes
    assert post(client, {"query": "issuer.name:\\uD83D\\uDE00"}).get_json()["total"]["value"] == 0
    # an error message that echoes such text still leaves as JSON
    response = client.post("/insider-trading", content_type="application/json",
                           data='{"query": "*", "sort": [{"\\udc80x": {"order": "asc"}}]}')
    assert response.status_code == 400 and response.get_json()["status"] == "error"


def test_a_number_python_refuses_to_read_is_a_400_not_a_500(client):
    response = client.post("/insider-trading", content_type="application/json",
                           data='{"query": "*", "size": ' + "9" * 5000 + "}")
    assert_error(response, 400, "bad_request", "not usable JSON")


def test_a_chunked_body_is_refused_rather_than_cut_at_the_size_limit(client):
    import io

    body = b'{"query": "issuer.tradingSymbol:ACME", "size": 1}' + b" " * 200_000 + b"GARBAGE"
    response = client.post("/insider-trading", input_stream=io.BytesIO(body), content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True})
    assert_error(response, 411, "length_required", "Content-Length")
    # the same bytes with a Content-Length: refused for their size
    assert client.post("/insider-trading", data=body, content_type="application/json").status_code == 413


def test_openapi_offers_the_side_values(client):
    del client.environ_base["HTTP_AUTHORIZATION"]
    spec = client.get("/openapi.json").get_json()
    params = spec["paths"]["/insider-module/api/insiders/aggregation/by-sector"]["get"]["parameters"]
    side = next(p for p in params if p["name"] == "acquired_disposed_code")
    assert side["schema"]["enum"] == ["A", "D"]
