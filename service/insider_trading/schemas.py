from marshmallow import EXCLUDE, Schema, fields


class SearchRequestSchema(Schema):
    """sec-api compatible body. `from` and `size` accept numbers or numeric strings."""

    class Meta:
        unknown = EXCLUDE

    query = fields.Raw(required=True, metadata={"description": "Lucene query (docs/query-language.md), ≤ 2,000 characters",
                                                   "example": "issuer.tradingSymbol:TSLA"})
    from_ = fields.Raw(data_key="from", load_default=None, metadata={"description": "offset, 0-10,000 (number or numeric string)", "example": "0"})
    size = fields.Raw(load_default=None, metadata={"description": "page size, 0-50 (default 50)", "example": "50"})
    sort = fields.Raw(load_default=None, metadata={"description": "Elasticsearch sort array; default [{\"filedAt\": {\"order\": \"desc\"}}]",
                                                   "example": [{"filedAt": {"order": "desc"}}]})


class TotalSchema(Schema):
    value = fields.Integer()
    relation = fields.String(metadata={"description": "eq, or gte past 10,000 matches"})


class SearchResponseSchema(Schema):
    total = fields.Nested(TotalSchema)
    transactions = fields.List(fields.Dict(), metadata={"description": "one item per FILING (sec-api JSON)"})
