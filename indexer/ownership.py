"""Ownership XML (every schema version X0101-X0609) -> the sec-api filing document. Pure.

Rules (docs/filings.md has the user-facing version):
- Field names, nesting and types follow seeds/sec-api-insider-trading.txt; CIKs lose leading
  zeros; a value with footnotes gets a sibling `<name>FootnoteId` list; a value given only as a
  footnote is kept as null with its footnote ids; an absent value is omitted.
- Booleans accept 1/0/true/false (any case); dates drop a timezone suffix (2021-09-30-05:00);
  numbers tolerate thousands separators, `$` and trailing footnote markers such as `(1)`.
- `reportingOwners` lists every owner of a joint filing; `reportingOwner` is the first.
- DTDs and entities are refused before parsing (XXE and entity-expansion bombs); the parser
  never resolves entities nor touches the network. Not-well-formed XML is rejected, not guessed.
"""
from __future__ import annotations

import codecs
import hashlib
import re

from lxml import etree

from insider.errors import RejectedInput
from indexer.submission import OWNERSHIP_TYPES

# `collect_ids` stays at its default: set to False, lxml asks libxml2 to skip ID collection through
# a flag that also makes libxml2 load an external DTD subset whatever `load_dtd` says (seen with
# libxml2 2.14: a UTF-16 document naming a FIFO as its DTD hung the ingest).
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
    huge_tree=False, remove_comments=True, remove_pis=True, remove_blank_text=True,
)
_FORBIDDEN = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_FORBIDDEN_TEXT = re.compile(r"<!(DOCTYPE|ENTITY)", re.I)
# Encodings the byte check above cannot read, told by their byte order mark or by how `<` looks
# (UTF-32 first: its little-endian mark begins with UTF-16's).
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)
_REFUSED = "XML declares a DTD or entities; refused (XXE / entity-expansion protection)"
_EBCDIC_DECLARATION = b"\x4c\x6f\xa7\x94"  # "<?xm", as libxml2 recognises EBCDIC
_NUMBER_NOISE = re.compile(r"[,$\s]|\(\w{1,3}\)$|\[\w{1,3}\]$|\*+$")


def _declares_dtd(xml: bytes) -> bool:
    """A DTD or entity declaration, looked for BEFORE libxml2 reads anything: in the bytes of an
    ASCII-compatible document, in the decoded text of a UTF-16 or UTF-32 one."""
    if _FORBIDDEN.search(xml):
        return True
    for start, codec in _WIDE:
        if xml.startswith(start):
            return bool(_FORBIDDEN_TEXT.search(xml.decode(codec, "replace")))
    return False


# --- scalar converters: text -> JSON value (None when unusable) ------------------------------

def _str(text: str) -> str:
    return text


def _num(text: str):
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        cleaned = _NUMBER_NOISE.sub("", text)
        try:
            value = float(cleaned)
        except ValueError:
            return None
        if cleaned.isdigit():
            return int(cleaned)
    # `+ 0.0`: "-0.00" is zero, not a negative zero that would sort and compare apart from 0.0
    return value + 0.0 if value == value and value not in (float("inf"), float("-inf")) else None


_TRUE = {"1", "true", "y", "yes"}
_FALSE = {"0", "false", "n", "no"}


def _bool(text: str):
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _date(text: str):
    return text[:10] if len(text) >= 10 and text[4] == "-" and text[7] == "-" else None


def _cik(text: str):
    stripped = text.lstrip("0")
    return stripped or ("0" if text else None)


# --- element readers -------------------------------------------------------------------------
# Tags are plain local names: parse_xml strips namespaces once, and comments/PIs are dropped by
# the parser, so the hot loops below can use `el.tag` directly.

def _text(el) -> str | None:
    text = el.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def _put_plain(target: dict, key: str, el, convert) -> None:
    raw = _text(el)
    if raw is not None:
        value = convert(raw)
        if value is not None:
            target[key] = value


VALUE, PLAIN, OBJECT = 0, 1, 2

# A layout maps an XML child name to (json key, converter or sub-layout, kind). VALUE elements
# wrap `<value>` and `<footnoteId>` children (older schemas may hold bare text); PLAIN elements
# are bare text; OBJECT elements nest another layout.
_CODING = {
    "transactionFormType": ("formType", _str, PLAIN),
    "transactionCode": ("code", _str, PLAIN),
    "equitySwapInvolved": ("equitySwapInvolved", _bool, PLAIN),
}
_AMOUNTS = {
    "transactionShares": ("shares", _num, VALUE),
    "transactionPricePerShare": ("pricePerShare", _num, VALUE),
    "transactionAcquiredDisposedCode": ("acquiredDisposedCode", _str, VALUE),
}
_POST = {
    "sharesOwnedFollowingTransaction": ("sharesOwnedFollowingTransaction", _num, VALUE),
    "valueOwnedFollowingTransaction": ("valueOwnedFollowingTransaction", _num, VALUE),
}
_NATURE = {
    "directOrIndirectOwnership": ("directOrIndirectOwnership", _str, VALUE),
    "natureOfOwnership": ("natureOfOwnership", _str, VALUE),
}
_UNDERLYING = {
    "underlyingSecurityTitle": ("title", _str, VALUE),
    "underlyingSecurityShares": ("shares", _num, VALUE),
    "underlyingSecurityValue": ("value", _num, VALUE),
}
_ROW = {
    "securityTitle": ("securityTitle", _str, VALUE),
    "conversionOrExercisePrice": ("conversionOrExercisePrice", _num, VALUE),
    "transactionDate": ("transactionDate", _date, VALUE),
    "deemedExecutionDate": ("deemedExecutionDate", _date, VALUE),
    "transactionCoding": ("coding", _CODING, OBJECT),
    "transactionTimeliness": ("timeliness", _str, VALUE),
    "transactionAmounts": ("amounts", _AMOUNTS, OBJECT),
    "exerciseDate": ("exerciseDate", _date, VALUE),
    "expirationDate": ("expirationDate", _date, VALUE),
    "underlyingSecurity": ("underlyingSecurity", _UNDERLYING, OBJECT),
    "postTransactionAmounts": ("postTransactionAmounts", _POST, OBJECT),
    "ownershipNature": ("ownershipNature", _NATURE, OBJECT),
}


def _read_object(el, layout: dict) -> dict:
    out: dict = {}
    footnotes = None
    for child in el:
        tag = child.tag
        spec = layout.get(tag)
        if spec is None:
            if tag == "footnoteId":
                fid = child.get("id")
                if fid:
                    (footnotes := footnotes or []).append(fid.strip())
            continue
        key, how, kind = spec
        if kind == OBJECT:
            sub = _read_object(child, how)
            if sub:
                out[key] = sub
        elif kind == PLAIN:
            _put_plain(out, key, child, how)
        else:
            raw = None
            ids = None
            if len(child):
                for part in child:
                    ptag = part.tag
                    if ptag == "value":
                        raw = _text(part)
                    elif ptag == "footnoteId":
                        fid = part.get("id")
                        if fid:
                            (ids := ids or []).append(fid.strip())
            else:
                raw = _text(child)
            value = how(raw) if raw is not None else None
            if value is not None or ids:
                out[key] = value
            if ids:
                out[key + "FootnoteId"] = ids
    if footnotes:
        out["footnoteId"] = footnotes
    return out


def _read_table(el) -> dict:
    transactions, holdings = [], []
    for child in el:
        tag = child.tag
        if tag.endswith("Transaction"):
            transactions.append(_read_object(child, _ROW))
        elif tag.endswith("Holding"):
            holdings.append(_read_object(child, _ROW))
    table = {}
    if transactions:
        table["transactions"] = transactions
    if holdings:
        table["holdings"] = holdings
    return table


_ADDRESS = {
    "rptOwnerStreet1": "street1", "rptOwnerStreet2": "street2", "rptOwnerCity": "city",
    "rptOwnerState": "state", "rptOwnerZipCode": "zipCode", "rptOwnerStateDescription": "stateDescription",
}
_RELATIONSHIP = {
    "isDirector": ("isDirector", _bool), "isOfficer": ("isOfficer", _bool),
    "officerTitle": ("officerTitle", _str), "isTenPercentOwner": ("isTenPercentOwner", _bool),
    "isOther": ("isOther", _bool), "otherText": ("otherText", _str),
}


def _read_owner(el) -> dict:
    owner: dict = {}
    for part in el:
        tag = part.tag
        if tag == "reportingOwnerId":
            for c in part:
                t = c.tag
                if t == "rptOwnerCik":
                    _put_plain(owner, "cik", c, _cik)
                elif t == "rptOwnerName":
                    _put_plain(owner, "name", c, _str)
        elif tag == "reportingOwnerAddress":
            address = {}
            for c in part:
                key = _ADDRESS.get(c.tag)
                if key:
                    _put_plain(address, key, c, _str)
            if address:
                owner["address"] = address
        elif tag == "reportingOwnerRelationship":
            # sec-api: each flag is "True if ..., False otherwise", so an omitted flag is false
            relationship = {"isDirector": False, "isOfficer": False, "isTenPercentOwner": False, "isOther": False}
            for c in part:
                spec = _RELATIONSHIP.get(c.tag)
                if spec:
                    _put_plain(relationship, spec[0], c, spec[1])
            owner["relationship"] = relationship
    return owner


def _footnotes(el) -> list[dict]:
    out = []
    for f in el:
        if f.tag == "footnote":
            text = " ".join("".join(f.itertext()).split())
            out.append({"id": (f.get("id") or "").strip(), "text": text})
    return out


def _strip_namespaces(root) -> None:
    for el in root.iter():
        el.tag = etree.QName(el).localname


def parse_xml(xml: bytes):
    if _declares_dtd(xml):
        raise RejectedInput(_REFUSED)
    if xml.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_EBCDIC_DECLARATION):
        # neither check above can read EBCDIC, so libxml2 (which would) does not get to
        raise RejectedInput("not XML in a supported encoding (UTF-8, UTF-16, UTF-32 or an ASCII-compatible one)")
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RejectedInput(f"not well-formed XML: {exc}") from None
    if root is None:
        raise RejectedInput("XML has no root element")
    # Any encoding the checks above did not read: the parser's own record of a document type
    # declaration catches it (with load_dtd off, nothing was resolved or fetched).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise RejectedInput(_REFUSED)
    if root.tag.startswith("{"):
        _strip_namespaces(root)
    if root.tag != "ownershipDocument":
        name = root.tag
        raise RejectedInput(f"XML is not an ownership document (root element <{name}>)")
    return root


def build_filing(root, accession_no: str, filed_at: str | None) -> dict:
    """The sec-api document of one ownership XML tree (without classification, added later)."""
    doc: dict = {"id": hashlib.md5(accession_no.encode()).hexdigest(), "accessionNo": accession_no,
                 "filedAt": filed_at}
    owners: list[dict] = []
    issuer: dict = {}
    signatures: list[tuple[str | None, str | None]] = []
    for el in root:
        tag = el.tag
        if tag in ("schemaVersion", "documentType", "remarks"):
            _put_plain(doc, tag, el, _str)
        elif tag in ("periodOfReport", "dateOfOriginalSubmission"):
            _put_plain(doc, tag, el, _date)
        elif tag in ("notSubjectToSection16", "aff10b5One"):
            _put_plain(doc, tag, el, _bool)
        elif tag == "issuer":
            for c in el:
                t = c.tag
                if t == "issuerCik":
                    _put_plain(issuer, "cik", c, _cik)
                elif t == "issuerName":
                    _put_plain(issuer, "name", c, _str)
                elif t == "issuerTradingSymbol":
                    _put_plain(issuer, "tradingSymbol", c, _str)
        elif tag == "reportingOwner":
            owners.append(_read_owner(el))
        elif tag in ("nonDerivativeTable", "derivativeTable"):
            table = _read_table(el)
            if table:
                doc[tag] = table
        elif tag == "footnotes":
            notes = _footnotes(el)
            if notes:
                doc["footnotes"] = notes
        elif tag == "ownerSignature":
            name = date = None
            for c in el:
                t = c.tag
                if t == "signatureName":
                    name = _text(c)
                elif t == "signatureDate":
                    raw = _text(c)
                    date = _date(raw) if raw else None
            signatures.append((name, date))
    document_type = doc.get("documentType")
    if document_type not in OWNERSHIP_TYPES:
        raise RejectedInput(f"documentType {document_type!r} is not a Form 3, 4 or 5")
    if not issuer.get("cik"):
        raise RejectedInput("ownership document has no issuer CIK")
    if not owners or not owners[0].get("cik"):
        raise RejectedInput("ownership document has no reporting owner")
    # An unchecked box, or a form without it (Form 3 has none): false, as sec-api writes it.
    if doc.get("notSubjectToSection16") is None:
        doc["notSubjectToSection16"] = False
    doc["issuer"] = issuer
    doc["reportingOwner"] = owners[0]
    doc["reportingOwners"] = owners
    if signatures:
        doc["ownerSignatureName"] = signatures[0][0]
        doc["ownerSignatureNameDate"] = signatures[0][1]
    return _ordered(doc)


_ORDER = (
    "id", "accessionNo", "filedAt", "schemaVersion", "documentType", "periodOfReport",
    "dateOfOriginalSubmission", "notSubjectToSection16", "aff10b5One", "issuer", "reportingOwner",
    "reportingOwners", "nonDerivativeTable", "derivativeTable", "footnotes", "remarks",
    "ownerSignatureName", "ownerSignatureNameDate",
)


def _ordered(doc: dict) -> dict:
    return {k: doc[k] for k in _ORDER if k in doc}
