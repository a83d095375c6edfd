"""Each value read according to its field's type in the filings index, as a user writes it."""
from datetime import datetime, timezone

import pytest

from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.query.ast import (
    Bool, Boost, Exists, Fuzzy, MatchAll, MatchNone, Phrase, Range, Regex, Term, Wildcard,
)
from search.query.lucene import parse

SYMBOL = "issuer.tradingSymbol"          # keyword
NAME = "issuer.name"                     # text
REMARKS = "remarks"                      # text
FOOTNOTE = "footnotes.text"              # text
CODE = "nonDerivativeTable.transactions.coding.code"
SHARES = "nonDerivativeTable.transactions.amounts.shares"  # double
DIRECTOR = "reportingOwner.relationship.isDirector"       # boolean
PERIOD = "periodOfReport"                # date
FILED = "filedAt"                        # datetime


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def day(y, m, d):
    return Range(PERIOD, gte=utc(y, m, d), lt=utc(y, m, d + 1))


CASES = [
    # keyword: exact and case-sensitive, quoted or escaped when it holds special characters
    ("issuer.tradingSymbol:TSLA", Term(SYMBOL, "TSLA")),
    ("issuer.tradingSymbol:tsla", Term(SYMBOL, "tsla")),
    ('documentType:"4/A"', Term("documentType", "4/A")),
    ("documentType:4\\/A", Term("documentType", "4/A")),
    ("documentType:4/A", Term("documentType", "4/A")),
    ('issuer.tradingSymbol:"BRK B"', Term(SYMBOL, "BRK B")),
    ("accessionNo:0000921895-24-002825", Term("accessionNo", "0000921895-24-002825")),
    ("accessionNo:0000921895\\-24\\-002825", Term("accessionNo", "0000921895-24-002825")),
    ("issuer.tradingSymbol:\\u0041APL", Term(SYMBOL, "AAPL")),
    ("issuer.tradingSymbol:TO", Term(SYMBOL, "TO")),
    ("nonDerivativeTable.transactions.coding.code:S", Term(CODE, "S")),
    # every reporting owner of a joint filing is searchable under both spellings
    ("reportingOwner.cik:1494730", Term("reportingOwner.cik", "1494730")),
    ("reportingOwners.cik:1494730", Term("reportingOwner.cik", "1494730")),
    # text: analysed like the documents; several tokens make a phrase
    ("remarks:Tesla", Term(REMARKS, "tesla")),
    ("footnotes.text:10b5-1", Phrase(FOOTNOTE, ("10b5", "1"))),
    ('footnotes.text:"10b5-1"', Phrase(FOOTNOTE, ("10b5", "1"))),
    ('issuer.name:"Tesla, Inc."', Phrase(NAME, ("tesla", "inc"))),
    ('issuer.name:"Tesla"', Term(NAME, "tesla")),
    ('remarks:"--"', MatchNone()),
    ('remarks:"price ranged from"~3', Phrase(REMARKS, ("price", "ranged", "from"), 3)),
    ('remarks:"price ranged"~', Phrase(REMARKS, ("price", "ranged"), 0)),
    ('remarks:"price"~3', Term(REMARKS, "price")),
    ('issuer.tradingSymbol:"TSLA"~2', Term(SYMBOL, "TSLA")),
    # booleans in every spelling the published examples use
    ("reportingOwner.relationship.isDirector:true", Term(DIRECTOR, True)),
    ("reportingOwner.relationship.isDirector:True", Term(DIRECTOR, True)),
    ("reportingOwner.relationship.isDirector:TRUE", Term(DIRECTOR, True)),
    ("reportingOwner.relationship.isDirector:1", Term(DIRECTOR, True)),
    ("reportingOwner.relationship.isDirector:false", Term(DIRECTOR, False)),
    ("reportingOwner.relationship.isDirector:False", Term(DIRECTOR, False)),
    ("reportingOwner.relationship.isDirector:FALSE", Term(DIRECTOR, False)),
    ("reportingOwner.relationship.isDirector:0", Term(DIRECTOR, False)),
    ('aff10b5One:"true"', Term("aff10b5One", True)),
    # numbers
    (f"{SHARES}:100", Term(SHARES, 100.0)),
    (f"{SHARES}:1.5e3", Term(SHARES, 1500.0)),
    (f"{SHARES}:\\-5", Term(SHARES, -5.0)),
    (f'{SHARES}:"-5.25"', Term(SHARES, -5.25)),
    (f"{SHARES}:[100 TO *]", Range(SHARES, gte=100.0)),
    (f"{SHARES}:[* TO 100]", Range(SHARES, lte=100.0)),
    (f"{SHARES}:{{100 TO 200]", Range(SHARES, gt=100.0, lte=200.0)),
    (f"{SHARES}:[-5 TO 5}}", Range(SHARES, gte=-5.0, lt=5.0)),
    (f"{SHARES}:>=100", Range(SHARES, gte=100.0)),
    (f"{SHARES}:>100", Range(SHARES, gt=100.0)),
    (f"{SHARES}:<100", Range(SHARES, lt=100.0)),
    (f"{SHARES}:<=100", Range(SHARES, lte=100.0)),
    (f"{SHARES}:[* TO *]", Exists(SHARES)),
    ("remarks:[* TO *]", Exists("remarks")),            # any type: the field has a value
    ("aff10b5One:[* TO *]", Exists("aff10b5One")),
    # dates: a bare day is the whole UTC day; bounds rounded as OpenSearch rounds them
    ("periodOfReport:2024-01-05", day(2024, 1, 5)),
    ('periodOfReport:"2024-01-05"', day(2024, 1, 5)),
    ("periodOfReport:[2021-01-01 TO 2021-06-30]", Range(PERIOD, gte=utc(2021, 1, 1), lt=utc(2021, 7, 1))),
    ("periodOfReport:{2021-01-01 TO 2021-06-30}", Range(PERIOD, gte=utc(2021, 1, 2), lt=utc(2021, 6, 30))),
    ("periodOfReport:[2021-01-01 TO 2021-06-30}", Range(PERIOD, gte=utc(2021, 1, 1), lt=utc(2021, 6, 30))),
    ("periodOfReport:{2021-01-01 TO 2021-06-30]", Range(PERIOD, gte=utc(2021, 1, 2), lt=utc(2021, 7, 1))),
    ("periodOfReport:[2024-02-28 TO *]", Range(PERIOD, gte=utc(2024, 2, 28))),
    ("periodOfReport:{* TO 2024-12-31]", Range(PERIOD, lt=utc(2025, 1, 1))),
    ("filedAt:2024-01-05", Range(FILED, gte=utc(2024, 1, 5), lt=utc(2024, 1, 6))),
    ("filedAt:>=2024-01-01", Range(FILED, gte=utc(2024, 1, 1))),
    ("filedAt:>2024-01-01", Range(FILED, gte=utc(2024, 1, 2))),
    ("filedAt:<2024-01-01", Range(FILED, lt=utc(2024, 1, 1))),
    ("filedAt:<=2024-01-01", Range(FILED, lt=utc(2024, 1, 2))),
    ("filedAt:2024-01-05T10", Range(FILED, gte=utc(2024, 1, 5, 10), lt=utc(2024, 1, 5, 11))),
    ("filedAt:2024-01-05T10:30", Range(FILED, gte=utc(2024, 1, 5, 10, 30), lt=utc(2024, 1, 5, 10, 31))),
    ("filedAt:[2024-01-05T10:30:00 TO *]", Range(FILED, gte=utc(2024, 1, 5, 10, 30))),
    ("filedAt:<=2024-01-05T10:30:00.5", Range(FILED, lt=utc(2024, 1, 5, 10, 30, 0, 600000))),
    ('filedAt:"2024-11-26T19:53:45-05:00"',
     Range(FILED, gte=utc(2024, 11, 27, 0, 53, 45), lt=utc(2024, 11, 27, 0, 53, 46))),
    ("filedAt:2024-11-26T19:53:45Z", Range(FILED, gte=utc(2024, 11, 26, 19, 53, 45), lt=utc(2024, 11, 26, 19, 53, 46))),
    ("filedAt:[2023-12-31T23:00:00\\+01\\:00 TO *]", Range(FILED, gte=utc(2023, 12, 31, 22))),
    # keyword ranges compare strings
    ("issuer.tradingSymbol:[A TO C}", Range(SYMBOL, gte="A", lt="C")),
    ('issuer.tradingSymbol:["A" TO "C"]', Range(SYMBOL, gte="A", lte="C")),
    # wildcards: as is on keyword, lower-cased (not tokenised) on text
    ("issuer.tradingSymbol:TS*", Wildcard(SYMBOL, "TS*")),
    ("issuer.tradingSymbol:T?LA", Wildcard(SYMBOL, "T?LA")),
    ("issuer.name:Tes?a*", Wildcard(NAME, "tes?a*")),
    ("issuer.tradingSymbol:TS\\*", Term(SYMBOL, "TS*")),
    ('issuer.tradingSymbol:"TS*"', Term(SYMBOL, "TS*")),
    # existence and everything
    ("issuer.tradingSymbol:*", Exists(SYMBOL)),
    ("remarks:*", Exists(REMARKS)),
    ("_exists_:remarks", Exists(REMARKS)),
    ('_exists_:"remarks"', Exists(REMARKS)),
    ("derivativeTable:*", Exists("derivativeTable")),
    ("_exists_:derivativeTable.holdings", Exists("derivativeTable.holdings")),
    ("_exists_:reportingOwners.cik", Exists("reportingOwner.cik")),
    ("reportingOwners.relationship:*", Exists("reportingOwner.relationship")),
    ("*", MatchAll()),
    ("*:*", MatchAll()),
    # regular expressions, rewritten to the portable spelling; lower-cased on text fields
    ("issuer.tradingSymbol:/TS.*/", Regex(SYMBOL, "TS.*")),
    ("documentType:/4\\/A/", Regex("documentType", "4/A")),
    ("issuer.tradingSymbol:/BRK\\.[AB]/", Regex(SYMBOL, "BRK\\.[AB]")),
    ("remarks:/Tes[a-z]+/", Regex(REMARKS, "tes[a-z]+")),
    # fuzzy: `~` alone is OpenSearch's AUTO (0 edits up to 2 characters, 1 up to 5, then 2)
    ("issuer.name:ab~", Fuzzy(NAME, "ab", 0)),
    ("issuer.name:tesla~", Fuzzy(NAME, "tesla", 1)),
    ("issuer.name:microsoft~", Fuzzy(NAME, "microsoft", 2)),
    ("issuer.name:Tesla~1", Fuzzy(NAME, "tesla", 1)),
    ("issuer.tradingSymbol:TSLA~2", Fuzzy(SYMBOL, "TSLA", 2)),
    ("issuer.tradingSymbol:TSLA~0", Fuzzy(SYMBOL, "TSLA", 0)),
    # boosts on any clause
    ("issuer.tradingSymbol:TSLA^2", Boost(Term(SYMBOL, "TSLA"), 2.0)),
    ('remarks:"price ranged"~2^3', Boost(Phrase(REMARKS, ("price", "ranged"), 2), 3.0)),
    ("issuer.name:tesla~1^0.5", Boost(Fuzzy(NAME, "tesla", 1), 0.5)),
    (f"{SHARES}:[1 TO 2]^4", Boost(Range(SHARES, gte=1.0, lte=2.0), 4.0)),
]


@pytest.mark.parametrize("query, expected", CASES, ids=[c[0] for c in CASES])
def test_value_is_read_by_field_type(query, expected):
    assert parse(query, FILINGS) == expected


# Bare terms search the default fields of the filings index, in mapping order.
DEFAULTS = ["accessionNo", NAME, SYMBOL, "reportingOwner.name", FOOTNOTE, REMARKS]
KEYWORD_DEFAULTS = {"accessionNo", SYMBOL}


def expand(make_keyword, make_text):
    return Bool(should=tuple(make_keyword(f) if f in KEYWORD_DEFAULTS else make_text(f) for f in DEFAULTS))


def test_bare_term_searches_every_default_field_by_its_type():
    assert parse("TSLA", FILINGS) == expand(lambda f: Term(f, "TSLA"), lambda f: Term(f, "tsla"))


def test_bare_hyphenated_term_is_exact_on_keywords_and_a_phrase_on_text():
    assert parse("10b5-1", FILINGS) == expand(lambda f: Term(f, "10b5-1"), lambda f: Phrase(f, ("10b5", "1")))


def test_bare_phrase_with_slop():
    assert parse('"sold shares"~2', FILINGS) == expand(
        lambda f: Term(f, "sold shares"), lambda f: Phrase(f, ("sold", "shares"), 2))


def test_bare_wildcard_and_fuzzy_and_regex():
    assert parse("Tes*", FILINGS) == expand(lambda f: Wildcard(f, "Tes*"), lambda f: Wildcard(f, "tes*"))
    assert parse("Tesla~1", FILINGS) == expand(lambda f: Fuzzy(f, "Tesla", 1), lambda f: Fuzzy(f, "tesla", 1))
    assert parse("/TS.*/", FILINGS) == expand(lambda f: Regex(f, "TS.*"), lambda f: Regex(f, "ts.*"))


def test_bare_value_without_tokens_keeps_only_keyword_fields():
    assert parse('"--"', FILINGS) == Bool(should=(Term("accessionNo", "--"), Term(SYMBOL, "--")))


def test_boosted_bare_term_boosts_the_whole_expansion():
    assert parse("TSLA^2", FILINGS) == Boost(expand(lambda f: Term(f, "TSLA"), lambda f: Term(f, "tsla")), 2.0)


def test_sec_api_published_examples():
    assert parse("reportingOwner.relationship.isDirector:True AND issuer.tradingSymbol:AMZN", FILINGS) == Bool(
        must=(Term(DIRECTOR, True), Term(SYMBOL, "AMZN")))
    assert parse("nonDerivativeTable.transactions.coding.code:A AND periodOfReport:[2021-01-01 TO 2021-06-30]",
                 FILINGS) == Bool(must=(Term(CODE, "A"), Range(PERIOD, gte=utc(2021, 1, 1), lt=utc(2021, 7, 1))))
    assert parse("nonDerivativeTable.transactions.coding.code:A OR derivativeTable.transactions.coding.code:A",
                 FILINGS) == Bool(should=(Term(CODE, "A"), Term("derivativeTable.transactions.coding.code", "A")))


LONGS = [
    ("line:3", Term("line", 3)),
    ("line:3.5", MatchNone()),  # OpenSearch: a fractional value never equals an integer
    ("line:[1.5 TO 3.5}", Range("line", gte=2, lte=3)),
    ("line:{1 TO 3}", Range("line", gt=1, lt=3)),
    ("line:>\\-2.5", Range("line", gte=-2)),
    ('line:<="-2.5"', Range("line", lte=-3)),
    ("line:9223372036854775807", Term("line", 2**63 - 1)),
]


@pytest.mark.parametrize("query, expected", LONGS, ids=[c[0] for c in LONGS])
def test_integer_fields_round_fractional_bounds_inward(query, expected):
    assert parse(query, TRANSACTIONS) == expected
