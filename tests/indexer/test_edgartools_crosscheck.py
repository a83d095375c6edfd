"""Our transaction rows agree with edgartools' Form 3/4/5 parser on every genuine filing of the corpus
(`ownership_xml/`, `submissions_txt/`, `submissions_nc/`; the altered `nonconforming/` files and the
SEC's fictitious spec samples are not filings).

An independent reading of the same filings: edgartools (test-only dependency) parses the ownership
XML, and every transaction line of both tables is compared field by field with the row our pipeline
(`indexer.pipeline.prepare`) stores, as are each filing's issuer CIK, ticker as written, owner CIKs,
form and period (the row's normalised ticker is derive's business, tested in test_derive.py).
edgartools reads the XML the corpus builder cut from each submission
(`ownership_xml_extracted_from_txt/`), not what our `unwrap` extracts, so a wrong block picked from
a submission shows up too.

Every disagreement must be listed in KNOWN_DIFFERENCES with the reason ours is right; the tests fail
on any other disagreement and on any entry that no longer happens, so the table cannot rot.

edgartools looks every reporting owner up on sec.gov while parsing: `bench.edgartools_parse.
parse_offline` cuts that look-up off, and the worker processes refuse every socket connection, so a
look-up that slipped through would fail every filing at once instead of waiting on a timeout.
"""
from __future__ import annotations

import math
import os
import re
import socket
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bench.edgartools_parse import parse_offline
from indexer.pipeline import prepare
from tests.conftest import CORPUS, corpus_files

LIMIT = 50_000_000
CUT_XML = CORPUS / "ownership_xml_extracted_from_txt"
_ACCESSION = re.compile(r"\d{10}-\d{2}-\d{6}")
# edgartools appends a value's footnote ids to its text: "2021-09-30 [F1,F2]", or "[F1]" alone.
_FOOTNOTE_MARKS = re.compile(r"(?:^|\s)\[[^\[\]]*\]$")

# Our row key -> edgartools' transactions DataFrame column.
LINE_FIELDS = {
    "code": "Code",
    "transaction_date": "Date",
    "shares": "Shares",
    "price": "Price",
    "side": "AcquiredDisposed",
    "security_title": "Security",
    "shares_owned_after": "Remaining",
    "direct_indirect": "DirectIndirect",
    "exercise_price": "ExercisePrice",        # derivative lines only
    "underlying_title": "Underlying",         # derivative lines only
    "underlying_shares": "UnderlyingShares",  # derivative lines only
}
NUMERIC = {"shares", "price", "shares_owned_after", "exercise_price", "underlying_shares"}
FILING_FIELDS = ("issuer_cik", "ticker", "owner_ciks", "document_type", "period_of_report")

_TIMEZONE = ("the XML date carries a timezone offset (xs:date allows one); we store the calendar "
             "date, as sec-api does and docs/filings.md says; edgartools keeps the raw text")
_TIMESTAMP = "ownership_xml/ConnorVO__springloading_insider_trades/xml_timestamp.xml"
_TZ_SUFFIX = "ownership_xml/feiseli__edgar-pipeline/form4_tz_suffix_date.xml"

# (file under corpus/raw, where, field) -> why we differ from edgartools and why ours is right.
KNOWN_DIFFERENCES = {
    (_TIMESTAMP, "filing", "period_of_report"): _TIMEZONE,
    (_TIMESTAMP, "nonDerivative[0]", "transaction_date"): _TIMEZONE,
    (_TZ_SUFFIX, "filing", "period_of_report"): _TIMEZONE,
    (_TZ_SUFFIX, "nonDerivative[0]", "transaction_date"): _TIMEZONE,
    ("submissions_txt/cjavdev__sec_edgar/0001225259-06-000003__filing16.txt", "filing", "read"):
        "EDGAR's copy breaks a closing tag across two lines (`</fo` / `otnote>`), so the XML is not "
        "well-formed: we reject the filing with the line number, by design (docs/filings.md); "
        "edgartools parses in lxml recovery mode, which would accept any corruption, and keeps its "
        "3 lines",
}


class NetworkRefused(RuntimeError):
    """Not an OSError, so no HTTP client retries it: a leaked look-up fails at once."""


def _block_network() -> None:
    def refuse(*args, **kwargs):
        raise NetworkRefused("network access refused in the edgartools cross-check")

    socket.getaddrinfo = refuse
    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse


def _ours(path: Path) -> dict:
    result = prepare(str(path), path.read_bytes(), LIMIT, {})
    if result[0] == "rejected":
        return {"rejected": result[2]}
    _, filing, rows, _ = result
    return {
        "issuer_cik": filing["issuer"]["cik"],
        "ticker": filing["issuer"].get("tradingSymbol"),
        "owner_ciks": [owner.get("cik") for owner in filing["reportingOwners"]],
        "document_type": filing["documentType"],
        "period_of_report": filing.get("periodOfReport"),
        "lines": [(row["table"], {key: row.get(key) for key in LINE_FIELDS}) for row in rows],
    }


def _their_value(key: str, value):
    """edgartools' cell as plain Python, footnote marks and NaN removed. A numeric column keeps
    text when one of its cells does not parse, so numbers are read here, cell by cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return _their_value(key, value.item())
    if isinstance(value, str):
        value = _FOOTNOTE_MARKS.sub("", value).strip() or None
        if value is not None and key in NUMERIC:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def _their_xml(relative: str) -> bytes:
    if relative.startswith("ownership_xml/"):
        return (CORPUS / relative).read_bytes()
    return (CUT_XML / f"{_ACCESSION.search(Path(relative).name).group()}.xml").read_bytes()


def _theirs(xml: bytes) -> dict:
    try:
        ownership = parse_offline(xml)
    except Exception as exc:  # noqa: BLE001 - a failure is a disagreement to report, not a crash
        return {"rejected": f"{type(exc).__name__}: {exc}"}
    lines = []
    for table, transactions in (("nonDerivative", ownership.non_derivative_table.transactions),
                                ("derivative", ownership.derivative_table.transactions)):
        if not transactions.empty:
            for record in transactions.data.to_dict("records"):
                lines.append((table, {key: _their_value(key, record.get(column))
                                      for key, column in LINE_FIELDS.items()}))
    return {
        "issuer_cik": ownership.issuer.cik.lstrip("0"),
        "ticker": ownership.issuer.ticker or None,
        "owner_ciks": [(owner.cik or "").lstrip("0") or None for owner in ownership.reporting_owners.owners],
        "document_type": ownership.form or None,
        "period_of_report": ownership.reporting_period or None,
        "lines": lines,
    }


def _read_both(relative: str) -> tuple[str, dict, dict]:
    return relative, _ours(CORPUS / relative), _theirs(_their_xml(relative))


def _by_table(lines: list) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {"nonDerivative": [], "derivative": []}
    for table, values in lines:
        tables[table].append(values)
    return tables


def _compare(relative: str, ours: dict, theirs: dict) -> tuple[dict, int]:
    """-> ({(file, where, field): (ours, theirs)}, lines compared)."""
    if "rejected" in ours or "rejected" in theirs:
        summary = {side: d.get("rejected") or f"read, {len(d['lines'])} lines" for side, d in
                   (("ours", ours), ("theirs", theirs))}
        return {(relative, "filing", "read"): (summary["ours"], summary["theirs"])}, 0
    found = {(relative, "filing", f): (ours[f], theirs[f]) for f in FILING_FIELDS if ours[f] != theirs[f]}
    compared = 0
    their_tables = _by_table(theirs["lines"])
    for table, our_lines in _by_table(ours["lines"]).items():
        their_lines = their_tables[table]
        if len(our_lines) != len(their_lines):
            found[(relative, f"{table} lines", "count")] = (len(our_lines), len(their_lines))
            continue
        for line, (mine, other) in enumerate(zip(our_lines, their_lines)):
            differing = {f: (mine[f], other[f]) for f in LINE_FIELDS if mine[f] != other[f]}
            found.update({(relative, f"{table}[{line}]", f): pair for f, pair in differing.items()})
            compared += 1
    return found, compared


@pytest.fixture(scope="module")
def crosscheck():
    files = [str(p.relative_to(CORPUS)) for p in corpus_files()]
    assert files, f"no ownership documents under {CORPUS}"
    with ProcessPoolExecutor(os.cpu_count() or 1, initializer=_block_network) as pool:
        readings = list(pool.map(_read_both, files, chunksize=16))
    disagreements, compared = {}, 0
    for reading in readings:
        found, lines = _compare(*reading)
        disagreements.update(found)
        compared += lines
    return {"disagreements": disagreements, "lines": compared,
            "our_lines": sum(len(ours.get("lines", ())) for _, ours, _ in readings)}


def _unexplained(disagreements: dict, line_level: bool) -> list[str]:
    return [f"{file} {where} {field}: ours {values[0]!r}, edgartools {values[1]!r}"
            for (file, where, field), values in sorted(disagreements.items())
            if (file, where, field) not in KNOWN_DIFFERENCES and (where != "filing") == line_level]


def test_every_transaction_line_reads_as_edgartools_reads_it(crosscheck):
    unexplained = _unexplained(crosscheck["disagreements"], line_level=True)
    assert not unexplained, f"{len(unexplained)} unexplained differences from edgartools:\n" + "\n".join(unexplained[:50])


def test_every_filing_names_the_issuer_owners_form_and_period_edgartools_names(crosscheck):
    unexplained = _unexplained(crosscheck["disagreements"], line_level=False)
    assert not unexplained, f"{len(unexplained)} unexplained differences from edgartools:\n" + "\n".join(unexplained[:50])


def test_every_line_we_store_was_cross_checked(crosscheck):
    """Nothing is silently left out: the lines compared are all the lines our pipeline stores."""
    assert crosscheck["lines"] == crosscheck["our_lines"] > 0


def test_every_known_difference_from_edgartools_still_happens(crosscheck):
    stale = sorted(set(KNOWN_DIFFERENCES) - set(crosscheck["disagreements"]))
    assert not stale, "KNOWN_DIFFERENCES entries that no longer happen (remove them):\n" + "\n".join(map(str, stale))
