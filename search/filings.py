"""The sec-api query API as a function: validated parameters in, the response dict out.
`insider search` and `POST /insider-trading` both call it, so they cannot disagree."""
from __future__ import annotations

import re
from dataclasses import dataclass

from insider.errors import BadRequest
from mappings.filings import FILINGS
from search.engines.base import MAX_RESULT_WINDOW, Engine
from search.query.ast import SortKey
from search.query.lucene import MAX_QUERY_LENGTH, parse
from search.query.sort import parse_sort

MAX_SIZE = 50
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,12}")
DEFAULT_SORT = [SortKey("filedAt", descending=True)]


def _integer(name: str, raw, default: int) -> int:
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise BadRequest(f"`{name}` must be a whole number, got {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and _WHOLE_NUMBER.fullmatch(raw.strip()):  # ASCII digits, one sign
        return int(raw.strip())
    raise BadRequest(f"`{name}` must be a whole number (or a numeric string), got {raw!r}")


@dataclass(frozen=True)
class SearchParams:
    query: str
    offset: int
    size: int
    sort: object

    @classmethod
    def from_raw(cls, query, offset=None, size=None, sort=None) -> "SearchParams":
        if query is None or (isinstance(query, str) and not query.strip()):
            raise BadRequest("`query` is required and must not be empty")
        if not isinstance(query, str):
            raise BadRequest("`query` must be a string (Lucene syntax)")
        if any("\ud800" <= c <= "\udfff" for c in query):  # a lone surrogate, e.g. from a "\ud800" JSON escape
            raise BadRequest("`query` contains an unpaired surrogate code point, which is not text")
        if len(query) > MAX_QUERY_LENGTH:
            raise BadRequest(f"`query` is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}")
        offset_ = _integer("from", offset, 0)
        size_ = _integer("size", size, MAX_SIZE)
        if offset_ < 0 or offset_ > MAX_RESULT_WINDOW:
            raise BadRequest(f"`from` must be between 0 and {MAX_RESULT_WINDOW}, got {offset_}")
        if size_ < 0 or size_ > MAX_SIZE:
            raise BadRequest(f"`size` must be between 0 and {MAX_SIZE}, got {size_}")
        return cls(query=query, offset=offset_, size=size_, sort=sort)


def search_filings(engine: Engine, params: SearchParams, raw: bool = False) -> dict:
    """The query API's answer. `raw`: the filings may be `orjson.Fragment`s, for a caller that
    serialises the answer with orjson (see `Engine.search`)."""
    node = parse(params.query, FILINGS)
    sort = parse_sort(params.sort, FILINGS) if params.sort not in (None, [], "") else DEFAULT_SORT
    # Past the 10,000-document window the answer is an empty page with the true total, not an error.
    past_window = params.offset + params.size > MAX_RESULT_WINDOW
    page = engine.search(FILINGS, node, sort, params.offset, 0 if past_window else params.size, raw=raw)
    return {
        "total": {"value": page.total, "relation": "eq" if page.total_is_exact else "gte"},
        "transactions": page.documents,
    }
