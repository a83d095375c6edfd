"""Facts derived from one filing document at ingest: the canonical officer role, the Rule 10b5-1
flag, the cashless-exercise lines, the canonical beneficial owner and the normalised ticker.

Pure functions over the filing dict (sec-api shape plus `reportingOwners` and `aff10b5One`).
They run for every filing, so regexes are compiled once and repeated strings are cached.
docs/derived-facts.md states each rule, why it was chosen and where it fails.
"""
from __future__ import annotations

import re
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# Officer roles

CSUITE_ROLES = frozenset({"CEO", "CFO", "COO", "CIO", "CTO", "GC"})

_ABBREVIATIONS = {
    "EXEC": "EXECUTIVE", "EXE": "EXECUTIVE",
    "SR": "SENIOR", "SNR": "SENIOR",
    "VP": "VICE PRESIDENT",
    "EVP": "EXECUTIVE VICE PRESIDENT",
    "SVP": "SENIOR VICE PRESIDENT",
    "SEVP": "SENIOR EXECUTIVE VICE PRESIDENT",
    "AVP": "ASSISTANT VICE PRESIDENT",
    "PRES": "PRESIDENT",
    "CHAIRMAN": "CHAIR", "CHAIRWOMAN": "CHAIR", "CHAIRPERSON": "CHAIR",
    "CHMN": "CHAIR", "CHRMN": "CHAIR", "CHM": "CHAIR", "COB": "CHAIR",
    "GEN": "GENERAL", "GENL": "GENERAL",
    "OFF": "OFFICER", "OFFR": "OFFICER", "OFCR": "OFFICER",
    "FIN": "FINANCIAL",
    "ACCT": "ACCOUNTING", "ACCTG": "ACCOUNTING",
    "TECH": "TECHNOLOGY",
    "INFO": "INFORMATION",
    "ASST": "ASSISTANT", "ASSOC": "ASSOCIATE",
    "DIV": "DIVISION", "GRP": "GROUP",
}

# A role word preceded by one of these names someone else's role or a lesser one:
# "Deputy General Counsel", "Assistant CFO", "Vice Chair", "Former CEO".
_NOT_THE_ROLE = "".join(
    f"(?<!{w} )" for w in ("DEPUTY", "ASSISTANT", "ASSOCIATE", "VICE", "FORMER", "RETIRED", "EX")
)
# "Group President", "Division President": heads of a unit, not the company's president.
_UNIT_HEAD = "".join(
    f"(?<!{w} )" for w in ("GROUP", "DIVISION", "DIVISIONAL", "SEGMENT", "SECTOR", "REGIONAL", "REGION", "COUNTRY", "AREA")
)


def _chief(words: str) -> str:
    """'Chief <word> Officer', also as the second half of 'Chief Financial and Operating Officer'."""
    return rf"\bCHIEF (?:\w+ AND )?(?:{words})\b"


# Most senior first: a title naming several roles gets the first one that matches.
_ROLE_ORDER = (
    ("CEO", _NOT_THE_ROLE + rf"(?:\bCEO\b|{_chief('EXECUTIVE')}|\bPRINCIPAL EXECUTIVE OFFICER\b)"),
    ("CFO", _NOT_THE_ROLE + rf"(?:\bCFO\b|{_chief('FINANCIAL|FINANCE')}|\bPRINCIPAL FINANCIAL OFFICER\b)"),
    ("COO", _NOT_THE_ROLE + rf"(?:\bCOO\b|{_chief('OPERATING|OPERATIONS')}|\bPRINCIPAL OPERATING OFFICER\b)"),
    ("CIO", _NOT_THE_ROLE + rf"(?:\bCIO\b|{_chief('INFORMATION|INVESTMENT')}(?! SECURITY))"),
    ("CTO", _NOT_THE_ROLE + rf"(?:\bCTO\b|{_chief('TECHNOLOGY|TECHNICAL')})"),
    ("GC", _NOT_THE_ROLE + rf"(?:\bGENERAL COUNSEL\b|\bGC\b|\bCLO\b|{_chief('LEGAL')})"),
    ("CHAIR", _NOT_THE_ROLE + r"(?<!VICE EXECUTIVE )\bCHAIR\b"),
    ("PRESIDENT", _NOT_THE_ROLE + _UNIT_HEAD + r"\bPRESIDENT\b"),
    ("VICE_CHAIR", r"\bVICE (?:EXECUTIVE )?CHAIR\b"),
    ("CAO", _NOT_THE_ROLE + rf"(?:\bCAO\b|\bPAO\b|{_chief('ACCOUNTING')}|\bPRINCIPAL ACCOUNTING OFFICER\b)"),
    ("EVP", r"\bEXECUTIVE VICE PRESIDENT\b"),
    ("SVP", r"\bSENIOR VICE PRESIDENT\b"),
    ("VP", r"\bVICE PRESIDENT\b"),
)
_ROLES = tuple((role, re.compile(pattern)) for role, pattern in _ROLE_ORDER)
ROLES = tuple(role for role, _ in _ROLE_ORDER) + ("OTHER_OFFICER",)
_RANK = {role: rank for rank, role in enumerate(ROLES)}

_DOTTED_ACRONYM = re.compile(r"\b(?:[A-Z]\.){2,}")
_APOSTROPHE = re.compile(r"['\u2019]")
_NON_WORD = re.compile(r"[^A-Z0-9]+")
# Phrases that mention a role held by somebody else: "Chief of Staff to the CEO", "Office of the
# CEO", "Director of CEO Office".
_SOMEONE_ELSES = re.compile(
    r"\b(?:TO|OFFICE OF|FOR) (?:THE )?(?:CEO|CFO|COO|PRESIDENT|CHAIR|GENERAL COUNSEL|CHIEF \w+(?: \w+)? OFFICER)\b"
    r"|\bCEOS? OFFICE\b|\bCHIEF OF STAFF\b"
)
# A title that says the roles are past ones, wherever the word stands: none of them is held now.
_PAST_ROLE = re.compile(r"\b(?:FORMER|FORMERLY|RETIRED|RESIGNED)\b")
_SEE_REMARKS = re.compile(r"^\s*SEE\b", re.I)
_REMARKS_AS_TITLE_MAX = 200


def _title_words(title: str) -> str:
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), title.upper())
    text = _APOSTROPHE.sub("", text).replace("&", " AND ")
    words = (_ABBREVIATIONS.get(w, w) for w in _NON_WORD.sub(" ", text).split())
    return _SOMEONE_ELSES.sub(" ", " ".join(words))


@lru_cache(maxsize=16384)
def normalize_role(officer_title: str | None) -> str | None:
    """The canonical role named by a free-text officer title; None when there is no title.

    A title that names no known role is OTHER_OFFICER. See docs/derived-facts.md for the list.
    """
    if officer_title is None or not officer_title.strip():
        return None
    words = _title_words(officer_title)
    if _PAST_ROLE.search(words):  # "Former President and CEO", "CEO (Retired 1/1/21)"
        return "OTHER_OFFICER"
    for role, pattern in _ROLES:
        if pattern.search(words):
            return role
    return "OTHER_OFFICER"


def role_rank(role: str) -> int:
    """Seniority for sorting, most senior first (0 = CEO); the order of `ROLES`."""
    return _RANK[role]


def is_csuite_role(role: str | None) -> bool:
    """C-suite as finradar defines it: CEO, CFO, COO, CIO, CTO and General Counsel."""
    return role in CSUITE_ROLES


def owner_role(relationship: dict, remarks: str | None) -> str | None:
    """The role of one reporting owner. A title such as "See Remarks" sends the reader to the
    filing's remarks, which then usually hold just the title ("President and Chief Executive
    Officer"): short remarks are read as the title."""
    title = relationship.get("officerTitle")
    if title and _SEE_REMARKS.match(title) and remarks and len(remarks) <= _REMARKS_AS_TITLE_MAX:
        return normalize_role(remarks)
    role = normalize_role(title)
    if role is None and relationship.get("isOfficer") is True:
        return "OTHER_OFFICER"
    return role


# ---------------------------------------------------------------------------------------------
# Rule 10b5-1 plans

_DASH = "[-\u00ad\u2010-\u2015\u2212]"
# "10b5-1" in every spelling seen in filings ("10b5 1", "10b51", "10b5–1", "10b-5-1", "10b5-1(c)"),
# never "10b5-2"; and the truncated "Rule 10b5-trading plan" / "10b-5 plan" (there is no Rule
# 10b-5 plan: the anti-fraud rule alone, "Rule 10b-5", does not match).
_PLAN_MENTION = re.compile(
    rf"10\s*b\s*(?:{_DASH}\s*)?5\s*(?:(?:{_DASH}\s*)?1(?!\d)|(?:{_DASH}\s*)?(?:trading\s+)?plan)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
# A mention preceded by one of these (in its sentence, within 80 characters) is a denial:
# "not made pursuant to", "outside of", "other than under".
_DENIAL_BEFORE = re.compile(r"\b(?:not|no longer|outside|other than|without|neither|nor)\b|n't\b", re.I)
_DENIAL_WINDOW = 80
# "without" in a clause closed before the mention describes the trade, not the plan: "effected
# automatically, without any action by the reporting person, pursuant to a Rule 10b5-1 plan".
_CLOSED_WITHOUT = re.compile(r"\bwithout\b[^,;)]*[,;)]", re.I)
# Anywhere in the sentence: the plan ended, so it is not why this trade happened ("automatic
# termination upon sale" is a term of a plan, not its end).
_ENDED = re.compile(r"\b(?:terminated|termination of|cancell?ed|cancell?ation)\b", re.I)


@lru_cache(maxsize=16384)
def is_10b5_1_text(text: str | None) -> bool:
    """True when the text says a trade was made under a Rule 10b5-1 plan."""
    if not text or not _PLAN_MENTION.search(text):
        return False
    for sentence in _SENTENCE_END.split(text):
        for mention in _PLAN_MENTION.finditer(sentence):
            before = _CLOSED_WITHOUT.sub(" ", sentence[max(0, mention.start() - _DENIAL_WINDOW):mention.start()])
            if not _DENIAL_BEFORE.search(before) and not _ENDED.search(sentence):
                return True
    return False


def row_is_10b5_1(filing: dict, row_footnote_ids: set[str]) -> bool:
    """The filing's aff10b5One box, else a footnote the row cites, else the remarks."""
    if filing.get("aff10b5One") is True:
        return True
    if row_footnote_ids:
        for footnote in filing.get("footnotes") or ():
            if footnote.get("id") in row_footnote_ids and is_10b5_1_text(footnote.get("text")):
                return True
    return is_10b5_1_text(filing.get("remarks"))


# ---------------------------------------------------------------------------------------------
# Cashless exercises

TABLES = ("nonDerivative", "derivative")
_EXERCISE_CODES = frozenset({"M", "X"})
_SALE_CODES = frozenset({"S", "F"})


def cashless_lines(filing: dict) -> set[tuple[str, int]]:
    """(table, index) of every option exercise that has a same-day disposal of shares in the same
    filing, and of those disposals."""
    exercises: list[tuple[str, int, str]] = []
    disposals: dict[str, list[int]] = {}
    for table in TABLES:
        rows = (filing.get(f"{table}Table") or {}).get("transactions") or ()
        for index, row in enumerate(rows):
            date = row.get("transactionDate")
            if not date:
                continue
            code = (row.get("coding") or {}).get("code")
            if code in _EXERCISE_CODES:
                exercises.append((table, index, date))
            elif (
                table == "nonDerivative"
                and code in _SALE_CODES
                and (row.get("amounts") or {}).get("acquiredDisposedCode") == "D"
            ):
                disposals.setdefault(date, []).append(index)
    lines: set[tuple[str, int]] = set()
    for table, index, date in exercises:
        same_day = disposals.get(date)
        if same_day:
            lines.add((table, index))
            lines.update(("nonDerivative", i) for i in same_day)
    return lines


# ---------------------------------------------------------------------------------------------
# Canonical beneficial owner

_ENTITY_WORDS = frozenset("""
    LLC LP LLP LLLP PLLC LTD LIMITED INC INCORPORATED CORP CORPORATION CO COMPANY COMPANIES
    TRUST TRUSTS FUND FUNDS CAPITAL PARTNERS PARTNER PARTNERSHIP HOLDINGS HOLDING HOLDCO
    MANAGEMENT MGMT GP APS AG NV BV SA SCA SE PLC GMBH SARL SAS SPA SRL KG AB ASA OY PTE PTY ULC
    ASSOCIATES ADVISORS ADVISERS ADVISORY INVESTORS INVESTMENTS INVESTMENT VENTURES VENTURE
    EQUITY GROUP BANK BANCORP FOUNDATION ESTATE SPV AGGREGATOR STICHTING TRUSTEE TRUSTEES SPONSOR
    OPPORTUNITY OPPORTUNITIES MASTER OFFSHORE ONSHORE INTERNATIONAL GLOBAL STRATEGIC PRINCIPALS
    ENTERPRISES ENDOWMENT UNIVERSITY PENSION RETIREMENT PLAN SECURITIES FINANCIAL INSURANCE
    ASSOCIATION SOCIETE INDUSTRIES TECHNOLOGIES SYSTEMS REVOCABLE IRREVOCABLE FAMILY GRAT
""".split())
# Words that make a vehicle personal without naming anybody ("Jeremy M. Sclar 2012 Irrevocable
# Family Trust", "The Elon Musk Revocable Trust dated July 22, 2003", "Estate of John Smith").
_VEHICLE_WORDS = frozenset("""
    TRUST TRUSTS REVOCABLE IRREVOCABLE LIVING FAMILY GRANTOR RETAINED ANNUITY GRAT GST EXEMPT
    NONEXEMPT DYNASTY CHARITABLE REMAINDER UNITRUST ESTATE OF THE TR
""".split())
# Everything after these is the trust's date: "... Trust dated July 22, 2003", "... Trust U/A 5/1/99".
_DATE_FOLLOWS = frozenset({"DATED", "DTD", "UA", "UAD"})
_MONTHS = frozenset("""
    JANUARY FEBRUARY MARCH APRIL MAY JUNE JULY AUGUST SEPTEMBER OCTOBER NOVEMBER DECEMBER
    JAN FEB MAR APR JUN JUL AUG SEP SEPT OCT NOV DEC
""".split())
# A vehicle whose name mentions several people or a beneficiary stays an entity.
_NOT_ONE_PERSON = frozenset({"AND", "FBO", "FOR", "UNDER", "BENEFIT", "CHILDREN", "TTEE", "TRUSTEE", "TRUSTEES"})
_HONORIFICS = frozenset({"MR", "MRS", "MS", "DR", "MD", "PHD", "ESQ", "CPA"})
# EDGAR's disambiguation suffix on conformed names: "SMITH JOHN /CA/", "BVF INC/IL".
_EDGAR_SUFFIX = re.compile(r"\s*/\s*([A-Z]{2,3})\s*/?\s*$")
_NAME_SPLIT = re.compile(r"[^A-Z0-9]+")
_PERSON_TOKENS_IN_VEHICLE = range(2, 5)


def _name_tokens(name: str) -> tuple[list[str], str]:
    text = _DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), name.upper())
    text = _APOSTROPHE.sub("", text)
    suffix = _EDGAR_SUFFIX.search(text)
    if suffix:
        text = text[:suffix.start()]
    tokens = [t for t in _NAME_SPLIT.split(text.replace("&", " AND ")) if t]
    return tokens, suffix.group(1) if suffix else ""


def _is_entity(tokens: list[str]) -> bool:
    return any(t in _ENTITY_WORDS or t == "AND" or t[0].isdigit() for t in tokens)


def _person_key(tokens: list[str], suffix: str) -> str | None:
    """Order-free: 'MUSK ELON', 'Elon Musk' and 'Elon R. Musk' give one key. Initials and
    honorifics are dropped; generational suffixes (JR, III) are kept: they separate father and son."""
    names = sorted(t for t in tokens if len(t) > 1 and t not in _HONORIFICS)
    if not names:
        return None
    return "p:" + " ".join(names) + (f" /{suffix}" if suffix else "")


def _vehicle_person(tokens: list[str]) -> list[str] | None:
    """The person a trust or estate is named after, or None when it is not one person's vehicle."""
    if not any(t in _VEHICLE_WORDS for t in tokens) or any(t in _NOT_ONE_PERSON for t in tokens):
        return None
    end = next((i for i, t in enumerate(tokens) if t in _DATE_FOLLOWS), len(tokens))
    rest = [
        t for i, t in enumerate(tokens[:end])
        if t not in _VEHICLE_WORDS and not t[0].isdigit()
        and not (t in _MONTHS and i + 1 < end and tokens[i + 1][0].isdigit())
    ]
    if any(t in _ENTITY_WORDS for t in rest):
        return None
    names = [t for t in rest if len(t) > 1 and t not in _HONORIFICS]
    return rest if len(names) in _PERSON_TOKENS_IN_VEHICLE else None


@lru_cache(maxsize=65536)
def _classify_owner(cik: str, name: str) -> tuple[int, str]:
    """(kind, key): kind 0 natural person, 1 one person's vehicle, 2 other entity."""
    tokens, suffix = _name_tokens(name)
    entity_key = f"cik:{cik.lstrip('0')}" if cik else "name:" + " ".join(tokens)
    if not _is_entity(tokens):
        key = _person_key(tokens, suffix)
        return (0, key) if key else (2, entity_key)
    person = _vehicle_person(tokens)
    if person is not None:
        return 1, _person_key(person, "")
    return 2, entity_key


def _cik_number(cik: str) -> int:
    return int(cik) if cik.isdigit() else 1 << 62


def _owner_rank(owner: dict) -> tuple[int, int]:
    kind, _ = _classify_owner(owner.get("cik") or "", owner.get("name") or "")
    relationship = owner.get("relationship") or {}
    insider = relationship.get("isDirector") is True or relationship.get("isOfficer") is True
    tier = 0 if kind == 0 and insider else kind + 1
    return tier, _cik_number(owner.get("cik") or "")


def canonical_owner(filing: dict) -> tuple[str, str]:
    """(owner_key, display_name) of the one beneficial owner a filing's trades count for.

    Joint filers collapse to one: a natural person who is a director or officer, else a natural
    person, else a person's trust or estate, else another entity; ties go to the lowest CIK.
    Natural persons and their personal vehicles share a name-based key; other entities are keyed
    by CIK.
    """
    owners = filing.get("reportingOwners") or [filing["reportingOwner"]]
    chosen = min(owners, key=_owner_rank)
    name = (chosen.get("name") or "").strip()
    _, key = _classify_owner(chosen.get("cik") or "", name)
    return key, name


# ---------------------------------------------------------------------------------------------
# Tickers

_NO_TICKER = frozenset({"", "NONE", "N/A", "N.A.", "NOT APPLICABLE"})
_TICKER_SEPARATORS = re.compile(r"[.\s/-]+")
_SEVERAL_TICKERS = re.compile(r"[;,]")


@lru_cache(maxsize=16384)
def normalize_ticker(symbol: str | None) -> str | None:
    """Upper case with '-' for share classes (BRK.B, BRK/B, brk-b -> BRK-B); None for 'NONE',
    'N/A' or blank. Of several symbols ("WSO; WSOB") the first is the issuer's."""
    if symbol is None:
        return None
    text = _SEVERAL_TICKERS.split(symbol.upper(), 1)[0].strip()
    if text in _NO_TICKER:
        return None
    return _TICKER_SEPARATORS.sub("-", text).strip("-") or None
