"""Small hand-written ownership documents for unit tests (real filings come from ../shared)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tx:
    code: str = "S"
    date: str = "2025-03-03"
    shares: str = "100"
    price: str | None = "10.50"
    side: str = "D"
    after: str = "1000"
    footnote: str | None = None


@dataclass
class Owner:
    cik: str = "0001000001"
    name: str = "Doe Jane"
    director: bool = False
    officer: bool = True
    title: str | None = "Chief Financial Officer"


def _value(tag: str, value: str | None, footnote: str | None = None) -> str:
    inner = f"<value>{value}</value>" if value is not None else ""
    if footnote:
        inner += f'<footnoteId id="{footnote}"/>'
    return f"<{tag}>{inner}</{tag}>"


def form4_xml(*, document_type: str = "4", issuer_cik: str = "0000999001", ticker: str = "ACME",
              owners: list[Owner] | None = None, transactions: list[Tx] | None = None,
              holdings: int = 0, original_date: str | None = None, footnotes: dict | None = None,
              aff10b5one: str | None = None, remarks: str | None = None) -> bytes:
    owners = owners or [Owner()]
    txs = transactions if transactions is not None else [Tx()]
    parts = ['<?xml version="1.0"?>', "<ownershipDocument>", "<schemaVersion>X0508</schemaVersion>",
             f"<documentType>{document_type}</documentType>", "<periodOfReport>2025-03-03</periodOfReport>"]
    if original_date:
        parts.append(f"<dateOfOriginalSubmission>{original_date}</dateOfOriginalSubmission>")
    parts.append(f"<issuer><issuerCik>{issuer_cik}</issuerCik><issuerName>Acme Corp</issuerName>"
                 f"<issuerTradingSymbol>{ticker}</issuerTradingSymbol></issuer>")
    for o in owners:
        title = f"<officerTitle>{o.title}</officerTitle>" if o.title else ""
        parts.append(
            f"<reportingOwner><reportingOwnerId><rptOwnerCik>{o.cik}</rptOwnerCik><rptOwnerName>{o.name}"
            f"</rptOwnerName></reportingOwnerId><reportingOwnerRelationship><isDirector>{int(o.director)}"
            f"</isDirector><isOfficer>{int(o.officer)}</isOfficer>{title}</reportingOwnerRelationship></reportingOwner>")
    if aff10b5one is not None:
        parts.append(f"<aff10b5One>{aff10b5one}</aff10b5One>")
    rows = []
    for t in txs:
        rows.append(
            "<nonDerivativeTransaction>" + _value("securityTitle", "Common Stock") + _value("transactionDate", t.date)
            + f"<transactionCoding><transactionFormType>4</transactionFormType><transactionCode>{t.code}</transactionCode>"
            "<equitySwapInvolved>0</equitySwapInvolved></transactionCoding><transactionAmounts>"
            + _value("transactionShares", t.shares) + _value("transactionPricePerShare", t.price, t.footnote)
            + _value("transactionAcquiredDisposedCode", t.side) + "</transactionAmounts><postTransactionAmounts>"
            + _value("sharesOwnedFollowingTransaction", t.after) + "</postTransactionAmounts><ownershipNature>"
            + _value("directOrIndirectOwnership", "D") + "</ownershipNature></nonDerivativeTransaction>")
    for _ in range(holdings):
        rows.append("<nonDerivativeHolding>" + _value("securityTitle", "Common Stock") + "<postTransactionAmounts>"
                    + _value("sharesOwnedFollowingTransaction", "500") + "</postTransactionAmounts><ownershipNature>"
                    + _value("directOrIndirectOwnership", "D") + "</ownershipNature></nonDerivativeHolding>")
    if rows:
        parts.append("<nonDerivativeTable>" + "".join(rows) + "</nonDerivativeTable>")
    if footnotes:
        parts.append("<footnotes>" + "".join(f'<footnote id="{k}">{v}</footnote>' for k, v in footnotes.items())
                     + "</footnotes>")
    if remarks:
        parts.append(f"<remarks>{remarks}</remarks>")
    parts.append("<ownerSignature><signatureName>/s/ Jane Doe</signatureName><signatureDate>2025-03-04"
                 "</signatureDate></ownerSignature></ownershipDocument>")
    return "\n".join(parts).encode()


def submission_txt(xml: bytes, accession: str, accepted: str = "20250304163000", sic: str = "3711") -> bytes:
    """A complete submission .txt around `xml`, as EDGAR serves it."""
    header = (
        f"<SEC-DOCUMENT>{accession}.txt : 20250304\n<SEC-HEADER>{accession}.hdr.sgml : 20250304\n"
        f"<ACCEPTANCE-DATETIME>{accepted}\nACCESSION NUMBER:\t\t{accession}\nCONFORMED SUBMISSION TYPE:\t4\n"
        "ISSUER:\n\n\tCOMPANY DATA:\n\t\tCOMPANY CONFORMED NAME:\t\t\tAcme Corp\n"
        f"\t\tSTANDARD INDUSTRIAL CLASSIFICATION:\tMOTOR VEHICLES & PASSENGER CAR BODIES [{sic}]\n"
        "</SEC-HEADER>\n<DOCUMENT>\n<TYPE>4\n<SEQUENCE>1\n<FILENAME>doc4.xml\n<TEXT>\n<XML>\n"
    )
    return header.encode() + xml + b"\n</XML>\n</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n"
