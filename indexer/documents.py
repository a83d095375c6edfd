"""Filing document -> transaction rows carrying the filing's context and the derived facts the
analytics need. Pure. Rules are documented in docs/analytics.md and docs/derived-facts.md."""
from __future__ import annotations

import zlib

from indexer import derive
from mappings.transactions import OWNER_PARTITIONS

# Per-share prices outside [0, 100,000) are typos, per-ADS or aggregate prices: the row is kept
# (and searchable) but its value is left out of every sum (price_suspect = true).
PRICE_UPPER_BOUND = 100_000.0
# A share count of a trillion or more is a typo (no company has issued that many): the row is kept
# with its shares, but adds to no share or value sum (price_suspect = true). It also keeps the
# integer sums (thousandths of a share, cents) inside the engines' 64-bit integers.
SHARES_UPPER_BOUND = 1e12
# Extension field of a filing document rebuilt from an SEC data set (its name): such a copy lacks
# what only the XML has (docs/edgar.md), so a parsed copy of the same filing replaces it.
DATA_SET = "dataSet"


def from_data_set(filing: dict) -> bool:
    return DATA_SET in filing

TABLES = (("nonDerivativeTable", "nonDerivative", "N"), ("derivativeTable", "derivative", "D"))


def _footnote_ids(node, out: set[str]) -> set[str]:
    """Every footnote id referenced anywhere inside one transaction line."""
    for key, value in node.items():
        if isinstance(value, dict):
            _footnote_ids(value, out)
        elif key.endswith("FootnoteId") or key == "footnoteId":
            out.update(value)
    return out


def link_key(filing: dict) -> str | None:
    """Joins an amendment to its original: same issuer, same owners, same base form, and the
    original's filing date (the amendment's dateOfOriginalSubmission)."""
    doc_type = filing.get("documentType", "")
    if doc_type.endswith("/A"):
        day = filing.get("dateOfOriginalSubmission")
    else:
        day = (filing.get("filedAt") or "")[:10] or None
    if not day:
        return None
    owners = ",".join(sorted(o.get("cik", "") for o in filing.get("reportingOwners", ())))
    return f"{filing['issuer']['cik']}|{owners}|{doc_type.removesuffix('/A')}|{day}"


def _relationship(owners: list[dict], remarks: str | None) -> dict:
    """A joint filing's rows carry the union of its owners' relationships and the most senior
    officer role among them (derive.ROLES is ordered most senior first)."""
    rels = [o.get("relationship") or {} for o in owners]
    roles = [derive.owner_role(r, remarks) for r in rels]
    ranked = sorted(((derive.ROLES.index(role), i) for i, role in enumerate(roles) if role))
    lead = ranked[0][1] if ranked else None
    role = roles[lead] if lead is not None else None
    title = rels[lead].get("officerTitle") if lead is not None else None
    return {
        "is_director": any(r.get("isDirector") for r in rels),
        "is_officer": any(r.get("isOfficer") for r in rels),
        "is_ten_percent_owner": any(r.get("isTenPercentOwner") for r in rels),
        "is_other": any(r.get("isOther") for r in rels),
        "officer_title": title,
        "role": role,
        "is_csuite": derive.is_csuite_role(role),
    }


def _money(shares, price):
    if shares is not None and abs(shares) >= SHARES_UPPER_BOUND:
        return None, True
    if shares is None or price is None:
        return None, False
    if price < 0 or price >= PRICE_UPPER_BOUND:
        return None, True
    return shares * price, False


def _shares_milli(shares) -> int | None:
    return round(shares * 1000) if shares is not None and abs(shares) < SHARES_UPPER_BOUND else None


def transaction_rows(filing: dict) -> list[dict]:
    owners = filing.get("reportingOwners") or [filing["reportingOwner"]]
    owner_key, owner_name = derive.canonical_owner(filing)
    classification = filing.get("classification") or {}
    issuer = filing["issuer"]
    context = {
        "accession_no": filing["accessionNo"],
        "filed_at": filing.get("filedAt"),
        "document_type": filing["documentType"],
        "is_amendment": filing["documentType"].endswith("/A"),
        "link_key": link_key(filing),
        "superseded": False,
        "period_of_report": filing.get("periodOfReport"),
        "issuer_cik": issuer["cik"],
        "issuer_name": issuer.get("name"),
        "ticker": derive.normalize_ticker(issuer.get("tradingSymbol")),
        "sic": classification.get("sic"),
        "sector": classification.get("sector"),
        "industry": classification.get("industry"),
        "owner_key": owner_key,
        "owner_name": owner_name,
        "owner_partition": zlib.crc32(owner_key.encode()) % OWNER_PARTITIONS,
        "owner_ciks": [o["cik"] for o in owners if o.get("cik")],
        "owner_names": [o["name"] for o in owners if o.get("name")],
        **_relationship(owners, filing.get("remarks")),
    }
    cashless = derive.cashless_lines(filing)
    rows = []
    for table_key, table, letter in TABLES:
        for line, tx in enumerate((filing.get(table_key) or {}).get("transactions", ())):
            amounts = tx.get("amounts") or {}
            shares = amounts.get("shares")
            price = amounts.get("pricePerShare")
            value, suspect = _money(shares, price)
            underlying = tx.get("underlyingSecurity") or {}
            row = {
                "id": f"{filing['accessionNo']}:{letter}:{line}",
                **context,
                "table": table,
                "line": line,
                "security_title": tx.get("securityTitle"),
                "transaction_date": tx.get("transactionDate"),
                "code": (tx.get("coding") or {}).get("code"),
                "side": amounts.get("acquiredDisposedCode"),
                "shares": shares,
                "price": price,
                "value": value,
                "shares_milli": _shares_milli(shares),
                "value_cents": round(value * 100) if value is not None else None,
                "price_suspect": suspect,
                "shares_owned_after": (tx.get("postTransactionAmounts") or {}).get("sharesOwnedFollowingTransaction"),
                "direct_indirect": (tx.get("ownershipNature") or {}).get("directOrIndirectOwnership"),
                "is_10b5_1": derive.row_is_10b5_1(filing, _footnote_ids(tx, set())),
                "is_cashless": (table, line) in cashless,
                "equity_swap": (tx.get("coding") or {}).get("equitySwapInvolved"),
                "underlying_title": underlying.get("title"),
                "underlying_shares": underlying.get("shares"),
                "exercise_price": tx.get("conversionOrExercisePrice"),
            }
            rows.append({k: v for k, v in row.items() if v is not None})
    return rows
