"""Query parameters and responses of the analytics endpoints. The meaning of every parameter and
field is in docs/analytics.md; defaults come from the search.analytics modules that apply them."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from search.analytics import by_sector, clusters, market, summary, tape
from search.analytics.filters import SIDES, TRANSACTION_CODES

AUTH_PARAMETERS = ("token", "api_Token")
MAX_OFFSET = 1_000_000  # far past any page; keeps the echoed offset a plain JSON integer


class QueryArgsSchema(Schema):
    """Unknown parameters are refused (a misspelt filter must not be silently ignored); the API key
    may travel as a query parameter and is not a filter."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _without_credentials(self, data, **kwargs):
        # A parameter given twice would silently keep its first value: refused like a misspelt one.
        multi = getattr(data, "data", None)
        if multi is not None and hasattr(multi, "getlist"):
            repeated = sorted(k for k in multi if k not in AUTH_PARAMETERS and len(multi.getlist(k)) > 1)
            if repeated:
                raise ValidationError({k: ["given more than once" + (
                    "; several transaction codes are written transaction_code=P,S" if k == "transaction_code" else "")]
                    for k in repeated})
        return {k: data[k] for k in data if k not in AUTH_PARAMETERS}


class TransactionCodes(fields.Field):
    """`P` or a comma-separated list `P,S`; case-insensitive."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("a transaction code or a comma-separated list of codes")
        codes = tuple(dict.fromkeys(c.strip().upper() for c in value.split(",") if c.strip()))
        unknown = [c for c in codes if c not in TRANSACTION_CODES]
        if not codes or unknown:
            raise ValidationError(f"unknown transaction code(s) {unknown or value!r}; "
                                  f"use {', '.join(TRANSACTION_CODES)}")
        return codes


class Side(fields.String):
    """`A` (acquired) or `D` (disposed); case-insensitive, like the transaction codes."""

    def _deserialize(self, value, attr, data, **kwargs):
        side = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if side not in SIDES:
            raise ValidationError(f"must be one of: {', '.join(SIDES)}")
        return side


def _days(maximum: int, description: str, **kwargs):
    return fields.Integer(validate=validate.Range(1, maximum), metadata={"description": description}, **kwargs)


def _flag(description: str):
    return fields.Boolean(metadata={"description": description})


def _switch(description: str):
    return fields.Boolean(load_default=False, metadata={"description": description})


FILED_AT = "Look back this many days by filing date, ending now (1-3650)."
TRANSACTION = "Look back this many days by trade date, ending today (1-365). Omit to bound by filing date only."
C_SUITE = "true: only C-suite rows (CEO/CFO/COO/CIO/CTO/General Counsel); false: only the others; omitted: all."
EXCLUDE_PLAN = "Leave out trades flagged as made under a Rule 10b5-1 plan."
EXCLUDE_CASHLESS = "Leave out both legs of cashless exercises (the exercise and the same-day sale)."


class _TickerFilters(QueryArgsSchema):
    filed_at_days = _days(3650, FILED_AT, load_default=summary.DEFAULT_FILED_AT_DAYS)
    transaction_days = _days(365, TRANSACTION)
    days = _days(365, "DEPRECATED: sets both filed_at_days and transaction_days.")
    is_c_suite = _flag(C_SUITE)
    exclude_10b5_1 = _switch(EXCLUDE_PLAN + " The rule_10b5_1_* fields ignore it.")
    exclude_cashless = _switch(EXCLUDE_CASHLESS)


class SummaryQueryArgsSchema(_TickerFilters):
    pass


class TapeQueryArgsSchema(_TickerFilters):
    transaction_code = TransactionCodes(metadata={"description": "Only these codes, e.g. P or P,S."})
    acquired_disposed_code = Side(metadata={"description": "A or D (any case).", "enum": list(SIDES)})
    limit = fields.Integer(load_default=tape.DEFAULT_LIMIT, validate=validate.Range(1, tape.MAX_LIMIT))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class _MarketFilters(QueryArgsSchema):
    sector = fields.String(metadata={"description": "Only issuers of this sector, e.g. Technology."})
    industry = fields.String(metadata={"description": "Only issuers of this industry, e.g. Semiconductors."})
    min_value = fields.Float(validate=validate.Range(min=0), metadata={"description": "Minimum row value, USD."})
    max_value = fields.Float(validate=validate.Range(min=0), metadata={"description": "Maximum row value, USD."})
    is_officer = _flag("true: only rows of officers; false: only rows of non-officers.")
    is_director = _flag("true: only rows of directors; false: only rows of non-directors.")
    is_ten_percent_owner = _flag("true: only rows of 10% owners; false: only the others.")
    is_c_suite = _flag(C_SUITE)
    exclude_10b5_1 = _switch(EXCLUDE_PLAN)
    exclude_cashless = _switch(EXCLUDE_CASHLESS)


class _WindowedMarketFilters(_MarketFilters):
    filed_at_days = _days(3650, FILED_AT, load_default=by_sector.DEFAULT_FILED_AT_DAYS)
    transaction_days = _days(365, TRANSACTION)
    transaction_code = TransactionCodes(metadata={"description": "Only these codes, e.g. P or P,S."})
    acquired_disposed_code = Side(metadata={"description": "A or D (any case).", "enum": list(SIDES)})


class SectorQueryArgsSchema(_WindowedMarketFilters):
    group_by = fields.String(load_default="sector", validate=validate.OneOf(by_sector.GROUP_BY))
    limit = fields.Integer(load_default=by_sector.DEFAULT_LIMIT, validate=validate.Range(min=1),
                           metadata={"description": f"Groups per page; capped at {by_sector.MAX_LIMIT}."})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))
    sort_by = fields.String(load_default="abs_net_value", validate=validate.OneOf(by_sector.SORT_BY),
                            metadata={"description": "Descending; ties by group name, unclassified last."})


class StatsQueryArgsSchema(_WindowedMarketFilters):
    top = fields.Integer(load_default=market.DEFAULT_TOP, validate=validate.Range(1, market.MAX_TOP),
                         metadata={"description": "Length of each top list."})


class ClusterQueryArgsSchema(_MarketFilters):
    days = _days(365, "Window of trade dates, ending today.", load_default=clusters.DEFAULT_DAYS)
    min_insiders = fields.Integer(load_default=clusters.DEFAULT_MIN_INSIDERS, validate=validate.Range(1, 1000),
                                  metadata={"description": "Fewest distinct canonical insiders buying."})
    transaction_code = TransactionCodes(load_default=clusters.DEFAULT_CODES,
                                        metadata={"description": "Codes that count as buying (side A); default P."})
    limit = fields.Integer(load_default=clusters.DEFAULT_LIMIT, validate=validate.Range(min=1),
                           metadata={"description": f"Clusters per page; capped at {clusters.MAX_LIMIT}."})
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


# --- responses (documentation of the JSON the views render) ------------------------------------

def _n(description: str):
    return fields.Float(metadata={"description": description})


def _i(description: str):
    return fields.Integer(metadata={"description": description})


class _Envelope(Schema):
    status = fields.String(metadata={"description": "Always `success` on 2xx."})
    request_id = fields.String(metadata={"description": "Per-request id (X-Request-ID when given)."})
    timestamp = fields.String(metadata={"description": "ISO-8601 UTC response time."})


class SummarySchema(Schema):
    ticker = fields.String(metadata={"description": "The requested ticker, normalised (BRK.B -> BRK-B)."})
    company_name = fields.String(metadata={"description": "Issuer name of its latest filing; 'Unknown' if none."})
    issuer_cik = fields.String(metadata={"description": "10-character zero-padded CIK."})
    days = fields.Integer(allow_none=True, metadata={"description": "Echo of the deprecated `days`; null when unset."})
    total_transactions = _i("Qualifying rows in the window.")
    total_buys = _i("Rows with acquired_disposed_code A.")
    total_sells = _i("Rows with acquired_disposed_code D.")
    total_buy_value = _n("Sum of shares x price over buys, USD (rows with a usable price).")
    total_sell_value = _n("Sum of shares x price over sells, USD.")
    total_buy_shares = _n("Shares acquired.")
    total_sell_shares = _n("Shares disposed.")
    unique_insiders = _i("Distinct canonical owners.")
    latest_transaction_date = fields.String(allow_none=True, metadata={"description": "Latest trade date; null when empty."})
    net_shares = _n("total_buy_shares - total_sell_shares.")
    net_value = _n("total_buy_value - total_sell_value.")
    unique_buyers = _i("Distinct canonical owners with a buy.")
    unique_sellers = _i("Distinct canonical owners with a sell.")
    rule_10b5_1_buy_count = _i("Buys under a 10b5-1 plan, whatever exclude_10b5_1 says.")
    rule_10b5_1_sell_count = _i("Sells under a 10b5-1 plan, whatever exclude_10b5_1 says.")
    rule_10b5_1_buy_value = _n("USD of those buys.")
    rule_10b5_1_sell_value = _n("USD of those sells.")
    csuite_buy_count = _i("Buys by C-suite insiders.")
    csuite_sell_count = _i("Sells by C-suite insiders.")
    csuite_buy_value = _n("USD of C-suite buys.")
    csuite_sell_value = _n("USD of C-suite sells.")
    csuite_net_value = _n("csuite_buy_value - csuite_sell_value.")
    officer_buy_value = _n("USD of buys by officers.")
    officer_sell_value = _n("USD of sells by officers.")
    director_buy_value = _n("USD of buys by directors.")
    director_sell_value = _n("USD of sells by directors.")
    buy_sell_ratio = fields.Raw(metadata={"description": "total_buys / total_sells, 6 decimals; the string "
                                                         "\"Infinity\" with buys and no sells; 0 with no buys."})
    sentiment_score = _n("(buys - sells) / (buys + sells) by count, in [-1, 1]; 0 when empty.")
    value_sentiment_score = _n("The same by value.")
    csuite_sentiment_score = _n("The same over C-suite counts.")
    value_csuite_sentiment_score = _n("The same over C-suite values.")
    filing_count = _i("Distinct filings (accession numbers).")


class SummaryResponseSchema(_Envelope):
    data = fields.Nested(SummarySchema)


class SideFlowSchema(Schema):
    transaction_count = _i("Qualifying rows (rows without a side count here only).")
    buy_count = _i("Rows with code A (acquired).")
    sell_count = _i("Rows with code D (disposed).")
    buy_value = _n("USD acquired (rows with a usable price).")
    sell_value = _n("USD disposed.")
    net_value = _n("buy_value - sell_value.")
    buy_shares = _n("Shares acquired.")
    sell_shares = _n("Shares disposed.")
    net_shares = _n("buy_shares - sell_shares.")


class FlowSchema(SideFlowSchema):
    filing_count = _i("Distinct filings.")
    unique_insiders = _i("Distinct canonical owners.")
    unique_issuers = _i("Distinct issuer CIKs.")


class GroupSchema(FlowSchema):
    group = fields.String(allow_none=True, metadata={"description": "Sector or industry; null = unclassified."})


class PageMetaSchema(Schema):
    total = _i("Items matching, all pages.")
    limit = _i("Effective page size.")
    offset = _i("Echo of offset.")
    has_more = fields.Boolean(metadata={"description": "Another page follows."})


class SectorMetaSchema(PageMetaSchema):
    group_by = fields.String()
    filed_at_days = fields.Integer()


class SectorResponseSchema(_Envelope):
    data = fields.List(fields.Nested(GroupSchema))
    meta = fields.Nested(SectorMetaSchema)


class TapeRowSchema(Schema):
    id = fields.String(metadata={"description": "<accessionNo>:N:<line>"})
    accession_no = fields.String()
    filed_at = fields.String()
    document_type = fields.String()
    ticker = fields.String(allow_none=True)
    issuer_cik = fields.String()
    issuer_name = fields.String(allow_none=True)
    transaction_date = fields.String()
    code = fields.String()
    side = fields.String(metadata={"description": "A (acquired) or D (disposed)."})
    security_title = fields.String()
    shares = fields.Float()
    price = fields.Float(allow_none=True)
    value = fields.Float(allow_none=True, metadata={"description": "shares x price, USD; null without a usable price."})
    shares_owned_after = fields.Float(allow_none=True)
    direct_indirect = fields.String(allow_none=True)
    owner_key = fields.String(metadata={"description": "Canonical beneficial owner."})
    owner_name = fields.String()
    officer_title = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    is_director = fields.Boolean()
    is_officer = fields.Boolean()
    is_ten_percent_owner = fields.Boolean()
    is_csuite = fields.Boolean()
    is_10b5_1 = fields.Boolean()
    is_cashless = fields.Boolean()
    price_suspect = fields.Boolean()


class TapeMetaSchema(PageMetaSchema):
    ticker = fields.String()
    issuer_cik = fields.String()
    company_name = fields.String()


class TapeResponseSchema(_Envelope):
    data = fields.List(fields.Nested(TapeRowSchema))
    meta = fields.Nested(TapeMetaSchema)


class ClusterInsiderSchema(Schema):
    owner_key = fields.String()
    name = fields.String()
    transaction_count = fields.Integer()
    value = fields.Float()
    shares = fields.Float()
    first_transaction_date = fields.String()
    last_transaction_date = fields.String()


class ClusterSchema(Schema):
    ticker = fields.String(allow_none=True)
    company_name = fields.String()
    issuer_cik = fields.String()
    insider_count = _i("Distinct canonical insiders who bought.")
    transaction_count = _i("Their buying rows.")
    total_value = _n("USD bought.")
    total_shares = _n("Shares bought.")
    first_transaction_date = fields.String()
    last_transaction_date = fields.String()
    insiders = fields.List(fields.Nested(ClusterInsiderSchema), metadata={"description": "By value, largest first."})


class ClusterMetaSchema(PageMetaSchema):
    days = fields.Integer()
    min_insiders = fields.Integer()
    transaction_code = fields.List(fields.String())


class ClusterResponseSchema(_Envelope):
    data = fields.List(fields.Nested(ClusterSchema))
    meta = fields.Nested(ClusterMetaSchema)


class IssuerFlowSchema(Schema):
    ticker = fields.String(allow_none=True)
    company_name = fields.String()
    issuer_cik = fields.String()
    transaction_count = fields.Integer()
    buy_value = fields.Float()
    sell_value = fields.Float()
    net_value = fields.Float()


class TrendSchema(SideFlowSchema):
    date = fields.String(metadata={"description": "Trade date, YYYY-MM-DD."})


class StatsSchema(Schema):
    totals = fields.Nested(FlowSchema)
    top_buys = fields.List(fields.Nested(TapeRowSchema))
    top_sells = fields.List(fields.Nested(TapeRowSchema))
    top_net_buying = fields.List(fields.Nested(IssuerFlowSchema))
    top_net_selling = fields.List(fields.Nested(IssuerFlowSchema))
    daily_trend = fields.List(fields.Nested(TrendSchema))


class StatsMetaSchema(Schema):
    filed_at_days = fields.Integer()
    transaction_days = fields.Integer(allow_none=True)
    top = fields.Integer()


class StatsResponseSchema(_Envelope):
    data = fields.Nested(StatsSchema)
    meta = fields.Nested(StatsMetaSchema)
