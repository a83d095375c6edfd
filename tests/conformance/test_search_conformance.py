"""Every search case runs on BOTH engines over the real corpus and must give the same answer:
the same total and the same documents in the same order, and the same bytes served. For the cases in EXPECTED the answer is
also derived independently of either engine, from the parsed filings with plain Python."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import orjson
import pytest

from indexer.pipeline import prepare
from search.filings import SearchParams, search_filings

pytestmark = pytest.mark.opensearch


# --- an engine-independent reading of the filings ------------------------------------------

def values(node, path: str) -> list:
    """All values at a dotted path, through lists (ANY-element semantics)."""
    if isinstance(node, list):
        return [v for item in node for v in values(item, path)]
    if not path:
        return [] if node is None or isinstance(node, dict) else [node]
    if not isinstance(node, dict):
        return []
    head, _, rest = path.partition(".")
    return values(node.get(head), rest)


def owners(doc, leaf: str) -> list:
    return values(doc.get("reportingOwners"), leaf)


def words(text) -> list[str]:
    return re.findall(r"[^\W_]+", str(text).lower())


def has_phrase(texts, phrase: str) -> bool:
    want = words(phrase)
    for text in texts:
        w = words(text)
        if any(w[i:i + len(want)] == want for i in range(len(w) - len(want) + 1)):
            return True
    return False


def utc_day(iso: str | None) -> str | None:
    return datetime.fromisoformat(iso).astimezone(timezone.utc).strftime("%Y-%m-%d") if iso else None


def code_in(table: str, code: str):
    return lambda d: code in values(d, f"{table}.transactions.coding.code")


def sym(*symbols: str):
    return lambda d: d["issuer"].get("tradingSymbol") in symbols


def nums(d, path):
    return [float(v) for v in values(d, path)]


EXPECTED = [
    ("issuer.tradingSymbol:TSLA", sym("TSLA")),
    ("issuer.tradingSymbol:AAPL", sym("AAPL")),
    ("issuer.tradingSymbol:GOOG", sym("GOOG")),
    ("issuer.tradingSymbol:SNOW", sym("SNOW")),
    ("issuer.tradingSymbol:tsla", sym("tsla")),
    ("issuer.cik:320193", lambda d: d["issuer"]["cik"] == "320193"),
    ("documentType:3", lambda d: d["documentType"] == "3"),
    ("documentType:5", lambda d: d["documentType"] == "5"),
    ('documentType:"4/A"', lambda d: d["documentType"] == "4/A"),
    ("nonDerivativeTable.transactions.coding.code:P", code_in("nonDerivativeTable", "P")),
    ("nonDerivativeTable.transactions.coding.code:G", code_in("nonDerivativeTable", "G")),
    ("derivativeTable.transactions.coding.code:X", code_in("derivativeTable", "X")),
    ("nonDerivativeTable.transactions.coding.code:S AND issuer.tradingSymbol:AAPL",
     lambda d: code_in("nonDerivativeTable", "S")(d) and sym("AAPL")(d)),
    ("reportingOwner.relationship.isDirector:true AND issuer.tradingSymbol:INTC",
     lambda d: True in owners(d, "relationship.isDirector") and sym("INTC")(d)),
    ("reportingOwner.relationship.isTenPercentOwner:True", lambda d: True in owners(d, "relationship.isTenPercentOwner")),
    ("notSubjectToSection16:true", lambda d: d.get("notSubjectToSection16") is True),
    # every filing has the box, a Form 3 (which has none in its XML) included
    ("notSubjectToSection16:false AND documentType:3", lambda d: d["documentType"] == "3"),
    ("aff10b5One:true", lambda d: d.get("aff10b5One") is True),
    ("aff10b5One:false", lambda d: d.get("aff10b5One") is False),
    ("periodOfReport:[2021-01-01 TO 2021-06-30]", lambda d: "2021-01-01" <= (d.get("periodOfReport") or "") <= "2021-06-30"),
    ("filedAt:[2020-03-01 TO 2020-03-31]", lambda d: "2020-03-01" <= (utc_day(d["filedAt"]) or "") <= "2020-03-31"),
    ("filedAt:>=2025-01-01", lambda d: (utc_day(d["filedAt"]) or "") >= "2025-01-01"),
    ("filedAt:<2011-01-01", lambda d: d["filedAt"] is not None and utc_day(d["filedAt"]) < "2011-01-01"),
    # dates beyond what tantivy stores (1677-2262) and the last day Python writes, as open ends
    ("filedAt:[1600-01-01 TO 2011-01-01}", lambda d: d["filedAt"] is not None and utc_day(d["filedAt"]) < "2011-01-01"),
    ("periodOfReport:[2025-01-01 TO 9999-12-31]", lambda d: (d.get("periodOfReport") or "") >= "2025-01-01"),
    ("filedAt:0001-01-01 OR periodOfReport:2999-01-01 OR issuer.tradingSymbol:TSLA", sym("TSLA")),
    ("nonDerivativeTable.transactions.amounts.shares:>100000",
     lambda d: any(v > 100000 for v in nums(d, "nonDerivativeTable.transactions.amounts.shares"))),
    ("nonDerivativeTable.transactions.amounts.pricePerShare:[100 TO 200]",
     lambda d: any(100 <= v <= 200 for v in nums(d, "nonDerivativeTable.transactions.amounts.pricePerShare"))),
    ("nonDerivativeTable.transactions.amounts.pricePerShare:{0 TO 1}",
     lambda d: any(0 < v < 1 for v in nums(d, "nonDerivativeTable.transactions.amounts.pricePerShare"))),
    ("reportingOwner.cik:1494730", lambda d: "1494730" in owners(d, "cik")),
    ("reportingOwner.name:musk", lambda d: any("musk" in words(n) for n in owners(d, "name"))),
    ('issuer.name:"Alphabet Inc"', lambda d: has_phrase(values(d, "issuer.name"), "Alphabet Inc")),
    ("footnotes.text:10b5-1", lambda d: has_phrase(values(d, "footnotes.text"), "10b5 1")),
    ('footnotes.text:"weighted average"', lambda d: has_phrase(values(d, "footnotes.text"), "weighted average")),
    ('footnotes.text:"weighted average price"',
     lambda d: has_phrase(values(d, "footnotes.text"), "weighted average price")),
    ("remarks:*", lambda d: bool(d.get("remarks"))),
    ("_exists_:derivativeTable", lambda d: bool(d.get("derivativeTable"))),
    ("NOT _exists_:nonDerivativeTable", lambda d: not d.get("nonDerivativeTable")),
    ("issuer.tradingSymbol:TS*", lambda d: (d["issuer"].get("tradingSymbol") or "").startswith("TS")),
    ("issuer.tradingSymbol:?OOG", lambda d: re.fullmatch(r".OOG", d["issuer"].get("tradingSymbol") or "") is not None),
    ("classification.sector:Healthcare", lambda d: (d.get("classification") or {}).get("sector") == "Healthcare"),
    ("classification.sic:3571", lambda d: (d.get("classification") or {}).get("sic") == "3571"),
    ("schemaVersion:X0508", lambda d: d.get("schemaVersion") == "X0508"),
    ("reportingOwner.address.state:CA AND documentType:3",
     lambda d: "CA" in owners(d, "address.state") and d["documentType"] == "3"),
    ("issuer.tradingSymbol:(TSLA OR SNOW OR MSFT)", sym("TSLA", "SNOW", "MSFT")),
    ("issuer.tradingSymbol:AAPL AND NOT nonDerivativeTable.transactions.coding.code:S",
     lambda d: sym("AAPL")(d) and not code_in("nonDerivativeTable", "S")(d)),
    # Lucene's classic parser: `a OR b AND c` is `a +b +c`
    ("documentType:5 OR documentType:3 AND issuer.tradingSymbol:GOOG",
     lambda d: d["documentType"] == "3" and sym("GOOG")(d)),
    ('reportingOwner.relationship.officerTitle:"General Counsel"',
     lambda d: has_phrase(owners(d, "relationship.officerTitle"), "General Counsel")),
    ("derivativeTable.transactions.underlyingSecurity.shares:[50000 TO *]",
     lambda d: any(v >= 50000 for v in nums(d, "derivativeTable.transactions.underlyingSecurity.shares"))),
    ("nonDerivativeTable.transactions.amounts.pricePerShareFootnoteId:F1",
     lambda d: "F1" in values(d, "nonDerivativeTable.transactions.amounts.pricePerShareFootnoteId")),
]


@pytest.fixture(scope="module")
def corpus_filings(corpus):
    filings = {}
    for source in corpus:
        result = prepare(source.name, source.data, 50_000_000, {})
        if result[0] == "ok":
            filings.setdefault(result[1]["accessionNo"], result[1])
    return list(filings.values())


def newest_first(filings: list[dict]) -> list[str]:
    """filedAt descending with missing last, then accession number ascending."""
    with_date = sorted((f for f in filings if f["filedAt"]), key=lambda f: f["accessionNo"])
    with_date.sort(key=lambda f: datetime.fromisoformat(f["filedAt"]), reverse=True)
    without = sorted((f for f in filings if not f["filedAt"]), key=lambda f: f["accessionNo"])
    return [f["accessionNo"] for f in with_date + without]


def run(engine, query, sort=None, offset=0, size=50):
    return search_filings(engine, SearchParams.from_raw(query, offset, size, sort))


@pytest.mark.parametrize("query, predicate", EXPECTED, ids=[q for q, _ in EXPECTED])
def test_both_engines_find_exactly_the_filings_the_xml_says(loaded_tantivy, loaded_opensearch, corpus_filings, query, predicate):
    expected = newest_first([f for f in corpus_filings if predicate(f)])
    assert expected or query == "issuer.tradingSymbol:tsla", f"{query} selects nothing in the corpus"
    for engine in (loaded_tantivy, loaded_opensearch):
        result = run(engine, query)
        assert result["total"] == {"value": len(expected), "relation": "eq"}, engine.name
        assert [t["accessionNo"] for t in result["transactions"]] == expected[:50], engine.name


AGREEMENT = [
    # terms, keyword exactness, default fields
    "TSLA", "tesla", "intel", '"Alphabet Inc."', "Brin", "0000899243-22-035394", "accessionNo:0000899243-22-035394",
    "issuer.tradingSymbol:INTC", "issuer.tradingSymbol:intc", "issuer.name:intel", "issuer.name:INTEL",
    "issuer.name:(apple OR tesla)", "reportingOwner.name:(pichai OR page)", "reportingOwner.name:\"Pichai Sundar\"",
    "reportingOwners.name:brin", "reportingOwner.cik:1093207", "reportingOwners.cik:(1093207 OR 1494730)",
    "issuer.cik:1652044", "issuer.cik:(1288776 1652044)", "id:e55576b1ce47259b36a1a68cef2366f9",
    # booleans written both ways
    "reportingOwner.relationship.isOfficer:True", "reportingOwner.relationship.isOfficer:false",
    "reportingOwner.relationship.isOther:TRUE", "reportingOwner.relationship.isDirector:1",
    "nonDerivativeTable.transactions.coding.equitySwapInvolved:true", "notSubjectToSection16:False",
    # codes, tables, arrays of objects
    "nonDerivativeTable.transactions.coding.code:S", "nonDerivativeTable.transactions.coding.code:M",
    "nonDerivativeTable.transactions.coding.code:F", "nonDerivativeTable.transactions.coding.code:A",
    "derivativeTable.transactions.coding.code:M", "derivativeTable.transactions.coding.code:(A OR M)",
    "nonDerivativeTable.transactions.coding.code:A OR derivativeTable.transactions.coding.code:A",
    "nonDerivativeTable.transactions.amounts.acquiredDisposedCode:D",
    "nonDerivativeTable.transactions.ownershipNature.directOrIndirectOwnership:I",
    "nonDerivativeTable.holdings.ownershipNature.directOrIndirectOwnership:I",
    "derivativeTable.holdings.securityTitle:option", "nonDerivativeTable.transactions.securityTitle:\"Class A\"",
    "nonDerivativeTable.transactions.coding.formType:5", "nonDerivativeTable.transactions.timeliness:L",
    "nonDerivativeTable.transactions.coding.footnoteId:F1", "footnotes.id:F5",
    # ranges: numbers, dates, keywords, open and mixed ends, comparison forms
    "nonDerivativeTable.transactions.amounts.shares:[1000 TO 5000]",
    "nonDerivativeTable.transactions.amounts.shares:{1000 TO 5000}",
    "nonDerivativeTable.transactions.amounts.shares:[1000 TO 5000}",
    "nonDerivativeTable.transactions.amounts.shares:[* TO 10]",
    "nonDerivativeTable.transactions.amounts.shares:>=1000000", "nonDerivativeTable.transactions.amounts.shares:<1",
    "nonDerivativeTable.transactions.amounts.shares:<=1", "nonDerivativeTable.transactions.amounts.pricePerShare:0",
    "nonDerivativeTable.transactions.amounts.pricePerShare:>1000",
    "nonDerivativeTable.transactions.postTransactionAmounts.sharesOwnedFollowingTransaction:[0 TO 0]",
    "derivativeTable.transactions.conversionOrExercisePrice:[10 TO 50]",
    "derivativeTable.holdings.expirationDate:[2025-01-01 TO *]",
    "derivativeTable.transactions.exerciseDate:<2015-01-01",
    "nonDerivativeTable.transactions.transactionDate:[2020-01-01 TO 2020-12-31]",
    "nonDerivativeTable.transactions.transactionDate:2019-05-02", "periodOfReport:2020-02-14",
    "periodOfReport:{2018-01-01 TO 2018-02-01}", "periodOfReport:>2025-01-01", "periodOfReport:<=2006-12-31",
    "filedAt:2022-11-08", "filedAt:[2014-01-01 TO 2014-12-31]", "filedAt:{2014-01-01 TO 2014-12-31}",
    "filedAt:>2021-11-12", "filedAt:2021-11-12T23:32", '"2022-11-08T20:18:10-05:00"',
    'filedAt:"2022-11-09T01:18:10Z"', "filedAt:[* TO *]",
    # finer than a millisecond: cut to the millisecond, as OpenSearch does
    'filedAt:["2022-11-09T01:18:10.0001Z" TO *]', 'filedAt:[* TO "2022-11-09T01:18:10.0005Z"}',
    "derivativeTable.holdings.expirationDate:[2020-01-01 TO 2999-01-01]", "ownerSignatureNameDate:[2019-01-01 TO 2019-12-31]",
    "dateOfOriginalSubmission:*", "issuer.tradingSymbol:[A TO C}", "issuer.tradingSymbol:{GOOG TO INTC]",
    # one value between both bounds, on array fields (a filing with codes A and M is not in [B TO D])
    "derivativeTable.transactions.coding.code:[B TO D]", "derivativeTable.transactions.coding.code:{A TO M}",
    "reportingOwner.cik:[1100000 TO 1200000]",
    "remarks:[* TO *]", "issuer.tradingSymbol:*A*", "footnotes.text:[* TO *] AND documentType:5",
    "accessionNo:[0001127602-20-000000 TO 0001127602-20-999999]",
    # wildcards, regex, fuzzy, proximity, boosts
    "issuer.tradingSymbol:G*", "issuer.tradingSymbol:*L", "issuer.tradingSymbol:I?TC", "issuer.name:alpha*",
    "issuer.name:*soft", "reportingOwner.name:pich?i", "footnotes.text:weight*", "accessionNo:0001127602-21-*",
    "issuer.tradingSymbol:/GO+G/", "issuer.tradingSymbol:/[A-C].*/", "issuer.tradingSymbol:/(TSLA|SNOW)/",
    "reportingOwner.name:/pich.i/", "issuer.tradingSymbol:/.{2}/", "footnotes.text:/10b5.*/",
    "reportingOwner.name:pichay~1", "reportingOwner.name:pichay~", "issuer.name:intl~2", "issuer.name:appel~1",
    "issuer.tradingSymbol:TSLQ~1", 'footnotes.text:"weighted price"~2', 'remarks:"form filed"~5',
    'footnotes.text:"prices ranging"~0', "issuer.tradingSymbol:TSLA^2 OR issuer.tradingSymbol:AAPL",
    "(issuer.tradingSymbol:SNOW)^3", "issuer.name:tesla^0.5",
    # existence
    "derivativeTable:*", "nonDerivativeTable.holdings:*", "_exists_:footnotes", "_exists_:reportingOwner.relationship.officerTitle",
    "aff10b5One:*", "NOT aff10b5One:*", "_exists_:classification.sector", "NOT _exists_:classification.sector",
    "*", "*:*",
    # boolean logic exactly as Lucene's classic parser
    "issuer.tradingSymbol:AAPL AND documentType:4 OR documentType:5",
    "documentType:5 OR issuer.tradingSymbol:AAPL AND documentType:4",
    "issuer.tradingSymbol:AAPL documentType:5 AND aff10b5One:false",
    "issuer.tradingSymbol:GOOG OR NOT documentType:4", "NOT documentType:4 AND issuer.tradingSymbol:INTC",
    "-documentType:4 OR issuer.tradingSymbol:SNOW AND documentType:3", "NOT documentType:4", "-issuer.tradingSymbol:INTC",
    "+issuer.tradingSymbol:AAPL -nonDerivativeTable.transactions.coding.code:S",
    "+issuer.tradingSymbol:AAPL +documentType:4 reportingOwner.name:cook",
    "(issuer.tradingSymbol:AAPL OR issuer.tradingSymbol:TSLA) AND documentType:4",
    "issuer.tradingSymbol:AAPL OR (issuer.tradingSymbol:TSLA AND documentType:4)",
    "((issuer.tradingSymbol:GOOG AND documentType:3) OR (issuer.tradingSymbol:INTC AND documentType:5)) AND NOT aff10b5One:true",
    "issuer.tradingSymbol:(+GOOG) AND reportingOwner.name:(brin OR page) AND NOT derivativeTable:*",
    "issuer.tradingSymbol:(INTC -GOOG)", "issuer.tradingSymbol:INTC && documentType:5",
    "issuer.tradingSymbol:INTC || issuer.tradingSymbol:AAPL", "footnotes.text:10b5-1 AND NOT issuer.tradingSymbol:INTC",
    "footnotes.text:\"10b5-1\" AND filedAt:[2020-01-01 TO 2021-12-31]",
    "reportingOwner.relationship.isDirector:true AND reportingOwner.relationship.isOfficer:true",
    "nonDerivativeTable.transactions.coding.code:P AND nonDerivativeTable.transactions.amounts.pricePerShare:>10",
    "classification.sector:Technology AND NOT issuer.tradingSymbol:(INTC OR AAPL)",
    "classification.industry:Semiconductors", "classification.sector:\"Communication Services\"",
    "remarks:exhibit", "remarks:\"power of attorney\"", "ownerSignatureName:attorney",
    "reportingOwner.address.city:\"SANTA CLARA\"", "reportingOwner.address.zipCode:94043",
    "reportingOwner.relationship.otherText:*", "issuer.name:\"TESLA, INC.\"", "issuer.name:\"Tesla Inc\"",
]

SORTS = [
    [{"periodOfReport": {"order": "asc"}}],
    [{"periodOfReport": "desc"}, {"filedAt": {"order": "asc"}}],
    [{"issuer.tradingSymbol": {"order": "asc"}}, {"filedAt": {"order": "desc"}}],
    [{"documentType": "desc"}, {"periodOfReport": "asc"}],
    [{"classification.sector": "asc"}],
    [{"aff10b5One": "desc"}, {"accessionNo": "desc"}],
    [{"ownerSignatureNameDate": "asc"}, {"issuer.cik": "desc"}],
    ["schemaVersion"],
    [{"filedAt": "asc"}],
    [{"id": "asc"}],
]

SORTED = [(q, s) for q in ("*", "issuer.tradingSymbol:(AAPL OR GOOG)", "documentType:(3 OR 5)", "footnotes.text:10b5-1")
          for s in SORTS]
PAGES = [("issuer.tradingSymbol:INTC", offset, size) for offset, size in ((0, 50), (50, 50), (1000, 50), (1040, 50),
                                                                             (7, 13), (0, 0), (9990, 10))] + [
    ("*", 2000, 50), ("*", 2040, 50), ("nonDerivativeTable.transactions.coding.code:S", 300, 25)]

ALL_CASES = ([pytest.param(q, None, 0, 50, id=q) for q in AGREEMENT]
             + [pytest.param(q, s, 0, 50, id=f"{q} sort={s}") for q, s in SORTED]
             + [pytest.param(q, None, o, n, id=f"{q} from={o} size={n}") for q, o, n in PAGES])


@pytest.mark.parametrize("query, sort, offset, size", ALL_CASES)
def test_both_engines_give_the_same_answer(loaded_tantivy, loaded_opensearch, query, sort, offset, size):
    embedded = run(loaded_tantivy, query, sort, offset, size)
    opensearch = run(loaded_opensearch, query, sort, offset, size)
    assert embedded["total"] == opensearch["total"]
    assert [t["accessionNo"] for t in embedded["transactions"]] == [t["accessionNo"] for t in opensearch["transactions"]]
    assert embedded == opensearch
    # What the endpoint serves (the stored JSON passed through, see Engine.search's `raw`): the
    # same bytes from both engines, and the bytes of the decoded answer.
    served = [orjson.dumps(search_filings(engine, SearchParams.from_raw(query, offset, size, sort), raw=True))
              for engine in (loaded_tantivy, loaded_opensearch)]
    assert served[0] == served[1] == orjson.dumps(embedded)


def test_the_suite_is_as_large_as_promised():
    assert len(ALL_CASES) + len(EXPECTED) >= 150 and len(EXPECTED) >= 40
