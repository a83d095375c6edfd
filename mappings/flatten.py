"""The indexed form of a document: every field of an IndexSpec with all its values, as a list.

Both engines index this form, so "a filing matches when ANY transaction matches" is decided once,
here: values under arrays of objects are gathered into one multi-valued field per path.
"""
from __future__ import annotations

import functools

from mappings import IndexSpec

# The keyword field both engines index with every path that has a value in the document, and
# every object path above one: `_exists_:derivativeTable` and `field:*` are one term lookup.
# (OpenSearch's own `exists` on an object path is a disjunction over every field below it:
# ~100 ms at 1M filings for `NOT derivativeTable:*`.)
PRESENT = "_present"

_TRIES: dict[int, tuple[IndexSpec, dict]] = {}


def _trie(spec: IndexSpec) -> dict:
    # Keyed by identity: hashing a frozen spec means hashing all its fields on every call.
    cached = _TRIES.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = _TRIES[id(spec)] = (spec, _build_trie(spec))
    return cached[1]


def _build_trie(spec: IndexSpec) -> dict:
    """source path steps -> (field path or None, children): one walk of the document visits only
    the keys some field reads, instead of one walk per field."""
    root: dict = {}
    for field in spec.fields:
        node = root
        steps = field.source_path.split(".")
        for i, step in enumerate(steps):
            target, children = node.get(step, (None, {}))
            if i == len(steps) - 1:
                target = field.path
            node[step] = (target, children)
            node = children
    return root


# Values stored as they are: the common case, taken without the checks below.
_SCALARS = frozenset({str, int, float, bool})


def _walk(node: dict, trie: dict, out: dict) -> None:
    get = trie.get
    for key, value in node.items():
        entry = get(key)
        if entry is None or value is None:
            continue
        target, children = entry
        if type(value) in _SCALARS:
            if target is not None:
                values = out.get(target)
                if values is None:
                    out[target] = [value]
                else:
                    values.append(value)
            continue
        items = value if isinstance(value, list) else (value,)
        for item in items:
            if isinstance(item, dict):
                if children:
                    _walk(item, children, out)
            # An object where a scalar is expected is not a value of this field; indexing it would
            # make the engines reject the whole document.
            elif target is not None and item is not None and not isinstance(item, list):
                out.setdefault(target, []).append(item)


def flatten(spec: IndexSpec, document: dict) -> dict[str, list]:
    """`{field.path: [values...]}` for every field of `spec` that has a non-null value in `document`.
    A date no engine can store alike (a typo such as `0207-03-12`: the embedded engine holds
    1678-2261) stays in the document but is not indexed, on both engines."""
    out: dict[str, list] = {}
    _walk(document, _trie(spec), out)
    for path in _date_paths(spec):
        values = out.get(path)
        if values and not all(map(_storable_date, values)):
            kept = [v for v in values if _storable_date(v)]
            if kept:
                out[path] = kept
            else:
                del out[path]
    return out


_DATE_PATHS: dict[int, tuple[IndexSpec, tuple[str, ...]]] = {}


def _date_paths(spec: IndexSpec) -> tuple[str, ...]:
    cached = _DATE_PATHS.get(id(spec))  # by identity, as _trie
    if cached is None or cached[0] is not spec:
        cached = _DATE_PATHS[id(spec)] = (spec, tuple(f.path for f in spec.fields if f.type in ("date", "datetime")))
    return cached[1]


def _storable_date(value) -> bool:
    if not isinstance(value, str):
        return True
    year = value[:4]
    return not year.isdigit() or 1678 <= int(year) <= 2261


@functools.cache
def prefixes(path: str) -> tuple[str, ...]:
    """`a.b.c` -> (`a`, `a.b`, `a.b.c`): the paths a value at `path` makes present."""
    parts = path.split(".")
    return tuple(".".join(parts[:i]) for i in range(1, len(parts) + 1))


_PRESENT: dict[frozenset, list[str]] = {}
# Rows come in a few shapes, filings in more (611 among the corpus's 2,016); past this many the
# cache starts over.
_PRESENT_CACHED = 4096


def present_paths(flat: dict[str, list]) -> list[str]:
    """The `PRESENT` values of a flattened document (see `flatten`), sorted (a new list)."""
    shape = frozenset(flat)
    paths = _PRESENT.get(shape)
    if paths is None:
        paths = sorted({p for path in shape for p in prefixes(path)})
        if len(_PRESENT) >= _PRESENT_CACHED:
            _PRESENT.clear()
        _PRESENT[shape] = paths
    return list(paths)
