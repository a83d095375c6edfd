"""Real EDGAR filings in, sec-api JSON and transaction rows out: what a user would see.

Every expected value below was read by hand from the filing's own bytes (the `<SEC-HEADER>`
or `.nc` header and the embedded `ownershipDocument`) under /work/shared/corpus/raw/, never
taken from our parser's output. Rows follow docs/derived-facts.md: value = shares x price
(null without a price), 10b5-1 from the aff10b5One box / a cited footnote / the remarks,
cashless = an M/X exercise with a same-day S/F disposal, one owner_key per joint filing.

Each case is named after the edge-case families of corpus/EDGE_CASES.md it guards. A case
collects every disagreement with the XML before failing, so one run lists them all.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from indexer.documents import transaction_rows
from indexer.pipeline import prepare
from tests.required import missing

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "raw"
MAX_BYTES = 50_000_000

ABSENT = object()  # the XML has no value here: the key must not appear in the JSON
RELATIONSHIP_FLAGS = {"isDirector", "isOfficer", "isTenPercentOwner", "isOther"}


@dataclass(frozen=True)
class Matches:
    """A value the XML does not fix literally, only its shape (e.g. a bare XML's pseudo key)."""
    pattern: str


# A bare ownership XML with no accession number in its name gets a stable pseudo accession.
PSEUDO_ACCESSION = Matches(r"X[0-9a-f]{19}")

REQUIRED_FAMILIES = {
    "pem_wrapped_txt", "10b5-1_footnote", "footnote_only_value", "weighted_avg_footnote",
    "derivative_only", "title_general_counsel", "title_CEO_variants", "remarks", "multi_owner",
    "notSubjectToSection16", "entity_owner", "form3_holdings_only", "form5", "date_with_tz_suffix",
    "aff10b5One_element", "aff10b5One_true", "amendment", "form3_noSecuritiesOwned",
    "no_table_rows", "nc_format", "X0202", "X0206", "X0303", "X0304", "X0305", "X0306", "X0407",
    "X0508", "not_well_formed",
}


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    families: tuple[str, ...]
    filing: dict
    rows: list[dict] = field(default_factory=list)
    every_row: dict = field(default_factory=dict)


def owner(cik, name, director=ABSENT, officer=ABSENT, ten=ABSENT, other=ABSENT, title=ABSENT, **more):
    relationship = {"isDirector": director, "isOfficer": officer, "isTenPercentOwner": ten,
                    "isOther": other, "officerTitle": title}
    return {"cik": cik, "name": name, "relationship": relationship, **more}


def tx(table, code, side, shares, price, after, direct, *, plan, cashless, **more):
    """One expected transaction row; value is shares x price, null when the price is missing."""
    return {"table": table, "code": code, "side": side, "shares": shares, "price": price,
            "value": None if price is None else shares * price, "shares_owned_after": after,
            "direct_indirect": direct, "is_10b5_1": plan, "is_cashless": cashless, **more}


N, D = "nonDerivative", "derivative"


def nd_tx(date, code, shares, price, side, after, direct="D", *, form="4", swap=False,
          shares_fn=ABSENT, price_fn=ABSENT, after_fn=ABSENT, coding_fn=ABSENT, title="Common Stock", **more):
    """An expected nonDerivativeTable transaction as the XML states it."""
    amounts = {"shares": shares, "pricePerShare": price, "acquiredDisposedCode": side}
    if shares_fn is not ABSENT:
        amounts["sharesFootnoteId"] = shares_fn
    if price_fn is not ABSENT:
        amounts["pricePerShareFootnoteId"] = price_fn
    if price is ABSENT:
        del amounts["pricePerShare"]
    post = {"sharesOwnedFollowingTransaction": after}
    if after_fn is not ABSENT:
        post["sharesOwnedFollowingTransactionFootnoteId"] = after_fn
    return {
        "securityTitle": title,
        "transactionDate": date,
        "coding": {"formType": form, "code": code, "equitySwapInvolved": swap, "footnoteId": coding_fn},
        "amounts": amounts,
        "postTransactionAmounts": post,
        "ownershipNature": {"directOrIndirectOwnership": direct, **more},
    }


CASES = [
    # --- PEM-wrapped 2006 submissions, schema X0202 ------------------------------------------
    Case(
        id="pem_wrapped_txt__X0202__title_general_counsel__remarks__footnote_only_dates",
        path="submissions_txt/cjavdev__sec_edgar/0001209191-06-055343__filing17.txt",
        families=("pem_wrapped_txt", "X0202", "title_general_counsel", "remarks", "footnote_only_value"),
        filing={
            "accessionNo": "0001209191-06-055343",
            "filedAt": "2006-10-19T17:06:11-04:00",
            "schemaVersion": "X0202",
            "documentType": "4",
            "periodOfReport": "2006-10-17",
            "notSubjectToSection16": False,
            "aff10b5One": ABSENT,
            "issuer": {"cik": "1051848", "name": "CSK AUTO CORP", "tradingSymbol": "CAO"},
            "classification": {"sic": "5531"},
            "reportingOwners": [owner(
                "1335926", "Morrison Randi V", False, True, False, False, "VP, General Counsel, Secretary",
                address={"street1": "C/O CSK AUTO CORPORATION", "street2": "645 EAST MISSOURI AVE.",
                         "city": "PHOENIX", "state": "AZ", "zipCode": "85012", "stateDescription": ABSENT})],
            "nonDerivativeTable": {
                "transactions": [{
                    **nd_tx("2006-10-18", "F", 167, 15.53, "D", 4448, coding_fn=["F1"], after_fn=["F2"]),
                    "deemedExecutionDate": ABSENT,
                    "timeliness": ABSENT,
                }],
                "holdings": ABSENT,
            },
            "derivativeTable": {
                "transactions": [{
                    "securityTitle": "Incentive Bonus Unit",
                    "conversionOrExercisePrice": 20.00,
                    "transactionDate": "2006-10-17",
                    "coding": {"formType": "4", "code": "A", "equitySwapInvolved": False},
                    "amounts": {"shares": 125000, "pricePerShare": 0.00, "pricePerShareFootnoteId": ["F4"],
                                "acquiredDisposedCode": "A"},
                    "exerciseDate": None, "exerciseDateFootnoteId": ["F3"],
                    "expirationDate": None, "expirationDateFootnoteId": ["F3"],
                    "underlyingSecurity": {"title": "Incentive Bonus Unit", "shares": 125000},
                    "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 125000},
                    "ownershipNature": {"directOrIndirectOwnership": "D"},
                }],
                "holdings": [
                    {"securityTitle": "Non-Qualified Stock Option (right to buy)", "conversionOrExercisePrice": 9.87,
                     "exerciseDate": None, "exerciseDateFootnoteId": ["F5"], "expirationDate": "2009-04-05",
                     "underlyingSecurity": {"title": "Common Stock", "shares": 660},
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 660},
                     "ownershipNature": {"directOrIndirectOwnership": "D"}},
                    {"securityTitle": "Non-Qualified Stock Option (right to buy)", "conversionOrExercisePrice": 19.58,
                     "exerciseDate": None, "exerciseDateFootnoteId": ["F6"], "expirationDate": "2011-02-02",
                     "underlyingSecurity": {"title": "Common Stock", "shares": 5089}},
                    {"securityTitle": "Non-Qualified Stock Option (right to buy)", "conversionOrExercisePrice": 13.32,
                     "exerciseDate": None, "exerciseDateFootnoteId": ["F7"], "expirationDate": "2011-10-18",
                     "underlyingSecurity": {"title": "Common Stock", "shares": 12000}},
                    {"securityTitle": "Non-Qualified Stock Option (right to buy)", "conversionOrExercisePrice": 16.35,
                     "exerciseDate": None, "exerciseDateFootnoteId": ["F8"], "expirationDate": "2012-06-28",
                     "underlyingSecurity": {"title": "Common Stock", "shares": 7727}},
                ],
            },
            "footnotes": [
                {"id": "F1", "text": "Represents shares of restricted stock granted October 18, 2004 (the "
                                     '"Grant Date") surrendered to the Company solely for the purpose of '
                                     "satisfying tax obligations arising upon the vesting of a portion of the "
                                     "restricted shares awarded on the Grant Date."},
                {"id": "F2", "text": "Includes 1,387 shares of Restricted Common Stock, which is subject to vesting."},
                {"id": "F3"},
                {"id": "F4", "text": "$0.00 is used for technical reasons as there is no price for this derivative "
                                     "security until vested and/or exercised."},
                {"id": "F5", "text": "This option grant is fully vested."},
                {"id": "F6"},
                {"id": "F7", "text": "This option grant becomes vested and exercisable at the rate of one-third on "
                                     "10/18/2005, one-third on 10/18/2006, and one-third on 10/18/2007."},
                {"id": "F8"},
            ],
            "remarks": "Executed pursuant to the Limited Power of Attorney for Section 16 Reporting Obligations "
                       "dated October 13, 2005.",
            "ownerSignatureName": "Randi V. Morrison\n\nBy: /s/ James R. Todd\nAttorney in Fact",
            "ownerSignatureNameDate": "2006-10-19",
        },
        every_row={"issuer_cik": "1051848", "ticker": "CAO", "sic": "5531", "document_type": "4",
                   "is_amendment": False, "owner_key": "p:MORRISON RANDI",
                   "officer_title": "VP, General Counsel, Secretary", "role": "GC", "is_csuite": True},
        rows=[
            tx(N, "F", "D", 167, 15.53, 4448, "D", plan=False, cashless=False, transaction_date="2006-10-18"),
            tx(D, "A", "A", 125000, 0.00, 125000, "D", plan=False, cashless=False,
               exercise_price=20.00, underlying_title="Incentive Bonus Unit", underlying_shares=125000),
        ],
    ),
    Case(
        id="pem_wrapped_txt__X0202__derivative_only__exercise_without_sale_is_not_cashless",
        path="submissions_txt/cjavdev__sec_edgar/0000019446-06-000081__filing18.txt",
        families=("pem_wrapped_txt", "X0202", "derivative_only"),
        filing={
            "accessionNo": "0000019446-06-000081",
            "filedAt": "2006-10-19T12:34:47-04:00",
            "schemaVersion": "X0202",
            "documentType": "4",
            "periodOfReport": "2006-10-18",
            "notSubjectToSection16": False,  # no element in the XML: false, as sec-api writes it
            "issuer": {"cik": "19446", "name": "CANTEL MEDICAL CORP", "tradingSymbol": "CMN"},
            "classification": {"sic": "3841"},
            "reportingOwners": [owner(
                "1244403", "DORNBUSH DARWIN C", True, False, False, False,
                address={"street1": "DORNBUSH SCHAEFFER STRONGIN & VENAGLIA", "street2": "747 THIRD AVENUE",
                         "city": "NEW YORK", "state": "NY", "zipCode": "10017"})],
            "nonDerivativeTable": ABSENT,
            "derivativeTable": {"transactions": [{
                "securityTitle": "Option (Right to Buy)",
                "conversionOrExercisePrice": 9.97,
                "transactionDate": "2006-10-18",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False},
                "amounts": {"shares": 1125, "pricePerShare": 0, "acquiredDisposedCode": "D"},
                "exerciseDate": "2001-10-31",
                "expirationDate": "2006-10-31",
                "underlyingSecurity": {"title": "Common Stock", "shares": 1125},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 0},
                "ownershipNature": {"directOrIndirectOwnership": "D", "natureOfOwnership": ABSENT},
            }]},
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Darwin C. Dornbush",
            "ownerSignatureNameDate": "2006-10-19",
        },
        every_row={"owner_key": "p:DARWIN DORNBUSH", "role": None, "is_csuite": False, "is_director": True,
                   "sic": "3841", "ticker": "CMN"},
        rows=[tx(D, "M", "D", 1125, 0, 0, "D", plan=False, cashless=False, exercise_price=9.97,
                 underlying_shares=1125, transaction_date="2006-10-18")],
    ),
    # --- one filing per remaining schema version -----------------------------------------
    Case(
        id="X0303__pem_wrapped_2010__voluntary_form5_coding_on_a_form4__espp_is_not_10b5_1",
        path="submissions_txt/AndresOlivaDenis__sec_edgar/320193/2010QTR1/0001181431-10-001894.txt",
        families=("X0303", "pem_wrapped_txt"),
        filing={
            "accessionNo": "0001181431-10-001894",
            "filedAt": "2010-01-06T17:27:12-05:00",
            "schemaVersion": "X0303",
            "documentType": "4",
            "periodOfReport": "2009-12-24",
            "notSubjectToSection16": False,
            "issuer": {"cik": "320193", "name": "APPLE INC", "tradingSymbol": "AAPL"},
            "classification": {"sic": "3571"},
            "reportingOwners": [owner("1449649", "Papermaster Mark D", False, True, False, False,
                                      "Senior Vice President")],
            "nonDerivativeTable": {"transactions": [{
                **nd_tx("2009-12-24", "A", 176, 120.6745, "A", 176, form="5", price_fn=["F2"],
                        title="Common Stock (ESPP)"),
                "securityTitleFootnoteId": ["F1"],
            }]},
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": "The reporting person is voluntarily reporting the acquisition of shares of the "
                                     "issuer's common stock pursuant to the Apple Inc. Employee Stock Purchase Plan "
                                     '("ESPP"), for the ESPP purchase period of June 29, 2009 through December 24, '
                                     "2009. This transaction is also exempt under Rule 16b-3(c)."},
                {"id": "F2", "text": "In accordance with the ESPP, these shares were purchased based on 85% of the "
                                     "closing price of the issuer's common stock on June 29, 2009."},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Mark D. Papermaster",
            "ownerSignatureNameDate": "2010-01-06",
        },
        every_row={"owner_key": "p:MARK PAPERMASTER", "role": "SVP", "is_csuite": False, "sic": "3571"},
        rows=[tx(N, "A", "A", 176, 120.6745, 176, "D", plan=False, cashless=False)],
    ),
    Case(
        id="X0304__rsu_vesting_with_tax_withholding_is_cashless__vice_chairman_is_not_chair",
        path="submissions_txt/AndresOlivaDenis__sec_edgar/50863/2011QTR3/0001127602-11-023702.txt",
        families=("X0304", "footnote_only_value"),
        filing={
            "accessionNo": "0001127602-11-023702",
            "filedAt": "2011-08-16T13:22:31-04:00",
            "schemaVersion": "X0304",
            "documentType": "4",
            "periodOfReport": "2011-08-15",
            "issuer": {"cik": "50863", "name": "INTEL CORP", "tradingSymbol": "INTC"},
            "classification": {"sic": "3674"},
            "reportingOwners": [owner("1131061", "BRYANT ANDY D", True, True, title="Vice Chmn, Exec VP, TMES, CAO")],
            "nonDerivativeTable": {
                "transactions": [
                    nd_tx("2011-08-15", "M", 2084, 0, "A", 275782, shares_fn=["F1"]),
                    nd_tx("2011-08-15", "F", 950, 20.78, "D", 274832, shares_fn=["F2"]),
                ],
                "holdings": [
                    {"securityTitle": "Common Stock",
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 1000},
                     "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "By Daughter"}},
                    {"securityTitle": "Common Stock",
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 2807.106},
                     "ownershipNature": {"directOrIndirectOwnership": "I",
                                         "natureOfOwnership": "By Employee Benefit Plan Trust"}},
                    {"securityTitle": "Common Stock",
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 1600},
                     "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "By Son"}},
                ],
            },
            "derivativeTable": {"transactions": [{
                "securityTitle": "Restricted Stock Units",
                "conversionOrExercisePrice": 0, "conversionOrExercisePriceFootnoteId": ["F3"],
                "transactionDate": "2011-08-15",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False},
                "amounts": {"shares": 2084, "pricePerShare": 0, "acquiredDisposedCode": "D"},
                "exerciseDate": "2010-05-15", "exerciseDateFootnoteId": ["F4"],
                "expirationDate": None, "expirationDateFootnoteId": ["F4"],
                "underlyingSecurity": {"title": "Common Stock", "shares": 2084},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 41667},
                "ownershipNature": {"directOrIndirectOwnership": "D"},
            }]},
            "footnotes": [
                {"id": "F1", "text": "Shares acquired on the vesting of restricted stock units."},
                {"id": "F2", "text": "Shares withheld for payment of tax liability."},
                {"id": "F3"},
                {"id": "F4"},
            ],
            "ownerSignatureName": "/s/ Wendy Yemington, attorney-in-fact",
            "ownerSignatureNameDate": "2011-08-16",
        },
        every_row={"owner_key": "p:ANDY BRYANT", "role": "VICE_CHAIR", "is_csuite": False,
                   "officer_title": "Vice Chmn, Exec VP, TMES, CAO", "sic": "3674"},
        rows=[
            tx(N, "M", "A", 2084, 0, 275782, "D", plan=False, cashless=True),
            tx(N, "F", "D", 950, 20.78, 274832, "D", plan=False, cashless=True),
            tx(D, "M", "D", 2084, 0, 41667, "D", plan=False, cashless=True, exercise_price=0),
        ],
    ),
    Case(
        id="X0305__10b5_1_footnote_marks_only_the_row_citing_it__exercise_and_sale_is_cashless",
        path="submissions_txt/AndresOlivaDenis__sec_edgar/50863/2012QTR1/0001127602-12-011951.txt",
        families=("X0305", "10b5-1_footnote"),
        filing={
            "accessionNo": "0001127602-12-011951",
            "filedAt": "2012-03-27T18:23:59-04:00",
            "schemaVersion": "X0305",
            "documentType": "4",
            "periodOfReport": "2012-03-26",
            "notSubjectToSection16": False,  # no element in the XML: false, as sec-api writes it
            "issuer": {"cik": "50863", "name": "INTEL CORP", "tradingSymbol": "INTC"},
            "classification": {"sic": "3674"},
            "reportingOwners": [owner("1188928", "HUNDT REED E", True, address={
                "street1": "2001 K STREET, NW, SUITE 802", "street2": ABSENT, "city": "WASHINGTON", "state": "DC",
                "zipCode": "20006"})],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2012-03-26", "M", 19000, 27.15, "A", 71335),
                nd_tx("2012-03-26", "S", 19000, 28.15, "D", 52335, shares_fn=["F1"]),
            ]},
            "derivativeTable": {"transactions": [{
                "securityTitle": "Employee Stock Option (Right to Buy)",
                "conversionOrExercisePrice": 27.15,
                "transactionDate": "2012-03-26",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False},
                "amounts": {"shares": 19000, "pricePerShare": 0, "acquiredDisposedCode": "D"},
                "exerciseDate": "2006-07-20",
                "expirationDate": "2012-07-20",
                "underlyingSecurity": {"title": "Common Stock", "shares": 19000},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 0},
            }]},
            "footnotes": [{"id": "F1", "text": "Transactions reported on this Form 4 were made pursuant to trading "
                                               "instructions adopted by the undersigned on April 29, 2010 that are "
                                               "intended to comply with Rule 10b5-1(c)."}],
            "ownerSignatureName": "/s/ Wendy Yemington, attorney-in-fact",
            "ownerSignatureNameDate": "2012-03-27",
        },
        every_row={"owner_key": "p:HUNDT REED", "role": None, "is_csuite": False, "is_director": True},
        rows=[
            tx(N, "M", "A", 19000, 27.15, 71335, "D", plan=False, cashless=True),
            tx(N, "S", "D", 19000, 28.15, 52335, "D", plan=True, cashless=True),
            tx(D, "M", "D", 19000, 0, 0, "D", plan=False, cashless=True, exercise_price=27.15),
        ],
    ),
    Case(
        id="X0206__form3_holdings_only__director_with_no_securities_as_a_holding_row",
        path="submissions_txt/AndresOlivaDenis__sec_edgar/1652044/2019QTR4/0001209191-19-060249.txt",
        families=("X0206", "form3_holdings_only"),
        filing={
            "accessionNo": "0001209191-19-060249",
            "filedAt": "2019-12-12T17:20:34-05:00",
            "schemaVersion": "X0206",
            "documentType": "3",
            "periodOfReport": "2019-12-07",
            "issuer": {"cik": "1652044", "name": "Alphabet Inc.", "tradingSymbol": "GOOG"},
            "classification": {"sic": "7370"},
            "reportingOwners": [owner("1665419", "ARNOLD FRANCES", True, False, False, False)],
            "nonDerivativeTable": {
                "transactions": ABSENT,
                "holdings": [{"securityTitle": "No securities are beneficially owned.",
                              "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 0},
                              "ownershipNature": {"directOrIndirectOwnership": "D"}}],
            },
            "derivativeTable": ABSENT,
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Valentina Margulis, as Attorney-in-Fact for Frances H. Arnold",
            "ownerSignatureNameDate": "2019-12-12",
        },
    ),
    Case(
        id="X0407__aff10b5One_element_false__tax_withholding_alone_is_not_cashless",
        path="submissions_txt/stefanoamorelli__sec-edgar-toolkit/0001045810-23-000128__nvidia_8k_2023.txt",
        families=("X0407", "aff10b5One_element"),
        filing={
            "accessionNo": "0001045810-23-000128",
            "filedAt": "2023-06-23T19:44:09-04:00",
            "schemaVersion": "X0407",
            "documentType": "4",
            "periodOfReport": "2023-06-21",
            "notSubjectToSection16": False,
            "aff10b5One": False,
            "issuer": {"cik": "1045810", "name": "NVIDIA CORP", "tradingSymbol": "NVDA"},
            "classification": {"sic": "3674"},
            "reportingOwners": [owner("1283854", "Shoquist Debora", False, True, False, False, "EVP, Operations")],
            "nonDerivativeTable": {
                "transactions": [
                    nd_tx("2023-06-21", "F", 7449, 430.45, "D", 205539, shares_fn=["F1"], after_fn=["F2"]),
                ],
                "holdings": [{"securityTitle": "Common Stock",
                              "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 139860},
                              "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "By Trust",
                                                  "natureOfOwnershipFootnoteId": ["F3"]}}],
            },
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": "Represents shares of the Issuer's common stock withheld by the Issuer to satisfy "
                                     "taxes due by the Reporting Person in connection with the vesting of restricted "
                                     "stock units previously reported on a Form 4."},
                {"id": "F2", "text": "Includes 7,568 shares issued upon the vesting of restricted stock units "
                                     "previously reported on a Form 4."},
                {"id": "F3", "text": "The shares are held by the Debora C. Shoquist Revocable Living Trust, of which "
                                     "the Reporting Person is a trustee."},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Rebecca Peters, Attorney-in-Fact for Debora Shoquist",
            "ownerSignatureNameDate": "2023-06-23",
        },
        every_row={"owner_key": "p:DEBORA SHOQUIST", "role": "EVP", "is_csuite": False, "ticker": "NVDA"},
        rows=[tx(N, "F", "D", 7449, 430.45, 205539, "D", plan=False, cashless=False)],
    ),
    Case(
        id="X0508__aff10b5One_true_marks_every_row__weighted_average_prices",
        path="ownership_xml/RxDataLab__go-edgar/arrowhead_footnotes.xml",
        families=("X0508", "aff10b5One_element", "aff10b5One_true", "weighted_avg_footnote", "10b5-1_footnote"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "filedAt": None,
            "schemaVersion": "X0508",
            "documentType": "4",
            "periodOfReport": "2025-12-19",
            "notSubjectToSection16": False,
            "aff10b5One": True,
            "issuer": {"cik": "879407", "name": "ARROWHEAD PHARMACEUTICALS, INC.", "tradingSymbol": "ARWR"},
            "classification": ABSENT,
            "reportingOwners": [owner("1242615", "OLUKOTUN ADEOYE Y", True, False, False, False)],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2025-12-19", "S", 3090, 66.70, "D", 40510, shares_fn=["F1"], price_fn=["F2"], after_fn=["F3"]),
                nd_tx("2025-12-19", "S", 6083, 68.04, "D", 34427, shares_fn=["F1"], price_fn=["F4"], after_fn=["F3"]),
                nd_tx("2025-12-19", "S", 827, 68.48, "D", 33600, shares_fn=["F1"], price_fn=["F5"], after_fn=["F3"]),
            ]},
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": "Shares were sold pursuant to a 10b5-1 trading plan adopted by the Reporting "
                                     "Person in accordance with Rule 10b5-1 of the Securities Exchange Act of 1934, "
                                     "as amended."},
                {"id": "F2", "text": "The price reported on Column 4 is the weighted average price. These shares were "
                                     "sold in multiple transactions at prices ranging from $66.52 to $67.40, "
                                     "inclusive. The reporting person undertakes to provide to Arrowhead "
                                     "Pharmaceuticals, Inc., any security holder of Arrowhead Pharmaceuticals, Inc., "
                                     "or the staff of the Securities and Exchange Commission, upon request, full "
                                     "information regarding the number of shares sold at each separate price within "
                                     "the ranges set forth in this footnote of this Form 4."},
                {"id": "F3"}, {"id": "F4"}, {"id": "F5"},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/Adeoye Olukotun",
            "ownerSignatureNameDate": "2025-12-23",
        },
        every_row={"owner_key": "p:ADEOYE OLUKOTUN", "role": None, "is_csuite": False, "sic": None,
                   "ticker": "ARWR", "filed_at": None},
        rows=[
            tx(N, "S", "D", 3090, 66.70, 40510, "D", plan=True, cashless=False),
            tx(N, "S", "D", 6083, 68.04, 34427, "D", plan=True, cashless=False),
            tx(N, "S", "D", 827, 68.48, 33600, "D", plan=True, cashless=False),
        ],
    ),
    # --- dates carrying a timezone suffix ------------------------------------------------------
    Case(
        id="date_with_tz_suffix__X0508__true_false_booleans__foreign_entity_owner",
        path="ownership_xml/feiseli__edgar-pipeline/form4_tz_suffix_date.xml",
        families=("date_with_tz_suffix", "X0508", "aff10b5One_element", "entity_owner"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "schemaVersion": "X0508",
            "documentType": "4",
            "periodOfReport": "2024-07-19",
            "notSubjectToSection16": False,
            "aff10b5One": False,
            "issuer": {"cik": "1590715", "name": "American Resources Corp", "tradingSymbol": "AREC"},
            "reportingOwners": [owner(
                "1662466", "GOLDEN PROPERTIES LTD.", False, False, True, False,
                address={"street1": "#500", "street2": "1177 WEST HASTINGS STREET", "city": "VANCOUVER",
                         "state": "A1", "zipCode": "V6E 2K3", "stateDescription": "BRITISH COLUMBIA, CANADA"})],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2024-07-19", "P", 800000, 0.67, "D", 14389960, title="Class A Common Stock"),
            ]},
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Alex Lau",
            "ownerSignatureNameDate": "2024-07-19",
        },
        every_row={"owner_key": "cik:1662466", "role": None, "is_csuite": False, "is_ten_percent_owner": True,
                   "period_of_report": "2024-07-19"},
        rows=[tx(N, "P", "D", 800000, 0.67, 14389960, "D", plan=False, cashless=False,
                 transaction_date="2024-07-19")],
    ),
    Case(
        id="date_with_tz_suffix__X0306__director_stock_grant_at_zero_price",
        path="ownership_xml/ConnorVO__springloading_insider_trades/xml_timestamp.xml",
        families=("date_with_tz_suffix", "X0306"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "schemaVersion": "X0306",
            "documentType": "4",
            "periodOfReport": "2021-09-30",
            "notSubjectToSection16": False,
            "issuer": {"cik": "1443863", "name": "BioCorRx Inc.", "tradingSymbol": "BICX"},
            "reportingOwners": [owner("1198613", "GALLIGAN JOSEPH J", True, False, True, False)],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2021-09-30", "A", 1381, 0, "A", 35248, coding_fn=["F1"], title="Common Stock, par value $0.001"),
            ]},
            "footnotes": [{"id": "F1", "text": (
                "These shares were issued to Mr. Galligan pursuant to a Director Agreement, dated February 16, 2021, "
                "by and between BioCorRx Inc. and Mr. Galligan. As compensation for his services, Mr. Galligan shall "
                "be issued, upon the last day of each fiscal quarter, provided Mr. Galligan is a member of the Board "
                "as of such date, the number of shares of the Company's common stock equivalent to $5,000 as "
                "determined based on the average closing price on the three trading days immediately preceding the "
                "last day of such quarter. The average closing price on the three trading days immediately preceding "
                "the date of this transaction was $3.62.")}],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Joseph J. Galligan",
            "ownerSignatureNameDate": "2021-10-26",
        },
        every_row={"owner_key": "p:GALLIGAN JOSEPH", "role": None, "is_csuite": False,
                   "period_of_report": "2021-09-30"},
        rows=[tx(N, "A", "A", 1381, 0, 35248, "D", plan=False, cashless=False, transaction_date="2021-09-30")],
    ),
    # --- footnotes carrying the numbers ---------------------------------------------------------
    Case(
        id="weighted_avg_footnote__multi_owner__entity_owner__director_behind_a_fund_is_the_owner",
        path="ownership_xml/ConnorVO__springloading_insider_trades/xml_2.xml",
        families=("weighted_avg_footnote", "multi_owner", "entity_owner", "X0306"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "schemaVersion": "X0306",
            "documentType": "4",
            "periodOfReport": "2021-09-14",
            "notSubjectToSection16": False,
            "issuer": {"cik": "1810806", "name": "Unity Software Inc.", "tradingSymbol": "U"},
            "reportingOwner": {"cik": "1826287", "name": "OTEE 2020 ApS"},
            "reportingOwners": [
                owner("1826287", "OTEE 2020 ApS", True, False, True, False,
                      address={"street1": "STOCKHOLMSGADE 45", "city": "COPENHAGEN O", "state": "G7",
                               "zipCode": "2100", "stateDescription": "DENMARK"}),
                owner("1824018", "Helgason David", True, False, False, False),
                owner("1826146", "Ante Joachim Christoph", False, False, True, False),
            ],
            "nonDerivativeTable": {
                "transactions": [
                    nd_tx(date, "S", shares, price, "D", after, "I", price_fn=[fn],
                          natureOfOwnership="See Footnote", natureOfOwnershipFootnoteId=["F2"])
                    for date, shares, price, fn, after in (
                        ("2021-09-14", 124065, 131.8606, "F1", 28490435),
                        ("2021-09-14", 20448, 132.7698, "F3", 28469987),
                        ("2021-09-14", 5487, 133.6182, "F4", 28464500),
                        ("2021-09-15", 16966, 129.4650, "F5", 28447534),
                        ("2021-09-15", 40584, 130.3662, "F6", 28406950),
                        ("2021-09-15", 68754, 131.2422, "F7", 28338196),
                        ("2021-09-15", 23696, 132.0413, "F8", 28314500),
                    )
                ],
                "holdings": [
                    {"securityTitle": "Common Stock",
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 2407},
                     "ownershipNature": {"directOrIndirectOwnership": "D",
                                         "directOrIndirectOwnershipFootnoteId": ["F9"]}},
                    {"securityTitle": "Common Stock",
                     "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 12297},
                     "ownershipNature": {"directOrIndirectOwnership": "D",
                                         "directOrIndirectOwnershipFootnoteId": ["F10"]}},
                ],
            },
            "footnotes": [
                {"id": "F1", "text": "The price reported in Column 4 is a weighted average price. These shares were "
                                     "sold in multiple transactions at prices ranging from $131.3600 to $132.3400, "
                                     "inclusive. The reporting person undertakes to provide to the Issuer, any "
                                     "security holder of the Issuer or the staff of the Securities and Exchange "
                                     "Commission, upon request, full information regarding the number of shares sold "
                                     "at each separate price within the range set forth in this Form 4."},
                {"id": "F2"}, {"id": "F3"}, {"id": "F4"}, {"id": "F5"}, {"id": "F6"}, {"id": "F7"}, {"id": "F8"},
                {"id": "F9"},
                {"id": "F10", "text": "Represents 12,297 restricted stock units granted to Mr. Ante. The shares "
                                      "subject to these awards vest according to the following schedule: 30% on "
                                      "each of November 25, 2022 and November 25, 2023 and 40% on November 25, "
                                      "2024, subject to the Reporting Person's continued service through each such "
                                      "vesting date."},
            ],
            "ownerSignatureName": "OTEE 2020 ApS, By: /s/ Joachim Christoph Ante, Director, By: /s/ David Helgason, "
                                  "Director",
            "ownerSignatureNameDate": "2021-09-15",
        },
        every_row={"owner_key": "p:DAVID HELGASON", "owner_ciks": ["1826287", "1824018", "1826146"],
                   "is_director": True, "is_ten_percent_owner": True, "role": None, "is_csuite": False, "ticker": "U"},
        rows=[
            tx(N, "S", "D", shares, price, after, "I", plan=False, cashless=False)
            for shares, price, after in (
                (124065, 131.8606, 28490435), (20448, 132.7698, 28469987), (5487, 133.6182, 28464500),
                (16966, 129.4650, 28447534), (40584, 130.3662, 28406950), (68754, 131.2422, 28338196),
                (23696, 132.0413, 28314500),
            )
        ],
    ),
    Case(
        id="footnote_only_value__price_kept_as_null_with_its_footnote__value_null__title_CEO_and_chair",
        path="ownership_xml/ConnorVO__springloading_insider_trades/xml_no_price.xml",
        families=("footnote_only_value", "title_CEO_variants", "X0306"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "documentType": "4",
            "periodOfReport": "2021-10-22",
            "issuer": {"cik": "105132", "name": "WD 40 CO", "tradingSymbol": "WDFC"},
            "reportingOwners": [owner("1191649", "RIDGE GARRY O", True, True, False, False, "CEO and Board Chair",
                                      address={"street1": "9715 BUSINESSPARK AVENUE", "street2": ABSENT,
                                               "city": "SAN DIEGO", "state": "CA", "zipCode": "92131"})],
            "nonDerivativeTable": {
                "transactions": [
                    nd_tx("2021-10-22", "F", 2032, None, "D", 66340.648, shares_fn=["F1"], price_fn=["F1"]),
                    nd_tx("2021-10-22", "F", 3961, None, "D", 62379.648, shares_fn=["F2"], price_fn=["F2"]),
                    nd_tx("2021-10-22", "F", 1672, None, "D", 60707.648, shares_fn=["F3"], price_fn=["F3"],
                          after_fn=["F4"]),
                ],
                "holdings": [{"securityTitle": "Common Stock",
                              "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 12460.505},
                              "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "By Spouse",
                                                  "natureOfOwnershipFootnoteId": ["F5"]}}],
            },
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": "Shares withheld pursuant to mandatory provisions of Restricted Stock Unit (RSU) "
                                     "Award Agreements in satisfaction of tax withholding obligation upon settlement "
                                     "of 4,095 RSUs (Common Stock equivalents)."},
                {"id": "F2"}, {"id": "F3"}, {"id": "F4"}, {"id": "F5"},
            ],
            "ownerSignatureName": "Richard T. Clampitt, attorney-in-fact for Garry O. Ridge",
            "ownerSignatureNameDate": "2021-10-26",
        },
        every_row={"owner_key": "p:GARRY RIDGE", "role": "CEO", "is_csuite": True,
                   "officer_title": "CEO and Board Chair"},
        rows=[
            tx(N, "F", "D", 2032, None, 66340.648, "D", plan=False, cashless=False),
            tx(N, "F", "D", 3961, None, 62379.648, "D", plan=False, cashless=False),
            tx(N, "F", "D", 1672, None, 60707.648, "D", plan=False, cashless=False),
        ],
    ),
    Case(
        id="10b5_1_footnote_on_the_coding__trust_of_one_person_keyed_as_that_person",
        path="submissions_txt/cjavdev__sec_edgar/0001209191-15-030372__filing19.txt",
        families=("10b5-1_footnote", "entity_owner", "weighted_avg_footnote", "X0306"),
        filing={
            "accessionNo": "0001209191-15-030372",
            "filedAt": "2015-03-31T14:26:21-04:00",
            "documentType": "4",
            "periodOfReport": "2015-03-27",
            "notSubjectToSection16": False,
            "issuer": {"cik": "1569391", "name": "KCG Holdings, Inc.", "tradingSymbol": "KCG"},
            "classification": {"sic": "6211"},
            "reportingOwners": [owner("1580516", "Daniel V. Tierney 2011 Trust", False, False, True, False)],
            "nonDerivativeTable": {"transactions": [
                {**nd_tx("2015-03-27", "S", 16883, 12.41, "D", 8726227, coding_fn=["F1"], price_fn=["F2"],
                         directOrIndirectOwnershipFootnoteId=["F3"],
                         title="Class A Common Stock, par value $0.01 per share"),
                 "timeliness": ABSENT},
                nd_tx("2015-03-30", "S", 29619, 12.37, "D", 8696608, coding_fn=["F1"], price_fn=["F4"],
                      directOrIndirectOwnershipFootnoteId=["F3"],
                      title="Class A Common Stock, par value $0.01 per share"),
            ]},
            "footnotes": [
                {"id": "F1", "text": "Transactions executed in accordance with a Rule 10b5-1 trading plan established "
                                     "on February 2, 2015."},
                {"id": "F2"}, {"id": "F3"}, {"id": "F4"},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Emma Cuadrado, by power of attorney",
            "ownerSignatureNameDate": "2015-03-31",
        },
        every_row={"owner_key": "p:DANIEL TIERNEY", "role": None, "is_csuite": False, "sic": "6211"},
        rows=[
            tx(N, "S", "D", 16883, 12.41, 8726227, "D", plan=True, cashless=False, transaction_date="2015-03-27"),
            tx(N, "S", "D", 29619, 12.37, 8696608, "D", plan=True, cashless=False, transaction_date="2015-03-30"),
        ],
    ),
    Case(
        id="10b5_1_footnote_on_the_security_title__title_general_counsel_abbreviated_GC",
        path="submissions_txt/dgunning__edgartools/0000320193-22-000061.txt",
        families=("10b5-1_footnote", "title_general_counsel", "weighted_avg_footnote", "X0306"),
        filing={
            "accessionNo": "0000320193-22-000061",
            "filedAt": "2022-05-06T18:30:57-04:00",
            "documentType": "4",
            "periodOfReport": "2022-05-04",
            "issuer": {"cik": "320193", "name": "Apple Inc.", "tradingSymbol": "AAPL"},
            "classification": {"sic": "3571"},
            "reportingOwners": [owner("1462356", "Adams Katherine L.", False, True, False, False,
                                      "SVP, GC and Secretary")],
            "nonDerivativeTable": {"transactions": [
                {**nd_tx("2022-05-04", "S", shares, price, "D", after, price_fn=[fn]),
                 "securityTitleFootnoteId": ["F1"]}
                for shares, price, fn, after in (
                    (9136, 159.94, "F2", 468198), (5316, 160.82, "F3", 462882), (4006, 161.93, "F4", 458876),
                    (900, 162.77, "F5", 457976), (1550, 163.94, "F6", 456426), (1800, 165.06, "F7", 454626),
                    (2292, 165.95, "F8", 452334),
                )
            ]},
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": "This transaction was made pursuant to a Rule 10b5-1 trading plan adopted by the "
                                     "reporting person on August 16, 2021."},
                {"id": "F2"}, {"id": "F3"}, {"id": "F4"}, {"id": "F5"}, {"id": "F6"}, {"id": "F7"}, {"id": "F8"},
            ],
            "ownerSignatureName": "/s/ Sam Whittington, Attorney-in-Fact for Katherine L. Adams",
            "ownerSignatureNameDate": "2022-05-06",
        },
        every_row={"owner_key": "p:ADAMS KATHERINE", "role": "GC", "is_csuite": True},
        rows=[
            tx(N, "S", "D", shares, price, after, "D", plan=True, cashless=False)
            for shares, price, after in (
                (9136, 159.94, 468198), (5316, 160.82, 462882), (4006, 161.93, 458876), (900, 162.77, 457976),
                (1550, 163.94, 456426), (1800, 165.06, 454626), (2292, 165.95, 452334),
            )
        ],
    ),
    Case(
        id="derivative_only__option_grant__legal_disclaimer_remarks_are_not_a_plan",
        path="submissions_txt/cjavdev__sec_edgar/0000897101-14-000522__filing8.txt",
        families=("derivative_only", "remarks", "footnote_only_value", "X0306"),
        filing={
            "accessionNo": "0000897101-14-000522",
            "filedAt": "2014-04-25T12:15:54-04:00",
            "documentType": "4",
            "periodOfReport": "2014-04-23",
            "issuer": {"cik": "88790", "name": "INTRICON CORP", "tradingSymbol": "IIN"},
            "classification": {"sic": "3670"},
            "reportingOwners": [owner("1217067", "MCKENNA MICHAEL J", True, False, False, False, ABSENT)],
            "nonDerivativeTable": ABSENT,
            "derivativeTable": {"transactions": [{
                "securityTitle": "Option to purchase common stock",
                "conversionOrExercisePrice": 6.82,
                "transactionDate": "2014-04-23",
                "coding": {"formType": "4", "code": "A", "equitySwapInvolved": False},
                "amounts": {"shares": 12000, "pricePerShare": 0, "acquiredDisposedCode": "A"},
                "exerciseDate": None, "exerciseDateFootnoteId": ["F1"],
                "expirationDate": "2024-04-23",
                "underlyingSecurity": {"title": "Common Stock", "shares": 12000},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 12000},
                "ownershipNature": {"directOrIndirectOwnership": "D"},
            }], "holdings": ABSENT},
            "footnotes": [{"id": "F1", "text": "The options will become exercisable in three equal, annual "
                                               "installments beginning one year from the date of grant or earlier "
                                               "upon the death, disability or retirement of the recipient or a change "
                                               "of control of the Company (as provided in the 2006 Equity Incentive "
                                               "Plan)."}],
            "remarks": "The filing of this Statement shall not be construed as an admission (a) that the person filing "
                       "this Statement is, for the purposes of Section 16 of the Securities Exchange Act of 1934 (as "
                       "amended), the beneficial owner of any equity securities covered by this Statement, or (b) that "
                       "this Statement is legally required to filed by such person.",
            "ownerSignatureName": "/s/ Scott Longval, attorney-in-fact",
            "ownerSignatureNameDate": "2014-04-25",
        },
        every_row={"owner_key": "p:MCKENNA MICHAEL", "role": None, "is_csuite": False},
        rows=[tx(D, "A", "A", 12000, 0, 12000, "D", plan=False, cashless=False, exercise_price=6.82,
                 underlying_title="Common Stock", underlying_shares=12000)],
    ),
    Case(
        id="title_general_counsel__footnote_only_price_and_exercise_price__psu_settlement_is_cashless",
        path="submissions_txt/rs-kellogg__edgar-data-extract/form-4/1632944_3_0001567619-20-015688.txt",
        families=("title_general_counsel", "footnote_only_value", "X0306"),
        filing={
            "accessionNo": "0001567619-20-015688",
            "filedAt": "2020-08-18T16:10:51-04:00",
            "documentType": "4",
            "periodOfReport": "2020-08-15",
            "issuer": {"cik": "1564708", "name": "NEWS CORP", "tradingSymbol": "NWS"},
            "classification": {"sic": "2711"},
            "reportingOwners": [owner("1632944", "Pitofsky David B", False, True, False, False, "General Counsel")],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2020-08-15", "M", 81217, None, "A", 104083, shares_fn=["F1"], price_fn=["F2"],
                      title="Class A Common Stock"),
                nd_tx("2020-08-15", "F", 40778, 15.33, "D", 63305, shares_fn=["F3"], title="Class A Common Stock"),
            ]},
            "derivativeTable": {"transactions": [{
                "securityTitle": "Stock-Settled Performance Stock Units",
                "conversionOrExercisePrice": None, "conversionOrExercisePriceFootnoteId": ["F4"],
                "transactionDate": "2020-08-15",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False},
                "amounts": {"shares": 81217, "sharesFootnoteId": ["F1"], "pricePerShare": None,
                            "pricePerShareFootnoteId": ["F2"], "acquiredDisposedCode": "D"},
                "exerciseDate": "2020-08-15",
                "expirationDate": "2020-08-15",
                "underlyingSecurity": {"title": "Class A Common Stock", "shares": 81217},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 0},
            }]},
            "footnotes": [
                {"id": "F1"},
                {"id": "F2", "text": "The stock-settled performance stock units were deemed to have settled for an "
                                     "equivalent number of shares of News Corporation's Class A Common Stock."},
                {"id": "F3", "text": "Represents shares withheld upon vesting of stock-settled performance stock units "
                                     "to satisfy tax withholding obligation."},
                {"id": "F4", "text": "Each stock-settled performance stock unit is the economic equivalent of one "
                                     "share of News Corporation's Class A Common Stock."},
            ],
            "ownerSignatureName": "/s/ Kenneth C. Mertz as Attorney-in-Fact for David B. Pitofsky",
            "ownerSignatureNameDate": "2020-08-18",
        },
        every_row={"owner_key": "p:DAVID PITOFSKY", "role": "GC", "is_csuite": True, "ticker": "NWS"},
        rows=[
            tx(N, "M", "A", 81217, None, 104083, "D", plan=False, cashless=True),
            tx(N, "F", "D", 40778, 15.33, 63305, "D", plan=False, cashless=True),
            tx(D, "M", "D", 81217, None, 0, "D", plan=False, cashless=True, exercise_price=None,
               underlying_shares=81217),
        ],
    ),
    # --- CEO titles ------------------------------------------------------------------------------
    Case(
        id="title_CEO_variants__interim_CEO_and_CFO_is_CEO__derivative_only_grant",
        path="ownership_xml/ConnorVO__springloading_insider_trades/xml_1.xml",
        families=("title_CEO_variants", "derivative_only", "footnote_only_value", "X0306"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "documentType": "4",
            "periodOfReport": "2021-09-09",
            "issuer": {"cik": "1133470", "name": "CALAVO GROWERS INC", "tradingSymbol": "CVGW"},
            "reportingOwners": [owner("1447692", "Hollister Steve", True, True, False, False,
                                      "Interim CEO & Interim CFO")],
            "nonDerivativeTable": ABSENT,
            "derivativeTable": {"transactions": [{
                "securityTitle": "Stock Option (right to buy)",
                "conversionOrExercisePrice": 39.2,
                "transactionDate": "2021-09-09",
                "coding": {"formType": "4", "code": "A", "equitySwapInvolved": False},
                "timeliness": ABSENT,
                "amounts": {"shares": 5000, "pricePerShare": 0, "acquiredDisposedCode": "A"},
                "exerciseDate": None, "exerciseDateFootnoteId": ["F1"],
                "expirationDate": "2024-09-08",
                "underlyingSecurity": {"title": "Common Stock", "shares": 5000},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 5000},
            }]},
            "footnotes": [{"id": "F1", "text": "The option vests in two equal annual installments beginning on "
                                               "September 9, 2022."}],
            "ownerSignatureName": "/s/ Tao Li, as attorney in fact",
            "ownerSignatureNameDate": "2021-09-09",
        },
        every_row={"owner_key": "p:HOLLISTER STEVE", "role": "CEO", "is_csuite": True},
        rows=[tx(D, "A", "A", 5000, 0, 5000, "D", plan=False, cashless=False, exercise_price=39.2)],
    ),
    Case(
        id="title_CEO_variants__rsu_settlement_cashless_same_day_only__10b5_1_on_later_plan_sales",
        path="ownership_xml/DarkMindFX__InsidersTradeMonitor/wf-form4_156694501621463.xml",
        families=("title_CEO_variants", "10b5-1_footnote", "footnote_only_value", "weighted_avg_footnote", "X0306"),
        filing={
            "accessionNo": PSEUDO_ACCESSION,
            "documentType": "4",
            "periodOfReport": "2019-08-24",
            "issuer": {"cik": "320193", "name": "Apple Inc.", "tradingSymbol": "AAPL"},
            "reportingOwners": [owner("1214156", "COOK TIMOTHY D", True, True, False, False,
                                      "Chief Executive Officer")],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2019-08-24", "M", 560000, None, "A", 1414849, shares_fn=["F1", "F2", "F3"], price_fn=["F4"],
                      directOrIndirectOwnershipFootnoteId=["F5"]),
                nd_tx("2019-08-24", "F", 294840, 202.64, "D", 1120009, shares_fn=["F6"],
                      directOrIndirectOwnershipFootnoteId=["F5"]),
                nd_tx("2019-08-26", "S", 129555, 205.75, "D", 990454, shares_fn=["F7"], price_fn=["F8"]),
                nd_tx("2019-08-26", "S", 132113, 206.55, "D", 858341, shares_fn=["F7"], price_fn=["F9"]),
                nd_tx("2019-08-26", "S", 3492, 207.13, "D", 854849, shares_fn=["F7"], price_fn=["F10"]),
            ]},
            "derivativeTable": {"transactions": [{
                "securityTitle": "Restricted Stock Unit",
                "conversionOrExercisePrice": None, "conversionOrExercisePriceFootnoteId": ["F4"],
                "transactionDate": "2019-08-24",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False},
                "amounts": {"shares": 560000, "pricePerShare": None, "pricePerShareFootnoteId": ["F4"],
                            "acquiredDisposedCode": "D"},
                "exerciseDate": None, "exerciseDateFootnoteId": ["F11"],
                "expirationDate": None, "expirationDateFootnoteId": ["F11"],
                "underlyingSecurity": {"title": "Common Stock", "shares": 560000},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 1820000},
            }]},
            "footnotes": [
                {"id": "F1", "text": "The number of restricted stock units (RSUs) includes 280,000 time-based RSUs and "
                                     "280,000 performance-based RSUs."},
                {"id": "F2"}, {"id": "F3"}, {"id": "F4"},
                {"id": "F5", "text": "These shares are held through Mr. Cook's trust."},
                {"id": "F6"},
                {"id": "F7", "text": "This transaction was made pursuant to a Rule 10b5-1 trading plan adopted by the "
                                     "reporting person's trust on February 26, 2019."},
                {"id": "F8"}, {"id": "F9"}, {"id": "F10"}, {"id": "F11"},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Sam Whittington, Attorney-in-Fact for Timothy D. Cook",
            "ownerSignatureNameDate": "2019-08-27",
        },
        every_row={"owner_key": "p:COOK TIMOTHY", "role": "CEO", "is_csuite": True,
                   "officer_title": "Chief Executive Officer"},
        rows=[
            tx(N, "M", "A", 560000, None, 1414849, "D", plan=False, cashless=True, transaction_date="2019-08-24"),
            tx(N, "F", "D", 294840, 202.64, 1120009, "D", plan=False, cashless=True),
            tx(N, "S", "D", 129555, 205.75, 990454, "D", plan=True, cashless=False, transaction_date="2019-08-26"),
            tx(N, "S", "D", 132113, 206.55, 858341, "D", plan=True, cashless=False),
            tx(N, "S", "D", 3492, 207.13, 854849, "D", plan=True, cashless=False),
            tx(D, "M", "D", 560000, None, 1820000, "D", plan=False, cashless=True, underlying_shares=560000),
        ],
    ),
    # --- notSubjectToSection16, Forms 5 and 3 --------------------------------------------------
    Case(
        id="notSubjectToSection16_true__401k_fractional_shares__chief_credit_officer_is_not_csuite",
        path="submissions_txt/rs-kellogg__edgar-data-extract/form-4/318300_2_0000318300-20-000201.txt",
        families=("notSubjectToSection16", "X0306"),
        filing={
            "accessionNo": "0000318300-20-000201",
            "filedAt": "2020-06-02T14:07:02-04:00",
            "documentType": "4",
            "periodOfReport": "2020-02-18",
            "notSubjectToSection16": True,
            "issuer": {"cik": "318300", "name": "PEOPLES BANCORP INC", "tradingSymbol": "PEBO"},
            "classification": {"sic": "6022"},
            "reportingOwners": [owner("1676807", "Stevens Robyn A.", False, True, False, False,
                                      "Chief Credit Officer")],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2020-02-18", "J", 7.60, 0, "A", 540.21, "I", natureOfOwnership="401 (k) Plan"),
                nd_tx("2020-05-18", "J", 17.66, 0, "A", 557.87, "I", natureOfOwnership="401 (k) Plan"),
            ]},
            "derivativeTable": ABSENT,
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Kathryn Bailey, attorney-in-fact for Ms. Stevens",
            "ownerSignatureNameDate": "2020-06-02",
        },
        every_row={"owner_key": "p:ROBYN STEVENS", "role": "OTHER_OFFICER", "is_csuite": False},
        rows=[
            tx(N, "J", "A", 7.60, 0, 540.21, "I", plan=False, cashless=False, transaction_date="2020-02-18"),
            tx(N, "J", "A", 17.66, 0, 557.87, "I", plan=False, cashless=False, transaction_date="2020-05-18"),
        ],
    ),
    Case(
        id="form5__notSubjectToSection16_exit_filing__no_table_rows",
        path="submissions_txt/rs-kellogg__edgar2data/form-5/1030469_1_0001381022-20-000001.txt",
        families=("form5", "notSubjectToSection16", "no_table_rows"),
        filing={
            "accessionNo": "0001381022-20-000001",
            "filedAt": "2020-02-26T15:31:13-05:00",
            "documentType": "5",
            "periodOfReport": "2019-12-31",
            "notSubjectToSection16": True,
            "issuer": {"cik": "1030469", "name": "OFG BANCORP", "tradingSymbol": "OFG"},
            "classification": {"sic": "6022"},
            "reportingOwners": [owner(
                "1381022", "ROSADO RAMON A", False, True, False, False, "SVP & Director US Loan Program",
                address={"street1": "PO BOX 195115", "city": "SAN JUAN", "state": "PR", "zipCode": "00919-5115",
                         "stateDescription": "PUERTO RICO"})],
            "nonDerivativeTable": ABSENT,
            "derivativeTable": ABSENT,
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Ramon A. Rosado",
            "ownerSignatureNameDate": "2020-02-26",
        },
    ),
    Case(
        id="form5__holdings_only__relationship_with_only_isOfficer",
        path="submissions_txt/rs-kellogg__edgar2data/form-5/1035976_1_0001437749-20-002561.txt",
        families=("form5",),
        filing={
            "accessionNo": "0001437749-20-002561",
            "filedAt": "2020-02-13T14:07:17-05:00",
            "documentType": "5",
            "periodOfReport": "2019-12-31",
            "issuer": {"cik": "1035976", "name": "FNCB Bancorp, Inc.", "tradingSymbol": "FNCB"},
            "classification": {"sic": "6021"},
            "reportingOwners": [owner("1558279", "Westington Stephanie A.", officer=True, title="SVP/CONTROLLER")],
            "nonDerivativeTable": {
                "transactions": ABSENT,
                "holdings": [{"securityTitle": "COMMON STOCK",
                              "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 11577.46,
                                                         "sharesOwnedFollowingTransactionFootnoteId": ["F1"]},
                              "ownershipNature": {"directOrIndirectOwnership": "D"}}],
            },
            "footnotes": [{"id": "F1"}],
            "ownerSignatureName": "/s/ James M. Bone, Jr., CPA, As Attorney in Fact",
            "ownerSignatureNameDate": "2020-02-13",
        },
    ),
    Case(
        id="form5__annual_gift_coded_on_form5__executive_chairman_is_chair",
        path="submissions_txt/rs-kellogg__edgar2data/form-5/1289419_1_0001289419-20-000018.txt",
        families=("form5",),
        filing={
            "accessionNo": "0001289419-20-000018",
            "filedAt": "2020-02-07T13:13:09-05:00",
            "documentType": "5",
            "periodOfReport": "2019-12-31",
            "issuer": {"cik": "1289419", "name": "Morningstar, Inc.", "tradingSymbol": "MORN"},
            "classification": {"sic": "6282"},
            "reportingOwners": [owner("1324069", "Mansueto Joseph D", True, True, True, False, "Executive Chairman")],
            "nonDerivativeTable": {"transactions": [nd_tx("2019-11-29", "G", 28000, 0, "D", 20921765, form="5")]},
            "derivativeTable": ABSENT,
            "ownerSignatureName": "/s/ Patrick Maloney, by power of attorney",
            "ownerSignatureNameDate": "2020-02-07",
        },
        every_row={"owner_key": "p:JOSEPH MANSUETO", "role": "CHAIR", "is_csuite": False, "document_type": "5"},
        rows=[tx(N, "G", "D", 28000, 0, 20921765, "D", plan=False, cashless=False, transaction_date="2019-11-29")],
    ),
    Case(
        id="form3_holdings_only__X0206__derivative_holding_with_footnote_only_dates__remarks",
        path="submissions_txt/rs-kellogg__edgar2data/form-3/1024725_1_0001209191-20-010664.txt",
        families=("form3_holdings_only", "X0206", "remarks", "footnote_only_value"),
        filing={
            "accessionNo": "0001209191-20-010664",
            "filedAt": "2020-02-19T17:12:33-05:00",
            "schemaVersion": "X0206",
            "documentType": "3",
            "periodOfReport": "2020-02-10",
            "issuer": {"cik": "1024725", "name": "TENNECO INC", "tradingSymbol": "TEN"},
            "classification": {"sic": "3714"},
            "reportingOwners": [owner("1802439", "Usitalo Scott", False, True, False, False,
                                      "Executive Vice President")],
            "nonDerivativeTable": {
                "transactions": ABSENT,
                "holdings": [{"securityTitle": "Class A Common Stock",
                              "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 16351},
                              "ownershipNature": {"directOrIndirectOwnership": "D"}}],
            },
            "derivativeTable": {
                "transactions": ABSENT,
                "holdings": [{"securityTitle": "Restricted Stock Units",
                              "conversionOrExercisePrice": 0.00,
                              "exerciseDate": None, "exerciseDateFootnoteId": ["F1"],
                              "expirationDate": None, "expirationDateFootnoteId": ["F1"],
                              "underlyingSecurity": {"title": "Class A Common Stock", "shares": 4090},
                              "postTransactionAmounts": ABSENT,
                              "ownershipNature": {"directOrIndirectOwnership": "D"}}],
            },
            "footnotes": [{"id": "F1", "text": "Reflects restricted stock units granted to the Reporting Person, "
                                               "one third of which vested on February 5, 2020, and one third of which "
                                               "vest on each of February 5, 2021 and February 5, 2022. Each restricted "
                                               "stock unit represents the contingent right to receive one share of "
                                               "Class A Common Stock."}],
            "remarks": "Exhibit List 1. Exhibit 24 - Power of Attorney",
            "ownerSignatureName": "/s/ Brandon B. Smith, Attorney-in-fact for Scott Usitalo",
            "ownerSignatureNameDate": "2020-02-19",
        },
    ),
    Case(
        id="form3_noSecuritiesOwned__no_table_rows__dst_not_yet_in_force",
        path="submissions_txt/rs-kellogg__edgar2data/form-3/1005757_1_0001127602-20-009851.txt",
        families=("form3_noSecuritiesOwned", "no_table_rows", "X0206"),
        filing={
            "accessionNo": "0001127602-20-009851",
            "filedAt": "2020-03-06T17:59:33-05:00",
            "schemaVersion": "X0206",
            "documentType": "3",
            "periodOfReport": "2020-01-10",
            "issuer": {"cik": "1005757", "name": "CSG SYSTEMS INTERNATIONAL INC", "tradingSymbol": "CSGS"},
            "classification": {"sic": "7374"},
            "reportingOwners": [owner("1804708", "Song Haiyan", True)],
            "nonDerivativeTable": ABSENT,
            "derivativeTable": ABSENT,
            "footnotes": ABSENT,
            "remarks": ABSENT,
            "ownerSignatureName": "Haiyan Song",
            "ownerSignatureNameDate": "2020-03-06",
        },
    ),
    Case(
        id="multi_owner__form3_nine_owners_of_a_venture_chain__entity_owners__remarks",
        path="submissions_txt/rs-kellogg__edgar2data/form-3/1219231_4_0001062993-20-006195.txt",
        families=("multi_owner", "entity_owner", "form3_holdings_only", "remarks", "X0206", "footnote_only_value"),
        filing={
            "accessionNo": "0001062993-20-006195",
            "filedAt": "2020-12-09T21:09:42-05:00",
            "documentType": "3",
            "periodOfReport": "2020-12-09",
            "issuer": {"cik": "1559720", "name": "Airbnb, Inc.", "tradingSymbol": "ABNB"},
            "classification": {"sic": "7340"},
            "reportingOwner": {"cik": "1607841", "name": "SC US (TTGP), LTD."},
            "reportingOwners": [
                owner(cik, name, False, False, True, False)
                for cik, name in (
                    ("1607841", "SC US (TTGP), LTD."), ("1374246", "SC XII MANAGEMENT LLC"),
                    ("1367770", "SEQUOIA CAPITAL XII A DELAWARE L P"),
                    ("1380096", "SEQUOIA TECHNOLOGY PARTNERS XII A DELAWARE L P"),
                    ("1447932", "SEQUOIA CAPITAL XII PRINCIPALS FUND LLC"), ("1195580", "LEONE DOUGLAS M"),
                    ("1222287", "BOTHA ROELOF"), ("1552459", "SCGF V Management, L.P."), ("1219231", "GOETZ JAMES J"),
                )
            ],
            "nonDerivativeTable": {"holdings": [{
                "securityTitle": "Class A Common Stock",
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 691612},
                "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "See Footnotes",
                                    "natureOfOwnershipFootnoteId": ["F1", "F2", "F3", "F4", "F5"]},
            }]},
            "derivativeTable": {"holdings": [
                {"securityTitle": title, "conversionOrExercisePrice": 0,
                 "exerciseDate": None, "exerciseDateFootnoteId": [date_fn],
                 "expirationDate": None, "expirationDateFootnoteId": [date_fn],
                 "underlyingSecurity": {"title": underlying, "shares": shares},
                 "ownershipNature": {"directOrIndirectOwnership": "I", "natureOfOwnership": "See Footnotes",
                                     "natureOfOwnershipFootnoteId": ["F2", "F3", "F4", "F5", nature_fn]}}
                for title, underlying, shares, date_fn, nature_fn in (
                    ("Class B Common Stock", "Class A Common Stock", 112934, "F6", "F7"),
                    ("Series Seed Preferred Stock", "Class B Common Stock", 60549864, "F8", "F9"),
                    ("Series A Preferred Stock", "Class B Common Stock", 8837568, "F8", "F10"),
                    ("Series B Preferred Stock", "Class B Common Stock", 90564, "F8", "F11"),
                    ("Series C Preferred Stock", "Class B Common Stock", 6098400, "F8", "F12"),
                    ("Series D Preferred Stock", "Class B Common Stock", 3684324, "F8", "F13"),
                    ("Series E Preferred Stock", "Class B Common Stock", 612280, "F8", "F14"),
                    ("Series F Preferred Stock", "Class B Common Stock", 1291598, "F8", "F15"),
                )
            ]},
            "footnotes": [
                *({"id": f"F{i}"} for i in range(1, 7)),
                {"id": "F7", "text": "Includes 109,748 shares held by GGF and 3,186 shares held by GGF PF."},
                *({"id": f"F{i}"} for i in range(8, 16)),
            ],
            "remarks": "Form 2 of 3, Exhibit 24.1 - Power of Attorney for Douglas Leone, Exhibit 24.2 - Power of "
                       "Attorney for James J. Goetz, Exhibit 24.3 - Power of Attorney for Roelof Botha",
            "ownerSignatureName": "By: /s/ Jung Yeon Son, by power of attorney for Douglas Leone, a Director of SC US "
                                  "(TTGP), Ltd.",
            "ownerSignatureNameDate": "2020-12-09",
        },
    ),
    Case(
        id="multi_owner__aff10b5One_true__director_and_his_fund__person_is_the_owner",
        path="submissions_txt/deanshelton913__sec-edgar-parser/0001079973-25-000129__form4-regression-test.txt",
        families=("multi_owner", "entity_owner", "aff10b5One_element", "aff10b5One_true", "10b5-1_footnote", "X0508"),
        filing={
            "accessionNo": "0001079973-25-000129",
            "filedAt": "2025-01-24T17:24:28-05:00",
            "schemaVersion": "X0508",
            "documentType": "4",
            "periodOfReport": "2025-01-23",
            "notSubjectToSection16": False,
            "aff10b5One": True,
            "issuer": {"cik": "788920", "name": "PRO DEX INC", "tradingSymbol": "PDEX"},
            "classification": {"sic": "3841"},
            "reportingOwner": {"cik": "1361476", "name": "CABILLOT RAYMOND E"},
            "reportingOwners": [
                owner("1361476", "CABILLOT RAYMOND E", True, False, True, False, ABSENT),
                owner("1058465", "FARNAM STREET PARTNERS LP /MN", False, False, True, False, ABSENT),
            ],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2025-01-23", "S", 835, 42.00, "D", 334646, "I", coding_fn=["F1"],
                      natureOfOwnership="By Farnam Street Partners, L.P."),
                nd_tx("2025-01-24", "S", 1436, 41.44, "D", 333210, "I", coding_fn=["F1"], price_fn=["F2"],
                      natureOfOwnership="By Farnam Street Partners, L.P."),
            ]},
            "footnotes": [
                {"id": "F1", "text": "The sales reported on this Form 4 were effected pursuant to a Rule 10b5-1 "
                                     "trading plan adopted by the reporting persons on September 20, 2024."},
                {"id": "F2"},
            ],
            "ownerSignatureName": "/s/ Alisha Charlton as attorney-in-fact for Raymond E. Cabillot",
            "ownerSignatureNameDate": "2025-01-24",
        },
        every_row={"owner_key": "p:CABILLOT RAYMOND", "owner_ciks": ["1361476", "1058465"], "role": None,
                   "is_csuite": False, "is_director": True},
        rows=[
            tx(N, "S", "D", 835, 42.00, 334646, "I", plan=True, cashless=False),
            tx(N, "S", "D", 1436, 41.44, 333210, "I", plan=True, cashless=False),
        ],
    ),
    Case(
        id="multi_owner_entity_chain__sic_is_the_issuers_not_an_owners__notSubjectToSection16",
        path="submissions_txt/AndresOlivaDenis__sec_edgar/1652044/2018QTR2/0000899243-18-018327.txt",
        families=("multi_owner", "entity_owner", "notSubjectToSection16", "footnote_only_value", "X0306"),
        filing={
            "accessionNo": "0000899243-18-018327",
            "filedAt": "2018-06-27T16:28:42-04:00",
            "documentType": "4",
            "periodOfReport": "2018-06-25",
            "notSubjectToSection16": True,
            "issuer": {"cik": "1690585", "name": "Magenta Therapeutics, Inc.", "tradingSymbol": "MGTA"},
            # The header lists Alphabet (an owner, SIC 7370) before the ISSUER block (SIC 2834).
            "classification": {"sic": "2834"},
            "reportingOwners": [
                owner(cik, name, False, False, True, False)
                for cik, name in (("1722201", "GV 2016 GP, L.L.C."), ("1722204", "GV 2016 GP, L.P."),
                                  ("1721789", "GV 2016, L.P."), ("1652044", "Alphabet Inc."))
            ],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2018-06-25", "C", 3339137, None, "A", 3339137, "I", price_fn=["F1"],
                      directOrIndirectOwnershipFootnoteId=["F2"], natureOfOwnership="By GV 2016, L.P.",
                      natureOfOwnershipFootnoteId=["F2"]),
            ]},
            "derivativeTable": {"transactions": [
                {"securityTitle": title,
                 "conversionOrExercisePrice": None, "conversionOrExercisePriceFootnoteId": ["F1"],
                 "transactionDate": "2018-06-25",
                 "coding": {"formType": "4", "code": "C", "equitySwapInvolved": False},
                 "amounts": {"shares": shares, "pricePerShare": None, "pricePerShareFootnoteId": ["F1"],
                             "acquiredDisposedCode": "D"},
                 "exerciseDate": None, "exerciseDateFootnoteId": ["F1"],
                 "expirationDate": None, "expirationDateFootnoteId": ["F1"],
                 "underlyingSecurity": {"title": "Common Stock", "shares": underlying},
                 "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 0}}
                for title, shares, underlying in (("Series A Preferred Stock", 133400, 51626),
                                                  ("Series B Preferred Stock", 8494864, 3287511))
            ]},
            "footnotes": [
                {"id": "F1", "text": "The reported securities converted into shares of the Issuer's common stock on a "
                                     "2.58398:1 basis automatically immediately prior to the closing of the Issuer's "
                                     "initial public offering without payment of further consideration. The shares "
                                     "had no expiration date."},
                {"id": "F2"},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/Zoran Zdraveski, as Attorney-in-Fact for GV 2016 GP, L.L.C.",
            "ownerSignatureNameDate": "2018-06-27",
        },
        every_row={"owner_key": "cik:1652044", "owner_ciks": ["1722201", "1722204", "1721789", "1652044"],
                   "sic": "2834", "role": None, "is_csuite": False, "is_ten_percent_owner": True},
        rows=[
            tx(N, "C", "A", 3339137, None, 3339137, "I", plan=False, cashless=False),
            tx(D, "C", "D", 133400, None, 0, "I", plan=False, cashless=False, underlying_shares=51626),
            tx(D, "C", "D", 8494864, None, 0, "I", plan=False, cashless=False, underlying_shares=3287511),
        ],
    ),
    Case(
        id="aff10b5One_true__option_exercise_and_sale_is_cashless__svp_title",
        path="submissions_txt/alexkouzel__follow-insider-api/0001790565-23-000009__ownership-doc.txt",
        families=("aff10b5One_element", "aff10b5One_true", "10b5-1_footnote", "X0508", "footnote_only_value"),
        filing={
            "accessionNo": "0001790565-23-000009",
            "filedAt": "2023-07-31T19:21:15-04:00",
            "schemaVersion": "X0508",
            "documentType": "4",
            "periodOfReport": "2023-07-27",
            "aff10b5One": True,
            "issuer": {"cik": "1318605", "name": "Tesla, Inc.", "tradingSymbol": "TSLA"},
            "classification": {"sic": "3711"},
            "reportingOwners": [owner("1790565", "Baglino Andrew D", False, True, False, False,
                                      "SVP Powertrain and Energy Eng.")],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2023-07-27", "M", 10500, 17.22, "A", 77334.25, coding_fn=["F1"]),
                nd_tx("2023-07-27", "S", 10500, 268.23, "D", 66834.25, coding_fn=["F1"]),
            ]},
            "derivativeTable": {"transactions": [{
                "securityTitle": "Non-Qualified Stock Option (right to buy)",
                "conversionOrExercisePrice": 17.22,
                "transactionDate": "2023-07-27",
                "coding": {"formType": "4", "code": "M", "equitySwapInvolved": False, "footnoteId": ["F1"]},
                "amounts": {"shares": 10500, "pricePerShare": 0.0, "acquiredDisposedCode": "D"},
                "exerciseDate": None, "exerciseDateFootnoteId": ["F2"],
                "expirationDate": "2029-07-19",
                "underlyingSecurity": {"title": "Common Stock", "shares": 10500},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 541275},
            }]},
            "footnotes": [
                {"id": "F1", "text": "The transactions reported on this Form 4 were effected pursuant to a Rule 10b5-1 "
                                     "trading plan adopted by the reporting person on November 1, 2021."},
                {"id": "F2"},
            ],
            "ownerSignatureName": "By: Aaron Beckman, Power of Attorney For: Andrew D. Baglino",
            "ownerSignatureNameDate": "2023-07-31",
        },
        every_row={"owner_key": "p:ANDREW BAGLINO", "role": "SVP", "is_csuite": False, "ticker": "TSLA"},
        rows=[
            tx(N, "M", "A", 10500, 17.22, 77334.25, "D", plan=True, cashless=True),
            tx(N, "S", "D", 10500, 268.23, 66834.25, "D", plan=True, cashless=True),
            tx(D, "M", "D", 10500, 0.0, 541275, "D", plan=True, cashless=True, exercise_price=17.22),
        ],
    ),
    # --- the .nc dissemination format ---------------------------------------------------------
    Case(
        id="nc_format__assigned_sic__filing_date_at_midnight_new_york__chief_legal_officer_is_GC",
        path="submissions_nc/dgunning__edgartools/0001127602-25-004598.nc",
        families=("nc_format", "aff10b5One_element", "title_general_counsel", "X0508"),
        filing={
            "accessionNo": "0001127602-25-004598",
            "filedAt": "2025-02-13T00:00:00-05:00",
            "schemaVersion": "X0508",
            "documentType": "4",
            "periodOfReport": "2025-02-12",
            "notSubjectToSection16": False,  # no element in the XML: false, as sec-api writes it
            "aff10b5One": False,
            "issuer": {"cik": "7536", "name": "ARROW ELECTRONICS, INC.", "tradingSymbol": "ARW"},
            "classification": {"sic": "5065"},
            "reportingOwners": [owner("1870985", "Jean-Claude Carine Lamercie", officer=True,
                                      title="SVP, CLO & Secretary")],
            "nonDerivativeTable": {"transactions": [
                {**nd_tx("2025-02-12", "A", 2193, 106.82, "A", 21878), "securityTitleFootnoteId": ["F1"]},
                {**nd_tx("2025-02-12", "F", 1009, 106.82, "D", 20869), "securityTitleFootnoteId": ["F2"]},
            ]},
            "derivativeTable": ABSENT,
            "footnotes": [
                {"id": "F1", "text": 'Represents Common Stock earned from the vesting and settlement of a Performance '
                                     'Stock Unit ("PSU") grant made on February 16, 2022, which grant was subject to a '
                                     "three-year performance period. The Company's PSUs settle, if earned over the "
                                     "related performance period, on a one-for-one basis in the Company's Common "
                                     "Stock."},
                {"id": "F2", "text": "Represents shares withheld to satisfy tax withholding obligations upon the "
                                     "vesting of the above-described PSUs."},
            ],
            "remarks": ABSENT,
            "ownerSignatureName": "/s/ Nicholas De La Cruz, Attorney-in-Fact",
            "ownerSignatureNameDate": "2025-02-13",
        },
        every_row={"owner_key": "p:CARINE CLAUDE JEAN LAMERCIE", "role": "GC", "is_csuite": True, "sic": "5065",
                   "officer_title": "SVP, CLO & Secretary"},
        rows=[
            tx(N, "A", "A", 2193, 106.82, 21878, "D", plan=False, cashless=False),
            tx(N, "F", "D", 1009, 106.82, 20869, "D", plan=False, cashless=False),
        ],
    ),
    Case(
        id="nc_format__see_remarks_title_read_from_short_remarks__zip_code_keeps_leading_zero",
        path="submissions_nc/dgunning__edgartools/0001562180-25-000280.nc",
        families=("nc_format", "remarks", "aff10b5One_element", "X0508", "footnote_only_value"),
        filing={
            "accessionNo": "0001562180-25-000280",
            "filedAt": "2025-01-08T00:00:00-05:00",
            "documentType": "4",
            "periodOfReport": "2025-01-06",
            "notSubjectToSection16": False,
            "aff10b5One": False,
            "issuer": {"cik": "1860782", "name": "2seventy bio, Inc.", "tradingSymbol": "TSVT"},
            "classification": {"sic": "2834"},
            "reportingOwners": [owner(
                "2009134", "Snow Jessica", False, True, False, False, "See Remarks",
                address={"street1": "60 BINNEY STREET", "city": "CAMBRIDGE", "state": "MA", "zipCode": "02142"})],
            "nonDerivativeTable": {"transactions": [
                {**nd_tx("2025-01-06", "A", 106150, 0.00, "A", 253329), "securityTitleFootnoteId": ["F1"]},
            ]},
            "derivativeTable": {"transactions": [{
                "securityTitle": "Stock Option (Right to buy)",
                "conversionOrExercisePrice": 2.64,
                "transactionDate": "2025-01-06",
                "coding": {"formType": "4", "code": "A", "equitySwapInvolved": False},
                "amounts": {"shares": 70750, "pricePerShare": 0.00, "acquiredDisposedCode": "A"},
                "exerciseDate": None, "exerciseDateFootnoteId": ["F2"],
                "expirationDate": "2035-01-06",
                "underlyingSecurity": {"title": "Common Stock", "shares": 70750},
                "postTransactionAmounts": {"sharesOwnedFollowingTransaction": 70750},
            }]},
            "footnotes": [{"id": "F1"}, {"id": "F2"}],
            "remarks": "Title: Senior Vice President of Quality and Enabling Functions",
            "ownerSignatureName": "/s/ Iya Kessler, Attorney-in-Fact",
            "ownerSignatureNameDate": "2025-01-08",
        },
        every_row={"owner_key": "p:JESSICA SNOW", "role": "SVP", "is_csuite": False, "officer_title": "See Remarks"},
        rows=[
            tx(N, "A", "A", 106150, 0.00, 253329, "D", plan=False, cashless=False),
            tx(D, "A", "A", 70750, 0.00, 70750, "D", plan=False, cashless=False, exercise_price=2.64),
        ],
    ),
    # --- amendments -----------------------------------------------------------------------------
    Case(
        id="amendment_4A__dateOfOriginalSubmission__rows_link_to_the_original",
        path="submissions_txt/deanshelton913__sec-edgar-parser/0000707549-25-000004__form4A.txt",
        families=("amendment", "aff10b5One_element", "remarks", "X0508"),
        filing={
            "accessionNo": "0000707549-25-000004",
            "filedAt": "2025-01-21T13:23:57-05:00",
            "schemaVersion": "X0508",
            "documentType": "4/A",
            "periodOfReport": "2024-11-04",
            "dateOfOriginalSubmission": "2024-11-04",
            "notSubjectToSection16": False,
            "aff10b5One": False,
            "issuer": {"cik": "707549", "name": "LAM RESEARCH CORP", "tradingSymbol": "LRCX"},
            "classification": {"sic": "3559"},
            "reportingOwners": [owner("1779037", "Ahmed Sohail U", True, False, False, False)],
            "nonDerivativeTable": {"transactions": [
                nd_tx("2024-11-04", "G", 3690, 0, "D", 0, "D", directOrIndirectOwnershipFootnoteId=["F1"]),
                nd_tx("2024-11-04", "G", 3690, 0, "A", 30630, "I", directOrIndirectOwnershipFootnoteId=["F1"],
                      natureOfOwnership="by trust"),
            ]},
            "derivativeTable": ABSENT,
            "footnotes": [{"id": "F1"}],
            "remarks": "Adjusted to reflect a ten-for-one forward split of the Issuer's common stock effective after "
                       "market close on October 2, 2024.",
            "ownerSignatureName": "Marta Woods by Power of Attorney",
            "ownerSignatureNameDate": "2024-12-10",
        },
        every_row={"document_type": "4/A", "is_amendment": True, "link_key": "707549|1779037|4|2024-11-04",
                   "superseded": False, "owner_key": "p:AHMED SOHAIL", "role": None, "is_csuite": False},
        rows=[
            tx(N, "G", "D", 3690, 0, 0, "D", plan=False, cashless=False),
            tx(N, "G", "A", 3690, 0, 30630, "I", plan=False, cashless=False),
        ],
    ),
]

NOT_WELL_FORMED = "submissions_txt/cjavdev__sec_edgar/0001225259-06-000003__filing16.txt"


# --- comparison: every disagreement with the XML, not just the first ---------------------------

def _diff(want, got, where: str, out: list[str]) -> None:
    if isinstance(want, dict):
        if not isinstance(got, dict):
            out.append(f"{where}: XML says {want!r}, we produce {got!r}")
            return
        for key, value in want.items():
            here = f"{where}.{key}"
            if value is ABSENT and key in RELATIONSHIP_FLAGS and where.endswith(".relationship"):
                # docs/filings.md: a relationship flag the XML omits is false ("False otherwise")
                if got.get(key) is not False:
                    out.append(f"{here}: XML has no value, we produce {got.get(key, '<absent>')!r}, want False")
            elif value is ABSENT:
                if key in got:
                    out.append(f"{here}: XML has no value, we produce {got[key]!r}")
            elif key not in got:
                out.append(f"{here}: XML says {value!r}, we produce nothing")
            else:
                _diff(value, got[key], here, out)
    elif isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            out.append(f"{where}: XML has {len(want)} items, we produce {got!r}")
            return
        for i, (w, g) in enumerate(zip(want, got)):
            _diff(w, g, f"{where}[{i}]", out)
    elif isinstance(want, Matches):
        if not isinstance(got, str) or not re.fullmatch(want.pattern, got):
            out.append(f"{where}: expected the shape {want.pattern}, we produce {got!r}")
    elif want is None or isinstance(want, bool):
        if got is not want:
            out.append(f"{where}: XML says {want!r}, we produce {got!r}")
    elif isinstance(want, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isclose(
                got, want, rel_tol=1e-9, abs_tol=1e-9):
            out.append(f"{where}: XML says {want!r}, we produce {got!r}")
    elif got != want:
        out.append(f"{where}: XML says {want!r}, we produce {got!r}")


def _row_diff(want_rows: list[dict], every_row: dict, rows: list[dict], out: list[str]) -> None:
    if len(rows) != len(want_rows):
        out.append(f"rows: XML has {len(want_rows)} transaction lines, we produce {len(rows)}")
        return
    for i, (want, row) in enumerate(zip(want_rows, rows)):
        for key, value in {**every_row, **want}.items():
            # rows omit null fields: "no value" and null read the same to a user
            _diff(value, row.get(key), f"rows[{i}].{key}", out)


# --- tests ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        missing(f"the shared corpus is not mounted at {CORPUS}")
    return CORPUS


def _prepare(corpus: Path, relative: str):
    return prepare(relative, (corpus / relative).read_bytes(), MAX_BYTES, {})


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_real_filing_converts_to_what_its_xml_says(corpus, case):
    result = _prepare(corpus, case.path)
    assert result[0] == "ok", f"{case.path} rejected: {result[2]}"
    _, filing, rows, _ = result
    problems: list[str] = []
    _diff(case.filing, filing, "filing", problems)
    _row_diff(case.rows, case.every_row, rows, problems)
    assert not problems, f"{case.path}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_reporting_owner_is_the_first_of_all_reporting_owners(corpus, case):
    _, filing, *_ = _prepare(corpus, case.path)
    assert filing["reportingOwner"] == filing["reportingOwners"][0]
    assert len(filing["reportingOwners"]) == len(case.filing["reportingOwners"])


MULTI_OWNER_WITH_ROWS = [c for c in CASES if "multi_owner" in c.families and c.rows]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in MULTI_OWNER_WITH_ROWS])
def test_joint_filers_count_as_one_owner_whatever_the_order_they_are_listed_in(corpus, case):
    _, filing, rows, _ = _prepare(corpus, case.path)
    reordered = list(reversed(filing["reportingOwners"]))
    again = transaction_rows({**filing, "reportingOwners": reordered, "reportingOwner": reordered[0]})
    assert {r["owner_key"] for r in rows} == {r["owner_key"] for r in again} == {case.every_row["owner_key"]}


def test_not_well_formed_2006_filing_is_rejected_with_a_reason_naming_the_line(corpus):
    # Genuine EDGAR bytes: footnote F1's closing tag is split over two lines of the ownership XML,
    # "</fo" ending line 177 and "otnote>" starting line 178. Whitespace may follow an end-tag
    # name, so the first invalid character is line 178, column 0. We reject, never guess.
    status, name, reason = _prepare(corpus, NOT_WELL_FORMED)
    assert (status, name) == ("rejected", NOT_WELL_FORMED)
    assert reason.startswith("not well-formed XML")
    assert re.search(r"\bline 178\b", reason), reason


def test_the_cases_cover_every_edge_case_family():
    covered = {family for case in CASES for family in case.families} | {"not_well_formed"}
    assert REQUIRED_FAMILIES <= covered, sorted(REQUIRED_FAMILIES - covered)
    assert len({c.path for c in CASES}) + 1 >= 25
