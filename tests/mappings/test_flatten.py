"""The indexed form of a document: what each field is searchable by."""
from mappings import Field, IndexSpec
from mappings.filings import FILINGS
from mappings.flatten import flatten

FILING = {
    "accessionNo": "0000320193-24-000001",
    "filedAt": "2024-01-05T16:30:00-05:00",
    "documentType": "4",
    "periodOfReport": "2024-01-03",
    "notSubjectToSection16": False,
    "dateOfOriginalSubmission": None,
    "issuer": {"cik": "320193", "name": "Apple Inc.", "tradingSymbol": "AAPL"},
    "reportingOwner": {"cik": "1111", "name": "Cook Timothy D"},
    "reportingOwners": [
        {"cik": "1111", "name": "Cook Timothy D", "relationship": {"isDirector": True}},
        {"cik": "2222", "name": "Cook Family Trust", "relationship": {"isDirector": False}},
    ],
    "nonDerivativeTable": {
        "transactions": [
            {"transactionDate": "2024-01-03", "coding": {"code": "M", "footnoteId": ["F1", "F2"]},
             "amounts": {"shares": 1000, "pricePerShare": 0}},
            {"transactionDate": "2024-01-04", "coding": {"code": "S"},
             "amounts": {"shares": 1000.5, "pricePerShare": 185.25, "pricePerShareFootnoteId": ["F3"]}},
        ],
    },
    "footnotes": [{"id": "F1", "text": "Exercise."}, {"id": "F2", "text": "Rule 10b5-1 plan."}],
}


def test_every_owner_of_a_joint_filing_is_searchable():
    flat = flatten(FILINGS, FILING)
    assert flat["reportingOwner.cik"] == ["1111", "2222"]
    assert flat["reportingOwner.name"] == ["Cook Timothy D", "Cook Family Trust"]
    assert flat["reportingOwner.relationship.isDirector"] == [True, False]


def test_values_under_arrays_of_objects_are_all_collected():
    flat = flatten(FILINGS, FILING)
    assert flat["nonDerivativeTable.transactions.coding.code"] == ["M", "S"]
    assert flat["nonDerivativeTable.transactions.transactionDate"] == ["2024-01-03", "2024-01-04"]
    assert flat["nonDerivativeTable.transactions.amounts.shares"] == [1000, 1000.5]
    assert flat["footnotes.id"] == ["F1", "F2"]


def test_a_list_of_scalars_contributes_each_value():
    flat = flatten(FILINGS, FILING)
    assert flat["nonDerivativeTable.transactions.coding.footnoteId"] == ["F1", "F2"]
    assert flat["nonDerivativeTable.transactions.amounts.pricePerShareFootnoteId"] == ["F3"]


def test_values_keep_their_json_form():
    flat = flatten(FILINGS, FILING)
    assert flat["filedAt"] == ["2024-01-05T16:30:00-05:00"]
    assert flat["periodOfReport"] == ["2024-01-03"]
    assert flat["notSubjectToSection16"] == [False]
    assert flat["nonDerivativeTable.transactions.amounts.pricePerShare"] == [0, 185.25]


def test_absent_and_null_values_leave_no_field():
    flat = flatten(FILINGS, FILING)
    assert "dateOfOriginalSubmission" not in flat
    assert "derivativeTable.transactions.coding.code" not in flat
    assert "remarks" not in flat
    assert all(values for values in flat.values())


def test_an_object_where_a_value_is_expected_is_not_a_value():
    spec = IndexSpec(name="t", fields=(Field("a.b", "keyword", multi=True),), key="a.b")
    assert flatten(spec, {"a": [{"b": "x"}, {"b": {"nested": "y"}}, {"b": None}, "stray"]}) == {"a.b": ["x"]}


def test_a_date_no_engine_can_store_alike_stays_in_the_document_but_is_not_indexed():
    # A typo such as 0207-03-12 would make the embedded engine refuse the whole batch.
    from mappings.transactions import TRANSACTIONS

    row = {"id": "x", "transaction_date": "0207-03-12", "period_of_report": "2024-01-05", "filed_at": "2999-01-01T00:00:00Z"}
    assert flatten(TRANSACTIONS, row) == {"id": ["x"], "period_of_report": ["2024-01-05"]}


def test_present_paths_name_every_field_and_object_above_it_per_document():
    from mappings.flatten import present_paths

    first = present_paths({"issuer.cik": ["1"], "footnotes.text": ["x"]})
    assert first == ["footnotes", "footnotes.text", "issuer", "issuer.cik"]
    first.append("changed by a caller")  # a document's list is its own, though its shape's are cached
    assert present_paths({"footnotes.text": ["y"], "issuer.cik": ["2"]}) == ["footnotes", "footnotes.text", "issuer", "issuer.cik"]
    assert present_paths({"issuer.cik": ["1"]}) == ["issuer", "issuer.cik"]
    assert present_paths({}) == []


def test_a_scalar_under_a_field_with_children_is_its_value():
    spec = IndexSpec(name="t", fields=(Field("a", "keyword", multi=True), Field("a.b", "keyword", multi=True)), key="a")
    assert flatten(spec, {"a": "x"}) == {"a": ["x"]}
    assert flatten(spec, {"a": [{"b": "y"}, "z"], "c": "ignored"}) == {"a.b": ["y"], "a": ["z"]}
