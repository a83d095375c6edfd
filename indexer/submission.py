"""Unwrap what EDGAR ships around an ownership document: gzip, the PEM envelope of 2006-2010
submissions, the complete submission `.txt` with its `<SEC-HEADER>`, the dissemination `.nc`
format, or nothing at all (bare XML). Pure: bytes in, `Envelope` out."""
from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from insider.errors import RejectedInput

NEW_YORK = ZoneInfo("America/New_York")
OWNERSHIP_TYPES = {"3", "3/A", "4", "4/A", "5", "5/A"}

_ACCESSION = re.compile(rb"(\d{10})-(\d{2})-(\d{6})")
_ACCESSION_IN_NAME = re.compile(r"(?<!\d)(\d{10})-?(\d{2})-?(\d{6})(?!\d)")
_SIC = re.compile(rb"\[(\d{3,4})\]")
_ISSUER_BLOCK = re.compile(rb"^[ \t]*ISSUER:", re.M)
_PARTY_BLOCK = re.compile(rb"^[ \t]*(?:REPORTING-OWNER|ISSUER|FILER|SUBJECT-COMPANY|FILED-BY):[ \t]*\r?$", re.M)


@dataclass(frozen=True)
class Envelope:
    xml: bytes
    accession_no: str | None      # from the header, else from the file name, else None
    filed_at: str | None          # ISO-8601 with the New York offset
    sic: str | None
    submission_type: str | None
    format: str                   # "txt" | "nc" | "xml"


def decompress(data: bytes, limit: int) -> bytes:
    """Gunzip when gzip magic is present, refusing to inflate past `limit` bytes (zip bombs)."""
    if data[:2] != b"\x1f\x8b":
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise RejectedInput(f"corrupt gzip data: {exc}") from exc
    if len(out) > limit:
        raise RejectedInput(f"decompresses to more than {limit} bytes")
    return out


def accession_from_name(name: str) -> str | None:
    """EDGAR paths and file names usually carry the accession number (dashed or 18 digits)."""
    matches = _ACCESSION_IN_NAME.findall(name)
    if not matches:
        return None
    a, b, c = matches[-1]
    return f"{a}-{b}-{c}"


def pseudo_accession(xml: bytes) -> str:
    """A stable key for bare XML with no accession number anywhere: same bytes, same key."""
    return "X" + hashlib.sha1(xml).hexdigest()[:19]


def _acceptance_to_iso(stamp: bytes) -> str | None:
    text = stamp.decode("ascii", "replace").strip()
    try:
        naive = datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=NEW_YORK).isoformat()


def _date_to_iso(stamp: bytes) -> str | None:
    try:
        naive = datetime.strptime(stamp.decode("ascii", "replace").strip()[:8], "%Y%m%d")
    except ValueError:
        return None
    return naive.replace(tzinfo=NEW_YORK).isoformat()


def _primary_xml(body: bytes) -> bytes | None:
    """The <XML> block of the first document whose <TYPE> is an ownership form (the primary
    document comes first; exhibits follow)."""
    start = 0
    while True:
        open_at = body.find(b"<XML>", start)
        if open_at < 0:
            return None
        close_at = body.find(b"</XML>", open_at)
        if close_at < 0:
            return None
        type_at = body.rfind(b"<TYPE>", 0, open_at)
        doc_type = re.split(rb"[<\r\n]", body[type_at + 6: type_at + 40], maxsplit=1)[0].strip() if type_at >= 0 else b""
        if type_at < 0 or doc_type.decode("ascii", "replace") in OWNERSHIP_TYPES:
            return body[open_at + 5: close_at].strip()
        start = close_at


def _issuer_block(header: bytes) -> bytes:
    """The ISSUER block of an SGML header: from its `ISSUER:` line to the next party block
    (`REPORTING-OWNER:`, `FILER:`, ...) or the end. Some headers are flattened to one
    indentation, so the block ends at a party's name, not at a change of indentation."""
    issuer = _ISSUER_BLOCK.search(header)
    if issuer is None:
        return b""
    following = _PARTY_BLOCK.search(header, issuer.end())
    return header[issuer.start(): following.start() if following else len(header)]


def _header_fields(header: bytes) -> dict[bytes, bytes]:
    """First value of each `NAME:\tvalue` line of an SGML header."""
    fields: dict[bytes, bytes] = {}
    for line in header.split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return fields


def _txt(data: bytes, name: str) -> Envelope:
    head_end = data.find(b"</SEC-HEADER>")
    header = data[:head_end] if head_end >= 0 else data[:20000]
    fields = _header_fields(header)
    acceptance = re.search(rb"<ACCEPTANCE-DATETIME>\s*(\d{14})", header)
    accession = fields.get(b"ACCESSION NUMBER")
    # Owners that are companies have a SIC line of their own, before or after the ISSUER block:
    # only the issuer's block counts (an issuer without a SIC line has no classification).
    issuer_fields = _header_fields(_issuer_block(header))
    sic = _SIC.search(issuer_fields.get(b"STANDARD INDUSTRIAL CLASSIFICATION", b""))
    xml = _primary_xml(data[head_end:] if head_end >= 0 else data)
    if xml is None:
        raise RejectedInput("submission holds no <XML> ownership document")
    stype = fields.get(b"CONFORMED SUBMISSION TYPE")
    return Envelope(
        xml=xml,
        accession_no=accession.decode().strip() if accession else accession_from_name(name),
        filed_at=_acceptance_to_iso(acceptance.group(1)) if acceptance else None,
        sic=sic.group(1).decode() if sic else None,
        submission_type=stype.decode().strip() if stype else None,
        format="txt",
    )


def _nc_tag(data: bytes, tag: bytes) -> bytes | None:
    m = re.search(rb"<" + tag + rb">([^<\r\n]*)", data)
    return m.group(1).strip() if m else None


def _nc(data: bytes, name: str) -> Envelope:
    issuer_at = data.find(b"<ISSUER>")
    issuer_end = data.find(b"</ISSUER>", issuer_at) if issuer_at >= 0 else -1
    issuer = data[issuer_at: issuer_end if issuer_end >= 0 else len(data)] if issuer_at >= 0 else b""
    sic = _nc_tag(issuer, b"ASSIGNED-SIC") if issuer else None
    accession = _nc_tag(data, b"ACCESSION-NUMBER")
    xml = _primary_xml(data)
    if xml is None:
        raise RejectedInput("submission holds no <XML> ownership document")
    filing_date = _nc_tag(data, b"FILING-DATE")
    stype = _nc_tag(data, b"TYPE")
    return Envelope(
        xml=xml,
        accession_no=accession.decode() if accession else accession_from_name(name),
        # .nc carries the filing date but no acceptance time: midnight New York (docs/filings.md)
        filed_at=_date_to_iso(filing_date) if filing_date else None,
        sic=sic.decode() if sic and sic.isdigit() else None,
        submission_type=stype.decode() if stype else None,
        format="nc",
    )


def unwrap(data: bytes, name: str, limit: int) -> Envelope:
    if len(data) > limit:
        raise RejectedInput(f"file is {len(data)} bytes, over the {limit}-byte limit")
    data = decompress(data, limit)
    start = data[:4096].lstrip()
    if b"<SEC-DOCUMENT>" in data[:4096] or b"<SEC-HEADER>" in data[:4096] or start.startswith(b"-----BEGIN PRIVACY-ENHANCED"):
        return _txt(data, name)
    if start.startswith(b"<SUBMISSION>"):
        return _nc(data, name)
    if start.startswith((b"<?xml", b"<ownershipDocument", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return Envelope(xml=data.strip(), accession_no=accession_from_name(name), filed_at=None, sic=None,
                        submission_type=None, format="xml")
    raise RejectedInput("not an ownership document: neither XML nor an EDGAR submission")
