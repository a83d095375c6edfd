"""EDGAR's full-index and daily-index files: where they live and what they list. Pure.

Two layouts share one preamble (Description, Last Data Received, ... then a dashed rule):
`master.idx` is pipe-delimited `CIK|Company Name|Form Type|Date Filed|File Name`; `form.idx`
is fixed-width, sorted by form type. Quarterly files write dates `YYYY-MM-DD`, daily files
`YYYYMMDD`. A filing is listed once per CIK it names (issuer and each reporting owner)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

OWNERSHIP_FORMS = frozenset({"3", "3/A", "4", "4/A", "5", "5/A"})

_RULE = re.compile(r"^-{20,}\s*$")
_ACCESSION = re.compile(r"(\d{10}-\d{2}-\d{6})\.txt$")


@dataclass(frozen=True)
class IndexEntry:
    cik: str
    company: str
    form_type: str
    date_filed: date
    file_name: str  # relative to Archives/, e.g. edgar/data/1000228/0001209191-18-064398.txt

    @property
    def accession(self) -> str | None:
        match = _ACCESSION.search(self.file_name)
        return match.group(1) if match else None

    @property
    def path(self) -> str:
        return f"Archives/{self.file_name}"


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def full_index_path(year: int, quarter: int) -> str:
    return f"Archives/edgar/full-index/{year}/QTR{quarter}/master.idx"


def daily_index_path(day: date) -> str:
    year, quarter = quarter_of(day)
    return f"Archives/edgar/daily-index/{year}/QTR{quarter}/master.{day:%Y%m%d}.idx"


def parse_index(data: bytes) -> tuple[list[IndexEntry], int]:
    """Entries of a master.idx or form.idx, and the number of lines that could not be read.

    Latin-1 never fails to decode, and company names are the only non-ASCII text in these
    files; a line that does not fit the layout is counted, not fatal, so one bad row cannot
    stop a backfill."""
    lines = data.decode("latin-1").splitlines()
    rule = next((i for i, line in enumerate(lines) if _RULE.match(line)), None)
    if rule is None:
        return [], 0
    header = lines[rule - 1] if rule else ""
    rows = [line for line in lines[rule + 1:] if line.strip()]
    read = _master_row if "|" in header else _form_reader(header)
    entries, bad = [], 0
    for row in rows:
        entry = read(row)
        if entry is None:
            bad += 1
        else:
            entries.append(entry)
    return entries, bad


def ownership_filings(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Forms 3/4/5 and their amendments, one entry per accession number, in index order."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.form_type in OWNERSHIP_FORMS and entry.accession and entry.accession not in seen:
            seen.add(entry.accession)
            kept.append(entry)
    return kept


def _date(text: str) -> date | None:
    for layout in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text.strip(), layout).date()
        except ValueError:
            continue
    return None


def _master_row(row: str) -> IndexEntry | None:
    fields = row.split("|")
    if len(fields) != 5:
        return None
    cik, company, form_type, filed, file_name = (f.strip() for f in fields)
    day = _date(filed)
    if day is None or not cik.isdigit() or not file_name:
        return None
    return IndexEntry(cik, company, form_type, day, file_name)


def _form_reader(header: str):
    # Form types contain spaces ("SC 13D/A") and long company names overflow their column, so
    # the last three fields are taken from the right and only the form type by its column.
    name_column = header.find("Company Name")

    def read(row: str) -> IndexEntry | None:
        parts = row.rsplit(None, 3)
        if name_column <= 0 or len(parts) != 4:
            return None
        head, cik, filed, file_name = parts
        day = _date(filed)
        form_type, company = head[:name_column].strip(), head[name_column:].strip()
        if day is None or not cik.isdigit() or not form_type:
            return None
        return IndexEntry(cik, company, form_type, day, file_name)

    return read
