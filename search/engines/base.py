"""The one interface both engines implement. Everything above it is engine-agnostic; the
conformance suite (tests/conformance) proves the two implementations answer alike."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from insider.errors import BadRequest
from mappings import IndexSpec
from search.query.ast import Node, SortKey

MAX_RESULT_WINDOW = 10_000


def check_distinct(name: str, request: dict) -> None:
    """A distinct count (see Engine.aggregate) takes a field and a size, and no sub-aggregations."""
    if "aggs" in request or set(request["distinct"]) != {"field", "size"}:
        raise BadRequest(f"the distinct aggregation {name!r} takes a field and a size, and no sub-aggregations")


@dataclass(frozen=True)
class Page:
    total: int                 # exact number of matches, capped at MAX_RESULT_WINDOW
    total_is_exact: bool       # False when more than MAX_RESULT_WINDOW documents match
    documents: list            # the stored JSON documents, in sort order (dicts; see search's `raw`)


@dataclass(frozen=True)
class Batch:
    """One atomic write: after it, every filing in it is visible with exactly its rows."""
    filings: list[dict]                 # filing documents (sec-api JSON + extensions)
    rows: list[dict]                    # transaction rows of those filings
    row_updates: list[dict] = ()        # already-stored rows re-written (e.g. marked superseded)
    # (index name, document key) -> the document already in the engine's write form, made by
    # `Engine.encoder` (in the ingest workers); documents without an entry are encoded on write.
    encoded: Mapping[tuple[str, str], Any] = field(default_factory=dict)


class Engine(ABC):
    """Stores filings and transaction rows; answers searches and aggregations.

    Sorting contract: the caller's keys, then the index key ascending as the final tie-breaker;
    missing values sort last in both directions. Multi-valued and text fields are not sortable
    (validated before the engine is called).
    """

    name: str
    # A pure, picklable function (spec, document) -> the engine's write form, or None. The ingest
    # pipeline runs it in its worker processes so the one writing process only hands over
    # ready-made documents (see Batch.encoded).
    encoder: Callable[[IndexSpec, dict], Any] | None = None

    @abstractmethod
    def ensure_ready(self) -> None:
        """Create the indexes if missing; raise EngineUnavailable when the engine cannot be reached."""

    @abstractmethod
    def write(self, batch: Batch) -> None:
        """Upsert the filings by accession number, replacing all their rows; atomic per batch."""

    def reserve_writer(self) -> None:
        """Take the right to write now, before reading what a write will depend on (which copies
        are stored, which amendments exist): an embedded index has one writer at a time, and
        another process could otherwise commit between those reads and the write. Raises
        EngineUnavailable when another process holds it. Engines without such a lock do nothing."""

    def release_writer(self) -> None:
        """Let other processes write (an embedded index takes one writer at a time): a process
        that writes now and then, such as `insider follow`, calls it between its writes."""

    @abstractmethod
    def known_accessions(self, accessions: Iterable[str]) -> set[str]:
        """The accession numbers among `accessions` that are already stored."""

    @abstractmethod
    def search(self, spec: IndexSpec, query: Node, sort: list[SortKey], offset: int, size: int,
               raw: bool = False) -> Page:
        """One page of documents of `spec`'s index. With `raw`, documents may come back as
        `orjson.Fragment`s (the stored JSON, not decoded) for a caller that only encodes them
        again, like the query API's response: decoding and re-encoding ten filings costs more than
        the search that found them."""

    @abstractmethod
    def aggregate(self, spec: IndexSpec, query: Node, aggs: dict[str, Any]) -> dict[str, Any]:
        """Aggregations in a small ES-style dialect, answered in one normalised shape so that
        both engines return equal Python values.

        Request (name -> aggregation; `aggs` nests under bucket aggregations):
          {"terms": {"field": F, "size": N, "missing": KEY}, "aggs": {...}}   F a keyword field
          {"date_histogram": {"field": F}, "aggs": {...}}                    one bucket per UTC day
          {"range": {"field": F, "ranges": [{"key": K, "from": a, "to": b}]}, "aggs": {...}}
                                                                           F long/double; from <= F < to,
                                                                           either end may be left out;
                                                                           ranges must not overlap
          {"sum" | "min" | "max": {"field": F}}                              F long/double/date
          {"value_count": {"field": F}}
          {"distinct": {"field": F, "size": N}}                              F keyword; no sub-aggregations
        Result:
          terms           {"buckets": [{"key": str, "doc_count": int, <sub-results>}]}
                          exact counts, ordered by doc_count desc then key asc, at most N;
                          documents without F land in bucket KEY when `missing` is given
          date_histogram  {"buckets": [{"key": "YYYY-MM-DD", "doc_count": int, ...}]} ascending,
                          days without documents omitted
          range           {"buckets": [{"key": K, "doc_count": int, ...}]} one per range, in request order
          sum             {"value": float}        0.0 over no documents
          min / max       {"value": float | None} None over no documents; dates as epoch ms
          value_count     {"value": int}
          distinct        {"value": int}          the number of distinct values of F, exact, but at most
                                                  N (N means "N or more"); its values count toward the
                                                  bucket limit as N terms buckets would (both engines
                                                  may name them to count them), N ≤ 65,000
        Raises BadRequest when the request would exceed the engine's bucket limit (65,000).
        """

    @abstractmethod
    def iter_filings(self) -> Iterator[dict]:
        """Every stored filing document (any order); reindex and exports read through it."""

    @abstractmethod
    def reindex(self, transform) -> int:
        """Build new indexes from the stored filings (`transform(filing) -> (filing, rows)`), swap
        them in atomically while the old ones keep serving; a failure leaves the old ones."""

    @abstractmethod
    def close(self) -> None:
        ...
