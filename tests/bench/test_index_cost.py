"""bench/index_cost.py's lower bounds: its two lower schemas take the documents the service writes
(the same JSON, unchanged) and keep what they claim to keep — the store-only schema nothing but
the source and key, the no-index one the columns too — with no term searchable in either. A
schema that still indexed terms would make the bound a false floor."""
from __future__ import annotations

import orjson
import pytest
import tantivy

from bench.index_cost import VARIANTS, _open, _schema_json
from indexer.pipeline import encode_all, prepare
from search.engines import tantivy_engine as te
from tests.builders import form4_xml, submission_txt


@pytest.fixture(scope="module")
def documents() -> list[str]:
    data = submission_txt(form4_xml(ticker="ACME"), "0000999001-25-000001")
    status, filing, rows, _ = prepare("a.txt", data, 10_000_000, {})
    assert status == "ok" and rows
    return list(encode_all(te.encode, filing, rows).values())


def _written(variant: str, documents: list[str], tmp_path):
    tmp_path.mkdir(exist_ok=True)
    index = _open(variant, str(tmp_path))
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for document in documents:
        writer.add_json(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index, index.searcher()


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_schema_takes_the_served_documents_and_keeps_their_sources(variant, documents, tmp_path):
    index, searcher = _written(variant, documents, tmp_path)
    assert searcher.num_docs == len(documents)
    sources = sorted(searcher.doc(hit).get_first(te.SOURCE) for _, hit in searcher.search(tantivy.Query.all_query(), len(documents)).hits)
    assert sources == sorted(orjson.loads(d)[te.SOURCE] for d in documents)
    assert [f["name"] for f in _schema_json(variant)] == [f["name"] for f in _schema_json("served")]


def test_terms_only_keeps_every_field_searchable_by_its_terms_and_drops_the_extras(documents, tmp_path):
    index, searcher = _written("terms-only", documents, tmp_path)
    for field, value in [("issuer.tradingSymbol", "ACME"), ("reportingOwner.name", "doe"), ("documentType", "4")]:
        assert searcher.search(tantivy.Query.term_query(index.schema, field, value)).count > 0, field
    with pytest.raises(ValueError, match="is not indexed"):
        searcher.search(tantivy.Query.term_query(index.schema, te.PRESENT, "issuer"))
    with pytest.raises(ValueError, match="does not have positions"):  # no phrases
        searcher.search(tantivy.Query.phrase_query(index.schema, "reportingOwner.name", ["doe", "jane"]))


@pytest.mark.parametrize("variant", ["no-index", "store-only"])
def test_the_lower_bounds_index_no_term(variant, documents, tmp_path):
    index, searcher = _written(variant, documents, tmp_path)
    served_index, served = _written("served", documents, tmp_path / "served")
    terms = [(te.KIND, "filings"), (te.PRESENT, "issuer"), ("issuer.tradingSymbol", "ACME"),
             ("reportingOwner.name", "doe"), ("documentType", "4")]
    for field, value in terms:
        assert served.search(tantivy.Query.term_query(served_index.schema, field, value)).count > 0  # the test can fail
        try:
            found = searcher.search(tantivy.Query.term_query(index.schema, field, value)).count
        except ValueError as exc:  # tantivy refuses a term query on a field it does not index
            assert "is not indexed" in str(exc)
            found = 0
        assert found == 0, field
    filed = {"filings": {"terms": {"field": "_kind"}}}
    if variant == "no-index":  # the columns are kept: sorting and aggregating still read them
        assert searcher.aggregate(tantivy.Query.all_query(), filed)["filings"]["buckets"]
