"""The indexed form of a document: every field of an IndexSpec with all its values, as a list.

Both engines index this form, so "a filing matches when ANY transaction matches" is decided once,
here: values under arrays of objects are gathered into one multi-valued field per path.
"""
from __future__ import annotations

from typing import Any

from mappings import IndexSpec


def flatten(spec: IndexSpec, document: dict) -> dict[str, list]:
    """`{field.path: [values...]}` for every field of `spec` that has a non-null value in `document`."""
    out: dict[str, list] = {}
    for field in spec.fields:
        values = list(_values_at(document, field.source_path.split(".")))
        if values:
            out[field.path] = values
    return out


def _values_at(node: Any, steps: list[str]):
    if isinstance(node, list):
        for item in node:
            yield from _values_at(item, steps)
    elif not steps:
        # An object where a scalar is expected is not a value of this field; indexing it would
        # make the engines reject the whole document.
        if node is not None and not isinstance(node, dict):
            yield node
    elif isinstance(node, dict):
        yield from _values_at(node.get(steps[0]), steps[1:])
