"""The embedded engine keeps the engine contract: multi-key sorts with missing values last and the
key as final tie-breaker, the normalised aggregation shape, atomic reindex."""
from __future__ import annotations

import itertools
import os
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest

from mappings.transactions import TRANSACTIONS
from search.engines.base import Batch
from search.query import ast
from search.query.ast import SortKey


def make_rows(count: int) -> list[dict]:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        row = {"id": f"R{i:05d}", "accession_no": f"A{i % 40:03d}", "code": rng.choice("PSMA"),
               "side": rng.choice("AD"), "ticker": rng.choice(["AAA", "BBB", "CCC"]),
               "transaction_date": f"2025-01-{1 + rng.randrange(5):02d}", "owner_key": f"o{rng.randrange(9)}",
               "value_cents": rng.randrange(5) * 100, "shares": float(rng.randrange(3)),
               # few instants, one at midnight: large tie groups of a datetime, settled via its day twin
               "filed_at": rng.choice(["2025-01-02T00:00:00Z", "2025-01-02T14:30:00Z", "2025-01-03T09:00:00Z"])}
        if i % 7 == 0:
            del row["transaction_date"]
        if i % 5 == 0:
            del row["value_cents"]
        rows.append(row)
    return rows


@pytest.fixture
def engine_with_rows(tantivy_engine):
    rows = make_rows(300)
    for chunk in range(0, len(rows), 100):  # several commits -> several segments
        tantivy_engine.write(Batch(filings=[], rows=rows[chunk:chunk + 100]))
    return tantivy_engine, rows


def reference_order(rows: list[dict], keys: list[SortKey]) -> list[str]:
    """Missing values last in both directions, then the key ascending."""
    ordered = sorted(rows, key=lambda r: r["id"])
    for key in reversed(keys):
        present = [r for r in ordered if key.field in r]
        missing = [r for r in ordered if key.field not in r]
        present.sort(key=lambda r: r[key.field], reverse=key.descending)
        ordered = present + missing
    return [r["id"] for r in ordered]


SORTS = [
    [SortKey("transaction_date", True)],
    [SortKey("transaction_date")],
    [SortKey("ticker"), SortKey("value_cents", True)],
    [SortKey("code", True), SortKey("transaction_date"), SortKey("shares", True)],
    [SortKey("side"), SortKey("owner_key"), SortKey("value_cents")],
    [SortKey("filed_at", True), SortKey("code"), SortKey("transaction_date")],
    [],
]


@pytest.mark.parametrize("keys", SORTS, ids=lambda k: ",".join(f"{s.field}{'-' if s.descending else '+'}" for s in k) or "key")
def test_multi_key_sorts_match_the_reference_order_on_every_page(engine_with_rows, keys):
    engine, rows = engine_with_rows
    expected = reference_order(rows, keys)
    for offset, size in ((0, 50), (37, 50), (250, 50), (0, 300)):
        page = engine.search(TRANSACTIONS, ast.MatchAll(), keys, offset, size)
        assert [d["id"] for d in page.documents] == expected[offset:offset + size]
        assert page.total == 300 and page.total_is_exact


def test_sorted_pages_of_a_filtered_query_are_stable_and_disjoint(engine_with_rows):
    engine, rows = engine_with_rows
    query = ast.Term("ticker", "BBB")
    keys = [SortKey("code")]
    pages = [engine.search(TRANSACTIONS, query, keys, o, 10).documents for o in range(0, 200, 10)]
    ids = [d["id"] for d in itertools.chain.from_iterable(pages)]
    assert ids == reference_order([r for r in rows if r["ticker"] == "BBB"], keys)


def test_aggregations_come_back_in_the_normal_form(engine_with_rows):
    engine, rows = engine_with_rows
    result = engine.aggregate(TRANSACTIONS, ast.Term("side", "A"), {
        "by_ticker": {"terms": {"field": "ticker", "size": 2}, "aggs": {
            "value": {"sum": {"field": "value_cents"}},
            "latest": {"max": {"field": "transaction_date"}},
            "n": {"value_count": {"field": "value_cents"}}}},
        "days": {"date_histogram": {"field": "transaction_date"}},
        "least": {"min": {"field": "shares"}},
    })
    buys = [r for r in rows if r["side"] == "A"]
    counts = {t: sum(1 for r in buys if r["ticker"] == t) for t in ("AAA", "BBB", "CCC")}
    top = sorted(counts, key=lambda t: (-counts[t], t))[:2]
    assert [b["key"] for b in result["by_ticker"]["buckets"]] == top
    first = result["by_ticker"]["buckets"][0]
    mine = [r for r in buys if r["ticker"] == top[0]]
    assert first["doc_count"] == counts[top[0]]
    assert first["value"] == {"value": float(sum(r.get("value_cents", 0) for r in mine))}
    assert first["n"] == {"value": sum(1 for r in mine if "value_cents" in r)}
    latest = max(r["transaction_date"] for r in mine if "transaction_date" in r)
    from datetime import datetime, timezone
    assert first["latest"]["value"] == datetime.fromisoformat(latest).replace(tzinfo=timezone.utc).timestamp() * 1000
    days = sorted({r["transaction_date"] for r in buys if "transaction_date" in r})
    assert [b["key"] for b in result["days"]["buckets"]] == days
    assert result["least"] == {"value": min(r["shares"] for r in buys)}


def test_range_buckets_count_each_requested_range_in_request_order(engine_with_rows):
    engine, rows = engine_with_rows
    result = engine.aggregate(TRANSACTIONS, ast.MatchAll(), {"by_value": {"range": {"field": "value_cents", "ranges": [
        {"key": "high", "from": 300, "to": 1000}, {"key": "none", "from": 1000, "to": 2000}, {"key": "low", "to": 100},
    ]}, "aggs": {"shares": {"sum": {"field": "shares"}}}}})
    def within(r, low, high):
        return "value_cents" in r and (low is None or r["value_cents"] >= low) and (high is None or r["value_cents"] < high)
    expected = []
    for key, low, high in (("high", 300, 1000), ("none", 1000, 2000), ("low", None, 100)):
        mine = [r for r in rows if within(r, low, high)]
        expected.append({"key": key, "doc_count": len(mine), "shares": {"value": sum(r["shares"] for r in mine)}})
    assert result == {"by_value": {"buckets": expected}}
    assert expected[0]["doc_count"] and expected[2]["doc_count"]


def test_an_empty_match_gives_zero_sums_and_null_extremes(engine_with_rows):
    engine, _ = engine_with_rows
    result = engine.aggregate(TRANSACTIONS, ast.MatchNone(), {
        "s": {"sum": {"field": "value_cents"}}, "m": {"max": {"field": "transaction_date"}},
        "c": {"value_count": {"field": "value_cents"}}, "t": {"terms": {"field": "ticker", "size": 5}}})
    assert result == {"s": {"value": 0.0}, "m": {"value": None}, "c": {"value": 0}, "t": {"buckets": []}}


def test_reindex_swaps_in_a_new_generation_and_a_failed_one_leaves_the_old_serving(tantivy_engine):
    filing = {"accessionNo": "0000000001-25-000001", "documentType": "4", "issuer": {"cik": "1"},
              "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}
    tantivy_engine.write(Batch(filings=[filing], rows=[]))
    before = tantivy_engine._read_pointer()

    def explode(_):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        tantivy_engine.reindex(explode)
    assert tantivy_engine._read_pointer() == before
    assert sorted(p.name for p in tantivy_engine.root.iterdir()) == ["CURRENT", before]

    assert tantivy_engine.reindex(lambda f: ({**f, "remarks": "rebuilt"}, [])) == 1
    assert tantivy_engine._read_pointer() != before
    from mappings.filings import FILINGS
    docs = tantivy_engine.search(FILINGS, ast.MatchAll(), [], 0, 10).documents
    assert docs == [{**filing, "remarks": "rebuilt"}]


def _layout(engine) -> list[list[datetime | None]]:
    """Each segment's filings, then its rows, in doc-id order, as their filing times (filings'
    `filedAt`, rows' `filed_at`): how a date window's documents lie on disk."""
    import tantivy

    from search.engines.tantivy_engine import SOURCE

    searcher = engine._searcher()
    hits = searcher.search(tantivy.Query.all_query(), limit=10_000).hits
    runs: dict[tuple, list] = {}
    for _, addr in sorted(hits, key=lambda h: (h[1].segment_ord, h[1].doc)):
        doc = orjson.loads(searcher.doc(addr).get_first(SOURCE))
        moment = doc["filedAt"] if "accessionNo" in doc else doc["filed_at"]
        runs.setdefault((addr.segment_ord, "accessionNo" in doc), []).append(
            datetime.fromisoformat(moment) if moment else None)
    return list(runs.values())


def _in_filing_order(segment: list) -> bool:
    dated = [m for m in segment if m is not None]
    return dated == sorted(dated) and segment[:len(dated)] == dated  # undated last


def test_reindex_writes_the_filings_and_their_rows_in_filing_order(tantivy_engine):
    """A year's window is then a few runs of each segment, which the compiled aggregation reads
    at memory speed, however the filings were ingested."""
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    filings = [{"accessionNo": f"0000000001-25-{i:06d}", "documentType": "4", "issuer": {"cik": "1"},
                "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}],
                "filedAt": (start + timedelta(days=i * 3, hours=i % 5)).isoformat()} for i in range(120)]
    filings.append({**filings[0], "accessionNo": "0000000001-25-999999", "filedAt": None})

    def rows_of(filing):
        return [{"id": f"{filing['accessionNo']}-{n}", "accession_no": filing["accessionNo"],
                 "filed_at": filing["filedAt"]} for n in range(3)] if filing["filedAt"] else []

    shuffled = filings[:]
    random.Random(5).shuffle(shuffled)
    for chunk in range(0, len(shuffled), 40):  # several commits, several segments
        part = shuffled[chunk:chunk + 40]
        tantivy_engine.write(Batch(filings=part, rows=[r for f in part for r in rows_of(f)]))
    assert not all(_in_filing_order(segment) for segment in _layout(tantivy_engine))  # the test can fail

    assert [f["accessionNo"] for f in tantivy_engine.iter_filings()] == [f["accessionNo"] for f in filings]
    assert tantivy_engine.reindex(lambda f: (f, rows_of(f))) == len(filings)
    layout = _layout(tantivy_engine)
    assert sum(map(len, layout)) == len(filings) + 3 * (len(filings) - 1)
    assert all(_in_filing_order(segment) for segment in layout)


def test_keyword_ranges_select_exactly_the_strings_between_the_bounds(tantivy_engine):
    rng = random.Random(3)
    tickers = sorted({"".join(rng.choice("ABCab0-./ é") for _ in range(rng.randrange(1, 5))) for _ in range(300)})
    tantivy_engine.write(Batch(filings=[], rows=[{"id": f"R{i}", "ticker": t} for i, t in enumerate(tickers)]))
    for _ in range(60):
        low, high = sorted(rng.sample(tickers, 2))
        inclusive_low, inclusive_high = rng.random() < 0.5, rng.random() < 0.5
        node = ast.Range("ticker", **{("gte" if inclusive_low else "gt"): low, ("lte" if inclusive_high else "lt"): high})
        got = [d["ticker"] for d in tantivy_engine.search(TRANSACTIONS, node, [SortKey("ticker")], 0, 500).documents]
        want = [t for t in tickers if (low <= t if inclusive_low else low < t) and (t <= high if inclusive_high else t < high)]
        assert got == want, (low, high, inclusive_low, inclusive_high)


def test_a_keyword_range_on_a_multi_valued_field_needs_one_value_between_both_bounds(tantivy_engine):
    # Filing 0001127602-11-002331 has codes [A, M]: `[B TO D]` must not match it because A is
    # above no bound and M below none. Random values, with characters at the ends of Unicode.
    rng = random.Random(4)
    alphabet = "ABM\x00é\U0010FFFF"
    rows = [{"id": f"R{i}", "owner_ciks": ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 4)))
                                           for _ in range(rng.randrange(1, 4))]} for i in range(300)]
    tantivy_engine.write(Batch(filings=[], rows=rows))
    values = sorted({v for r in rows for v in r["owner_ciks"]})
    for _ in range(80):
        low, high = sorted(rng.sample(values, 2)) if rng.random() < 0.9 else rng.sample(values, 2)
        inclusive_low, inclusive_high = rng.random() < 0.5, rng.random() < 0.5
        node = ast.Range("owner_ciks", **{("gte" if inclusive_low else "gt"): low,
                                          ("lte" if inclusive_high else "lt"): high})
        got = sorted(d["id"] for d in tantivy_engine.search(TRANSACTIONS, node, [], 0, 500).documents)
        want = sorted(r["id"] for r in rows if any(
            (low <= v if inclusive_low else low < v) and (v <= high if inclusive_high else v < high)
            for v in r["owner_ciks"]))
        assert got == want, (low, high, inclusive_low, inclusive_high)


def test_a_row_without_the_sort_key_comes_last_in_both_directions(engine_with_rows):
    """One counted search orders by the first key, relying on tantivy to put documents
    without a value last whichever the direction; a tie group of them that straddles the
    page end is searched again on its own."""
    engine, rows = engine_with_rows
    keys = [SortKey("ticker", True)]
    assert [d["id"] for d in engine.search(TRANSACTIONS, ast.MatchAll(), keys, 0, 5).documents] == \
        reference_order(rows, keys)[:5]
    strays = [{"id": f"R9999{n}", "accession_no": "A999", "code": "P", "side": "A"} for n in range(4)]
    engine.write(Batch(filings=[], rows=strays))
    for descending in (True, False):
        keys = [SortKey("ticker", descending)]
        expected = reference_order(rows + strays, keys)
        for offset in (295, 298, 301):
            page = engine.search(TRANSACTIONS, ast.MatchAll(), keys, offset, 2)
            assert [d["id"] for d in page.documents] == expected[offset:offset + 2]
            assert page.total == 304


def test_a_reader_sees_what_another_writer_committed(tmp_path):
    """The service and `insider follow` are separate processes: the reader's cached searcher
    must notice each commit of the other."""
    from search.engines.tantivy_engine import TantivyEngine

    writer, reader = TantivyEngine(tmp_path), TantivyEngine(tmp_path)
    writer.ensure_ready()
    rows = make_rows(3)
    for n, row in enumerate(rows, start=1):
        writer.write(Batch(filings=[], rows=[row]))
        assert reader.search(TRANSACTIONS, ast.MatchAll(), [], 0, 10).total == n


def test_the_kind_term_is_left_out_only_when_a_required_field_belongs_to_one_kind():
    from search.engines.tantivy_engine import EXCLUSIVE_FIELDS, required_fields

    assert "filed_at" in EXCLUSIVE_FIELDS["transactions"] and "filedAt" in EXCLUSIVE_FIELDS["filings"]
    assert "id" not in EXCLUSIVE_FIELDS["transactions"] | EXCLUSIVE_FIELDS["filings"]   # both kinds have it
    required = ast.Bool(filter=(ast.Range("filed_at", gte=1),), must_not=(ast.Term("table", "derivative"),))
    assert required_fields(required) == {"filed_at"}
    assert required_fields(ast.Bool(should=(ast.Term("code", "P"), ast.Term("code", "S")))) == set()
    assert required_fields(ast.Bool(must_not=(ast.Term("code", "P"),))) == set()
    assert required_fields(ast.Boost(ast.Term("code", "P"), 2.0)) == {"code"}


def test_a_query_on_a_field_both_kinds_have_still_finds_only_its_own_kind(tantivy_engine):
    tantivy_engine.write(Batch(filings=[{"accessionNo": "0000000001-24-000001", "id": "same"}],
                               rows=[{"id": "same", "accession_no": "0000000001-24-000001"}]))
    from mappings.filings import FILINGS
    assert tantivy_engine.search(TRANSACTIONS, ast.Term("id", "same"), [], 0, 10).total == 1
    assert tantivy_engine.search(FILINGS, ast.Term("id", "same"), [], 0, 10).total == 1
    assert tantivy_engine.search(TRANSACTIONS, ast.Bool(must_not=(ast.Term("code", "P"),)), [], 0, 10).total == 1


def _dated_rows(count: int) -> list[dict]:
    rng = random.Random(11)
    start = datetime(2023, 12, 30, tzinfo=timezone.utc)
    return [{"id": f"D{i:04d}", "filed_at": (start + timedelta(seconds=rng.randrange(800 * 86400))).isoformat(),
             "transaction_date": (start + timedelta(days=rng.randrange(800))).date().isoformat()}
            for i in range(count)]


def test_date_ranges_through_the_day_twins_select_exactly_the_rows_in_range(tantivy_engine):
    """Ranges of 2..400 days run as whole days from the day-number twin plus the two edge days
    from the exact column: every bound kind, every span, against a plain filter of the rows."""
    from search.engines.tantivy_engine import DAY_TERMS_MAX_SPAN

    rows = _dated_rows(1500)
    tantivy_engine.write(Batch(filings=[], rows=rows))
    assert tantivy_engine.translate.day_terms
    rng = random.Random(5)
    base = datetime(2023, 12, 30, tzinfo=timezone.utc)
    for case in range(60):
        span = rng.choice([0, 1, 2, 3, 30, 365, DAY_TERMS_MAX_SPAN, DAY_TERMS_MAX_SPAN + 1, 700])
        low = base + timedelta(seconds=rng.randrange(400 * 86400))
        high = low + timedelta(days=span, seconds=rng.randrange(-3600, 3600))
        field = rng.choice(["filed_at", "transaction_date"])
        if field == "transaction_date":
            low, high = (datetime.combine(d.date(), datetime.min.time(), timezone.utc) for d in (low, high))
        strict_low, strict_high = rng.random() < 0.5, rng.random() < 0.5
        node = ast.Range(field, **{("gt" if strict_low else "gte"): low, ("lt" if strict_high else "lte"): high})

        def inside(row):
            v = datetime.fromisoformat(row[field]) if field == "filed_at" else \
                datetime.fromisoformat(row[field]).replace(tzinfo=timezone.utc)
            return (v > low if strict_low else v >= low) and (v < high if strict_high else v <= high)
        expected = sorted(r["id"] for r in rows if inside(r))
        page = tantivy_engine.search(TRANSACTIONS, node, [], 0, 2000)
        assert sorted(d["id"] for d in page.documents) == expected, (case, field, node)


def test_an_index_from_before_the_day_twins_is_served_and_reindex_upgrades_it(tmp_path, monkeypatch, caplog):
    import search.engines.tantivy_engine as te

    rows = _dated_rows(300)
    monkeypatch.setattr(te, "DAY_FIELDS", frozenset())   # what the previous version wrote
    old = te.TantivyEngine(tmp_path)
    old.ensure_ready()
    old.write(Batch(filings=[], rows=rows))
    old.close()
    monkeypatch.undo()

    node = ast.Range("filed_at", gte=datetime(2024, 2, 1, tzinfo=timezone.utc), lt=datetime(2024, 5, 1, tzinfo=timezone.utc))
    expected = sorted(r["id"] for r in rows if "2024-02-01" <= r["filed_at"][:10] < "2024-05-01")
    engine = te.TantivyEngine(tmp_path)
    with caplog.at_level("WARNING"):
        assert sorted(d["id"] for d in engine.search(TRANSACTIONS, node, [], 0, 500).documents) == expected
    assert "insider reindex" in caplog.text and not engine.translate.day_terms
    engine.reindex(lambda filing: (filing, []))
    assert engine.translate.day_terms
    engine.close()


def test_raw_documents_are_the_stored_json_that_decodes_to_the_same_documents(engine_with_rows):
    import orjson

    engine, rows = engine_with_rows
    keys = [SortKey("ticker"), SortKey("value_cents", True)]
    decoded = engine.search(TRANSACTIONS, ast.MatchAll(), keys, 10, 20).documents
    raw = engine.search(TRANSACTIONS, ast.MatchAll(), keys, 10, 20, raw=True).documents
    assert all(isinstance(d, orjson.Fragment) for d in raw)
    assert orjson.loads(orjson.dumps({"transactions": raw})) == {"transactions": decoded}
    assert [d["id"] for d in decoded] == reference_order(rows, keys)[10:30]


def test_a_reader_follows_a_reindex_swap_made_by_another_process(tmp_path):
    """The generation pointer is re-read only when its stat changes: a swap replaces the file
    (a new inode), so a reader that served the old generation moves to the new one."""
    from mappings.filings import FILINGS
    from search.engines.tantivy_engine import TantivyEngine

    writer, reader = TantivyEngine(tmp_path), TantivyEngine(tmp_path)
    filing = {"accessionNo": "0000000001-25-000001", "documentType": "4", "issuer": {"cik": "1"},
              "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}
    writer.ensure_ready()
    writer.write(Batch(filings=[filing], rows=[]))
    assert reader.search(FILINGS, ast.MatchAll(), [], 0, 10).documents == [filing]
    for n in range(2):
        writer.reindex(lambda f, n=n: ({**f, "remarks": f"rebuilt {n}"}, []))
        assert reader.search(FILINGS, ast.MatchAll(), [], 0, 10).documents == [{**filing, "remarks": f"rebuilt {n}"}]


def test_an_index_with_the_bytes_source_is_served_written_and_upgraded_by_reindex(tmp_path, monkeypatch):
    """Versions before stored each document's JSON as bytes (base64 in the writer's JSON): such
    an index keeps answering, keeps taking writes (`insider follow` after an upgrade), and
    `insider reindex` rewrites it with the text source."""
    import search.engines.tantivy_engine as te

    from mappings.filings import FILINGS

    rows = make_rows(40)
    filings = [{"accessionNo": f"A{i:03d}", "documentType": "4", "issuer": {"cik": str(i)},
                "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]} for i in range(40)]
    original = te.build_schema
    monkeypatch.setattr(te, "build_schema", lambda: original(text_source=False, pairs=False))
    old = te.TantivyEngine(tmp_path)
    old.ensure_ready()
    old.write(Batch(filings=filings, rows=rows[:30]))
    old.close()
    monkeypatch.undo()

    engine = te.TantivyEngine(tmp_path)
    keys = [SortKey("ticker"), SortKey("value_cents", True)]
    # workers encode for the current schema; the writer must re-encode for the old one
    engine.write(Batch(filings=[], rows=rows[30:], encoded={(TRANSACTIONS.name, r["id"]): te.encode(TRANSACTIONS, r)
                                                           for r in rows[30:]}))
    assert not te._source_is_text(engine.schema) and not engine.translate.pair_terms
    page = engine.search(TRANSACTIONS, ast.MatchAll(), keys, 0, 50)
    assert [d["id"] for d in page.documents] == reference_order(rows, keys)
    assert page.documents == [next(r for r in rows if r["id"] == d["id"]) for d in page.documents]
    raw = engine.search(TRANSACTIONS, ast.MatchAll(), keys, 0, 50, raw=True).documents
    assert orjson.loads(orjson.dumps(raw)) == page.documents

    assert engine.reindex(lambda f: (f, [r for r in rows if r["accession_no"] == f["accessionNo"]])) == 40
    assert te._source_is_text(engine.schema) and engine.translate.pair_terms
    assert engine.search(TRANSACTIONS, ast.MatchAll(), keys, 0, 50).documents == page.documents
    by_key = [SortKey("accessionNo")]
    raw = engine.search(FILINGS, ast.MatchAll(), by_key, 0, 50, raw=True).documents
    assert orjson.loads(orjson.dumps(raw)) == filings
    engine.close()


def test_word_pairs_are_neighbouring_tokens_and_a_dropped_long_token_leaves_a_gap():
    from search.analysis import token_pairs

    assert token_pairs("Weighted-average price: $10.05") == [
        "weighted average", "average price", "price 10", "10 05"]
    assert token_pairs("a " + "x" * 40 + " b c") == ["b c"]
    assert token_pairs("single") == [] and token_pairs("") == []
    assert token_pairs("ΟΔΟΣ Plan") == ["οδοσ plan"]  # one character at a time, as tantivy and Lucene


def test_phrases_through_word_pairs_find_exactly_what_positions_find(tantivy_engine):
    """Random footnotes from a small vocabulary (so that phrases both hit and miss, several
    values per filing): every phrase of two to four words gives the same filings through the
    pair terms as through positions alone."""
    import search.engines.tantivy_engine as te
    from mappings.filings import FILINGS

    rng = random.Random(11)
    from search.analysis import tokens

    # Greek capitals and a letter newer than Python's Unicode tables: where Python's regex and
    # lower() differ from tantivy's analyzer, the pairs must still follow tantivy's positions.
    words = ["weighted", "average", "price", "rule", "10b5", "1", "plan", "ΟΔΟΣ", "οδος", "\U00031350", "x" * 41]
    filings = []
    for i in range(200):
        notes = [{"id": f"F{n}", "text": " ".join(rng.choice(words) for _ in range(rng.randrange(1, 9)))}
                 for n in range(rng.randrange(0, 4))]
        filing = {"accessionNo": f"0000000001-25-{i:06d}", "documentType": "4", "issuer": {"cik": "1"},
                  "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}
        if notes:
            filing["footnotes"] = notes
        if i % 3 == 0:
            filing["remarks"] = " ".join(rng.choice(words) for _ in range(6))
        filings.append(filing)
    tantivy_engine.write(Batch(filings=filings, rows=[]))
    keys = [SortKey("accessionNo")]
    positions_only = te.Translator(tantivy_engine.schema, pair_terms=False)
    assert tantivy_engine.translate.pair_terms
    hits = 0
    for _ in range(150):
        field = rng.choice(["footnotes.text", "remarks"])
        phrase = tuple(tokens(" ".join(rng.choice(words[:-1]) for _ in range(rng.randrange(2, 5)))))
        node = ast.Phrase(field, phrase)
        with_pairs = [d["accessionNo"] for d in tantivy_engine.search(FILINGS, node, keys, 0, 500).documents]
        tantivy_engine.translate, paired = positions_only, tantivy_engine.translate
        try:
            without = [d["accessionNo"] for d in tantivy_engine.search(FILINGS, node, keys, 0, 500).documents]
        finally:
            tantivy_engine.translate = paired
        assert with_pairs == without, (field, phrase)
        hits += bool(with_pairs)
    assert hits > 30  # the comparison is not between empty answers


def test_wildcards_match_line_breaks_inside_keyword_values_as_lucene_does(tantivy_engine):
    tantivy_engine.write(Batch(filings=[], rows=[{"id": "R1", "ticker": "A\nB"}, {"id": "R2", "ticker": "AB"}]))
    for pattern, expected in (("A*B", ["R1", "R2"]), ("A?B", ["R1"]), ("A*", ["R1", "R2"])):
        got = sorted(d["id"] for d in tantivy_engine.search(TRANSACTIONS, ast.Wildcard("ticker", pattern), [], 0, 10).documents)
        assert got == expected, pattern


def test_reindex_holds_the_index_so_no_concurrent_write_is_lost(tmp_path):
    # A write from another process during a reindex would land in the generation being
    # replaced, after it was read: it is refused instead (the writer retries or re-runs).
    import search.engines.tantivy_engine as te
    from insider.errors import EngineUnavailable

    engine, other = te.TantivyEngine(tmp_path), te.TantivyEngine(tmp_path)
    engine.ensure_ready()
    engine.write(Batch(filings=[{"accessionNo": "A1", "documentType": "4", "issuer": {"cik": "1"},
                                 "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}], rows=[]))
    engine.release_writer()
    refused = []

    def transform(filing):
        try:
            other.write(Batch(filings=[], rows=[{"id": "R-during", "ticker": "X"}]))
        except EngineUnavailable as exc:
            refused.append(str(exc))
        return filing, []

    assert engine.reindex(transform) == 1
    assert refused and "locked" in refused[0]
    other.write(Batch(filings=[], rows=[{"id": "R-after", "ticker": "X"}]))  # lands in the new generation
    other.release_writer()
    assert [d["id"] for d in engine.search(TRANSACTIONS, ast.MatchAll(), [], 0, 10).documents] == ["R-after"]
    other.close()
    engine.close()


def test_keyword_ranges_next_to_the_surrogates_and_below_the_empty_string(tantivy_engine):
    values = ["", "A", "\ud7ff", "\ue000", "\U0010ffff"]
    tantivy_engine.write(Batch(filings=[], rows=[{"id": f"R{i}", "ticker": v} for i, v in enumerate(values)]))
    for bounds in ({"lt": "\ue000"}, {"gte": "\ud7ff"}, {"gte": "A", "lte": "\ue000"}, {"lt": ""}, {"lte": ""},
                   {"gt": "\ud7ff", "lt": "\ue000"}):
        got = sorted(d["ticker"] for d in tantivy_engine.search(TRANSACTIONS, ast.Range("ticker", **bounds), [], 0, 10).documents)
        want = sorted(v for v in values if all(
            {"lt": v < b, "lte": v <= b, "gt": v > b, "gte": v >= b}[op] for op, b in bounds.items()))
        assert got == want, bounds


def test_reindex_removes_generations_an_interrupted_reindex_left_but_not_one_in_use(tantivy_engine):
    import fcntl
    import shutil

    filing = {"accessionNo": "0000000001-25-000001", "documentType": "4", "issuer": {"cik": "1"},
              "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}
    tantivy_engine.write(Batch(filings=[filing], rows=[]))
    current = tantivy_engine.root / tantivy_engine._read_pointer()
    killed = tantivy_engine.root / "gen-20250101T000000000000"  # what kill -9 of a reindex leaves
    shutil.copytree(current, killed, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
    busy = tantivy_engine.root / "gen-20250101T000000000001"  # a generation another writer holds
    shutil.copytree(current, busy, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
    held = os.open(busy / ".tantivy-writer.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert tantivy_engine.reindex(lambda f: (f, [])) == 1
        names = sorted(p.name for p in tantivy_engine.root.iterdir())
    finally:
        os.close(held)
    assert names == sorted(["CURRENT", tantivy_engine._read_pointer(), busy.name])


def test_a_write_the_disk_refuses_is_a_clear_error_and_the_index_stays_readable(tantivy_engine, monkeypatch):
    from insider.errors import EngineUnavailable
    from mappings.filings import FILINGS

    filing = {"accessionNo": "0000000001-25-000001", "documentType": "4", "issuer": {"cik": "1"},
              "reportingOwner": {"cik": "2"}, "reportingOwners": [{"cik": "2"}]}
    tantivy_engine.write(Batch(filings=[filing], rows=[]))
    writer = tantivy_engine._get_writer()

    class FullDisk:
        def __getattr__(self, name):
            return getattr(writer, name)

        def commit(self):
            raise ValueError("An IO error occurred: 'No space left on device (os error 28)'")

    monkeypatch.setattr(tantivy_engine, "_writer", FullDisk())
    second = {**filing, "accessionNo": "0000000001-25-000002"}
    with pytest.raises(EngineUnavailable, match="No space left on device"):
        tantivy_engine.write(Batch(filings=[second], rows=[]))
    assert tantivy_engine._writer is None
    assert tantivy_engine.search(FILINGS, ast.MatchAll(), [], 0, 10).total == 1


def test_processes_starting_together_on_an_empty_data_dir_share_one_generation(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    script = ("import sys, time\nfrom pathlib import Path\nfrom search.engines.tantivy_engine import TantivyEngine\n"
              "start = float(sys.argv[2])\nwhile time.time() < start: pass\n"
              "TantivyEngine(Path(sys.argv[1])).ensure_ready()\n")
    for attempt in range(4):
        data = tmp_path / f"data{attempt}"
        start = time.time() + 1.5  # both imported and spinning by then
        procs = [subprocess.Popen([sys.executable, "-c", script, str(data), repr(start)], env={**os.environ, "PYTHONPATH": str(root)})
                 for _ in range(3)]
        assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
        assert len(list((data / "index").glob("gen-*"))) == 1, attempt
