"""Sources in, batches out: parse (pure, in worker processes), then write atomic batches.

Idempotent by accession number: a filing already stored counts as a duplicate and is not
re-written (reindex rebuilds derived data), except that a parsed copy (XML, submission .txt)
replaces a copy rebuilt from an SEC data set, which lacks what only the XML has. Amendments: an
amendment that restates transactions supersedes its original's rows (docs/analytics.md); one that
restates only holdings leaves them.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import islice
from typing import Callable, Iterable, Iterator

import orjson

from indexer import native, sectors
from indexer.documents import from_data_set, transaction_rows
from indexer.ownership import build_filing, parse_xml
from indexer.submission import pseudo_accession, unwrap
from insider.errors import RejectedInput, WorkerFailed
from insider.memory import cyclic_collector_paused
from insider.settings import Settings
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines.base import Batch, Engine
from search.query import ast


@dataclass(frozen=True)
class Source:
    name: str    # path or URL, used in messages
    data: bytes  # raw bytes: ownership XML, complete submission .txt, .nc; optionally gzip


@dataclass
class IngestReport:
    ingested: int = 0       # filings new to the index
    replaced: int = 0       # stored filings rewritten from a more complete copy (`copy_rank`)
    duplicates: int = 0     # copies of stored (or batch) filings that changed nothing
    rejected: list[tuple[str, str]] = field(default_factory=list)
    accessions: list[str] = field(default_factory=list)   # written: ingested and replaced

    def merge(self, other: "IngestReport") -> None:
        self.ingested += other.ingested
        self.replaced += other.replaced
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)
        self.accessions.extend(other.accessions)


def classify(filing: dict, sic: str | None, overrides: dict) -> dict:
    issuer = filing["issuer"]
    sector, industry = sectors.classify(sic, ticker=issuer.get("tradingSymbol"), cik=issuer.get("cik"),
                                        overrides=overrides)
    classification = {k: v for k, v in (("sic", sic), ("sector", sector), ("industry", industry)) if v}
    if classification:
        filing = {**filing, "classification": classification}
        order = list(filing)
        order.insert(order.index("issuer") + 1, order.pop(order.index("classification")))
        filing = {k: filing[k] for k in order}
    return filing


def prepare(name: str, data: bytes, max_bytes: int, overrides: dict, encoder=None):
    """bytes -> ("ok", filing, rows, encoded) or ("rejected", name, reason). Pure; runs in
    workers. `encoded` holds the documents in the engine's write form when it has an encoder."""
    fast = native.prepare(name, data, max_bytes, overrides)  # identical results, or None: the Python path
    try:
        if fast is not None:
            filing, rows = fast
            return "ok", filing, rows, encode_all(encoder, filing, rows)
        envelope = unwrap(data, name, max_bytes)
        root = parse_xml(envelope.xml)
        accession = envelope.accession_no or pseudo_accession(envelope.xml)
        filing = build_filing(root, accession, envelope.filed_at)
        filing = classify(filing, envelope.sic, overrides)
        rows = transaction_rows(filing)
        return "ok", filing, rows, encode_all(encoder, filing, rows)
    except RejectedInput as exc:
        return "rejected", name, exc.message
    except Exception as exc:  # noqa: BLE001 - one bad file must never sink the batch
        return "rejected", name, f"unexpected {type(exc).__name__}: {exc}"


def encode_all(encoder, filing: dict, rows: list[dict]) -> dict:
    if encoder is None:
        return {}
    encoded = {(FILINGS.name, filing[FILINGS.key]): encoder(FILINGS, filing)}
    for row in rows:
        encoded[(TRANSACTIONS.name, row[TRANSACTIONS.key])] = encoder(TRANSACTIONS, row)
    return encoded


def prepare_document(filing: dict, overrides: dict, encoder=None):
    """A built filing document -> ("ok", filing, rows, encoded), re-classified. Pure."""
    filing = classify(filing, (filing.get("classification") or {}).get("sic"), overrides)
    rows = transaction_rows(filing)
    return "ok", filing, rows, encode_all(encoder, filing, rows)


_WORKER: dict = {}
# Workers come from a fork server, not from a fork of this process: a fork would inherit the
# descriptors of tantivy's file locks, which tantivy takes with flock() and lets go by closing
# them, so a lock held by one of its threads at that moment (the meta lock, while a commit cleans
# up) would stay held by the worker for the pool's life, and this process's next reader reload
# would wait on it forever. The server imports this module once; each worker is a cheap fork of it.
# As with any fork-server or spawn start, a script driving an Ingestor with several workers needs
# the `if __name__ == "__main__":` guard (the workers import the main module); the `insider`
# command, bench.run and pytest have it.
_WORKER_START = multiprocessing.get_context("forkserver")
_WORKER_START.set_forkserver_preload([__name__])


def _init_worker(max_bytes: int, overrides: dict, encoder, owner: int | None = None) -> None:
    _WORKER.update(max_bytes=max_bytes, overrides=overrides, encoder=encoder)
    if owner is not None:
        threading.Thread(target=_leave_with, args=(owner,), name="leave-with-owner", daemon=True).start()


OWNER_CHECK_SECONDS = 1.0


def _leave_with(owner: int) -> None:
    """A worker whose ingesting process was killed (kill -9: no clean-up ran) would wait on its
    task queue forever, and keep the fork server alive with it: it leaves within a second instead."""
    while True:
        time.sleep(OWNER_CHECK_SECONDS)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # alive, under another user (cannot happen for our own parent)
            pass


def _prepare_in_worker(item: tuple[str, bytes]):
    return _packed(prepare(item[0], item[1], _WORKER["max_bytes"], _WORKER["overrides"], _WORKER["encoder"]))


def _document_in_worker(filing: dict):
    return _packed(prepare_document(filing, _WORKER["overrides"], _WORKER["encoder"]))


def _packed(result: tuple) -> tuple:
    """A worker's result with the filing and its rows as JSON: the writing process, which every
    result passes through, decodes a filing's JSON in ~65 µs and unpickles the same objects in
    ~200 (a tenth of its time per filing). The documents are JSON values, so nothing changes on
    the way; one that JSON cannot carry alike (an integer past 64 bits) is pickled as it is."""
    if result[0] != "ok":
        return result
    try:
        return ("ok-json", orjson.dumps(result[1]), orjson.dumps(result[2]), result[3])
    except orjson.JSONEncodeError:
        return result


def _unpacked(result: tuple) -> tuple:
    if result[0] == "ok-json":
        return "ok", orjson.loads(result[1]), orjson.loads(result[2]), result[3]
    return result


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class Ingestor:
    def __init__(self, engine: Engine, settings: Settings, batch_size: int = 500, workers: int | None = None):
        self.engine = engine
        self.settings = settings
        self.batch_size = batch_size
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.overrides = sectors.load_overrides(settings.sector_overrides) if settings.sector_overrides else {}
        engine.ensure_ready()

    def ingest(self, sources: Iterable[Source], progress: Callable[[int], None] | None = None) -> IngestReport:
        items = ((s.name, s.data) for s in sources)
        max_bytes = self.settings.max_file_bytes
        return self._run(items, _prepare_in_worker, 16,
                         lambda item: prepare(item[0], item[1], max_bytes, self.overrides), progress)

    def ingest_documents(self, filings: Iterable[dict], progress: Callable[[int], None] | None = None) -> IngestReport:
        """Filing documents already built (data sets, reindex, the scaled bench corpus): classify,
        derive rows and encode them, in worker processes when there are several."""
        return self._run(filings, _document_in_worker, 64,
                         lambda filing: prepare_document(filing, self.overrides, None), progress)

    def _run(self, items: Iterable, in_worker, chunksize: int, in_process, progress) -> IngestReport:
        """Prepare items in batches (in worker processes when there are several; in this one the
        writer encodes on write instead) and write each batch."""
        report = IngestReport()
        with cyclic_collector_paused():
            if self.workers > 1:
                try:
                    with ProcessPoolExecutor(self.workers, mp_context=_WORKER_START, initializer=_init_worker,
                                             initargs=(self.settings.max_file_bytes, self.overrides,
                                                       self.engine.encoder, os.getpid())) as pool:
                        for chunk in _chunks(items, self.batch_size):
                            prepared = pool.map(in_worker, chunk, chunksize=chunksize)
                            report.merge(self._write([_unpacked(r) for r in prepared]))
                            if progress:
                                progress(len(chunk))
                except BrokenProcessPool as exc:
                    written = report.ingested + report.replaced
                    raise WorkerFailed(f"a parse worker process died ({exc}); the {written} filings written before it "
                                       "are stored: run the same command again to finish") from None
            else:
                for chunk in _chunks(items, self.batch_size):
                    report.merge(self._write([in_process(item) for item in chunk]))
                    if progress:
                        progress(len(chunk))
        return report

    def _write(self, results: list) -> IngestReport:
        report = IngestReport()
        fresh: dict[str, tuple[dict, list]] = {}
        encoded: dict = {}
        for result in results:
            if result[0] == "rejected":
                report.rejected.append((result[1], result[2]))
            else:
                _, filing, rows, forms = result
                accession = filing["accessionNo"]
                if accession in fresh:  # the first copy wins, unless this one is more complete
                    report.duplicates += 1
                    if copy_rank(filing) <= copy_rank(fresh[accession][0]):
                        continue
                fresh[accession] = (filing, rows)
                encoded.update(forms)
        if not fresh:
            return report
        # Everything read from here on decides the write: no other process may commit in between.
        self.engine.reserve_writer()
        known = self.engine.known_accessions(fresh)
        upgraded = self._weaker_stored_copies({a: fresh[a][0] for a in known if copy_rank(fresh[a][0]) > 0})
        known -= upgraded
        report.duplicates += len(known)
        for accession in known:
            del fresh[accession]
        if not fresh:
            return report
        filings, rows, updates = self._supersede(list(fresh.values()))
        for row in rows:
            if row.get("superseded"):  # changed since the worker encoded it
                encoded.pop((TRANSACTIONS.name, row[TRANSACTIONS.key]), None)
        self.engine.write(Batch(filings=filings, rows=rows, row_updates=updates, encoded=encoded))
        report.replaced += len(upgraded)
        report.ingested += len(filings) - len(upgraded)
        report.accessions.extend(f["accessionNo"] for f in filings)
        return report

    def _weaker_stored_copies(self, copies: dict[str, dict]) -> set[str]:
        """The accession numbers whose stored copy is less complete than the copy at hand."""
        if not copies:
            return set()
        page = self.engine.search(FILINGS, ast.Terms(FILINGS.key, tuple(sorted(copies))), [], 0, len(copies))
        return {f[FILINGS.key] for f in page.documents if copy_rank(f) < copy_rank(copies[f[FILINGS.key]])}

    def _supersede(self, items: list[tuple[dict, list]]):
        """Mark which rows count, in any arrival order: within one restatement group (an original
        and its amendments, one table at a time: `restatement_group`), only the rows of the latest
        amendment that has rows in that table count, or the original's when none has. Rows
        already stored whose standing changes are returned as updates."""
        keys = {r["link_key"] for _, rows in items for r in rows if r.get("link_key")}
        amended = {r["link_key"] for _, rows in items for r in rows if r.get("link_key") and r["is_amendment"]}
        # A batch amendment can change the standing of any stored row of its group; otherwise only
        # a stored amendment can change the standing of the batch's own rows.
        stored = self._stored_group_rows(amended) + self._stored_group_rows(keys - amended, amendments_only=True)
        # Stored rows of this batch's own filings are being replaced (a parsed copy of a data-set
        # filing), not marked: re-writing them would bring the old copy's rows back.
        batch = {f["accessionNo"] for f, _ in items}
        stored = [r for r in stored if r["accession_no"] not in batch]
        counted = winners([r for _, rows in items for r in rows] + stored)
        filings, rows = [], []
        for filing, filing_rows in items:
            filings.append(filing)
            rows.extend(_standing(row, counted) for row in filing_rows)
        updates = [marked for r in stored if (marked := _standing(r, counted))["superseded"] != r.get("superseded", False)]
        return filings, rows, updates

    def _stored_group_rows(self, keys: set[str], amendments_only: bool = False) -> list[dict]:
        if not keys:
            return []
        query = ast.Terms("link_key", tuple(sorted(keys)))
        if amendments_only:
            query = ast.Bool(filter=(query, ast.Term("is_amendment", True)))
        return self.engine.search(TRANSACTIONS, query, [], 0, 10_000).documents


def copy_rank(filing: dict) -> int:
    """How complete a copy of a filing is; a more complete copy replaces a stored one, otherwise
    the first copy stays. 0: rebuilt from an SEC data set (no footnotes, remarks, ...); 1: bare
    ownership XML (no filing time, no SIC code: EDGAR's envelope is missing); 2: a submission."""
    if from_data_set(filing):
        return 0
    return 2 if filing.get("filedAt") else 1


def restatement_group(row: dict) -> tuple[str, str] | None:
    """An original and its amendments restate each other's rows table by table: (link_key, table)."""
    key = row.get("link_key")
    return (key, row["table"]) if key else None


def winners(rows: list[dict]) -> dict[tuple[str, str], str]:
    """Restatement group -> the accession number whose rows count: the latest amendment (by filing
    time, then accession number) among those with rows in the group; groups without an amendment
    are left out (their originals count)."""
    best: dict[tuple[str, str], tuple] = {}
    for row in rows:
        group = restatement_group(row)
        if group is None or not row["is_amendment"]:
            continue
        rank = (row.get("filed_at") or "", row["accession_no"])
        if group not in best or rank > best[group]:
            best[group] = rank
    return {group: rank[1] for group, rank in best.items()}


def _standing(row: dict, counted: dict[tuple[str, str], str]) -> dict:
    group = restatement_group(row)
    superseded = group in counted and counted[group] != row["accession_no"]
    return row if row.get("superseded", False) == superseded else {**row, "superseded": superseded}


def open_engine(settings: Settings) -> Engine:
    if settings.opensearch_url:
        from search.engines.opensearch import OpenSearchEngine

        return OpenSearchEngine(settings.opensearch_url, prefix=settings.opensearch_index_prefix)
    from search.engines.tantivy_engine import TantivyEngine

    return TantivyEngine(settings.data_dir, column_cache_mb=settings.column_cache_mb)


def open_ingestor(settings: Settings, **kwargs) -> Ingestor:
    return Ingestor(open_engine(settings), settings, **kwargs)


def rebuild(engine: Engine, settings: Settings) -> int:
    """`insider reindex`: re-derive every filing's classification and rows into new indexes that
    replace the old ones atomically. Two passes: first which amendment counts in each restatement
    group, then every filing with its rows marked accordingly."""
    overrides = sectors.load_overrides(settings.sector_overrides) if settings.sector_overrides else {}
    amendment_rows = []
    for filing in engine.iter_filings():
        if filing["documentType"].endswith("/A"):
            amendment_rows.extend({"link_key": r.get("link_key"), "table": r["table"], "is_amendment": True,
                                   "filed_at": r.get("filed_at"), "accession_no": r["accession_no"]}
                                  for r in transaction_rows(filing))
    counted = winners(amendment_rows)

    def transform(filing: dict):
        sic = (filing.get("classification") or {}).get("sic")
        refreshed = classify({k: v for k, v in filing.items() if k != "classification"}, sic, overrides)
        return refreshed, [_standing(r, counted) for r in transaction_rows(refreshed)]

    return engine.reindex(transform)
