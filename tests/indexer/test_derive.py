"""Derived facts: what a user of the summaries would see go wrong if these rules broke.

Titles, footnotes and owner names below are quoted from real filings in the shared corpus
(EDGE_CASES.md lists where); hand-written negatives say so.
"""
from __future__ import annotations

import pytest

from indexer.derive import (
    ROLES,
    canonical_owner,
    cashless_lines,
    is_10b5_1_text,
    is_csuite_role,
    normalize_role,
    normalize_ticker,
    owner_role,
    role_rank,
    row_is_10b5_1,
)

# --- roles ---------------------------------------------------------------------------------

# Every officerTitle listed in EDGE_CASES.md ("officerTitle values (top 60)").
EDGE_CASE_TITLES = {
    "CEO": "CEO",
    "VP, Chief Accounting Officer": "CAO",
    "Chairman": "CHAIR",
    "Senior Vice President": "SVP",
    "President": "PRESIDENT",
    "Chief Executive Officer": "CEO",
    "Exec VP GM, Tech & Mfg Grp": "EVP",
    "Chief Financial Officer": "CFO",
    "CEO, Google LLC": "CEO",
    "EVP, GM - Data Center Group": "EVP",
    "EXEC. VP; PRES. INTEL CAPITAL": "PRESIDENT",
    "VP Finance, Controller": "VP",
    "EVP General Counsel": "GC",
    "SVP, Corporate Development": "SVP",
    "Senior Vice President, CFO": "CFO",
    "Exec VP and CFO": "CFO",
    "Group President (TSCG)": "OTHER_OFFICER",
    "SR VP GM, TECH & MFG GRP": "SVP",
    "Sr. VP, GM, Sales & Mktg Grp": "SVP",
    "Exec VP, GM Sales & Mktg Grp": "EVP",
    "Sr VP, General Counsel": "GC",
    "Interim CEO [CFO]": "CEO",
    "PRESIDENT AND CEO": "CEO",
    "SVP, CFO": "CFO",
    "Principal Accounting Officer": "CAO",
    "COO": "COO",
    "Sr VP, GM Sales & Mktg Grp": "SVP",
    "EVP, GM, CCG": "EVP",
    "EXEC VP; GM IAG; CPO": "EVP",
    "SVP, GC and Secretary": "GC",
    "EVP, GM - Data Platforms Group": "EVP",
    "SVP, Chief Business Officer": "SVP",
    "Sr VP, Chief Financial Officer": "CFO",
    "VP Finance, Corp. Controller": "VP",
    "Exec VP, TMES, CAO": "CAO",
    "Exec VP, Dir Corp Stratgy, CFO": "CFO",
    "Vice Chmn, Exec VP, TMES, CAO": "VICE_CHAIR",
    "SVP, Global Affairs and CLO": "GC",
    "EXEC VP; CO-GM IAG": "EVP",
    "Vice Chairman": "VICE_CHAIR",
    "VP, Alphabet Corp. Controller": "VP",
    "Group President (CISA)": "OTHER_OFFICER",
    "See Remarks": "OTHER_OFFICER",
    "EXEC VP, GM, S/W SVCS GRP": "EVP",
    "Chairman and CEO": "CEO",
    "Sr VP, COO": "COO",
    "EXEC VP, COO": "COO",
    "Interim CFO": "CFO",
    "President and CEO": "CEO",
    "Vice President": "VP",
    "Executive Vice President": "EVP",
    "CEO and President": "CEO",
    "CEO, Google Inc.": "CEO",
    "EVP & GM, Datacenter and AI": "EVP",
    "Executive Chairman": "CHAIR",
    "General Counsel": "GC",
    "Chief Operating Officer": "COO",
    "Chief Legal Officer": "GC",
    "Sr. VP/GM Manuf & Supply, COO": "COO",
    "Sr VP, Dir Corp Strategy, CFO": "CFO",
}

# More titles from the corpus, and hand-written traps.
OTHER_TITLES = {
    "Interim CEO & Interim CFO": "CEO",
    "Co-Chief Executive Officer": "CEO",
    "Co-CEO": "CEO",
    "CEO & COB": "CEO",
    "CEO/President": "CEO",
    "President, CEO / Treasurer": "CEO",
    "Chief Executive Officer of Subsidiary X": "CEO",
    "Principal Executive Officer": "CEO",
    "C.E.O.": "CEO",
    "COO, CFO": "CFO",
    "VICE CHAIR & CFO": "CFO",
    "Secretary and CFO": "CFO",
    "CFO / Treasurer": "CFO",
    "Chief Financial Officer & Treasurer": "CFO",
    "Principal Financial Officer": "CFO",
    "Chief Financial and Operating Officer": "CFO",
    "E.V.P., C.F.O.": "CFO",
    "President and COO": "COO",
    "Chief Investment Officer": "CIO",
    "Chief Information Officer": "CIO",
    "Chief Digital & Tech Officer": "CTO",
    "Chief Technology Officer": "CTO",
    "Sr MD Gen Counsel & Corp Secr": "GC",
    "VP, Gen Counsel&Corp Secretary": "GC",
    "General Counsel & Corp. Sec'y": "GC",
    "GC & Chief Compliance Officer": "GC",
    "Senior VP, GC, CAO & Secretary": "GC",
    "Chief Legal & Compliance Officer": "GC",
    "Chairman and Secretary": "CHAIR",
    "CEO and Board Chair": "CEO",
    "Co-Chairman": "CHAIR",
    "Vice Executive Chairman": "VICE_CHAIR",
    "President, Marketplaces": "PRESIDENT",
    "Division President": "OTHER_OFFICER",
    "VP, Controller and PAO": "CAO",
    "SEVP": "EVP",
    "Senior EVP & CFO": "CFO",
    "Sr. V.P.": "SVP",
    "EVP, Chief Marketing Officer": "EVP",
    "Chief Scientific Officer": "OTHER_OFFICER",
    "Chief Admin Officer": "OTHER_OFFICER",
    "Co-Founder": "OTHER_OFFICER",
    "Head of Strategy": "OTHER_OFFICER",
    "Executive Officer of": "OTHER_OFFICER",
    # Traps: a role word that is not the holder's role.
    "Vice President, Finance": "VP",
    "Finance Director": "OTHER_OFFICER",
    "Director of CEO Office": "OTHER_OFFICER",
    "CEO's Office Director": "OTHER_OFFICER",
    "Chief of Staff to the CEO": "OTHER_OFFICER",
    "Executive Assistant to the Chairman": "OTHER_OFFICER",
    "Deputy General Counsel": "OTHER_OFFICER",
    "Associate General Counsel": "OTHER_OFFICER",
    "Asst. General Counsel": "OTHER_OFFICER",
    "Assistant CFO": "OTHER_OFFICER",
    "Deputy Chief Executive Officer": "OTHER_OFFICER",
    "Former CEO": "OTHER_OFFICER",
    "Chief Information Security Officer": "OTHER_OFFICER",
    # past roles, wherever the word stands
    "Former President and CEO": "OTHER_OFFICER",
    "Former Co-CEO": "OTHER_OFFICER",
    "Retired EVP & CFO": "OTHER_OFFICER",
    "CEO (former)": "OTHER_OFFICER",
    "COO - Retired": "OTHER_OFFICER",
    "CEO (Retired 1/1/21)": "OTHER_OFFICER",
    "Resigned CEO": "OTHER_OFFICER",
    "Ex-CEO": "OTHER_OFFICER",
}


@pytest.mark.parametrize("title,role", list(EDGE_CASE_TITLES.items()))
def test_every_corpus_title_gets_the_role_a_reader_would_give_it(title, role):
    assert normalize_role(title) == role


@pytest.mark.parametrize("title,role", list(OTHER_TITLES.items()))
def test_abbreviations_combinations_and_traps(title, role):
    assert normalize_role(title) == role


@pytest.mark.parametrize("title", [None, "", "   "])
def test_no_title_means_no_role(title):
    assert normalize_role(title) is None


def test_csuite_is_ceo_cfo_coo_cio_cto_and_general_counsel_only():
    assert {r for r in ROLES if is_csuite_role(r)} == {"CEO", "CFO", "COO", "CIO", "CTO", "GC"}
    assert not is_csuite_role(None)


def test_role_rank_puts_the_ceo_first_and_other_officers_last():
    assert sorted(["VP", "GC", "OTHER_OFFICER", "CEO", "CHAIR"], key=role_rank) == [
        "CEO", "GC", "CHAIR", "VP", "OTHER_OFFICER"]


def test_see_remarks_title_is_read_from_the_remarks():
    relationship = {"isOfficer": True, "officerTitle": "See Remarks"}
    assert owner_role(relationship, "President and Chief Executive Officer") == "CEO"
    assert owner_role(relationship,
                      "Title:  Executive Vice President, Chief Legal Officer and Corporate Secretary") == "GC"
    assert owner_role(relationship, None) == "OTHER_OFFICER"


def test_long_remarks_are_not_mistaken_for_a_title():
    remarks = ("The Reporting Persons, together with 180 Degree Capital Corp., may be deemed to be members "
               "of a Section 13(d) group that collectively owns more than 10% of the Issuer's voting "
               "securities; the CEO of the general partner disclaims beneficial ownership.")
    assert owner_role({"isOfficer": True, "officerTitle": "See Remarks"}, remarks) == "OTHER_OFFICER"


def test_officer_without_title_is_an_officer_and_director_without_title_has_no_role():
    assert owner_role({"isOfficer": True}, None) == "OTHER_OFFICER"
    assert owner_role({"isDirector": True, "isOfficer": False}, None) is None
    assert owner_role({"isOfficer": True, "officerTitle": "Exec VP and CFO"}, "See Remarks") == "CFO"


# --- Rule 10b5-1 ---------------------------------------------------------------------------

CORPUS_PLAN_FOOTNOTES = [
    "Transaction reported in this Form 4 was effected pursuant to a Rule 10b5-1 Trading Plan adopted by the "
    "Reporting Person.",
    "Transactions reported on this Form 4 were made pursuant to trading instructions adopted by the undersigned "
    "on January 31, 2014 that are intended to comply with Rule 10b5-1(c).",
    "This transaction was made pursuant to a Rule 10b5-1 trading plan adopted by the reporting person on May 28, "
    "2020 and modified on August 23, 2020.",
    "All transactions reported in this Form 4 were effected pursuant to a Rule 10b-5-1 Trading Plan adopted by "
    "the Reporting Person.",
    "The sales reported in this Form 4 were effected pursuant to a Rule 10b5-trading plan adopted by the "
    "Reporting Person.",
    "Shares were sold pursuant to a 10b5-1 trading plan adopted by the Reporting Person in accordance with Rule "
    "10b5-1 of the Securities Exchange Act of 1934, as amended.",
    "Transaction pursuant to a Rule 10b5-1 trading plan. Column 5 of Table I includes 28,627 restricted shares "
    "of Noble Energy, Inc. Common Stock directly held by the reporting person.",
    "This reported transaction was made pursuant to a Rule 10b5-1 plan adopted by the reporting person on "
    "February 7, 2025.",
]


@pytest.mark.parametrize("text", CORPUS_PLAN_FOOTNOTES)
def test_plan_footnotes_from_real_filings_are_recognised(text):
    assert is_10b5_1_text(text)


@pytest.mark.parametrize("spelling", [
    "10b5-1", "10B5-1", "10b5 1", "10b51", "10b5\u20131", "10b5\u20111", "10b5\u00a01", "10b-5-1",
    "Rule 10b5-1(c)", "10b5 - 1",
])
def test_every_spelling_of_the_rule_counts(spelling):
    assert is_10b5_1_text(f"Sold under a trading plan adopted pursuant to {spelling}.")


@pytest.mark.parametrize("text", [
    "The reporting person disclaims any violation of Rule 10b-5 under the Exchange Act.",
    "Rule 10b-5 of the Securities Exchange Act of 1934 applies.",
    "The reporting person is subject to Rule 10b5-2 (duties of trust or confidence).",
    "The sales reported herein were not made pursuant to a Rule 10b5-1 plan.",
    "These shares were purchased outside of the reporting person's Rule 10b5-1 trading plan.",
    "The reporting person's Rule 10b5-1 trading plan was terminated on March 1, 2021.",
    "Following the termination of the Rule 10b5-1 plan, the shares were sold.",
    "The shares were sold without a Rule 10b5-1 plan.",
    "Includes 966 shares acquired under the Company's Stock Purchase Plan on February 19, 2013.",
    "",
    None,
])
def test_anti_fraud_rule_denials_and_ended_plans_do_not_count(text):
    assert not is_10b5_1_text(text)


def test_a_denial_in_another_sentence_does_not_cancel_the_plan():
    assert is_10b5_1_text("Sold pursuant to a Rule 10b5-1 plan. The prior plan was terminated in 2019.")


@pytest.mark.parametrize("text", [
    # "without" describing the trade, in a clause closed before the mention, denies nothing
    "The sales were effected automatically, without any action by the reporting person, pursuant to a "
    "Rule 10b5-1 trading plan.",
    "Sold, without discretion, under a 10b5-1 plan.",
    # a plan's own terms may mention its termination
    "The shares were sold under a 10b5-1 plan that provides for automatic termination upon the sale of all shares.",
])
def test_wording_that_only_looks_like_a_denial_still_counts(text):
    assert is_10b5_1_text(text)


def _filing(aff=None, footnotes=(), remarks=None):
    return {"aff10b5One": aff, "footnotes": [{"id": i, "text": t} for i, t in footnotes], "remarks": remarks}


PLAN = "Effected pursuant to a Rule 10b5-1 trading plan adopted by the reporting person."
PRICE = "The price reported is a weighted average price."


def test_aff10b5one_box_marks_every_row():
    assert row_is_10b5_1(_filing(aff=True), set())


def test_a_cited_plan_footnote_marks_the_row_even_when_the_box_is_unchecked():
    filing = _filing(aff=False, footnotes=[("F1", PRICE), ("F2", PLAN)])
    assert row_is_10b5_1(filing, {"F2"})
    assert not row_is_10b5_1(filing, {"F1"})


def test_a_plan_footnote_the_row_does_not_cite_does_not_mark_it():
    assert not row_is_10b5_1(_filing(footnotes=[("F1", PRICE), ("F2", PLAN)]), {"F1"})


def test_plan_remarks_mark_every_row():
    assert row_is_10b5_1(_filing(remarks="This reported transaction was made pursuant to a Rule 10b5-1 plan "
                                         "adopted by the reporting person on February 7, 2025."), set())


# --- cashless exercises --------------------------------------------------------------------

def _tx(code, date, side, shares=100.0):
    return {"transactionDate": date, "coding": {"code": code}, "amounts": {"shares": shares, "acquiredDisposedCode": side}}


def _tables(nonderivative=(), derivative=()):
    return {"nonDerivativeTable": {"transactions": list(nonderivative)},
            "derivativeTable": {"transactions": list(derivative)}}


def test_exercise_and_same_day_sale_are_both_cashless():
    filing = _tables(
        nonderivative=[_tx("M", "2021-03-01", "A"), _tx("S", "2021-03-01", "D"), _tx("S", "2021-03-01", "D")],
        derivative=[_tx("M", "2021-03-01", "D")],
    )
    assert cashless_lines(filing) == {("nonDerivative", 0), ("nonDerivative", 1), ("nonDerivative", 2),
                                      ("derivative", 0)}


def test_exercise_paid_by_withholding_shares_is_cashless():
    filing = _tables(nonderivative=[_tx("F", "2021-03-01", "D")], derivative=[_tx("X", "2021-03-01", "D")])
    assert cashless_lines(filing) == {("nonDerivative", 0), ("derivative", 0)}


def test_exercise_and_hold_is_not_cashless():
    filing = _tables(nonderivative=[_tx("M", "2021-03-01", "A")], derivative=[_tx("M", "2021-03-01", "D")])
    assert cashless_lines(filing) == set()


def test_a_sale_on_another_day_is_not_cashless():
    filing = _tables(nonderivative=[_tx("M", "2021-03-01", "A"), _tx("S", "2021-03-02", "D"),
                                    _tx("P", "2021-03-01", "A")])
    assert cashless_lines(filing) == set()


def test_a_plain_sale_without_exercise_is_not_cashless():
    assert cashless_lines(_tables(nonderivative=[_tx("S", "2021-03-01", "D")])) == set()


def test_selling_the_derivative_itself_is_not_a_share_disposal():
    filing = _tables(nonderivative=[_tx("M", "2021-03-01", "A")], derivative=[_tx("S", "2021-03-01", "D")])
    assert cashless_lines(filing) == set()


def test_filings_without_tables_have_no_cashless_lines():
    assert cashless_lines({}) == set()


# --- canonical owner -----------------------------------------------------------------------

def _owner(cik, name, director=False, officer=False):
    return {"cik": cik, "name": name, "relationship": {"isDirector": director, "isOfficer": officer}}


def _owned_by(*owners):
    return {"reportingOwner": owners[0], "reportingOwners": list(owners)}


def test_single_person_is_keyed_by_name_and_displayed_as_filed():
    assert canonical_owner(_owned_by(_owner("1494730", "Musk Elon", True, True))) == ("p:ELON MUSK", "Musk Elon")


def test_same_person_written_both_ways_gets_one_key():
    # CIK 1295032 files as "Brin Sergey" (2015) and "Sergey Brin" (2022).
    assert (canonical_owner(_owned_by(_owner("1295032", "Brin Sergey")))[0]
            == canonical_owner(_owned_by(_owner("1295032", "Sergey Brin")))[0])


def test_trusts_named_after_a_person_count_as_that_person():
    pairs = [
        ("The Elon Musk Revocable Trust dated July 22, 2003", "Musk Elon"),
        ("Jeremy M. Sclar 2012 Irrevocable Family Trust", "Sclar Jeremy M"),
        ("Daniel V. Tierney 2011 Trust", "Tierney Daniel V."),
        ("Estate of LeRoy T. Carlson, Jr.", "CARLSON LEROY T JR"),
    ]
    for vehicle, person in pairs:
        assert canonical_owner(_owned_by(_owner("2089163", vehicle)))[0] == \
            canonical_owner(_owned_by(_owner("1", person)))[0], vehicle


def test_father_and_son_of_the_same_name_stay_apart():
    assert canonical_owner(_owned_by(_owner("1", "CARLSON LEROY T")))[0] != \
        canonical_owner(_owned_by(_owner("2", "CARLSON LEROY T JR")))[0]


def test_vehicles_that_name_no_single_person_are_keyed_by_cik():
    for name in ["Smith Family Trust", "VOTING TRUST", "Blavatnik Family Foundation LLC",
                 "Chloe R. Seelbach, Trustee under Claiborne Rankin Trust for Children of Chloe R. Seelbach "
                 "DTD 12/21/04 FBO Isabelle Scott Seelbach"]:
        assert canonical_owner(_owned_by(_owner("1558835", name)))[0] == "cik:1558835", name


def test_joint_filing_goes_to_the_director_among_the_people():
    # Unity Software, 2021: OTEE 2020 ApS, Helgason David (director), Ante Joachim Christoph.
    filing = _owned_by(_owner("1826287", "OTEE 2020 ApS", director=True),
                       _owner("1824018", "Helgason David", director=True),
                       _owner("1826146", "Ante Joachim Christoph"))
    assert canonical_owner(filing) == ("p:DAVID HELGASON", "Helgason David")


def test_joint_filing_of_a_company_and_its_controlling_person_goes_to_the_person():
    filing = _owned_by(_owner("1067983", "BERKSHIRE HATHAWAY INC"), _owner("315090", "BUFFETT WARREN E"))
    assert canonical_owner(filing) == ("p:BUFFETT WARREN", "BUFFETT WARREN E")


def test_fund_chain_without_a_person_goes_to_the_lowest_cik_whatever_the_order():
    chain = [_owner("1678225", "CapitalG LP"), _owner("1678226", "CapitalG GP LLC"),
             _owner("1771167", "CapitalG 2015 LP"), _owner("1652044", "Alphabet Inc."),
             _owner("1847337", "Alphabet Holdings LLC")]
    assert canonical_owner(_owned_by(*chain)) == ("cik:1652044", "Alphabet Inc.")
    assert canonical_owner(_owned_by(*reversed(chain))) == ("cik:1652044", "Alphabet Inc.")


def test_person_vehicle_is_preferred_to_a_company_when_no_person_files():
    filing = _owned_by(_owner("1000", "Sclar Holdings LLC"),
                       _owner("2089163", "Jeremy M. Sclar 2012 Irrevocable Family Trust"))
    assert canonical_owner(filing)[0] == "p:JEREMY SCLAR"


def test_entity_markers_with_dots_and_country_forms_are_entities():
    for name in ["Accel X Associates L.L.C.", "Deerfield Mgmt L.P.", "Novo Holdings A/S", "NESTLE SA",
                 "Artal International S.C.A.", "Silver Brick Management PTE. LTD.", "Westend S.A.",
                 "Stichting Administratiekantoor Westend", "H&F Executives VIII, L.P.", "BVF INC/IL"]:
        assert canonical_owner(_owned_by(_owner("42", name)))[0] == "cik:42", name


def test_filing_without_owner_list_uses_reporting_owner():
    assert canonical_owner({"reportingOwner": _owner("1", "Cook Timothy D")})[0] == "p:COOK TIMOTHY"


# --- tickers -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,ticker", [
    ("BRK.B", "BRK-B"), ("BRK/B", "BRK-B"), ("brk-b", "BRK-B"), (" brk b ", "BRK-B"), ("AAPL", "AAPL"),
    ("VIIA.U", "VIIA-U"), ("WSO; WSOB", "WSO"), ("NONE", None), ("n/a", None), ("N/A", None), ("", None),
    ("  ", None), (None, None), ("NA", "NA"),
])
def test_ticker_normalisation(raw, ticker):
    assert normalize_ticker(raw) == ticker
