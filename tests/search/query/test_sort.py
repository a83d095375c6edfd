"""The Elasticsearch sort array, limited to fields both engines sort alike."""
import pytest

from insider.errors import InvalidQuery, UnknownField
from mappings.filings import FILINGS
from search.query.ast import SortKey
from search.query.sort import parse_sort

ACCEPTED = [
    ([{"filedAt": {"order": "desc"}}], [SortKey("filedAt", True)]),
    ([{"filedAt": "desc"}], [SortKey("filedAt", True)]),
    ([{"filedAt": "DESC"}], [SortKey("filedAt", True)]),
    ([{"periodOfReport": {"order": "asc"}}], [SortKey("periodOfReport", False)]),
    (["filedAt"], [SortKey("filedAt", False)]),
    ([{"filedAt": {}}], [SortKey("filedAt", False)]),
    ({"filedAt": "desc"}, [SortKey("filedAt", True)]),
    ("issuer.tradingSymbol", [SortKey("issuer.tradingSymbol", False)]),
    ([{"issuer.cik": "asc"}, {"filedAt": {"order": "desc"}}, "accessionNo"],
     [SortKey("issuer.cik", False), SortKey("filedAt", True), SortKey("accessionNo", False)]),
    ([{"periodOfReport": "desc", "filedAt": "asc"}], [SortKey("periodOfReport", True), SortKey("filedAt", False)]),
    ([{"aff10b5One": "desc"}], [SortKey("aff10b5One", True)]),
    ([], []),
]


@pytest.mark.parametrize("sort, keys", ACCEPTED, ids=[repr(a[0]) for a in ACCEPTED])
def test_every_elasticsearch_spelling_of_a_sort_is_accepted(sort, keys):
    assert parse_sort(sort, FILINGS) == keys


REJECTED = [
    # sort, field named in the error, words of the message
    ([{"issuer.name": "asc"}], "issuer.name", "text field"),
    ([{"remarks": {"order": "desc"}}], "remarks", "text field"),
    (["nonDerivativeTable.transactions.transactionDate"], "nonDerivativeTable.transactions.transactionDate",
     "several values per document"),
    (["reportingOwner.cik"], "reportingOwner.cik", "several values per document"),
    (["_score"], "_score", "relevance scores differ between the search engines"),
    ([{"_score": {"order": "desc"}}], "_score", "relevance"),
    ([{"filedAt": {"order": "up"}}], "filedAt", "must be 'asc' or 'desc'"),
    ([{"filedAt": 1}], "filedAt", "must be 'asc' or 'desc'"),
    ([{"filedAt": {"order": "desc", "missing": "_first"}}], "filedAt", "'missing'"),
]


@pytest.mark.parametrize("sort, field, words", REJECTED, ids=[repr(r[0]) for r in REJECTED])
def test_unsortable_requests_say_which_field_and_why(sort, field, words):
    with pytest.raises(InvalidQuery) as caught:
        parse_sort(sort, FILINGS)
    assert caught.value.details["field"] == field and words in caught.value.message
    assert f"'{field}'" in caught.value.message


@pytest.mark.parametrize("sort", [[42], [{}], [None], 7])
def test_malformed_entries_show_the_expected_shape(sort):
    with pytest.raises(InvalidQuery) as caught:
        parse_sort(sort, FILINGS)
    assert '{"field": {"order": "desc"}}' in caught.value.message


def test_unknown_sort_field_suggests_the_right_spelling():
    with pytest.raises(UnknownField) as caught:
        parse_sort([{"filedat": "desc"}], FILINGS)
    assert caught.value.details == {"field": "filedat", "suggestion": "filedAt"}
    assert "did you mean 'filedAt'" in caught.value.message
