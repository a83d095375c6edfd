"""The OpenSearch engine against a real node: what a user of the search and analytics API sees."""
import socket
from datetime import datetime, timezone

import orjson
import pytest

from insider.errors import BadRequest, EngineUnavailable
from insider.settings import PURE_PYTHON_ENV
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines.base import Batch
from search.engines.opensearch import OpenSearchEngine
from search.query.ast import (
    Bool, Boost, Exists, Fuzzy, MatchAll, MatchNone, Phrase, Range, Regex, SortKey, Term, Terms,
    Wildcard,
)
from tests.fixtures.opensearch import temporary_engine
from tests.required import missing

pytestmark = pytest.mark.opensearch

UTC = timezone.utc
APPLE, MSFT, TESLA = "0000320193-24-000001", "0000789019-24-000002", "0001318605-24-000003"


def filing(accession, filed_at, document_type, issuer, owners, transactions=(), **extra):
    return {
        "id": f"id-{accession}",
        "accessionNo": accession,
        "filedAt": filed_at,
        "documentType": document_type,
        "issuer": issuer,
        "reportingOwner": owners[0],
        "reportingOwners": list(owners),
        "nonDerivativeTable": {"transactions": list(transactions)},
        **extra,
    }


def transaction(code, date, shares, price):
    return {"transactionDate": date, "coding": {"formType": "4", "code": code},
            "amounts": {"shares": shares, "pricePerShare": price, "acquiredDisposedCode": "D" if code == "S" else "A"}}


FILINGS_DOCS = [
    filing(
        APPLE, "2024-01-05T16:30:00-05:00", "4",
        {"cik": "320193", "name": "Apple Inc.", "tradingSymbol": "AAPL"},
        [{"cik": "1111", "name": "Cook Timothy D",
          "relationship": {"isDirector": True, "isOfficer": True, "officerTitle": "Chief Executive Officer"}},
         {"cik": "2222", "name": "Cook Family Trust", "relationship": {"isOther": True}}],
        [transaction("M", "2024-01-03", 1000, 0), transaction("S", "2024-01-03", 1000, 185.5)],
        periodOfReport="2024-01-03", aff10b5One=True,
        footnotes=[{"id": "F1", "text": "Sold under a Rule 10b5-1 trading plan adopted in May."}],
    ),
    filing(
        MSFT, "2024-01-08T09:00:00Z", "4",
        {"cik": "789019", "name": "Microsoft Corp", "tradingSymbol": "MSFT"},
        [{"cik": "3333", "name": "Nadella Satya", "relationship": {"isOfficer": True, "officerTitle": "CEO"}}],
        [transaction("P", "2024-01-05", 200, 370.0)],
        periodOfReport="2024-01-05", aff10b5One=False,
    ),
    filing(
        TESLA, "2024-01-08T09:00:00Z", "3",
        {"cik": "1318605", "name": "Tesla, Inc.", "tradingSymbol": "TSLA"},
        [{"cik": "4444", "name": "Musk Elon", "relationship": {"isTenPercentOwner": True}}],
    ),
]


def row(accession, line, ticker, code, date, shares, price, sector=None, owners=("1111",)):
    return {
        "id": f"{accession}:N:{line}", "accession_no": accession, "filed_at": "2024-01-08T09:00:00Z",
        "ticker": ticker, "code": code, "transaction_date": date, "shares": shares, "price": price,
        "value": shares * price, "sector": sector, "line": line, "owner_ciks": list(owners),
    }


ROWS = [
    row(APPLE, 1, "AAPL", "M", "2024-01-03", 1000, 0.0, "Technology", owners=("1111", "2222")),
    row(APPLE, 2, "AAPL", "S", "2024-01-03", 1000, 185.5, "Technology", owners=("1111", "2222")),
    row(MSFT, 1, "MSFT", "P", "2024-01-05", 200, 370.0, "Technology", owners=("3333",)),
    row("0000000001-24-000009", 1, "ZZZZ", "P", "2024-01-05", 10, 2.0, owners=("5555",)),
]


@pytest.fixture(scope="module")
def engine(opensearch_url):
    with temporary_engine(opensearch_url) as engine:
        engine.write(Batch(filings=FILINGS_DOCS, rows=ROWS))
        yield engine


def accessions(engine, query, sort=(), offset=0, size=50, spec=FILINGS):
    page = engine.search(spec, query, list(sort), offset, size)
    return [d[spec.key] for d in page.documents]


# --- search ----------------------------------------------------------------------------------

def test_search_returns_the_stored_documents_unchanged(engine):
    page = engine.search(FILINGS, Term("accessionNo", APPLE), [], 0, 10)
    assert page.documents == [FILINGS_DOCS[0]]
    assert (page.total, page.total_is_exact) == (1, True)


def test_the_query_apis_pages_come_back_as_text_that_encodes_like_the_decoded_page(engine, monkeypatch):
    from search.engines import opensearch

    if opensearch._search_page is None:
        missing("the insider_native extension is not built (make setup builds it from native/ with cargo)")
    query, sort = MatchAll(), [SortKey("filedAt", descending=True)]
    text = engine.search(FILINGS, query, sort, 0, 10, raw=True)
    decoded = engine.search(FILINGS, query, sort, 0, 10)
    assert text.documents and all(isinstance(d, orjson.Fragment) for d in text.documents)
    assert (text.total, text.total_is_exact) == (decoded.total, decoded.total_is_exact) == (len(FILINGS_DOCS), True)
    assert orjson.dumps(text.documents) == orjson.dumps(decoded.documents)
    monkeypatch.setenv(PURE_PYTHON_ENV, "1")
    assert engine.search(FILINGS, query, sort, 0, 10, raw=True).documents == decoded.documents


def test_sort_with_the_accession_number_breaking_ties(engine):
    newest_first = accessions(engine, MatchAll(), [SortKey("filedAt", descending=True)])
    assert newest_first == [MSFT, TESLA, APPLE]  # MSFT and TESLA were filed at the same instant


@pytest.mark.parametrize("descending", [False, True])
def test_documents_without_the_sort_field_come_last_in_both_directions(engine, descending):
    order = accessions(engine, MatchAll(), [SortKey("periodOfReport", descending)])
    assert order == ([MSFT, APPLE] if descending else [APPLE, MSFT]) + [TESLA]


def test_paging(engine):
    page = engine.search(FILINGS, MatchAll(), [SortKey("accessionNo")], 1, 1)
    assert [d["accessionNo"] for d in page.documents] == [MSFT]
    assert page.total == 3
    assert engine.search(FILINGS, MatchAll(), [], 20_000, 50).documents == []


@pytest.mark.parametrize("query, expected", [
    (MatchAll(), {APPLE, MSFT, TESLA}),
    (MatchNone(), set()),
    (Term("issuer.tradingSymbol", "AAPL"), {APPLE}),
    (Term("issuer.tradingSymbol", "aapl"), set()),  # keywords are case-sensitive
    (Term("reportingOwner.cik", "2222"), {APPLE}),  # the second owner of a joint filing
    (Term("reportingOwners.cik", "4444"), {TESLA}),
    (Term("reportingOwner.name", "nadella"), {MSFT}),
    (Term("aff10b5One", True), {APPLE}),
    (Term("periodOfReport", datetime(2024, 1, 5, tzinfo=UTC)), {MSFT}),
    (Term("filedAt", datetime(2024, 1, 5, 21, 30, tzinfo=UTC)), {APPLE}),  # 16:30 at -05:00
    (Term("nonDerivativeTable.transactions.coding.code", "M"), {APPLE}),  # any transaction matches
    (Terms("issuer.tradingSymbol", ("AAPL", "TSLA", "NONE")), {APPLE, TESLA}),
    (Terms("periodOfReport", (datetime(2024, 1, 3, tzinfo=UTC), datetime(2024, 1, 5, tzinfo=UTC))), {APPLE, MSFT}),
    (Terms("issuer.tradingSymbol", ()), set()),
    (Terms("periodOfReport", ()), set()),
    (Phrase("footnotes.text", ("trading", "plan")), {APPLE}),
    (Phrase("footnotes.text", ("plan", "trading")), set()),
    (Phrase("footnotes.text", ("rule", "plan"), 2), set()),
    (Phrase("footnotes.text", ("rule", "plan"), 3), {APPLE}),
    (Phrase("footnotes.text", ("10b5", "1")), {APPLE}),
    (Range("filedAt", gte=datetime(2024, 1, 8, tzinfo=UTC)), {MSFT, TESLA}),
    (Range("filedAt", lt=datetime(2024, 1, 5, 21, 30, tzinfo=UTC)), set()),
    (Range("filedAt", lte=datetime(2024, 1, 5, 21, 30, tzinfo=UTC)), {APPLE}),
    (Range("periodOfReport", gt=datetime(2024, 1, 3, tzinfo=UTC)), {MSFT}),
    (Range("nonDerivativeTable.transactions.amounts.pricePerShare", gt=100, lt=200), {APPLE}),
    (Range("issuer.tradingSymbol", gte="B", lte="N"), {MSFT}),
    (Wildcard("issuer.tradingSymbol", "*SL?"), {TESLA}),
    (Wildcard("issuer.name", "micro*"), {MSFT}),
    (Regex("issuer.tradingSymbol", "(AAPL|TS.*)"), {APPLE, TESLA}),
    (Regex("issuer.tradingSymbol", "[A-Z]{4}"), {APPLE, MSFT, TESLA}),
    (Regex("issuer.tradingSymbol", "A{1,2}PL"), {APPLE}),
    (Regex("issuer.tradingSymbol", "AA"), set()),  # anchored on the whole term
    (Regex("issuer.cik", "3201@"), set()),  # "@" is a literal, not Lucene's any-string
    (Fuzzy("reportingOwner.name", "nadela", 1), {MSFT}),
    (Fuzzy("reportingOwner.name", "ocok", 1), {APPLE}),  # a transposition is one edit
    (Fuzzy("reportingOwner.name", "nadeloo", 1), set()),  # two edits away
    (Exists("periodOfReport"), {APPLE, MSFT}),
    (Exists("footnotes"), {APPLE}),  # an object path: any field below it
    (Exists("derivativeTable"), set()),
    (Bool(must_not=(Term("documentType", "3"),)), {APPLE, MSFT}),
    (Bool(should=(Term("issuer.tradingSymbol", "AAPL"), Term("issuer.tradingSymbol", "MSFT"))), {APPLE, MSFT}),
    (Bool(must=(Term("documentType", "4"),), should=(Term("issuer.tradingSymbol", "AAPL"),)), {APPLE, MSFT}),
    (Bool(filter=(Term("documentType", "4"),), must_not=(Term("aff10b5One", True),)), {MSFT}),
    (Bool(should=(Term("documentType", "4"),), must_not=(Term("aff10b5One", True),)), {MSFT}),
    (Bool(must=(Bool(must_not=(Term("documentType", "4"),)),)), {TESLA}),
    (Boost(Term("issuer.tradingSymbol", "TSLA"), 3.0), {TESLA}),
])
def test_every_query_node(engine, query, expected):
    assert set(accessions(engine, query)) == expected


UNIQUE_PER_ROW = ("id", "accession_no", "ticker", "issuer_cik", "owner_key", "link_key", "line")


@pytest.fixture(scope="module")
def big(opensearch_url):
    """10,001 rows, each with its own value in every UNIQUE_PER_ROW field."""
    with temporary_engine(opensearch_url) as engine:
        engine.write(Batch(filings=[], rows=[
            {"id": f"r{i}", "accession_no": f"a{i}", "ticker": f"T{i}", "issuer_cik": str(i),
             "owner_key": f"o{i}", "link_key": f"l{i}", "line": i}
            for i in range(10_001)
        ]))
        yield engine


def test_total_is_capped_past_the_result_window(big):
    page = big.search(TRANSACTIONS, MatchAll(), [], 0, 1)
    assert (page.total, page.total_is_exact) == (10_000, False)
    page = big.search(TRANSACTIONS, Bool(must_not=(Term("id", "r0"),)), [], 0, 1)
    assert (page.total, page.total_is_exact) == (10_000, True)


def test_known_accessions(engine):
    assert engine.known_accessions([APPLE, TESLA, "0000000000-00-000000", APPLE]) == {APPLE, TESLA}
    assert engine.known_accessions([]) == set()


# --- aggregations ----------------------------------------------------------------------------

def test_terms_ordered_by_count_then_key_with_sub_metrics(engine):
    result = engine.aggregate(TRANSACTIONS, MatchAll(), {
        "by_ticker": {"terms": {"field": "ticker", "size": 2}, "aggs": {"shares": {"sum": {"field": "shares"}}}},
    })
    assert result == {"by_ticker": {"buckets": [
        {"key": "AAPL", "doc_count": 2, "shares": {"value": 2000.0}},
        {"key": "MSFT", "doc_count": 1, "shares": {"value": 200.0}},
    ]}}


def test_terms_collects_documents_without_the_field_under_the_missing_key(engine):
    result = engine.aggregate(TRANSACTIONS, Term("code", "P"), {
        "by_sector": {"terms": {"field": "sector", "size": 10, "missing": "Unclassified"}},
        "by_owner": {"terms": {"field": "owner_ciks", "size": 10}},
    })
    assert result["by_sector"] == {"buckets": [
        {"key": "Technology", "doc_count": 1}, {"key": "Unclassified", "doc_count": 1},
    ]}
    assert result["by_owner"] == {"buckets": [{"key": "3333", "doc_count": 1}, {"key": "5555", "doc_count": 1}]}


def test_date_histogram_has_one_bucket_per_day_with_documents(engine):
    result = engine.aggregate(TRANSACTIONS, MatchAll(), {
        "days": {"date_histogram": {"field": "transaction_date"}, "aggs": {"n": {"value_count": {"field": "id"}}}},
    })
    assert result == {"days": {"buckets": [
        {"key": "2024-01-03", "doc_count": 2, "n": {"value": 2}},
        {"key": "2024-01-05", "doc_count": 2, "n": {"value": 2}},
    ]}}


def test_range_buckets_in_request_order_with_sub_metrics(engine):
    result = engine.aggregate(TRANSACTIONS, MatchAll(), {"lines": {"range": {"field": "line", "ranges": [
        {"key": "later", "from": 2}, {"key": "first", "to": 2}, {"key": "none", "from": 5, "to": 9},
    ]}, "aggs": {"shares": {"sum": {"field": "shares"}}}}})
    assert result == {"lines": {"buckets": [
        {"key": "later", "doc_count": 1, "shares": {"value": 1000.0}},
        {"key": "first", "doc_count": 3, "shares": {"value": 1000.0 + 200.0 + 10.0}},
        {"key": "none", "doc_count": 0, "shares": {"value": 0.0}},
    ]}}


def test_metrics_over_some_and_over_no_documents(engine):
    request = {
        "total": {"sum": {"field": "value"}}, "low": {"min": {"field": "price"}},
        "high": {"max": {"field": "price"}}, "first": {"min": {"field": "transaction_date"}},
        "n": {"value_count": {"field": "price"}},
    }
    assert engine.aggregate(TRANSACTIONS, MatchAll(), request) == {
        "total": {"value": 185_500.0 + 74_000.0 + 20.0}, "low": {"value": 0.0}, "high": {"value": 370.0},
        "first": {"value": 1704240000000.0}, "n": {"value": 4},
    }
    assert engine.aggregate(TRANSACTIONS, MatchNone(), request) == {
        "total": {"value": 0.0}, "low": {"value": None}, "high": {"value": None},
        "first": {"value": None}, "n": {"value": 0},
    }


def one_terms_per_field(fields, last_size):
    return {f: {"terms": {"field": f, "size": 65_000 if f != fields[-1] else last_size}} for f in fields}


@pytest.mark.parametrize("aggs", [
    pytest.param({"t": {"terms": {"field": "ticker", "size": 65_001}}}, id="asks-for-more"),
    pytest.param(one_terms_per_field(UNIQUE_PER_ROW, 5_000), id="6x10001+5000-over-our-limit"),
    pytest.param(one_terms_per_field(UNIQUE_PER_ROW, 65_000), id="7x10001-over-opensearch-limit-too"),
])
def test_more_than_65000_buckets_is_a_bad_request(big, aggs):
    with pytest.raises(BadRequest, match="65000 buckets"):
        big.aggregate(TRANSACTIONS, MatchAll(), aggs)


# --- writes ----------------------------------------------------------------------------------

def test_rewriting_a_filing_replaces_it_and_all_its_rows(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        fresh.write(Batch(filings=FILINGS_DOCS[:1], rows=ROWS[:2]))
        amended = {**FILINGS_DOCS[0], "remarks": "Corrected price"}
        fresh.write(Batch(filings=[amended], rows=[{**ROWS[1], "price": 186.0}]))

        page = fresh.search(FILINGS, MatchAll(), [], 0, 10)
        assert (page.total, page.documents) == (1, [amended])
        rows = fresh.search(TRANSACTIONS, MatchAll(), [], 0, 10).documents
        assert [(r["id"], r["price"]) for r in rows] == [(ROWS[1]["id"], 186.0)]


def test_row_updates_rewrite_rows_of_other_filings(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        fresh.write(Batch(filings=FILINGS_DOCS[:1], rows=ROWS[:2]))
        superseded = {**ROWS[0], "superseded": True}
        fresh.write(Batch(filings=FILINGS_DOCS[1:2], rows=ROWS[2:3], row_updates=[superseded]))
        hits = fresh.search(TRANSACTIONS, Term("superseded", True), [], 0, 10).documents
        assert hits == [superseded]
        assert fresh.search(TRANSACTIONS, MatchAll(), [], 0, 10).total == 3


def test_documents_encoded_by_the_ingest_workers_answer_exactly_like_documents_encoded_on_write(engine, opensearch_url):
    # The ingest workers hand over each document's bulk source as JSON text (Engine.encoder);
    # `engine` was written from the same documents without it.
    encode = OpenSearchEngine.encoder
    encoded = {**{(FILINGS.name, f["accessionNo"]): encode(FILINGS, f) for f in FILINGS_DOCS},
               **{(TRANSACTIONS.name, r["id"]): encode(TRANSACTIONS, r) for r in ROWS}}
    assert all(isinstance(text, str) for text in encoded.values())
    with temporary_engine(opensearch_url) as fresh:
        fresh.write(Batch(filings=FILINGS_DOCS, rows=ROWS, encoded=encoded))
        by_key = [SortKey("accessionNo")]
        assert fresh.search(FILINGS, MatchAll(), by_key, 0, 10).documents == \
            engine.search(FILINGS, MatchAll(), by_key, 0, 10).documents
        # flattened fields and present paths come from the encoded text
        for query in (Term("issuer.tradingSymbol", "TSLA"), Exists("nonDerivativeTable.transactions"),
                      Exists("reportingOwner.relationship.isTenPercentOwner")):
            assert accessions(fresh, query, by_key) == accessions(engine, query, by_key) != []
        for query in (Term("ticker", "AAPL"), Exists("sector")):
            assert accessions(fresh, query, [SortKey("id")], spec=TRANSACTIONS) == \
                accessions(engine, query, [SortKey("id")], spec=TRANSACTIONS) != []


def test_a_rejected_document_fails_the_write_loudly(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        bad = {**FILINGS_DOCS[2], "periodOfReport": "2024-13-45"}
        with pytest.raises(EngineUnavailable, match=TESLA):
            fresh.write(Batch(filings=[bad], rows=[]))


# --- reindex ---------------------------------------------------------------------------------

def serving_indexes(engine):
    return {spec.name: sorted(engine.client.indices.get_alias(name=engine.alias(spec))) for spec in (FILINGS, TRANSACTIONS)}


def test_reindex_swaps_in_new_indexes_while_the_old_keep_serving(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        fresh.write(Batch(filings=FILINGS_DOCS, rows=ROWS[:3]))
        before = serving_indexes(fresh)
        seen_during = []

        refused = []

        def transform(doc):
            seen_during.append(fresh.search(FILINGS, Exists("remarks"), [], 0, 10).total)
            # a write meanwhile would vanish with the old indexes: it is refused instead
            try:
                fresh.write(Batch(filings=[], rows=[{**ROWS[3], "id": "during"}]))
            except EngineUnavailable as exc:
                refused.append(str(exc))
            rows = [r for r in ROWS if r["accession_no"] == doc["accessionNo"]]
            return {**doc, "remarks": "rebuilt"}, [{**r, "code": "J"} for r in rows]

        assert fresh.reindex(transform) == 3
        assert len(refused) == 3 and "block" in refused[0]

        assert seen_during == [0, 0, 0]  # the old indexes answered throughout
        after = serving_indexes(fresh)
        assert all(len(after[name]) == 1 and after[name] != before[name] for name in after)
        assert not fresh.client.indices.exists(index=",".join(sum(before.values(), [])))
        assert fresh.search(FILINGS, Term("remarks", "rebuilt"), [], 0, 10).total == 3
        codes = fresh.aggregate(TRANSACTIONS, MatchAll(), {"c": {"terms": {"field": "code", "size": 5}}})
        assert codes == {"c": {"buckets": [{"key": "J", "doc_count": 3}]}}


def test_a_failed_reindex_leaves_the_old_indexes_serving_and_nothing_behind(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        fresh.write(Batch(filings=FILINGS_DOCS, rows=ROWS[:3]))
        before = serving_indexes(fresh)
        all_before = set(fresh.client.indices.get(index=f"{fresh.prefix}-*"))

        def transform(doc):
            if doc["accessionNo"] == TESLA:
                raise ValueError("cannot transform")
            return doc, []

        with pytest.raises(ValueError, match="cannot transform"):
            fresh.reindex(transform)

        assert serving_indexes(fresh) == before
        assert set(fresh.client.indices.get(index=f"{fresh.prefix}-*")) == all_before
        assert fresh.search(TRANSACTIONS, MatchAll(), [], 0, 10).total == 3
        fresh.write(Batch(filings=[], rows=[ROWS[3]]))  # the old indexes take writes again
        assert fresh.search(TRANSACTIONS, MatchAll(), [], 0, 10).total == 4


# --- readiness and failures ------------------------------------------------------------------

def test_ensure_ready_is_idempotent(opensearch_url):
    with temporary_engine(opensearch_url) as fresh:
        before = serving_indexes(fresh)
        fresh.ensure_ready()
        assert serving_indexes(fresh) == before


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_query_the_node_refuses_is_the_callers_400_not_an_unavailable_engine(engine):
    # e.g. a query expanding past the node's clause limit; here, a pattern it cannot parse
    with pytest.raises(BadRequest, match="OpenSearch refused the request"):
        engine.search(FILINGS, Regex("issuer.name", "a[b"), [], 0, 10)


def test_an_unreachable_engine_is_a_503_with_a_plain_message():
    engine = OpenSearchEngine(f"http://127.0.0.1:{closed_port()}", prefix="unreachable")
    for call in (
        engine.ensure_ready,
        lambda: engine.search(FILINGS, MatchAll(), [], 0, 10),
        lambda: engine.aggregate(TRANSACTIONS, MatchAll(), {"n": {"value_count": {"field": "id"}}}),
        lambda: engine.write(Batch(filings=FILINGS_DOCS, rows=ROWS)),
        lambda: engine.known_accessions([APPLE]),
        lambda: engine.reindex(lambda doc: (doc, [])),
    ):
        with pytest.raises(EngineUnavailable) as caught:
            call()
        assert caught.value.status == 503
        assert caught.value.message.endswith("cannot be reached")
    engine.close()


def test_an_index_from_before_the_present_field_takes_writes_answers_exists_and_reindex_upgrades_it(
        opensearch_url, monkeypatch, caplog):
    """An index created by the previous version (no `_present` field, strict mapping) must keep
    taking the documents this version writes, answer `_exists_` right (with OpenSearch's own
    exists, since its older documents have no `_present` values), and `insider reindex` moves it
    to the term lookup."""
    import uuid

    import search.engines.opensearch as osmod

    current_definition = osmod.index_definition

    def old_definition(spec):
        body = current_definition(spec)
        mappings = {k: v for k, v in body["mappings"].items() if k != "_meta"}
        mappings["properties"] = {k: v for k, v in mappings["properties"].items() if k != "_present"}
        return {**body, "mappings": mappings}

    prefix = f"test-{uuid.uuid4().hex[:12]}"
    old = OpenSearchEngine(opensearch_url, prefix=prefix)
    with monkeypatch.context() as m:
        m.setattr(osmod, "index_definition", old_definition)
        m.setattr(osmod, "document_body", lambda spec, doc: {osmod.DOC_FIELD: doc, **osmod.flatten(spec, doc)})
        old.ensure_ready()
        old.write(Batch(filings=FILINGS_DOCS[:2], rows=[]))  # Apple, Microsoft
    old.close()

    expected = {  # Tesla's Form 3 has no transactions, no period and no footnotes
        Exists("nonDerivativeTable"): [APPLE, MSFT],
        Exists("periodOfReport"): [APPLE, MSFT],
        Exists("footnotes.text"): [APPLE],
        Bool(must_not=(Exists("footnotes"),)): [MSFT, TESLA],
    }
    engine = OpenSearchEngine(opensearch_url, prefix=prefix)
    try:
        with caplog.at_level("WARNING"):
            engine.ensure_ready()
        assert "insider reindex" in caplog.text
        engine.write(Batch(filings=FILINGS_DOCS[2:], rows=[]))  # carries _present: the mapping takes it
        assert not engine._has_present(FILINGS)
        for query, want in expected.items():
            assert accessions(engine, query, [SortKey("accessionNo")]) == sorted(want), query

        assert engine.reindex(lambda f: (f, [])) == 3
        assert engine._has_present(FILINGS)
        for query, want in expected.items():
            assert accessions(engine, query, [SortKey("accessionNo")]) == sorted(want), query
    finally:
        indexes = engine.client.indices.get(index=f"{prefix}-*")
        if indexes:
            engine.client.indices.delete(index=",".join(indexes))
        engine.close()


def test_both_engines_cut_text_beyond_ascii_into_the_same_tokens(opensearch_url):
    """The analyzer both engines share (search/analysis.py): the marks Unicode counts as
    alphabetic (Hebrew points, Devanagari vowel signs, circled letters) stay inside a word, other
    marks and symbols end it, numbers of every script are tokens, long tokens are dropped; the
    query side (`tokens`) cuts alike."""
    import uuid

    import httpx

    from search.analysis import ANALYZER_NAME, opensearch_analysis, tokens
    from search.engines.tantivy_engine import tantivy_analyzer

    texts = ["שָׁלוֹם עולם", "हिन्दी भाषा", "Ⓐbc ⓧyz", "١٢٣ ½ ² Ⅻ", "naïve café", "a\u0301b", "x☃y",
             "10b5-1 Rule", "ΟΔΟΣ", "x" * 41 + " y", "Société Générale S.A."]
    name = f"insider-test-analysis-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=opensearch_url, timeout=30) as client:
        client.put(f"/{name}", json={"settings": {"analysis": opensearch_analysis()}}).raise_for_status()
        try:
            for text in texts:
                answer = client.post(f"/{name}/_analyze", json={"analyzer": ANALYZER_NAME, "text": text})
                on_opensearch = [t["token"] for t in answer.raise_for_status().json()["tokens"]]
                assert on_opensearch == tantivy_analyzer().analyze(text) == tokens(text), text
        finally:
            client.delete(f"/{name}")
    # the points and vowel signs are alphabetic; the virama (U+094D) and the acute accent are not
    assert tokens("שָׁלוֹם हिन्दी a\u0301b") == ["שָׁלוֹם", "हिन", "दी", "a", "b"]
