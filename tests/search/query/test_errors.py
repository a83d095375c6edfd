"""Every rejected query gets a 400 that says what is wrong and where."""
import pytest

from insider.errors import BadRequest, InvalidQuery, QuerySyntaxError, UnknownField
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.query.lucene import MAX_DEPTH, parse

SHARES = "nonDerivativeTable.transactions.amounts.shares"


def error(query, spec=FILINGS):
    with pytest.raises(BadRequest) as caught:
        parse(query, spec)
    return caught.value


@pytest.mark.parametrize("query", [None, 42, ["a"]])
def test_query_must_be_a_string(query):
    assert "must be a string" in error(query).message


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_rejected(query):
    e = error(query)
    assert type(e) is BadRequest and "empty" in e.message


def test_query_over_2000_characters_is_rejected_and_2000_accepted():
    e = error("a" * 2001)
    assert type(e) is BadRequest and "2,001 characters" in e.message and e.details["limit"] == 2000
    assert parse("issuer.tradingSymbol:" + "A" * (2000 - 21), FILINGS).value == "A" * 1979


SYNTAX = [
    # query, position, words the message must contain
    ("issuer.tradingSymbol:(TSLA", 26, "end of query"),
    ("issuer.tradingSymbol:TSLA)", 25, "unexpected ')'"),
    ("issuer.tradingSymbol:TSLA AND", 29, "end of query"),
    ("AND issuer.tradingSymbol:TSLA", 0, "unexpected 'AND'"),
    ("filedAt:[2024-01-01 TO]", 22, "unexpected ']'"),
    ('issuer.name:"Tesla', 12, "unclosed quote"),
    ("issuer.name:'Tesla'", 12, 'quote with "'),
    ("remarks:/abc", 8, "unclosed regular expression"),
    ("issuer.cik:-5", 11, "cannot start with '-'"),
    ("issuer.cik:NOT 5", 11, "cannot start with 'NOT'"),
    ("issuer.cik:a:b", 12, "escape the colon"),
    ("filedAt:2024-01-01T10:00:00+05:00", 30, "quote the value"),
    ("NOT -issuer.cik:5", 4, "two operators in a row"),
    ("issuer.cik:5^", 12, "'^' must be followed by a number"),
    ("issuer.cik:5^2^3", 14, "boost is given twice"),
    ('issuer.name:"a b"~1.5', 17, "whole number"),
    ("issuer.cik:5^1.2.3", 12, "'^1.2.3'"),
    ("issuer.cik:5 &&", 15, "ends with an operator"),
    ("&& issuer.cik:5", 0, "between two clauses"),
    ("issuer.cik:5 AND && issuer.cik:6", 17, "between two clauses"),
    ("issuer.cik:5 && AND issuer.cik:6", 20, "two operators in a row"),
    ("issuer.cik:&&", 11, "between two clauses"),
    ("!issuer.cik:5", 0, "write NOT"),
    ("issuer.name:Yahoo!", 17, "write NOT"),
    ('issuer.name:a"b c"', 13, "quote inside a word"),
    ("issuer.tradingSymbol:\\u00G1", 21, "4 hexadecimal digits"),
]


@pytest.mark.parametrize("query, position, words", SYNTAX, ids=[s[0] for s in SYNTAX])
def test_syntax_errors_give_the_position(query, position, words):
    e = error(query)
    assert type(e) is QuerySyntaxError
    assert e.details["position"] == position
    assert f"position {position}" in e.message and words in e.message


def test_syntax_error_on_a_later_line_gives_line_and_column():
    e = error("issuer.tradingSymbol:TSLA AND\n  (remarks:x")
    assert (e.details["line"], e.details["column"]) == (2, 13)
    assert "line 2, column 13" in e.message


UNKNOWN = [
    # query, the unknown name, the suggestion, position
    ("issuer.tradingsymbol:TSLA", "issuer.tradingsymbol", "issuer.tradingSymbol", 0),
    ("filedat:2024-01-01", "filedat", "filedAt", 0),
    ("amounts.shares:100", "amounts.shares", SHARES, 0),
    ("issuer.cik:1 AND reportingOwner.relationship.isDirecter:true", "reportingOwner.relationship.isDirecter",
     "reportingOwner.relationship.isDirector", 17),
    ("_exists_:issuer.tradingsymbol", "issuer.tradingsymbol", "issuer.tradingSymbol", 9),
    ("zzzz:1", "zzzz", None, 0),
]


@pytest.mark.parametrize("query, name, suggestion, position", UNKNOWN, ids=[u[0] for u in UNKNOWN])
def test_unknown_field_names_it_and_suggests_the_closest(query, name, suggestion, position):
    e = error(query)
    assert type(e) is UnknownField
    assert e.details["field"] == name and e.details["suggestion"] == suggestion
    assert e.details["position"] == position
    assert f"'{name}'" in e.message
    assert (f"did you mean '{suggestion}'" in e.message) == (suggestion is not None)


INVALID = [
    # query, words the message must contain, position
    ("reportingOwner.relationship.isDirector:maybe", "'maybe' is not a boolean", 39),
    (f"{SHARES}:abc", "'abc' is not a number", len(SHARES) + 1),
    (f"{SHARES}:1e999", "out of range", len(SHARES) + 1),
    (f"{SHARES}:nan", "not a number", len(SHARES) + 1),
    ("periodOfReport:2024-13-01", "not a valid date", 15),
    ("periodOfReport:2024-02-30", "not a valid date", 15),
    ("periodOfReport:2024", "not a date", 15),
    ("periodOfReport:now-1d", "date math", 15),
    ("periodOfReport:2024-01-01T10\\:00", "calendar days", 15),
    ('filedAt:"2024-01-01T10:00:00+25:00"', "not a valid date", 8),
    ("filedAt:[2024-01-01 TO tomorrow]", "not a date", 8),
    ("remarks:[a TO b]", "Ranges apply to keyword, number and date", 8),
    ("aff10b5One:[false TO true]", "Ranges apply to", 11),
    (f"{SHARES}:10*", "Wildcards only apply", len(SHARES) + 1),
    ("periodOfReport:/2024.*/", "Regular expressions only apply", 15),
    ("aff10b5One:tru~", "Fuzzy terms only apply", 11),
    ("issuer.name:tesla~3", "Fuzziness must be 0, 1 or 2", 12),
    ("issuer.name:tesla~0.5", "Fuzziness must be 0, 1 or 2", 12),
    ("issuer.name:tes*a~", "both a wildcard pattern and fuzzy", 12),
    ("issuer.tradingSymbol:TS\\*A*", "literal *, ? or \\", 21),
    ("issuer:AAPL", "'issuer' is an object", 0),
    ("issuer.*:AAPL", "cannot contain wildcards", 0),
    ("*:AAPL", "cannot contain wildcards", 0),
    ("[a TO b]", "needs a field name", 0),
    ("issuer.cik:1 OR >=5", "needs a field name", 16),
    ("_exists_:[a TO b]", "_exists_ takes a field name", 9),
    ("issuer.tradingSymbol:/^TSLA$/", "anchor", 21),
    ("remarks:/\\d+/", "not portable", 8),
]


@pytest.mark.parametrize("query, words, position", INVALID, ids=[i[0] for i in INVALID])
def test_values_a_field_cannot_take_are_rejected_with_their_position(query, words, position):
    e = error(query)
    assert type(e) is InvalidQuery
    assert words in e.message
    assert e.details["position"] == position and f"(at position {position})" in e.message


def test_integer_beyond_64_bits_is_rejected():
    e = error("line:9223372036854775808", TRANSACTIONS)
    assert type(e) is InvalidQuery and "out of range for line" in e.message


def test_index_without_default_fields_requires_a_field_name():
    e = error("AAPL", TRANSACTIONS)
    assert type(e) is InvalidQuery and "no default fields" in e.message


def test_object_error_lists_fields_to_search_instead():
    assert "issuer.cik, issuer.name, issuer.tradingSymbol" in error("issuer:AAPL").message


def test_nesting_is_limited():
    deep = "(" * (MAX_DEPTH + 1) + "issuer.cik:1" + ")" * (MAX_DEPTH + 1)
    assert "more than 32 levels" in error(deep).message
    ok = "(" * MAX_DEPTH + "issuer.cik:1" + ")" * MAX_DEPTH
    assert parse(ok, FILINGS).value == "1"


def test_a_thousand_nested_parentheses_is_a_400_not_a_crash():
    assert type(error("(" * 999 + "a" + ")" * 999)) is InvalidQuery


def test_queries_that_walk_the_term_dictionary_too_often_are_refused():
    # ~170 bare infix wildcards: 1,020 dictionary walks, seconds of a server worker per request
    many = " ".join(f"*{chr(97 + i % 26)}*" for i in range(170))
    e = error(many)
    assert "wildcard, regular-expression or fuzzy" in e.message and e.details["clauses"] == 1020
    # the limit counts bare words once per default field, fielded clauses once
    assert "limit is 16" in error("smi* jon* bro*").message
    parse("smi* jon*", FILINGS)
    fielded = " OR ".join(f"reportingOwner.name:{c}*" for c in "abcdefghijklmnop")
    parse(fielded, FILINGS)
    assert "17 wildcard" in error(fielded + " OR reportingOwner.name:/q.*/").message
    # exact terms, phrases and ranges do not count
    parse(" OR ".join(f"issuer.tradingSymbol:T{i:04d}" for i in range(60)), FILINGS)
