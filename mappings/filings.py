"""The `filings` index: one document per Form 3/4/5 filing, the sec-api JSON.

Built from a nested description of the document so that every `...FootnoteId` list and every
array of objects is declared once.
"""
from __future__ import annotations

from mappings import Field, IndexSpec

FN = "fn"  # marks a value that may carry a `<name>FootnoteId` list


def _v(type_: str, footnoted: bool = True):
    return (type_, footnoted)


OWNER = {
    "cik": _v("keyword", False),
    "name": _v("text", False),
    "address": {
        "street1": _v("text", False), "street2": _v("text", False), "city": _v("keyword", False),
        "state": _v("keyword", False), "zipCode": _v("keyword", False),
        "stateDescription": _v("keyword", False),
    },
    "relationship": {
        "isDirector": _v("boolean", False), "isOfficer": _v("boolean", False),
        "officerTitle": _v("text", False), "isTenPercentOwner": _v("boolean", False),
        "isOther": _v("boolean", False), "otherText": _v("text", False),
    },
}
CODING = {
    "formType": _v("keyword", False), "code": _v("keyword", False),
    "equitySwapInvolved": _v("boolean", False), "footnoteId": _v("keyword", False),
}
POST = {"sharesOwnedFollowingTransaction": _v("double"), "valueOwnedFollowingTransaction": _v("double")}
NATURE = {"directOrIndirectOwnership": _v("keyword"), "natureOfOwnership": _v("text")}
UNDERLYING = {"title": _v("text"), "shares": _v("double"), "value": _v("double")}

NON_DERIVATIVE_TRANSACTION = {
    "securityTitle": _v("text"), "transactionDate": _v("date"), "deemedExecutionDate": _v("date"),
    "coding": CODING, "timeliness": _v("keyword"),
    "amounts": {"shares": _v("double"), "pricePerShare": _v("double"), "acquiredDisposedCode": _v("keyword")},
    "postTransactionAmounts": POST, "ownershipNature": NATURE,
}
NON_DERIVATIVE_HOLDING = {
    "securityTitle": _v("text"), "coding": {"formType": _v("keyword", False), "footnoteId": _v("keyword", False)},
    "postTransactionAmounts": POST, "ownershipNature": NATURE,
}
DERIVATIVE_TRANSACTION = {
    "securityTitle": _v("text"), "conversionOrExercisePrice": _v("double"),
    "transactionDate": _v("date"), "deemedExecutionDate": _v("date"), "coding": CODING,
    "timeliness": _v("keyword"),
    "amounts": {"shares": _v("double"), "pricePerShare": _v("double"), "acquiredDisposedCode": _v("keyword")},
    "exerciseDate": _v("date"), "expirationDate": _v("date"), "underlyingSecurity": UNDERLYING,
    "postTransactionAmounts": POST, "ownershipNature": NATURE,
}
DERIVATIVE_HOLDING = {
    "securityTitle": _v("text"), "conversionOrExercisePrice": _v("double"), "coding": CODING,
    "exerciseDate": _v("date"), "expirationDate": _v("date"), "underlyingSecurity": UNDERLYING,
    "postTransactionAmounts": POST, "ownershipNature": NATURE,
}

# Arrays of objects are written as a one-element list around the element description.
DOCUMENT = {
    "id": _v("keyword", False),
    "accessionNo": _v("keyword", False),
    "filedAt": _v("datetime", False),
    "schemaVersion": _v("keyword", False),
    "documentType": _v("keyword", False),
    "periodOfReport": _v("date", False),
    "dateOfOriginalSubmission": _v("date", False),
    "notSubjectToSection16": _v("boolean", False),
    "aff10b5One": _v("boolean", False),
    "issuer": {"cik": _v("keyword", False), "name": _v("text", False), "tradingSymbol": _v("keyword", False)},
    "classification": {"sic": _v("keyword", False), "sector": _v("keyword", False), "industry": _v("keyword", False)},
    "reportingOwner": OWNER,
    "nonDerivativeTable": {"transactions": [NON_DERIVATIVE_TRANSACTION], "holdings": [NON_DERIVATIVE_HOLDING]},
    "derivativeTable": {"transactions": [DERIVATIVE_TRANSACTION], "holdings": [DERIVATIVE_HOLDING]},
    "footnotes": [{"id": _v("keyword", False), "text": _v("text", False)}],
    "remarks": _v("text", False),
    "ownerSignatureName": _v("text", False),
    "ownerSignatureNameDate": _v("date", False),
}

# Long free text whose phrases are sped up by indexed word pairs (`Field.phrase_pairs`).
PHRASE_PAIR_FIELDS = {"footnotes.text", "remarks"}

# Bare terms (no field name) search these.
DEFAULT_FIELDS = {
    "issuer.name", "issuer.tradingSymbol", "reportingOwner.name", "footnotes.text", "remarks",
    "accessionNo",
}


def _walk(node, prefix: str, multi: bool):
    for key, spec in node.items():
        path = f"{prefix}{key}"
        if isinstance(spec, dict):
            yield from _walk(spec, path + ".", multi)
        elif isinstance(spec, list):
            yield from _walk(spec[0], path + ".", True)
        else:
            type_, footnoted = spec
            # footnoteId in coding is a list of ids; every owner of a joint filing is indexed
            # under reportingOwner.* (the document shows the first one; see docs/filings.md).
            is_multi = multi or key == "footnoteId" or path.startswith("reportingOwner.")
            source = "reportingOwners." + path[len("reportingOwner."):] if path.startswith("reportingOwner.") else None
            yield Field(path, type_, multi=is_multi, source=source, default_search=path in DEFAULT_FIELDS,
                        phrase_pairs=path in PHRASE_PAIR_FIELDS)
            if footnoted:
                yield Field(f"{path}FootnoteId", "keyword", multi=True)


FILINGS = IndexSpec(
    name="filings",
    fields=tuple(_walk(DOCUMENT, "", False)),
    key="accessionNo",
    aliases=tuple(
        (f.path.replace("reportingOwner.", "reportingOwners.", 1), f.path)
        for f in _walk({"reportingOwner": OWNER}, "", False)
    ),
)
