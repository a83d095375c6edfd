"""One description of each index, driving the OpenSearch mapping and the tantivy schema alike.

A field is addressed by the dotted path users write in queries (`issuer.tradingSymbol`).
Types:
  keyword   exact, case-sensitive string        text      analysed (see `analysis.py`)
  date      calendar day, YYYY-MM-DD            datetime  instant with offset (ISO-8601)
  long      64-bit integer                      double    64-bit float
  boolean   true/false
A field under an array of objects (`nonDerivativeTable.transactions.*`) is multi-valued: a document
matches when ANY element matches, exactly as OpenSearch's default object mapping behaves. Only
single-valued, non-text fields are sortable.
"""
from __future__ import annotations

from dataclasses import dataclass

TYPES = ("keyword", "text", "date", "datetime", "long", "double", "boolean")


@dataclass(frozen=True)
class Field:
    path: str
    type: str
    multi: bool = False
    source: str | None = None  # where in the JSON document the values come from, when not `path`
    default_search: bool = False  # searched by bare terms without a field name
    # Long free text: each two neighbouring words are also indexed as one term, so that a phrase
    # of common words is one posting list rather than a positions check of every candidate.
    phrase_pairs: bool = False

    @property
    def sortable(self) -> bool:
        return not self.multi and self.type != "text"

    @property
    def source_path(self) -> str:
        return self.source or self.path


@dataclass(frozen=True)
class IndexSpec:
    name: str
    fields: tuple[Field, ...]
    key: str  # the unique document key; also the final tie-breaker of every sort
    aliases: tuple[tuple[str, str], ...] = ()  # (alternative name, canonical path)

    def __post_init__(self):
        for f in self.fields:
            assert f.type in TYPES, f
        object.__setattr__(self, "_by_path", {f.path: f for f in self.fields})

    def field(self, path: str) -> Field | None:
        path = dict(self.aliases).get(path, path)
        return self._by_path.get(path)

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.fields]

    @property
    def default_fields(self) -> list[Field]:
        return [f for f in self.fields if f.default_search]

    def object_prefixes(self) -> set[str]:
        """Every object path that has fields below it (`issuer`, `nonDerivativeTable.transactions`)."""
        out = set()
        for f in self.fields:
            parts = f.path.split(".")
            for i in range(1, len(parts)):
                out.add(".".join(parts[:i]))
        return out
