"""Sector and industry classification: the by-sector heatmap groups issuers with these."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from indexer.sectors import SECTORS, SIC_TABLE, classify, load_overrides
from insider.errors import ConfigurationError
from tests.required import missing

SEC_SIC_LIST = Path("/work/shared/corpus/raw/reference/sic/sec_sic_code_list.json")


def _table_rows() -> list[dict]:
    with SIC_TABLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_row_of_the_shipped_table_classifies_to_a_known_sector():
    rows = _table_rows()
    assert len(rows) == len({r["sic"] for r in rows}) == 444
    for row in rows:
        sector, industry = classify(row["sic"])
        assert sector in SECTORS and industry, row


def test_an_industry_never_straddles_two_sectors():
    sectors_of: dict[str, set[str]] = {}
    for row in _table_rows():
        sectors_of.setdefault(row["industry"], set()).add(row["sector"])
    assert {i: s for i, s in sectors_of.items() if len(s) > 1} == {}


def test_every_sector_has_issuers():
    assert {r["sector"] for r in _table_rows()} == set(SECTORS)


def test_table_covers_exactly_the_sec_sic_code_list():
    if not SEC_SIC_LIST.exists():
        missing(f"the SEC SIC list (shared corpus) is not mounted at {SEC_SIC_LIST}")
    sec = {c["code"]: c["industry_title"] for c in json.loads(SEC_SIC_LIST.read_text())["sic_codes"]}
    assert {r["sic"]: r["sec_industry_title"] for r in _table_rows()} == sec


@pytest.mark.parametrize("sic,sector,industry", [
    ("3711", "Consumer Cyclical", "Auto Manufacturers"),
    ("2834", "Healthcare", "Drug Manufacturers—Specialty & Generic"),
    ("2836", "Healthcare", "Biotechnology"),
    ("7372", "Technology", "Software—Application"),
    ("3674", "Technology", "Semiconductors"),
    ("6022", "Financial Services", "Banks—Regional"),
    ("1311", "Energy", "Oil & Gas E&P"),
    ("6798", "Real Estate", "REIT—Diversified"),
    ("4911", "Utilities", "Utilities—Regulated Electric"),
    ("4813", "Communication Services", "Telecom Services"),
    ("5961", "Consumer Cyclical", "Internet Retail"),
    ("2080", "Consumer Defensive", "Beverages—Non-Alcoholic"),
    ("1040", "Basic Materials", "Gold"),
    ("3720", "Industrials", "Aerospace & Defense"),
])
def test_well_known_sic_codes(sic, sector, industry):
    assert classify(sic) == (sector, industry)


@pytest.mark.parametrize("sic", [None, "", "9999", "abc"])
def test_unknown_or_missing_sic_is_unclassified(sic):
    assert classify(sic) == (None, None)


def test_zero_padded_sic_is_found():
    assert classify("0100") == classify("100") == ("Consumer Defensive", "Farm Products")


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_by_ticker_or_cik_wins_over_the_sic_table(tmp_path):
    overrides = load_overrides(_write(tmp_path, (
        "key,sector,industry\n"
        "# Apple files under 3571 (computers); clients expect consumer electronics\n"
        "aapl,Technology,Consumer Electronics\n"
        "0001652044,Communication Services,Internet Content & Information\n"
        "\n"
        "BRK.B,Financial Services,\n"
    )))
    assert classify("3571", ticker="AAPL") == ("Technology", "Computer Hardware")
    assert classify("3571", ticker="AAPL", overrides=overrides) == ("Technology", "Consumer Electronics")
    assert classify("7370", ticker="GOOGL", cik="1652044", overrides=overrides) == (
        "Communication Services", "Internet Content & Information")
    assert classify("6331", ticker="brk/b", overrides=overrides) == ("Financial Services", None)
    assert classify("3711", ticker="TSLA", cik="1318605", overrides=overrides) == (
        "Consumer Cyclical", "Auto Manufacturers")


def test_cik_override_beats_ticker_override(tmp_path):
    overrides = load_overrides(_write(tmp_path, "XYZ,Energy,Oil & Gas E&P\n42,Utilities,Utilities—Renewable\n"))
    assert classify("1311", ticker="XYZ", cik="42", overrides=overrides) == ("Utilities", "Utilities—Renewable")


@pytest.mark.parametrize("text,line,message", [
    ("key,sector,industry\nAAPL,Technology\n", 2, "expected 3 columns"),
    ("AAPL,Tech,Hardware\n", 1, "unknown sector 'Tech'"),
    ("AAPL,Technology,Hardware\n\nN/A,Technology,Hardware\n", 3, "neither a ticker nor a CIK"),
    ("AAPL,Technology,Hardware\naapl,Technology,Software\n", 2, "overridden twice"),
])
def test_bad_override_rows_are_rejected_naming_the_line(tmp_path, text, line, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigurationError) as caught:
        load_overrides(path)
    assert f"line {line}" in caught.value.message and message in caught.value.message
    assert str(path) in caught.value.message and caught.value.details["line"] == line


def test_missing_override_file_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="overrides.csv"):
        load_overrides(tmp_path / "overrides.csv")
