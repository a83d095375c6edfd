"""Issuer sector and industry, for the by-sector aggregations.

A user override (by CIK or ticker, from INSIDER_SECTOR_OVERRIDES) wins; otherwise the issuer's SEC
SIC code is looked up in the shipped table indexer/data/sic_sectors.csv, whose construction is
described in docs/derived-facts.md. Both lookups are dict hits: this runs for every filing.
"""
from __future__ import annotations

import csv
from pathlib import Path

from indexer.derive import normalize_ticker
from insider.errors import ConfigurationError

SECTORS = (
    "Technology",
    "Healthcare",
    "Financial Services",
    "Energy",
    "Industrials",
    "Consumer Cyclical",
    "Consumer Defensive",
    "Basic Materials",
    "Real Estate",
    "Communication Services",
    "Utilities",
)

SIC_TABLE = Path(__file__).parent / "data" / "sic_sectors.csv"
_OVERRIDE_HEADER = ["key", "sector", "industry"]

Classification = tuple[str | None, str | None]
Overrides = dict[str, tuple[str, str | None]]


def _load_sic_table() -> dict[str, tuple[str, str]]:
    with SIC_TABLE.open(encoding="utf-8", newline="") as f:
        return {row["sic"]: (row["sector"], row["industry"]) for row in csv.DictReader(f)}


_BY_SIC = _load_sic_table()


def _override_key(key: str) -> str | None:
    """A CIK without leading zeros, or a normalised ticker."""
    if key.isdigit():
        return key.lstrip("0") or None
    return normalize_ticker(key)


def _override_row(cells: list[str]) -> tuple[str, tuple[str, str | None]]:
    if len(cells) != 3:
        raise ValueError(f"expected 3 columns (key,sector,industry), found {len(cells)}")
    key, sector, industry = cells
    normalised = _override_key(key)
    if normalised is None:
        raise ValueError(f"{key!r} is neither a ticker nor a CIK")
    if sector not in SECTORS:
        raise ValueError(f"unknown sector {sector!r}; use one of: {', '.join(SECTORS)}")
    return normalised, (sector, industry or None)


def load_overrides(path: str | Path) -> Overrides:
    """Read a `key,sector,industry` CSV (key: ticker or CIK; industry may be blank; a header row,
    blank lines and lines starting with '#' are allowed). A bad row raises ConfigurationError
    naming the file and line."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        raise ConfigurationError(f"sector overrides file {path}: {exc.strerror}", path=str(path)) from exc
    overrides: Overrides = {}
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and [c.lower() for c in cells] == _OVERRIDE_HEADER:
            continue
        try:
            key, value = _override_row(cells)
            if key in overrides:
                raise ValueError(f"{cells[0]!r} is overridden twice")
        except ValueError as exc:
            raise ConfigurationError(f"{path}, line {number}: {exc}", path=str(path), line=number) from None
        overrides[key] = value
    return overrides


def classify(
    sic: str | None,
    ticker: str | None = None,
    cik: str | None = None,
    overrides: Overrides | None = None,
) -> Classification:
    """(sector, industry) of an issuer; (None, None) when it cannot be classified.

    Overrides are tried by CIK first (it never changes hands), then by ticker."""
    if overrides:
        hit = (cik and overrides.get(cik.lstrip("0"))) or (ticker and overrides.get(normalize_ticker(ticker) or ""))
        if hit:
            return hit
    if not sic:
        return None, None
    found = _BY_SIC.get(sic) or _BY_SIC.get(sic.strip().lstrip("0"))
    return found if found else (None, None)
