"""The getcurrent Atom feed, read from real copies in the corpus."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from indexer.edgar.feed import getcurrent_path, ownership_entries, parse_feed
from tests.indexer.edgar.fake_edgar import CORPUS

FEEDS = CORPUS / "feeds"


def test_type4_feed_yields_form_4s_with_their_submission_urls():
    entries = parse_feed((FEEDS / "getcurrent_type4" / "getcurrent_type4_count100_start0000.atom.xml").read_bytes())
    assert len(entries) == 100
    first = entries[0]
    assert (first.accession, first.form_type, first.cik) == ("0002063236-25-000004", "4", "2063236")
    assert first.updated == datetime(2025, 12, 12, 18, 2, 43, tzinfo=timezone(timedelta(hours=-5)))
    assert first.submission_path == "Archives/edgar/data/2063236/000206323625000004/0002063236-25-000004.txt"


def test_only_ownership_forms_are_kept_once_per_accession():
    # type=4 is a prefix filter: this page also lists 424B2, 497K and the like.
    entries = parse_feed((FEEDS / "getcurrent_type4" / "getcurrent_type4_count100_start0100.atom.xml").read_bytes())
    kept = ownership_entries(entries)
    assert {e.form_type for e in entries} - {"4", "4/A"}
    assert {e.form_type for e in kept} <= {"4", "4/A"}
    assert len(kept) == len({e.accession for e in entries if e.form_type in ("4", "4/A")})


def test_mixed_feed_keeps_forms_3_4_and_5():
    entries = parse_feed((FEEDS / "getcurrent_alltypes" / "getcurrent_alltypes_0.atom.xml").read_bytes())
    assert {e.form_type for e in ownership_entries(entries)} == {"3", "4", "5"}


def test_feed_with_nothing_to_fetch():
    entries = parse_feed((FEEDS / "other" / "alexkouzel__latest-feed.xml").read_bytes())
    assert [e.form_type for e in entries] == ["424B2"] and ownership_entries(entries) == []


def test_getcurrent_url_asks_for_owners_and_atom():
    assert getcurrent_path("4", 200) == (
        "cgi-bin/browse-edgar?action=getcurrent&type=4&company=&dateb=&owner=include&start=200&count=100&output=atom"
    )


def test_a_feed_that_is_not_atom_is_an_edgar_error_not_a_crash():
    import pytest

    from insider.errors import EdgarError

    for body in (b"<html><body>Service Unavailable</body></html", b"", b"<?xml version='1.0'?>"):
        with pytest.raises(EdgarError, match="feed"):
            parse_feed(body)
