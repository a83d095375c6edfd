"""The Elasticsearch `sort` array -> SortKeys, restricted to what both engines sort alike.

Accepted, as Elasticsearch accepts them: a list of entries, or one entry alone; an entry is a
field name (ascending), `{"field": "asc"|"desc"}`, or `{"field": {"order": "asc"|"desc"}}`; one
object may name several fields, in order. The default sort (filedAt desc) is the caller's.
"""
from __future__ import annotations

from insider.errors import InvalidQuery
from mappings import IndexSpec
from search.query.ast import SortKey
from search.query.validate import resolve_field


def parse_sort(sort: object, spec: IndexSpec) -> list[SortKey]:
    entries = sort if isinstance(sort, list) else [sort]
    keys = []
    for entry in entries:
        if isinstance(entry, str):
            keys.append(_key(spec, entry, "asc"))
        elif isinstance(entry, dict) and entry:
            keys.extend(_key(spec, name, _order(name, value)) for name, value in entry.items())
        else:
            raise InvalidQuery(
                f'Invalid sort entry {entry!r}: write "field", {{"field": "desc"}} or {{"field": {{"order": "desc"}}}}',
                entry=repr(entry))
    # A field sorted on again never changes the order: only its first key counts.
    seen: set[str] = set()
    keys = [k for k in keys if not (k.field in seen or seen.add(k.field))]
    if len(keys) > MAX_SORT_KEYS:
        raise InvalidQuery(f"{len(keys)} sort fields; at most {MAX_SORT_KEYS}", limit=MAX_SORT_KEYS)
    return keys


MAX_SORT_KEYS = 10


def _order(name: str, value: object) -> str:
    if isinstance(value, dict):
        unsupported = sorted(set(value) - {"order"})
        if unsupported:
            raise InvalidQuery(f"Sort option '{unsupported[0]}' of '{name}' is not supported: only 'order' is "
                               "(documents without a value always sort last)", field=name)
        value = value.get("order", "asc")
    if not isinstance(value, str) or value.lower() not in ("asc", "desc"):
        raise InvalidQuery(f"Sort order of '{name}' must be 'asc' or 'desc', not {value!r}", field=name)
    return value.lower()


def _key(spec: IndexSpec, name: str, order: str) -> SortKey:
    if name == "_score":
        raise InvalidQuery("Sorting by '_score' is not supported: relevance scores differ between the search "
                           "engines this service runs on; sort by a field", field=name)
    field = resolve_field(spec, name)
    if field.type == "text":
        raise InvalidQuery(f"'{name}' is a text field: text fields are analysed into words and cannot be sorted "
                           "on", field=name)
    if field.multi:
        raise InvalidQuery(f"'{name}' can hold several values per document (an array, or one per reporting owner): it cannot "
                           "be sorted on", field=name)
    return SortKey(field.path, descending=order == "desc")
