"""The `transactions` index: one flat row per transaction line (Table I and Table II), with the
filing's context and the derived facts analytics need. Rows are derived data: `insider reindex`
rebuilds them from the filings. Field meanings are documented in docs/analytics.md.
"""
from __future__ import annotations

from mappings import Field, IndexSpec

OWNER_PARTITIONS = 16  # owner_partition = stable hash(owner_key) % 16; exact distinct counts page by it

_F = [
    ("id", "keyword"),                      # <accessionNo>:<N|D>:<line>
    ("accession_no", "keyword"),
    ("filed_at", "datetime"),
    ("document_type", "keyword"),           # 3, 3/A, 4, 4/A, 5, 5/A
    ("is_amendment", "boolean"),
    ("link_key", "keyword"),                # joins an amendment to its original (docs/analytics.md)
    ("superseded", "boolean"),              # an amendment restated this row's filing
    ("period_of_report", "date"),
    ("issuer_cik", "keyword"),
    ("issuer_name", "keyword"),
    ("ticker", "keyword"),                  # normalised: upper case, '.' and '/' become '-'
    ("sic", "keyword"),
    ("sector", "keyword"),                  # absent = unclassified
    ("industry", "keyword"),
    ("owner_key", "keyword"),               # canonical beneficial owner
    ("owner_name", "keyword"),
    ("owner_partition", "long"),
    ("is_director", "boolean"),
    ("is_officer", "boolean"),
    ("is_ten_percent_owner", "boolean"),
    ("is_other", "boolean"),
    ("officer_title", "keyword"),
    ("role", "keyword"),                    # CEO, CFO, COO, CIO, CTO, GC, PRESIDENT, CHAIR, ... (docs)
    ("is_csuite", "boolean"),
    ("table", "keyword"),                   # nonDerivative | derivative
    ("line", "long"),
    ("security_title", "keyword"),
    ("transaction_date", "date"),
    ("code", "keyword"),
    ("side", "keyword"),                    # A | D (acquiredDisposedCode)
    ("shares", "double"),
    ("price", "double"),
    ("value", "double"),                    # shares x price; null when the price is unknown or out of bounds
    ("shares_milli", "long"),               # shares x 1000, exact integer sums on every engine
    ("value_cents", "long"),                # value x 100, exact integer sums on every engine
    ("price_suspect", "boolean"),           # price outside the sanity bounds: kept, but not in value sums
    ("shares_owned_after", "double"),
    ("direct_indirect", "keyword"),
    ("is_10b5_1", "boolean"),
    ("is_cashless", "boolean"),
    ("equity_swap", "boolean"),
    ("underlying_title", "keyword"),
    ("underlying_shares", "double"),
    ("exercise_price", "double"),
]

_MULTI = [
    ("owner_ciks", "keyword"),              # every reporting owner of the filing
    ("owner_names", "text"),
]

TRANSACTIONS = IndexSpec(
    name="transactions",
    fields=tuple(Field(p, t) for p, t in _F) + tuple(Field(p, t, multi=True) for p, t in _MULTI),
    key="id",
)
