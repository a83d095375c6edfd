"""EDGAR's index files, read from real copies in the corpus."""
from __future__ import annotations

from datetime import date

import pytest

from indexer.edgar.indexes import (
    daily_index_path,
    full_index_path,
    ownership_filings,
    parse_index,
    quarter_bounds,
    quarter_of,
)
from tests.indexer.edgar.fake_edgar import CORPUS

INDEXES = CORPUS / "index_files"


def test_daily_master_index_lists_the_form_4s_of_the_day():
    entries, unreadable = parse_index((INDEXES / "daily" / "master.20181231.idx").read_bytes())
    assert unreadable == 0 and len(entries) == 10
    kept = ownership_filings(entries)
    assert [(e.cik, e.form_type, e.date_filed, e.accession) for e in kept] == [
        ("1000228", "4", date(2018, 12, 31), "0001209191-18-064398"),
        ("10048", "4", date(2018, 12, 31), "0000899681-18-000088"),
        ("10048", "4", date(2018, 12, 31), "0000899681-18-000091"),
    ]
    assert kept[0].path == "Archives/edgar/data/1000228/0001209191-18-064398.txt"


def test_quarterly_master_index_with_dashed_dates():
    entries, unreadable = parse_index((INDEXES / "quarterly" / "master.1994QTR3.idx").read_bytes())
    assert unreadable == 0 and len(entries) == 13066
    assert entries[0].date_filed == date(1994, 8, 12) and entries[0].form_type == "10-Q/A"


def test_form_index_keeps_spaced_form_types_and_overlong_company_names():
    entries, _ = parse_index((INDEXES / "edge" / "edgartools__badform.idx.txt").read_bytes())
    by_form = {e.form_type: e for e in entries}
    assert by_form["1-A POS"].company == "ALFADAN INC."
    overlong = next(e for e in entries if e.cik == "820694")
    assert (overlong.form_type, overlong.company) == ("X-17A-5", "UNITED PLANNERS' FINANCIAL SERVICES OF AMERICA A LIMITED PARTNER")


def test_daily_form_index_finds_every_ownership_filing_once():
    entries, unreadable = parse_index((INDEXES / "daily" / "form.20200318.idx").read_bytes())
    kept = ownership_filings(entries)
    assert unreadable == 0
    assert {e.form_type for e in kept} <= {"3", "3/A", "4", "4/A", "5", "5/A"}
    # A joint filing is listed under the issuer and every owner: fetched once all the same.
    assert len({e.accession for e in kept}) == len(kept)
    assert len(kept) < sum(e.form_type in ("3", "4", "5", "4/A", "3/A", "5/A") for e in entries)


def test_an_index_without_rows_is_empty_not_an_error():
    assert parse_index((INDEXES / "edge" / "edgartools__empty-form.idx").read_bytes()) == ([], 0)


def test_unreadable_rows_are_counted_and_skipped():
    text = (INDEXES / "daily" / "master.20181231.idx").read_bytes() + b"\ngarbage line\n1|X|4|notadate|edgar/data/1/a.txt\n"
    entries, unreadable = parse_index(text)
    assert (len(entries), unreadable) == (10, 2)


@pytest.mark.parametrize("day, quarter", [(date(2024, 1, 1), (2024, 1)), (date(2024, 6, 30), (2024, 2)),
                                          (date(2024, 7, 1), (2024, 3)), (date(2024, 12, 31), (2024, 4))])
def test_quarters(day, quarter):
    assert quarter_of(day) == quarter
    first, last = quarter_bounds(*quarter)
    assert first <= day <= last and quarter_of(first) == quarter_of(last) == quarter


def test_index_paths_follow_edgars_layout():
    assert full_index_path(2024, 3) == "Archives/edgar/full-index/2024/QTR3/master.idx"
    assert daily_index_path(date(2024, 7, 5)) == "Archives/edgar/daily-index/2024/QTR3/master.20240705.idx"
