"""SEC "Insider Transactions Data Sets" (quarterly ZIP of TSVs) -> filing documents shaped
exactly like the ones indexer/ownership.py builds from the XML, for a fast backfill of years.

The eight tables join on ACCESSION_NUMBER: SUBMISSION (one row per filing), REPORTINGOWNER,
NONDERIV_TRANS, NONDERIV_HOLDING, DERIV_TRANS, DERIV_HOLDING, FOOTNOTES, OWNER_SIGNATURE.
A value column `X` may have a sibling `X_FN` holding footnote ids ("F1" or "F1,F2"). What the
data sets do not carry (and so the documents lack) is listed in docs/edgar.md.

`read_dataset` is the I/O; `build_documents` is pure."""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from indexer.documents import DATA_SET
from indexer.edgar.indexes import OWNERSHIP_FORMS
from insider.errors import BadRequest

NEW_YORK = ZoneInfo("America/New_York")
TABLES = ("SUBMISSION", "REPORTINGOWNER", "NONDERIV_TRANS", "NONDERIV_HOLDING", "DERIV_TRANS",
          "DERIV_HOLDING", "FOOTNOTES", "OWNER_SIGNATURE")
# Values that can carry footnotes are grouped by the table row they describe, as in the XML.
_ROW_KEYS = {"NONDERIV_TRANS": "NONDERIV_TRANS_SK", "NONDERIV_HOLDING": "NONDERIV_HOLDING_SK",
             "DERIV_TRANS": "DERIV_TRANS_SK", "DERIV_HOLDING": "DERIV_HOLDING_SK"}
_FOOTNOTE_IDS = re.compile(r"F\d+", re.I)


@dataclass
class DataSet:
    name: str
    rows: dict[str, dict[str, list[dict]]]  # table -> accession number -> rows (non-empty cells)
    missing: list[str]                      # tables absent from the ZIP or folder


def read_dataset(path: Path) -> DataSet:
    """Every table of a data set ZIP or folder. A missing table reads as empty: the SEC's own
    archives are complete, but copies in the wild are often trimmed of the big tables."""
    rows, missing = {}, []
    if not path.exists():
        raise BadRequest(f"{path}: no such file or folder")
    if path.is_dir():
        files = {p.stem.upper(): p for p in path.iterdir() if p.suffix.lower() == ".tsv"}
        for table in TABLES:
            if table in files:
                with files[table].open(encoding="utf-8", errors="replace", newline="") as text:
                    rows[table] = _group(text)
            else:
                missing.append(table)
    elif not zipfile.is_zipfile(path):
        raise BadRequest(f"{path}: neither a ZIP file nor a folder of .tsv files")
    else:
        with zipfile.ZipFile(path) as archive:
            members = {Path(n).stem.upper(): n for n in archive.namelist() if n.lower().endswith(".tsv")}
            for table in TABLES:
                if table in members:
                    with archive.open(members[table]) as raw:
                        rows[table] = _group(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))
                else:
                    missing.append(table)
    for table in missing:
        rows[table] = {}
    return DataSet(path.name, rows, missing)


def _group(text) -> dict[str, list[dict]]:
    # The files are tab-separated with no quoting: a quote is an ordinary character.
    reader = csv.reader(text, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [name.strip().upper() for name in next(reader, [])]
    grouped: dict[str, list[dict]] = defaultdict(list)
    for cells in reader:
        row = {name: cell.strip() for name, cell in zip(header, cells) if cell.strip()}
        if "ACCESSION_NUMBER" in row:
            grouped[row["ACCESSION_NUMBER"]].append(row)
    return grouped


def build_documents(dataset: DataSet) -> Iterator[tuple[str, dict | None, str | None]]:
    """(accession number, document, None) or (accession number, None, reason rejected) for
    each SUBMISSION row, with the rules of the XML parser: Forms 3/4/5 only, an issuer CIK and
    at least one reporting owner required."""
    for accession, (submission, *_) in dataset.rows["SUBMISSION"].items():
        owners = [_owner(row) for row in dataset.rows["REPORTINGOWNER"].get(accession, [])]
        reason = None
        if submission.get("DOCUMENT_TYPE") not in OWNERSHIP_FORMS:
            reason = f"documentType {submission.get('DOCUMENT_TYPE')!r} is not a Form 3, 4 or 5"
        elif not submission.get("ISSUERCIK"):
            reason = "no issuer CIK"
        elif not owners:
            reason = "no reporting owner" + (" (REPORTINGOWNER.tsv missing)" if "REPORTINGOWNER" in dataset.missing else "")
        if reason:
            yield accession, None, reason
        else:
            yield accession, _document(accession, submission, owners, dataset.rows, dataset.name), None


def _document(accession: str, sub: dict, owners: list[dict], rows: dict, data_set: str) -> dict:
    doc: dict = {"id": hashlib.md5(accession.encode()).hexdigest(), "accessionNo": accession,
                 "filedAt": _midnight(sub.get("FILING_DATE")), "documentType": sub["DOCUMENT_TYPE"]}
    _put(doc, "periodOfReport", _date(sub.get("PERIOD_OF_REPORT")))
    _put(doc, "dateOfOriginalSubmission", _date(sub.get("DATE_OF_ORIG_SUB")))
    # Always present, false when blank, as for parsed XML (docs/filings.md).
    doc["notSubjectToSection16"] = bool(_bool(sub.get("NOT_SUBJECT_SEC16")))
    _put(doc, "aff10b5One", _bool(sub.get("AFF10B5ONE")))  # a column of newer data sets only
    doc["issuer"] = {k: v for k, v in (("cik", _cik(sub["ISSUERCIK"])), ("name", sub.get("ISSUERNAME")),
                                       ("tradingSymbol", sub.get("ISSUERTRADINGSYMBOL"))) if v}
    doc["reportingOwner"] = owners[0]
    doc["reportingOwners"] = owners
    for key, transactions, holdings in (("nonDerivativeTable", "NONDERIV_TRANS", "NONDERIV_HOLDING"),
                                        ("derivativeTable", "DERIV_TRANS", "DERIV_HOLDING")):
        table = {}
        for part, name in (("transactions", transactions), ("holdings", holdings)):
            lines = sorted(rows[name].get(accession, []), key=lambda r: int(r.get(_ROW_KEYS[name], 0)))
            if lines:
                table[part] = [_table_row(line) for line in lines]
        if table:
            doc[key] = table
    notes = sorted(rows["FOOTNOTES"].get(accession, []), key=lambda r: _footnote_order(r["FOOTNOTE_ID"]))
    if notes:
        doc["footnotes"] = [{"id": n["FOOTNOTE_ID"], "text": " ".join(n.get("FOOTNOTE_TXT", "").split())} for n in notes]
    _put(doc, "remarks", sub.get("REMARKS"))
    signatures = rows["OWNER_SIGNATURE"].get(accession)
    if signatures:
        doc["ownerSignatureName"] = signatures[0].get("OWNERSIGNATURENAME")
        doc["ownerSignatureNameDate"] = _date(signatures[0].get("OWNERSIGNATUREDATE"))
    doc[DATA_SET] = data_set
    return doc


_RELATIONSHIPS = {"DIRECTOR": "isDirector", "OFFICER": "isOfficer", "TENPERCENTOWNER": "isTenPercentOwner",
                  "OTHER": "isOther"}
_ADDRESS = (("RPTOWNER_STREET1", "street1"), ("RPTOWNER_STREET2", "street2"), ("RPTOWNER_CITY", "city"),
            ("RPTOWNER_STATE", "state"), ("RPTOWNER_ZIPCODE", "zipCode"), ("RPTOWNER_STATE_DESC", "stateDescription"))


def _owner(row: dict) -> dict:
    # RPTOWNER_RELATIONSHIP lists the boxes ticked, e.g. "Director,TenPercentOwner".
    ticked = {part.strip().upper().replace(" ", "") for part in row.get("RPTOWNER_RELATIONSHIP", "").split(",")}
    relationship = {flag: name in ticked for name, flag in _RELATIONSHIPS.items()}
    _put(relationship, "officerTitle", row.get("RPTOWNER_TITLE"))
    _put(relationship, "otherText", row.get("RPTOWNER_TXT"))
    owner = {"cik": _cik(row.get("RPTOWNERCIK", "")), "name": row.get("RPTOWNERNAME")}
    address = {key: row[column] for column, key in _ADDRESS if column in row}
    if address:
        owner["address"] = address
    owner["relationship"] = relationship
    return {k: v for k, v in owner.items() if v is not None}


# column -> (object the value goes in, key, converter); the XML's nesting of a table row.
_ROW_COLUMNS = {
    "SECURITY_TITLE": (None, "securityTitle", "str"),
    "CONV_EXERCISE_PRICE": (None, "conversionOrExercisePrice", "num"),
    "TRANS_DATE": (None, "transactionDate", "date"),
    "DEEMED_EXECUTION_DATE": (None, "deemedExecutionDate", "date"),
    "TRANS_FORM_TYPE": ("coding", "formType", "str"),
    "TRANS_CODE": ("coding", "code", "str"),
    "EQUITY_SWAP_INVOLVED": ("coding", "equitySwapInvolved", "bool"),
    "TRANS_TIMELINESS": (None, "timeliness", "str"),
    "TRANS_SHARES": ("amounts", "shares", "num"),
    "TRANS_PRICEPERSHARE": ("amounts", "pricePerShare", "num"),
    "TRANS_ACQUIRED_DISP_CD": ("amounts", "acquiredDisposedCode", "str"),
    "EXERCISE_DATE": (None, "exerciseDate", "date"),
    "EXCERCISE_DATE": (None, "exerciseDate", "date"),  # DERIV_TRANS spells it so
    "EXPIRATION_DATE": (None, "expirationDate", "date"),
    "UNDLYNG_SEC_TITLE": ("underlyingSecurity", "title", "str"),
    "UNDLYNG_SEC_SHARES": ("underlyingSecurity", "shares", "num"),
    "UNDLYNG_SEC_VALUE": ("underlyingSecurity", "value", "num"),
    "SHRS_OWND_FOLWNG_TRANS": ("postTransactionAmounts", "sharesOwnedFollowingTransaction", "num"),
    "VALU_OWND_FOLWNG_TRANS": ("postTransactionAmounts", "valueOwnedFollowingTransaction", "num"),
    "DIRECT_INDIRECT_OWNERSHIP": ("ownershipNature", "directOrIndirectOwnership", "str"),
    "NATURE_OF_OWNERSHIP": ("ownershipNature", "natureOfOwnership", "str"),
}
# In the XML the coding fields are bare text and the footnotes of <transactionCoding> are
# the object's own `footnoteId` list: these columns feed that list.
_CODING_FOOTNOTES = ("TRANS_FORM_TYPE_FN", "EQUITY_SWAP_INVOLVED_FN", "EQUITY_SWAP_TRANS_CD_FN", "TRANS_CODE_FN")


def _table_row(line: dict) -> dict:
    row: dict = {}
    for column, (parent, key, kind) in _ROW_COLUMNS.items():
        raw = line.get(column)
        footnotes = [] if parent == "coding" else _FOOTNOTE_IDS.findall(line.get(column + "_FN", ""))
        if raw is None and not footnotes:
            continue
        target = row.setdefault(parent, {}) if parent else row
        value = _CONVERT[kind](raw) if raw is not None else None
        if value is not None or footnotes:
            target[key] = value
        if footnotes:
            target[key + "FootnoteId"] = footnotes
    coding_notes = [f for column in _CODING_FOOTNOTES for f in _FOOTNOTE_IDS.findall(line.get(column, ""))]
    if coding_notes:
        row.setdefault("coding", {})["footnoteId"] = list(dict.fromkeys(coding_notes))
    return row


def _num(text: str):
    try:
        value = float(text)
    except ValueError:
        return None
    # The data sets print every number with a decimal point ("800000.0"); the XML mostly
    # does not, and its parser keeps integers as integers.
    return int(value) if value.is_integer() else value


def _bool(text: str | None):
    if text is None:
        return None
    return {"1": True, "true": True, "0": False, "false": False}.get(text.lower())


def _date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d-%b-%Y").date().isoformat()
    except ValueError:
        return None


def _midnight(text: str | None) -> str | None:
    # The data sets give the filing date only, not the acceptance time: the document says
    # midnight in New York, as the XML parser does for input without an SEC header.
    day = _date(text)
    return datetime.fromisoformat(day).replace(tzinfo=NEW_YORK).isoformat() if day else None


def _cik(text: str) -> str | None:
    return text.lstrip("0") or ("0" if text else None)


def _footnote_order(footnote_id: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", footnote_id)
    return (int(digits) if digits else 0, footnote_id)


def _put(target: dict, key: str, value) -> None:
    if value is not None:
        target[key] = value


_CONVERT = {"str": lambda text: text, "num": _num, "bool": _bool, "date": _date}
