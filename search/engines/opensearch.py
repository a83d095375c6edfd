"""The OpenSearch engine.

Each index is served through an alias (`<prefix>-filings`, `<prefix>-transactions`) pointing at a
concrete, timestamped index, so that `reindex` can build new indexes beside the serving ones and
swap them in atomically. Documents are indexed in their flattened form (mappings/flatten.py) with
the original JSON kept, unindexed, in `_doc`. Indexes never refresh on their own: a batch becomes
visible when `write` refreshes at its end.

The translation of queries, sorts and aggregations is pure (`to_dsl`, `search_body`,
`aggs_to_dsl`, `normalise_aggs`); the class only moves requests and answers.
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from itertools import chain
from typing import Any, Iterable, Iterator, NamedTuple

import orjson
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import (
    ConnectionError as Unreachable, OpenSearchException, RequestError, SerializationError, TransportError,
)
from opensearchpy.serializer import JSONSerializer

from insider.errors import BadRequest, EngineUnavailable
from insider.settings import pure_python
from mappings import IndexSpec
from mappings.filings import FILINGS
from mappings.flatten import PRESENT, flatten, present_paths
from mappings.transactions import TRANSACTIONS
from search.analysis import ANALYZER_NAME, opensearch_analysis
from search.engines.base import MAX_RESULT_WINDOW, Batch, Engine, Page, check_distinct
from search.query.ast import (
    Bool, Boost, Exists, Fuzzy, MatchAll, MatchNone, Node, Phrase, Range, Regex, SortKey, Term,
    Terms, Wildcard,
)

try:  # the compiled reader of search responses (native/src/hits.rs), built by `make setup`
    from insider_native import search_page as _search_page
except ImportError:
    _search_page = None

log = logging.getLogger(__name__)

SPECS = (FILINGS, TRANSACTIONS)
DOC_FIELD = "_doc"
# In an index's mapping `_meta`: every document of the index has its PRESENT values (the index was
# created with the field, not given it later).
PRESENT_META = "present_complete"
MAX_BUCKETS = 65_000
FUZZY_MAX_EXPANSIONS = 1024
BULK_CHUNK = 500
# Refreshing after a large batch, or a bulk chunk on a busy node, can outlast the client's 10 s default.
REQUEST_TIMEOUT = 120
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_TYPES = {
    "keyword": {"type": "keyword"},
    "text": {"type": "text", "analyzer": ANALYZER_NAME},
    "date": {"type": "date", "format": "yyyy-MM-dd"},
    "datetime": {"type": "date", "format": "strict_date_optional_time"},
    "long": {"type": "long"},
    "double": {"type": "double"},
    "boolean": {"type": "boolean"},
}


# --- index definition ------------------------------------------------------------------------

def index_definition(spec: IndexSpec) -> dict:
    """The create-index body (settings and mappings) of `spec`'s index."""
    properties: dict[str, Any] = {DOC_FIELD: {"type": "object", "enabled": False}, PRESENT: {"type": "keyword"}}
    for field in spec.fields:
        *parents, leaf = field.path.split(".")
        node = properties
        for part in parents:
            node = node.setdefault(part, {"properties": {}})["properties"]
        node[leaf] = dict(_TYPES[field.type])
    return {
        "settings": {
            "index": {
                "number_of_shards": 1,
                "number_of_replicas": 0,
                "refresh_interval": "-1",
                "max_result_window": MAX_RESULT_WINDOW,
            },
            "analysis": opensearch_analysis(),
        },
        "mappings": {
            "_meta": {PRESENT_META: True},
            "dynamic": "strict",
            # The flattened fields are derived from `_doc`; keeping them in _source too would
            # roughly double the index on disk for nothing (reindex reads `_doc` only).
            "_source": {"includes": [DOC_FIELD]},
            "properties": properties,
        },
    }


def document_body(spec: IndexSpec, document: dict) -> dict:
    flat = flatten(spec, document)
    return {DOC_FIELD: document, **flat, PRESENT: present_paths(flat)}


# --- queries ---------------------------------------------------------------------------------

def to_dsl(spec: IndexSpec, node: Node, present: bool = True) -> dict:
    """The OpenSearch query DSL equivalent of an AST node. `present`: the index has the
    `PRESENT` field (an index created before it answers `exists` queries itself)."""
    match node:
        case MatchAll():
            return {"match_all": {}}
        case MatchNone():
            return {"match_none": {}}
        case Term(name, value) if _is_date(spec, name):
            # A term query cannot take a date format, and a calendar-day field's own format
            # cannot express an instant: an exact range in epoch millis can, for both date types.
            return _date_range(spec, name, {"gte": value, "lte": value})
        case Term(name, value):
            return {"term": {_path(spec, name): value}}
        case Terms(name, values) if _is_date(spec, name):
            # An empty bool would match every document; no values must match none.
            return _any_of([to_dsl(spec, Term(name, v), present) for v in values]) if values else {"match_none": {}}
        case Terms(name, values):
            return {"terms": {_path(spec, name): list(values)}}
        case Phrase(name, tokens, slop):
            # The tokens are already analysed; joined by a space, the field's analyzer splits
            # them back into exactly the same tokens.
            return {"match_phrase": {_path(spec, name): {"query": " ".join(tokens), "slop": slop}}}
        case Range(name, gte, gt, lte, lt):
            bounds = {k: v for k, v in (("gte", gte), ("gt", gt), ("lte", lte), ("lt", lt)) if v is not None}
            if _is_date(spec, name):
                return _date_range(spec, name, bounds)
            return {"range": {_path(spec, name): bounds}}
        case Wildcard(name, pattern):
            return {"wildcard": {_path(spec, name): {"value": pattern}}}
        case Regex(name, pattern):
            # NONE turns off Lucene's extensions (& ~ # @ <n-m>), so those characters are plain
            # literals, as in the portable regex subset.
            return {"regexp": {_path(spec, name): {"value": pattern, "flags": "NONE"}}}
        case Fuzzy(name, term, distance):
            return {"fuzzy": {_path(spec, name): {
                "value": term, "fuzziness": distance, "transpositions": True,
                "prefix_length": 0, "max_expansions": FUZZY_MAX_EXPANSIONS,
            }}}
        case Exists(name) if present:
            return {"term": {PRESENT: _path(spec, name)}}
        case Exists(name):
            return {"exists": {"field": _path(spec, name)}}
        case Bool():
            return _bool(spec, node, present)
        case Boost(query, boost):
            return {"bool": {"must": [to_dsl(spec, query, present)], "boost": boost}}
    raise TypeError(f"not a query node: {node!r}")


def _bool(spec: IndexSpec, node: Bool, present: bool) -> dict:
    body: dict[str, Any] = {}
    for occur in ("must", "filter", "should", "must_not"):
        clauses = getattr(node, occur)
        if clauses:
            body[occur] = [to_dsl(spec, c, present) for c in clauses]
    # Both rules are stated rather than left to engine defaults, which have changed across
    # versions (a should-only bool in filter context once matched every document).
    required = node.must or node.filter
    if node.should and not required:
        body["minimum_should_match"] = 1
    if node.must_not and not required and not node.should:
        body["filter"] = [{"match_all": {}}]
    return {"bool": body}


def _any_of(clauses: list[dict]) -> dict:
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _date_range(spec: IndexSpec, name: str, bounds: dict) -> dict:
    millis = {k: _epoch_millis(v) for k, v in bounds.items()}
    return {"range": {_path(spec, name): {**millis, "format": "epoch_millis"}}}


def _epoch_millis(value: datetime) -> int:
    aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return (aware - EPOCH) // timedelta(milliseconds=1)


def _path(spec: IndexSpec, name: str) -> str:
    field = spec.field(name)
    return field.path if field else name  # an object path (Exists) is not a field of its own


def _is_date(spec: IndexSpec, name: str) -> bool:
    field = spec.field(name)
    return field is not None and field.type in ("date", "datetime")


def search_body(spec: IndexSpec, query: Node, sort: list[SortKey], offset: int, size: int,
                present: bool = True) -> dict:
    """The search request of one page. Pages past the result window are empty, not errors."""
    start = min(offset, MAX_RESULT_WINDOW)
    return {
        "query": to_dsl(spec, query, present),
        "sort": [
            {_path(spec, key.field): {"order": "desc" if key.descending else "asc", "missing": "_last"}}
            for key in (*sort, SortKey(spec.key))
        ],
        "from": start,
        "size": max(0, min(size, MAX_RESULT_WINDOW - start)),
        "track_total_hits": MAX_RESULT_WINDOW,
    }


# --- aggregations ----------------------------------------------------------------------------

def aggs_to_dsl(spec: IndexSpec, aggs: dict[str, Any]) -> dict:
    """The OpenSearch aggregations of the engine-neutral dialect (see Engine.aggregate)."""
    return {name: _agg_to_dsl(spec, name, request) for name, request in aggs.items()}


def _agg_to_dsl(spec: IndexSpec, name: str, request: dict) -> dict:
    if "distinct" in request:
        # Exact: the buckets of a terms aggregation, counted (cardinality is an estimate).
        check_distinct(name, request)
        params = request["distinct"]
        return _agg_to_dsl(spec, name, {"terms": {"field": params["field"], "size": params["size"]}})
    if "terms" in request:
        params = request["terms"]
        if params["size"] > MAX_BUCKETS:
            raise BadRequest(f"a terms aggregation may return at most {MAX_BUCKETS} buckets", size=params["size"])
        body = {
            "field": _path(spec, params["field"]),
            "size": params["size"],
            # One shard: counts are exact whatever shard_size is, as long as it is not smaller.
            "shard_size": params["size"],
            "order": [{"_count": "desc"}, {"_key": "asc"}],
        }
        if "missing" in params:
            body["missing"] = params["missing"]
        out = {"terms": body}
    elif "date_histogram" in request:
        out = {"date_histogram": {
            "field": _path(spec, request["date_histogram"]["field"]),
            "calendar_interval": "day",
            "min_doc_count": 1,
            "time_zone": "UTC",
            "format": "yyyy-MM-dd",
        }}
    elif "range" in request:
        out = {"range": {"field": _path(spec, request["range"]["field"]), "keyed": False,
                         "ranges": [dict(r) for r in request["range"]["ranges"]]}}
    else:
        (kind, params), = ((k, v) for k, v in request.items() if k != "aggs")
        out = {kind: {"field": _path(spec, params["field"])}}
    if request.get("aggs"):
        out["aggs"] = aggs_to_dsl(spec, request["aggs"])
    return out


def normalise_aggs(aggs: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """OpenSearch's aggregation answer in the engine-neutral shape (see Engine.aggregate)."""
    return {name: _normalise(request, result[name]) for name, request in aggs.items()}


def _normalise(request: dict, raw: dict) -> dict:
    if "distinct" in request:
        return {"value": len(raw["buckets"])}
    if "range" in request:
        # OpenSearch orders range buckets by their bounds; the contract is the request's order.
        found = {b["key"]: b for b in raw["buckets"]}
        return {"buckets": [
            {"key": r["key"], "doc_count": found[r["key"]]["doc_count"],
             **normalise_aggs(request.get("aggs") or {}, found[r["key"]])}
            for r in request["range"]["ranges"]
        ]}
    if "terms" in request or "date_histogram" in request:
        return {"buckets": [
            {"key": _bucket_key(b), "doc_count": b["doc_count"], **normalise_aggs(request.get("aggs") or {}, b)}
            for b in raw["buckets"]
        ]}
    kind = next(iter(request))
    value = raw["value"]
    if kind == "value_count":
        return {"value": int(value)}
    # OpenSearch already answers a sum over no documents with 0.0, a min or max with null.
    return {"value": None if value is None else float(value)}


def bucket_count(aggs: dict[str, Any], result: dict[str, Any]) -> int:
    """Buckets at every level of a normalised aggregation result; a distinct count's values are
    buckets too (OpenSearch returned one per value, and tantivy counts them so)."""
    count = 0
    for name, request in aggs.items():
        if "distinct" in request:
            count += result[name]["value"]
            continue
        for bucket in result[name].get("buckets", ()):
            count += 1 + bucket_count(request.get("aggs") or {}, bucket)
    return count


def _bucket_key(bucket: dict) -> str:
    # key_as_string carries the formatted day of a date_histogram and "true"/"false" of a
    # boolean; other keys are strings already, or numbers that print as themselves.
    return bucket.get("key_as_string", str(bucket["key"]))


# --- errors ----------------------------------------------------------------------------------

@contextmanager
def _translated_errors(url: str):
    """The one place where OpenSearch failures become our errors: a request beyond the bucket
    limit, or one the node refuses as a bad request (400: a query expanding to more than its
    1,024 clauses, say), is the caller's fault; anything else means the engine is unavailable
    (503)."""
    try:
        yield
    except OpenSearchException as exc:
        if "too_many_buckets_exception" in str(getattr(exc, "info", "")):
            raise BadRequest(f"the aggregation would return more than {MAX_BUCKETS} buckets") from exc
        if isinstance(exc, RequestError):
            raise BadRequest(f"OpenSearch refused the request: {_reason(_error_of(exc))}") from exc
        raise EngineUnavailable(f"OpenSearch at {url} {_describe(exc)}") from exc


def _engine_errors(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _translated_errors(self.url):
            return method(self, *args, **kwargs)

    return wrapper


def _describe(exc: OpenSearchException) -> str:
    if isinstance(exc, Unreachable):  # refused, reset or timed out
        return "cannot be reached"
    if isinstance(exc, helpers.BulkIndexError):
        (item,) = exc.errors[0].values()
        return f"rejected document {item.get('_id')}: {_reason(item.get('error'))}"
    if isinstance(exc, TransportError):
        return f"answered {exc.status_code}: {_reason(_error_of(exc))}"
    return f"failed: {exc}"


def _error_of(exc: TransportError) -> Any:
    return exc.info.get("error") if isinstance(exc.info, dict) else exc.error


def _reason(error: Any) -> str:
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return str(causes[0].get("reason") or causes[0].get("type"))
    return str(error)


# --- the engine ------------------------------------------------------------------------------

class OrjsonSerializer(JSONSerializer):
    """The client's JSON through orjson: a page of fifty filings is ~250 KB of response, which
    the standard `json` module decodes several times slower. Values orjson cannot encode go to
    the stock serializer's `default` (dates, decimals, UUIDs)."""

    def loads(self, s):
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError as exc:
            raise SerializationError(s, exc)

    def dumps(self, data):
        if isinstance(data, str):
            return data
        try:
            return orjson.dumps(data, default=self.default, option=orjson.OPT_NON_STR_KEYS).decode()
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise SerializationError(data, exc)


class TextPage(NamedTuple):
    total: int
    exact: bool
    documents: list[str]  # each hit's `_doc` as JSON text


class PageSerializer(OrjsonSerializer):
    """The query API's pages as text (`TextPage`). A page of 50 large filings is ~650 KB that
    orjson turns into ~50,000 Python objects in ~7 ms, only for the endpoint to encode them again;
    and that many new objects set off a full run of Python's cyclic garbage collector every 10-15
    such pages, 30-45 ms each (measured at 1M filings: the query mix's p99 was 45-57 ms, 21-26
    without). The compiled reader (`insider_native.search_page`) returns each hit's stored document
    as the JSON text that decoding and re-encoding with orjson would give, in ~3 ms and with no
    Python objects but the strings; a response it does not read (not a page of `_doc` sources) is
    decoded as usual."""

    def loads(self, s):
        if isinstance(s, str) and (page := _search_page(s, DOC_FIELD)) is not None:
            return TextPage(*page)
        return super().loads(s)


_SERIALIZER = OrjsonSerializer()


def encode_source(spec: IndexSpec, document: dict) -> str:
    """A document's bulk `_source` line, made in the ingest workers (`Engine.encoder`): the
    flattening and the JSON of ~5 documents per filing otherwise run in the one process that
    talks to OpenSearch, which then bounds loading (222 filings/s at 1M, session 4)."""
    return _SERIALIZER.dumps(document_body(spec, document))


class OpenSearchEngine(Engine):
    name = "opensearch"
    encoder = staticmethod(encode_source)

    def __init__(self, url: str, prefix: str = "insider"):
        self.url = url
        self.prefix = prefix
        self.client = OpenSearch(hosts=[url], timeout=REQUEST_TIMEOUT, serializer=OrjsonSerializer())
        # A client of its own for `search(raw=True)`: its serializer returns pages as text.
        self._text_pages = (OpenSearch(hosts=[url], timeout=REQUEST_TIMEOUT, serializer=PageSerializer())
                            if _search_page is not None else None)
        self._present: dict[str, bool] = {}  # alias -> its index has values in PRESENT for every document

    def _has_present(self, spec: IndexSpec) -> bool:
        """Whether `exists` can be the PRESENT term. An index created before that field got it
        added by `ensure_ready` (so that writes go on), but its older documents have no values in
        it: `exists` stays OpenSearch's own until `insider reindex`. Asked once per process; a
        reindex in another process is seen after a restart (answers stay right meanwhile)."""
        alias = self.alias(spec)
        known = self._present.get(alias)
        if known is None:
            known = self._present[alias] = bool(self._mapping(alias).get("_meta", {}).get(PRESENT_META))
        return known

    def _mapping(self, alias: str) -> dict:
        return next(iter(self.client.indices.get_mapping(index=alias).values()))["mappings"]

    def alias(self, spec: IndexSpec) -> str:
        return f"{self.prefix}-{spec.name}"

    def _new_index_name(self, spec: IndexSpec, stamp: str) -> str:
        return f"{self.alias(spec)}-{stamp}"

    @_engine_errors
    def ensure_ready(self) -> None:
        stamp = _utc_stamp()
        for spec in SPECS:
            alias = self.alias(spec)
            if self.client.indices.exists_alias(name=alias):
                self._add_present_field(alias)
                continue
            body = {**index_definition(spec), "aliases": {alias: {}}}
            self.client.indices.create(index=self._new_index_name(spec, stamp), body=body)
            # Processes starting together (web workers) may each have created one: all of them
            # keep the first by name and drop the others, so the alias ends on a single index.
            extra = sorted(self.client.indices.get_alias(name=alias))[1:]
            if extra:
                self.client.indices.delete(index=",".join(extra), ignore_unavailable=True)

    def _add_present_field(self, alias: str) -> None:
        """An index from before the PRESENT field gets it, so that new documents (which carry it)
        are accepted by the strict mapping."""
        if PRESENT not in self._mapping(alias).get("properties", {}):
            self.client.indices.put_mapping(index=alias, body={"properties": {PRESENT: {"type": "keyword"}}})
            log.warning("the OpenSearch index %s predates the %s field; `_exists_` queries use OpenSearch's "
                        "slower exists until `insider reindex` rebuilds it", alias, PRESENT)

    @_engine_errors
    def write(self, batch: Batch) -> None:
        filings, rows = self.alias(FILINGS), self.alias(TRANSACTIONS)
        new_rows = [*batch.rows, *batch.row_updates]
        rewritten = {row["id"] for row in new_rows}
        stale = [i for i in self._row_ids([f["accessionNo"] for f in batch.filings]) if i not in rewritten]
        encoded = batch.encoded
        actions = chain(
            ({"_op_type": "delete", "_index": rows, "_id": i} for i in stale),
            (_index_action(filings, FILINGS, f, f["accessionNo"], encoded) for f in batch.filings),
            (_index_action(rows, TRANSACTIONS, r, r["id"], encoded) for r in new_rows),
        )
        helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK)
        self.client.indices.refresh(index=f"{filings},{rows}")

    def _row_ids(self, accessions: list[str]) -> list[str]:
        """The ids of the stored rows of these filings. A search rather than delete_by_query: the
        deletes then travel in the batch's own bulk, and no reindex module is needed (the
        distribution on Maven Central has none). Only refreshed rows are seen, which is all of
        them: every write ends with a refresh."""
        if not accessions:
            return []
        query = {"query": {"terms": {"accession_no": accessions}}, "_source": False}
        return [hit["_id"] for hit in helpers.scan(self.client, index=self.alias(TRANSACTIONS), query=query)]

    @_engine_errors
    def known_accessions(self, accessions: Iterable[str]) -> set[str]:
        wanted = sorted(set(accessions))
        found: set[str] = set()
        for start in range(0, len(wanted), MAX_RESULT_WINDOW):
            chunk = wanted[start:start + MAX_RESULT_WINDOW]
            response = self.client.search(
                index=self.alias(FILINGS),
                body={"query": {"ids": {"values": chunk}}, "size": len(chunk), "_source": False},
            )
            found.update(hit["_id"] for hit in response["hits"]["hits"])
        return found

    @_engine_errors
    def search(self, spec: IndexSpec, query: Node, sort: list[SortKey], offset: int, size: int,
               raw: bool = False) -> Page:
        body = search_body(spec, query, sort, offset, size, self._has_present(spec))
        if raw and self._text_pages is not None and not pure_python():
            response = self._text_pages.search(index=self.alias(spec), body=body)
            if isinstance(response, TextPage):
                return Page(total=response.total, total_is_exact=response.exact,
                            documents=[orjson.Fragment(text) for text in response.documents])
        else:
            response = self.client.search(index=self.alias(spec), body=body)
        hits = response["hits"]
        return Page(
            total=hits["total"]["value"],
            total_is_exact=hits["total"]["relation"] == "eq",
            documents=[hit["_source"][DOC_FIELD] for hit in hits["hits"]],
        )

    @_engine_errors
    def aggregate(self, spec: IndexSpec, query: Node, aggs: dict[str, Any]) -> dict[str, Any]:
        body = {"size": 0, "track_total_hits": False, "query": to_dsl(spec, query, self._has_present(spec)),
                "aggs": aggs_to_dsl(spec, aggs)}
        response = self.client.search(index=self.alias(spec), body=body)
        result = normalise_aggs(aggs, response.get("aggregations", {}))
        # OpenSearch's own cap (search.max_buckets, 65,535) is a cluster setting; ours is enforced here.
        if bucket_count(aggs, result) > MAX_BUCKETS:
            raise BadRequest(f"the aggregation would return more than {MAX_BUCKETS} buckets")
        return result

    def iter_filings(self) -> Iterator[dict]:
        # A generator: the errors must be translated where the requests happen, during iteration.
        with _translated_errors(self.url):
            query = {"query": {"match_all": {}}}
            for hit in helpers.scan(self.client, index=self.alias(FILINGS), query=query, size=BULK_CHUNK):
                yield hit["_source"][DOC_FIELD]

    @_engine_errors
    def reindex(self, transform) -> int:
        stamp = _utc_stamp()
        old = {spec: sorted(self.client.indices.get_alias(name=self.alias(spec))) for spec in SPECS}
        new = {spec: self._new_index_name(spec, stamp) for spec in SPECS}
        count = 0

        def actions():
            nonlocal count
            for stored in self.iter_filings():
                filing, rows = transform(stored)
                count += 1
                yield _index_action(new[FILINGS], FILINGS, filing, filing["accessionNo"])
                for row in rows:
                    yield _index_action(new[TRANSACTIONS], TRANSACTIONS, row, row["id"])

        # Writes to the old indexes while they are copied would vanish with them: they are
        # refused until the swap (a writer sees the engine as unavailable and retries or re-runs).
        old_names = ",".join(name for names in old.values() for name in names)
        self.client.indices.put_settings(index=old_names, body={"index.blocks.write": True})
        try:
            for spec, name in new.items():
                self.client.indices.create(index=name, body=index_definition(spec))
            helpers.bulk(self.client, actions(), chunk_size=BULK_CHUNK)
            self.client.indices.refresh(index=",".join(new.values()))
            # One _aliases call: both aliases move and the old indexes go (remove_index) at once,
            # so readers see either the old pair or the new pair, never a mix.
            self.client.indices.update_aliases(body={"actions": [
                *({"add": {"index": new[spec], "alias": self.alias(spec)}} for spec in SPECS),
                *({"remove_index": {"index": name}} for spec in SPECS for name in old[spec]),
            ]})
            self._present.clear()
        except BaseException:
            self._drop(new.values())
            self._unblock(old_names)
            raise
        return count

    def _unblock(self, indexes: str) -> None:
        try:  # best effort, as in _drop
            self.client.indices.put_settings(index=indexes, body={"index.blocks.write": None})
        except OpenSearchException:
            pass

    def _drop(self, indexes: Iterable[str]) -> None:
        # Best effort while another error is on its way up: that error is the one to report.
        try:
            self.client.indices.delete(index=",".join(indexes), ignore_unavailable=True)
        except OpenSearchException:
            pass

    def close(self) -> None:
        self.client.close()


def _index_action(index: str, spec: IndexSpec, document: dict, doc_id: str, encoded=None) -> dict:
    """A bulk index action; its `_source` is the worker's ready-made JSON when there is one (the
    client's serializer passes a string through as it is)."""
    source = (encoded or {}).get((spec.name, doc_id))
    return {"_op_type": "index", "_index": index, "_id": doc_id,
            "_source": source if source is not None else document_body(spec, document)}


def _utc_stamp() -> str:
    # Index names must be lower case.
    return datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S%fz")
