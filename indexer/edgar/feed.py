"""EDGAR's "latest filings" Atom feed (`cgi-bin/browse-edgar?action=getcurrent`). Pure.

Each filing appears once per CIK it names ("(Reporting)", "(Issuer)"), the `type` filter is
a prefix match (`type=4` also lists 424B2, 40-F...), and entries can repeat or move between
polls: callers key everything on the accession number."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from indexer.edgar.indexes import OWNERSHIP_FORMS
from insider.errors import EdgarError

ATOM = "{http://www.w3.org/2005/Atom}"
PAGE_SIZE = 100

_ACCESSION = re.compile(r"accession-number=(\d{10}-\d{2}-\d{6})")
_ARCHIVE_CIK = re.compile(r"/Archives/edgar/data/(\d+)/")
# The feed is SEC's own, but it is still untrusted bytes from the network.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class FeedEntry:
    accession: str
    form_type: str
    cik: str
    updated: datetime  # acceptance time, with EDGAR's New York offset

    @property
    def submission_path(self) -> str:
        """The complete submission `.txt`; it is served under every CIK the filing names."""
        return f"Archives/edgar/data/{self.cik}/{self.accession.replace('-', '')}/{self.accession}.txt"


def getcurrent_path(form_type: str, start: int = 0, count: int = PAGE_SIZE) -> str:
    # owner=include: `owner=exclude` would drop exactly the Forms 3/4/5 this feed is read for.
    return (
        f"cgi-bin/browse-edgar?action=getcurrent&type={form_type}&company=&dateb="
        f"&owner=include&start={start}&count={count}&output=atom"
    )


def parse_feed(data: bytes) -> list[FeedEntry]:
    """Every readable entry, in feed order; entries without an accession number, a CIK in
    the link or a timestamp are skipped (there is nothing to fetch for them)."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:  # an HTML error page answered 200, a body cut short
        raise EdgarError(f"EDGAR's current-filings feed is not Atom XML: {exc}") from None
    if root is None:
        raise EdgarError("EDGAR's current-filings feed is empty")
    entries = []
    for node in root.iter(f"{ATOM}entry"):
        entry = _entry(node)
        if entry is not None:
            entries.append(entry)
    return entries


def ownership_entries(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Forms 3/4/5 and amendments, first entry per accession number, in feed order."""
    seen: set[str] = set()
    kept = []
    for entry in entries:
        if entry.form_type in OWNERSHIP_FORMS and entry.accession not in seen:
            seen.add(entry.accession)
            kept.append(entry)
    return kept


def _entry(node) -> FeedEntry | None:
    accession = _ACCESSION.search(node.findtext(f"{ATOM}id") or "")
    link = node.find(f"{ATOM}link")
    cik = _ARCHIVE_CIK.search(link.get("href", "") if link is not None else "")
    category = node.find(f"{ATOM}category")
    updated = (node.findtext(f"{ATOM}updated") or "").strip()
    if not (accession and cik and category is not None and updated):
        return None
    try:
        stamp = datetime.fromisoformat(updated)
    except ValueError:
        return None
    return FeedEntry(accession.group(1), category.get("term", "").strip(), cik.group(1), stamp)
