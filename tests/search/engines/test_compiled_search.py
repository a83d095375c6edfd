"""The compiled page (`insider_aggregate.Index.top`, used by `TantivyEngine.search`) is the page
tantivy-py's path gives: the same total and the same documents in the same order, on the real
corpus and on rows made to tie, to lack values and to be replaced. Where it cannot settle a page
(ties reaching into it, a keyword first key, a text clause) tantivy-py's path answers."""
from __future__ import annotations

import pytest

from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines import tantivy_engine as te
from search.engines.base import Batch
from search.query import ast
from search.query.ast import SortKey
from search.query.lucene import parse
from tests.required import missing
from tests.search.engines.test_tantivy_engine import engine_with_rows, reference_order  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _extension():
    if te.insider_aggregate is None:
        missing("the compiled extension (insider_aggregate) is not built (needs cargo: `make setup`)")


def both_paths(engine, spec, query, keys, offset, size):
    """(the engine's page, tantivy-py's page, whether the compiled path answered)."""
    answered = engine._search_compiled(spec, query, list(keys) + [SortKey(spec.key)], offset,
                                       min(offset + size, 10_000), lambda s: s) is not None
    got = engine.search(spec, query, keys, offset, size)
    original = engine._search_compiled
    engine._search_compiled = lambda *args: None
    try:
        expected = engine.search(spec, query, keys, offset, size)
    finally:
        engine._search_compiled = original
    return got, expected, answered


QUERIES = [
    "*:*",
    "issuer.tradingSymbol:INTC",
    "issuer.tradingSymbol:(AAPL OR GOOG OR MSFT)",
    "documentType:4 AND reportingOwner.relationship.isDirector:true",
    "filedAt:[2020-01-01 TO 2021-12-31]",
    "periodOfReport:{2015-01-01 TO *] AND NOT documentType:4",
    "_exists_:dateOfOriginalSubmission",
    "nonDerivativeTable.transactions.coding.code:P",
    "issuer.tradingSymbol:NOSUCHTICKER",
    "footnotes.text:10b5-1",  # a phrase: tantivy-py's path
]
FILING_SORTS = [
    [SortKey("filedAt", True)],
    [SortKey("filedAt")],
    [SortKey("periodOfReport", True)],  # a calendar day: ties everywhere
    [SortKey("dateOfOriginalSubmission")],  # mostly missing
    [SortKey("aff10b5One", True), SortKey("filedAt")],
    [SortKey("issuer.tradingSymbol")],  # a keyword: tantivy-py's path
]
PAGES = [(0, 10), (0, 1), (7, 25), (40, 50), (9_990, 50)]


def test_every_page_of_the_corpus_is_the_one_tantivy_py_gives(loaded_tantivy):
    answered = cases = 0
    for text in QUERIES:
        query = parse(text, FILINGS)
        for keys in FILING_SORTS:
            for offset, size in PAGES:
                got, expected, by_compiled = both_paths(loaded_tantivy, FILINGS, query, keys, offset, size)
                assert (got.total, got.total_is_exact) == (expected.total, expected.total_is_exact), (text, keys)
                assert [d["accessionNo"] for d in got.documents] == [d["accessionNo"] for d in expected.documents], \
                    (text, keys, offset, size)
                assert got.documents == expected.documents
                cases += 1
                answered += by_compiled
    # Most pages go the compiled way (the point of it); the declined ones are tantivy-py's.
    assert answered >= cases // 2, (answered, cases)


def test_transaction_rows_sorted_on_numbers_dates_and_flags(loaded_tantivy):
    for text in ("ticker:INTC", "side:D AND value:[100000 TO *]", "*:*"):
        query = parse(text, TRANSACTIONS)
        for keys in ([SortKey("value", True)], [SortKey("value")], [SortKey("shares_milli", True)],
                     [SortKey("transaction_date"), SortKey("line")], [SortKey("price", True)],
                     [SortKey("is_10b5_1", True), SortKey("filed_at", True)]):
            for offset, size in ((0, 10), (13, 50)):
                got, expected, _ = both_paths(loaded_tantivy, TRANSACTIONS, query, keys, offset, size)
                assert got.total == expected.total
                assert [d["id"] for d in got.documents] == [d["id"] for d in expected.documents], (text, keys, offset)


def test_values_missing_sort_last_both_ways_and_ties_go_to_the_next_keys(engine_with_rows):
    engine, rows = engine_with_rows
    for keys in ([SortKey("value_cents", True)], [SortKey("value_cents")], [SortKey("transaction_date", True)],
                 [SortKey("shares"), SortKey("filed_at", True)]):
        expected = reference_order(rows, keys)
        for offset, size in ((0, 50), (37, 50), (250, 50), (290, 10)):
            got = engine.search(TRANSACTIONS, ast.MatchAll(), keys, offset, size)
            assert [d["id"] for d in got.documents] == expected[offset:offset + size], (keys, offset)


def test_the_compiled_page_settles_ties_by_the_document_key_and_declines_the_rest(engine_with_rows):
    engine, rows = engine_with_rows
    compiled = engine._compiled()
    everything = engine._kind_query(TRANSACTIONS, ast.MatchAll(), engine.translate_spec)
    ids = lambda sources: [te.orjson.loads(s)["id"] for s in sources]  # noqa: E731
    # five distinct values among 300 rows in three segments: every page holds ties, which the
    # key settles across segments (its text, not each segment's ordinals), either way round
    for descending in (False, True):
        keys = [SortKey("value_cents", True), SortKey("id", descending)]
        expected = reference_order(rows, keys)
        for skip, need in ((0, 10), (55, 80), (240, 300)):
            total, sources = compiled.top(everything, "value_cents", True, need, skip, te.SOURCE, ("id", descending))
            assert total == 300
            assert ids(sources) == expected[skip:need], (descending, skip)
    # without the key to break them, ties are the caller's
    assert compiled.top(everything, "value_cents", True, 10, 0, te.SOURCE) == (300, None)
    # one row per distinct value: the value alone settles it
    one = [r for r in rows if r["id"] in ("R00001", "R00002", "R00003")]
    query = engine._kind_query(TRANSACTIONS, ast.Terms("id", tuple(r["id"] for r in one)), engine.translate_spec)
    values = {r["id"]: r.get("shares") for r in one}
    if len(set(values.values())) == len(values):
        total, sources = compiled.top(query, "shares", False, 3, 0, te.SOURCE)
        assert total == 3
        assert ids(sources) == sorted(values, key=values.get)
    with pytest.raises(NotImplementedError):
        compiled.top(everything, "ticker", False, 10, 0, te.SOURCE)  # a keyword: not a numeric column
    with pytest.raises(NotImplementedError):
        compiled.top(everything, "value_cents", False, 10, 0, te.SOURCE, ("shares", False))  # ties by a number


def test_a_sort_naming_the_key_takes_its_direction_and_raw_pages_are_the_stored_json(engine_with_rows):
    engine, rows = engine_with_rows
    keys = [SortKey("transaction_date", True), SortKey("id", True)]
    expected = reference_order(rows, keys)
    for offset, size in ((0, 50), (120, 50), (280, 50)):
        got, reference, answered = both_paths(engine, TRANSACTIONS, ast.MatchAll(), keys, offset, size)
        assert answered
        assert [d["id"] for d in got.documents] == [d["id"] for d in reference.documents] == expected[offset:offset + size]
    raw = engine.search(TRANSACTIONS, ast.Term("ticker", "BBB"), [SortKey("value_cents")], 0, 20, raw=True)
    original = engine._search_compiled
    engine._search_compiled = lambda *args: None
    try:
        pure = engine.search(TRANSACTIONS, ast.Term("ticker", "BBB"), [SortKey("value_cents")], 0, 20, raw=True)
    finally:
        engine._search_compiled = original
    assert te.orjson.dumps(raw.documents) == te.orjson.dumps(pure.documents)


def test_zeros_of_either_sign_are_one_value_on_both_paths(tantivy_engine):
    """0.0 and -0.0 compare equal but lie apart in a column's order. A group of them larger than
    `_top` orders from its documents is searched again by value: the search must find both signs
    (an index written before the parsers read "-0.00" as zero holds negative zeros)."""
    rows = [{"id": f"R{i:03d}", "accession_no": f"A{i:03d}", "shares": (0.0, -0.0, 1.0)[i % 3]} for i in range(30)]
    for chunk in (rows[:12], rows[12:]):  # two segments
        tantivy_engine.write(Batch(filings=[], rows=chunk))
    expected = [r["id"] for r in sorted(rows, key=lambda r: (r["shares"], r["id"]))]
    for offset, size in ((0, 10), (5, 10), (15, 10), (18, 5)):
        got, reference, answered = both_paths(tantivy_engine, TRANSACTIONS, ast.MatchAll(), [SortKey("shares")],
                                              offset, size)
        assert answered
        assert [d["id"] for d in got.documents] == expected[offset:offset + size]
        assert [d["id"] for d in reference.documents] == expected[offset:offset + size]


def test_a_replaced_filing_is_found_once_in_its_new_form(tantivy_engine):
    base = {"documentType": "4", "issuer": {"cik": "1", "tradingSymbol": "ACME"}, "reportingOwner": {"cik": "2"},
            "reportingOwners": [{"cik": "2"}]}
    filings = [{**base, "accessionNo": f"0000000001-25-{i:06d}", "filedAt": f"2025-03-{1 + i:02d}T10:00:00-05:00",
                "periodOfReport": "2025-02-28"} for i in range(6)]
    tantivy_engine.write(Batch(filings=filings, rows=[]))
    changed = {**filings[2], "filedAt": "2025-04-30T10:00:00-04:00", "remarks": "amended text"}
    tantivy_engine.write(Batch(filings=[changed], rows=[]))  # same accession: replaces the old document
    query = ast.Term("issuer.tradingSymbol", "ACME")
    got, expected, answered = both_paths(tantivy_engine, FILINGS, query, [SortKey("filedAt", True)], 0, 10)
    assert answered
    assert got.total == 6
    assert [d["accessionNo"] for d in got.documents] == [d["accessionNo"] for d in expected.documents]
    assert got.documents[0]["accessionNo"] == changed["accessionNo"] and got.documents[0]["remarks"] == "amended text"


def test_a_failure_inside_the_extension_is_logged_and_tantivy_py_answers(engine_with_rows, monkeypatch, caplog):
    engine, rows = engine_with_rows
    expected = engine.search(TRANSACTIONS, ast.MatchAll(), [SortKey("value_cents", True)], 0, 20)

    class Failing:
        def top(self, *args):
            raise NotImplementedError("internal error: index out of bounds")  # how a panic comes back

    monkeypatch.setattr(engine, "_compiled", lambda: Failing())
    with caplog.at_level("WARNING", logger="search.engines.tantivy_engine"):
        got = engine.search(TRANSACTIONS, ast.MatchAll(), [SortKey("value_cents", True)], 0, 20)
    assert got == expected
    assert "internal error: index out of bounds" in caplog.text


def test_a_reader_sees_new_commits_and_a_reindex_swap_through_the_compiled_path(tmp_path):
    """Another process writes, then reindexes: the reader's compiled pages follow both."""
    writer, reader = te.TantivyEngine(tmp_path), te.TantivyEngine(tmp_path)
    writer.ensure_ready()
    base = {"documentType": "4", "issuer": {"cik": "1", "tradingSymbol": "ACME"}, "reportingOwner": {"cik": "2"},
            "reportingOwners": [{"cik": "2"}]}

    def filings(first, count):
        return [{**base, "accessionNo": f"0000000001-25-{i:06d}", "filedAt": f"2025-03-{1 + i:02d}T10:00:00-05:00"}
                for i in range(first, first + count)]

    def page():
        got, expected, answered = both_paths(reader, FILINGS, ast.Term("issuer.tradingSymbol", "ACME"),
                                             [SortKey("filedAt", True)], 0, 5)
        assert answered and got == expected
        return got

    writer.write(Batch(filings=filings(0, 3), rows=[]))
    assert page().total == 3
    writer.write(Batch(filings=filings(3, 4), rows=[]))  # a new commit
    latest = page()
    assert latest.total == 7 and latest.documents[0]["accessionNo"] == "0000000001-25-000006"
    assert writer.reindex(lambda f: ({**f, "remarks": "rebuilt"}, [])) == 7  # a new generation
    swapped = page()
    assert swapped.total == 7 and all(d["remarks"] == "rebuilt" for d in swapped.documents)
    writer.close()
    reader.close()


def _stored_index(path, documents, stored_number=False):
    """A tantivy-py index of `documents` ({"n", "key", "src"}) whose stored values come key first,
    then the source (and a stored integer before both when `stored_number`)."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    if stored_number:
        sb.add_integer_field("count", stored=True)
    sb.add_text_field("key", stored=True, tokenizer_name="raw", fast=True)
    sb.add_text_field("src", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_unsigned_field("n", fast=True, indexed=True)
    index = tantivy.Index(sb.build(), path=str(path))
    writer = index.writer(15_000_000, 1)
    for d in documents:
        doc = tantivy.Document()
        if stored_number:
            doc.add_integer("count", 7)
        doc.add_text("key", d["key"])
        doc.add_text("src", d["src"])
        doc.add_unsigned("n", d["n"])
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    return index


def test_a_page_reads_each_stored_source_byte_for_byte_whatever_its_length_and_script(tmp_path):
    """`top` reads the source out of the stored document in place (native/aggregate/src/stored.rs):
    past the stored key before it, across lengths whose size takes one to three bytes to write and
    texts longer than a doc-store block, in scripts of one to four bytes a character."""
    texts = ["", "a", "x" * 127, "y" * 128, "é" * 70, "— 10b5-1 ✓", "€" * 6_000, "𝔘" * 5_000, "z" * 40_000,
             '{"q": "\\"quoted\\"\\n"}']
    documents = [{"n": i, "key": f"K{i:02d}", "src": text} for i, text in enumerate(texts)]
    _stored_index(tmp_path, documents)
    compiled = te.insider_aggregate.Index(str(tmp_path))
    total, sources = compiled.top(("all",), "n", False, len(texts), 0, "src", ("key", False))
    assert total == len(texts)
    assert sources == [t.encode() for t in texts]
    assert all(isinstance(s, bytes) for s in sources)
    total, sources = compiled.top(("term", "key", "K08"), "n", True, 1, 0, "src", ("key", False))
    assert (total, sources) == (1, ["z".encode() * 40_000])


def test_a_stored_value_the_page_cannot_step_over_declines_the_page(tmp_path):
    """A stored integer before the source: its width is its type's, which the in-place reader does
    not read, so `top` declines (NotImplementedError) and tantivy-py's path answers."""
    _stored_index(tmp_path, [{"n": 1, "key": "K1", "src": "one"}], stored_number=True)
    compiled = te.insider_aggregate.Index(str(tmp_path))
    with pytest.raises(NotImplementedError, match="type code"):
        compiled.top(("all",), "n", False, 1, 0, "src", ("key", False))
    assert compiled.top(("all",), "n", False, 0, 0, "src", ("key", False)) == (1, [])  # no source read
