"""What OpenSearch is asked: index definition, query DSL, sorts and aggregations, as exact dicts."""
from datetime import datetime, timedelta, timezone

import pytest

from insider.errors import BadRequest
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines.opensearch import (
    aggs_to_dsl, bucket_count, index_definition, normalise_aggs, search_body, to_dsl,
)
from search.query.ast import (
    Bool, Boost, Exists, Fuzzy, MatchAll, MatchNone, Phrase, Range, Regex, SortKey, Term, Terms,
    Wildcard,
)

UTC = timezone.utc
JAN_5 = datetime(2024, 1, 5, tzinfo=UTC)
JAN_5_MS = 1704412800000


# --- index definition ------------------------------------------------------------------------

def test_dotted_paths_become_plain_objects_so_any_array_element_can_match():
    props = index_definition(FILINGS)["mappings"]["properties"]
    code = props["nonDerivativeTable"]["properties"]["transactions"]["properties"]["coding"]["properties"]["code"]
    assert code == {"type": "keyword"}
    assert "type" not in props["nonDerivativeTable"]["properties"]["transactions"]  # not "nested"


def test_field_types_follow_the_spec():
    props = index_definition(FILINGS)["mappings"]["properties"]
    assert props["accessionNo"] == {"type": "keyword"}
    assert props["remarks"] == {"type": "text", "analyzer": "insider_text"}
    assert props["periodOfReport"] == {"type": "date", "format": "yyyy-MM-dd"}
    assert props["filedAt"] == {"type": "date", "format": "strict_date_optional_time"}
    assert props["aff10b5One"] == {"type": "boolean"}
    assert props["issuer"]["properties"]["tradingSymbol"] == {"type": "keyword"}
    rows = index_definition(TRANSACTIONS)["mappings"]["properties"]
    assert rows["line"] == {"type": "long"}
    assert rows["price"] == {"type": "double"}
    assert rows["owner_names"] == {"type": "text", "analyzer": "insider_text"}


def test_every_spec_field_is_mapped_and_nothing_else():
    def leaves(props, prefix=""):
        for name, body in props.items():
            if "properties" in body:
                yield from leaves(body["properties"], f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}"

    for spec in (FILINGS, TRANSACTIONS):
        mapped = set(leaves(index_definition(spec)["mappings"]["properties"]))
        assert mapped == {*spec.paths, "_doc", "_present"}


def test_original_document_is_kept_unindexed_and_unknown_fields_are_refused():
    mappings = index_definition(FILINGS)["mappings"]
    assert mappings["properties"]["_doc"] == {"type": "object", "enabled": False}
    assert mappings["_source"] == {"includes": ["_doc"]}
    assert mappings["dynamic"] == "strict"


def test_index_settings_make_a_batch_visible_only_when_refreshed():
    settings = index_definition(TRANSACTIONS)["settings"]
    assert settings["index"] == {
        "number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1", "max_result_window": 10000,
    }
    assert settings["analysis"]["analyzer"]["insider_text"]["tokenizer"] == "insider_tokenizer"


# --- queries ---------------------------------------------------------------------------------

@pytest.mark.parametrize("node, expected", [
    (MatchAll(), {"match_all": {}}),
    (MatchNone(), {"match_none": {}}),
    (Term("issuer.tradingSymbol", "AAPL"), {"term": {"issuer.tradingSymbol": "AAPL"}}),
    (Term("aff10b5One", True), {"term": {"aff10b5One": True}}),
    (Term("remarks", "plan"), {"term": {"remarks": "plan"}}),
    (Terms("documentType", ("4", "4/A")), {"terms": {"documentType": ["4", "4/A"]}}),
    (Phrase("footnotes.text", ("trading", "plan"), 2),
     {"match_phrase": {"footnotes.text": {"query": "trading plan", "slop": 2}}}),
    (Range("nonDerivativeTable.transactions.amounts.shares", gt=100, lte=500.5),
     {"range": {"nonDerivativeTable.transactions.amounts.shares": {"gt": 100, "lte": 500.5}}}),
    (Range("issuer.tradingSymbol", gte="A", lt="B"), {"range": {"issuer.tradingSymbol": {"gte": "A", "lt": "B"}}}),
    (Wildcard("issuer.tradingSymbol", "A?P*"), {"wildcard": {"issuer.tradingSymbol": {"value": "A?P*"}}}),
    (Regex("issuer.tradingSymbol", "(AAPL|MSFT)[a-z]{0,2}"),
     {"regexp": {"issuer.tradingSymbol": {"value": "(AAPL|MSFT)[a-z]{0,2}", "flags": "NONE"}}}),
    (Fuzzy("reportingOwner.name", "cokk", 1),
     {"fuzzy": {"reportingOwner.name": {"value": "cokk", "fuzziness": 1, "transpositions": True,
                                        "prefix_length": 0, "max_expansions": 1024}}}),
    (Exists("reportingOwner.relationship"), {"term": {"_present": "reportingOwner.relationship"}}),
    (Exists("remarks"), {"term": {"_present": "remarks"}}),
    (Boost(Term("remarks", "plan"), 2.5), {"bool": {"must": [{"term": {"remarks": "plan"}}], "boost": 2.5}}),
])
def test_each_node_translates_exactly(node, expected):
    assert to_dsl(FILINGS, node) == expected


def test_an_index_without_complete_present_values_keeps_opensearch_s_own_exists():
    node = Bool(must=(Term("documentType", "4"),), must_not=(Exists("derivativeTable"),))
    assert to_dsl(FILINGS, node, present=False) == {"bool": {
        "must": [{"term": {"documentType": "4"}}], "must_not": [{"exists": {"field": "derivativeTable"}}]}}


def test_present_lists_every_path_with_a_value_and_every_object_above_one():
    from search.engines.opensearch import document_body

    body = document_body(FILINGS, {"accessionNo": "A1", "documentType": "4", "remarks": "",
                                   "issuer": {"cik": "1", "name": None},
                                   "derivativeTable": {"transactions": [{"coding": {"code": "M"}}]}})
    assert body["_present"] == ["accessionNo", "derivativeTable", "derivativeTable.transactions",
                                "derivativeTable.transactions.coding", "derivativeTable.transactions.coding.code",
                                "documentType", "issuer", "issuer.cik", "remarks"]


def test_alternative_field_names_resolve_to_the_indexed_path():
    assert to_dsl(FILINGS, Term("reportingOwners.cik", "1111")) == {"term": {"reportingOwner.cik": "1111"}}


def test_a_day_term_is_an_exact_epoch_millis_range():
    assert to_dsl(FILINGS, Term("periodOfReport", JAN_5)) == {
        "range": {"periodOfReport": {"gte": JAN_5_MS, "lte": JAN_5_MS, "format": "epoch_millis"}}
    }


def test_an_instant_term_keeps_its_milliseconds_and_offset():
    instant = datetime(2024, 1, 5, 16, 30, 0, 123000, tzinfo=timezone(timedelta(hours=-5)))
    ms = JAN_5_MS + (21 * 3600 + 30 * 60) * 1000 + 123
    assert to_dsl(FILINGS, Term("filedAt", instant)) == {
        "range": {"filedAt": {"gte": ms, "lte": ms, "format": "epoch_millis"}}
    }


def test_date_range_bounds_are_utc_epoch_millis():
    node = Range("filedAt", gte=JAN_5, lt=JAN_5 + timedelta(days=1))
    assert to_dsl(FILINGS, node) == {
        "range": {"filedAt": {"gte": JAN_5_MS, "lt": JAN_5_MS + 86_400_000, "format": "epoch_millis"}}
    }


def test_terms_on_a_date_field_match_any_of_the_days():
    node = Terms("transaction_date", (JAN_5, JAN_5 + timedelta(days=1)))
    day = {"gte": JAN_5_MS, "lte": JAN_5_MS, "format": "epoch_millis"}
    next_day = {"gte": JAN_5_MS + 86_400_000, "lte": JAN_5_MS + 86_400_000, "format": "epoch_millis"}
    assert to_dsl(TRANSACTIONS, node) == {"bool": {
        "should": [{"range": {"transaction_date": day}}, {"range": {"transaction_date": next_day}}],
        "minimum_should_match": 1,
    }}


def test_terms_without_values_match_nothing():
    assert to_dsl(TRANSACTIONS, Terms("transaction_date", ())) == {"match_none": {}}
    assert to_dsl(TRANSACTIONS, Terms("code", ())) == {"terms": {"code": []}}


A = Term("code", "P")
B = Term("code", "S")
A_DSL = {"term": {"code": "P"}}
B_DSL = {"term": {"code": "S"}}


@pytest.mark.parametrize("node, expected", [
    (Bool(must=(A,), must_not=(B,)), {"bool": {"must": [A_DSL], "must_not": [B_DSL]}}),
    (Bool(should=(A, B)), {"bool": {"should": [A_DSL, B_DSL], "minimum_should_match": 1}}),
    (Bool(must=(A,), should=(B,)), {"bool": {"must": [A_DSL], "should": [B_DSL]}}),
    (Bool(filter=(A,), should=(B,)), {"bool": {"filter": [A_DSL], "should": [B_DSL]}}),
    (Bool(must_not=(B,)), {"bool": {"must_not": [B_DSL], "filter": [{"match_all": {}}]}}),
    (Bool(should=(A,), must_not=(B,)),
     {"bool": {"should": [A_DSL], "must_not": [B_DSL], "minimum_should_match": 1}}),
    (Bool(must=(Bool(must_not=(B,)),)),
     {"bool": {"must": [{"bool": {"must_not": [B_DSL], "filter": [{"match_all": {}}]}}]}}),
])
def test_bool_states_which_clauses_are_required(node, expected):
    assert to_dsl(TRANSACTIONS, node) == expected


def test_a_foreign_object_is_not_a_query():
    with pytest.raises(TypeError):
        to_dsl(FILINGS, "issuer.tradingSymbol:AAPL")


# --- search requests -------------------------------------------------------------------------

def test_sort_keys_then_the_index_key_with_missing_values_last():
    body = search_body(FILINGS, MatchAll(), [SortKey("filedAt", descending=True), SortKey("periodOfReport")], 50, 25)
    assert body == {
        "query": {"match_all": {}},
        "sort": [
            {"filedAt": {"order": "desc", "missing": "_last"}},
            {"periodOfReport": {"order": "asc", "missing": "_last"}},
            {"accessionNo": {"order": "asc", "missing": "_last"}},
        ],
        "from": 50,
        "size": 25,
        "track_total_hits": 10000,
    }


@pytest.mark.parametrize("offset, size, expected", [(9990, 50, (9990, 10)), (10_000, 50, (10_000, 0)), (20_000, 5, (10_000, 0))])
def test_pages_past_the_result_window_are_empty_not_errors(offset, size, expected):
    body = search_body(TRANSACTIONS, MatchAll(), [], offset, size)
    assert (body["from"], body["size"]) == expected


# --- aggregations ----------------------------------------------------------------------------

def test_terms_with_sub_aggregations():
    request = {"by_ticker": {"terms": {"field": "ticker", "size": 10, "missing": "none"},
                             "aggs": {"value": {"sum": {"field": "value_cents"}}}}}
    assert aggs_to_dsl(TRANSACTIONS, request) == {"by_ticker": {
        "terms": {"field": "ticker", "size": 10, "shard_size": 10,
                  "order": [{"_count": "desc"}, {"_key": "asc"}], "missing": "none"},
        "aggs": {"value": {"sum": {"field": "value_cents"}}},
    }}


def test_date_histogram_is_one_utc_day_per_bucket():
    request = {"days": {"date_histogram": {"field": "filed_at"}, "aggs": {"n": {"value_count": {"field": "id"}}}}}
    assert aggs_to_dsl(TRANSACTIONS, request) == {"days": {
        "date_histogram": {"field": "filed_at", "calendar_interval": "day", "min_doc_count": 1,
                           "time_zone": "UTC", "format": "yyyy-MM-dd"},
        "aggs": {"n": {"value_count": {"field": "id"}}},
    }}


def test_metrics():
    request = {k: {k: {"field": "price"}} for k in ("sum", "min", "max", "value_count")}
    assert aggs_to_dsl(TRANSACTIONS, request) == request


def test_more_buckets_than_the_limit_is_a_bad_request():
    with pytest.raises(BadRequest):
        aggs_to_dsl(TRANSACTIONS, {"x": {"terms": {"field": "ticker", "size": 65_001}}})


def test_results_are_normalised_to_plain_values():
    request = {
        "by_ticker": {"terms": {"field": "ticker", "size": 5}, "aggs": {"shares": {"sum": {"field": "shares"}}}},
        "by_partition": {"terms": {"field": "owner_partition", "size": 5}},
        "days": {"date_histogram": {"field": "transaction_date"}},
        "low": {"min": {"field": "price"}},
        "first": {"min": {"field": "transaction_date"}},
        "high": {"max": {"field": "price"}},
        "n": {"value_count": {"field": "id"}},
        "total": {"sum": {"field": "value"}},
    }
    raw = {
        "by_ticker": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "AAPL", "doc_count": 2, "shares": {"value": 30}},
            {"key": "MSFT", "doc_count": 1, "shares": {"value": 0.0}},
        ]},
        "by_partition": {"buckets": [{"key": 7, "doc_count": 3}]},
        "days": {"buckets": [{"key_as_string": "2024-01-05", "key": JAN_5_MS, "doc_count": 3}]},
        "low": {"value": None},
        "first": {"value": float(JAN_5_MS), "value_as_string": "2024-01-05"},
        "high": {"value": 12},
        "n": {"value": 3},
        "total": {"value": 0.0},
    }
    assert normalise_aggs(request, raw) == {
        "by_ticker": {"buckets": [
            {"key": "AAPL", "doc_count": 2, "shares": {"value": 30.0}},
            {"key": "MSFT", "doc_count": 1, "shares": {"value": 0.0}},
        ]},
        "by_partition": {"buckets": [{"key": "7", "doc_count": 3}]},
        "days": {"buckets": [{"key": "2024-01-05", "doc_count": 3}]},
        "low": {"value": None},
        "first": {"value": float(JAN_5_MS)},
        "high": {"value": 12.0},
        "n": {"value": 3},
        "total": {"value": 0.0},
    }


def test_buckets_are_counted_at_every_level():
    aggs = {
        "by_ticker": {"terms": {"field": "ticker", "size": 10}, "aggs": {
            "days": {"date_histogram": {"field": "transaction_date"}},
            "shares": {"sum": {"field": "shares"}},
            "owners": {"distinct": {"field": "owner_key", "size": 100}},
        }},
        "n": {"value_count": {"field": "line"}},
    }
    result = {
        "by_ticker": {"buckets": [
            {"key": "AAPL", "doc_count": 2, "days": {"buckets": [{"key": "2024-01-05", "doc_count": 2}]},
             "shares": {"value": 3.0}, "owners": {"value": 2}},
            {"key": "MSFT", "doc_count": 1, "days": {"buckets": []}, "shares": {"value": 1.0},
             "owners": {"value": 1}},
        ]},
        "n": {"value": 3},
    }
    # Two tickers, one day, and the three owners the distinct counts named as buckets.
    assert bucket_count(aggs, result) == 6


def test_a_distinct_count_is_the_buckets_of_a_terms_aggregation_counted():
    """OpenSearch's cardinality is an estimate; the contract's distinct count is exact."""
    aggs = {"owners": {"distinct": {"field": "owner_key", "size": 500}}}
    assert aggs_to_dsl(TRANSACTIONS, aggs) == {"owners": {"terms": {
        "field": "owner_key", "size": 500, "shard_size": 500, "order": [{"_count": "desc"}, {"_key": "asc"}]}}}
    raw = {"owners": {"buckets": [{"key": "1", "doc_count": 4}, {"key": "2", "doc_count": 1}],
                      "sum_other_doc_count": 0}}
    assert normalise_aggs(aggs, raw) == {"owners": {"value": 2}}


@pytest.mark.parametrize("request_", [
    {"distinct": {"field": "owner_key"}},
    {"distinct": {"field": "owner_key", "size": 5, "missing": "x"}},
    {"distinct": {"field": "owner_key", "size": 5}, "aggs": {"n": {"value_count": {"field": "line"}}}},
])
def test_a_distinct_count_takes_a_field_and_a_size_and_nothing_else(request_):
    with pytest.raises(BadRequest):
        aggs_to_dsl(TRANSACTIONS, {"d": request_})


def test_the_client_serializer_round_trips_documents_and_keeps_the_stock_fallbacks():
    import uuid
    from datetime import datetime, timezone
    from decimal import Decimal

    from opensearchpy.exceptions import SerializationError

    from search.engines.opensearch import OrjsonSerializer

    s = OrjsonSerializer()
    doc = {"issuer": {"name": "Société Générale"}, "shares": 1.5, "n": 3, "ok": True, "none": None}
    assert s.loads(s.dumps(doc)) == doc
    assert s.dumps('{"already": "json"}') == '{"already": "json"}'
    at = datetime(2024, 1, 5, 16, 30, tzinfo=timezone.utc)
    assert s.loads(s.dumps({"at": at, "id": uuid.UUID(int=1), "price": Decimal("1.25"), 7: "k"})) == {
        "at": "2024-01-05T16:30:00+00:00", "id": "00000000-0000-0000-0000-000000000001", "price": 1.25, "7": "k"}
    with pytest.raises(SerializationError):
        s.loads("{not json")
    with pytest.raises(SerializationError):
        s.dumps({"x": object()})
