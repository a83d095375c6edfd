"""`insider sync`: backfill Forms 3/4/5 from EDGAR's indexes, resumable after any crash.

Past quarters are read from `full-index/{YEAR}/QTR{n}/master.idx`, the current quarter from
one `daily-index/.../master.{YYYYMMDD}.idx` per weekday. Each index's ownership filings are
fetched and ingested in batches; after each batch is durable the checkpoint records how far
the index got. A crash loses at most the batch in flight, which the next run fetches and
ingests again: ingest is idempotent by accession number, so nothing is stored twice."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from indexer.edgar.checkpoint import load_json, save_json
from indexer.edgar.client import EdgarClient
from indexer.edgar.indexes import (
    daily_index_path,
    full_index_path,
    ownership_filings,
    parse_index,
    quarter_bounds,
    quarter_of,
)
from indexer.pipeline import Source
from insider.errors import BadRequest, EdgarError

NEW_YORK = ZoneInfo("America/New_York")
BATCH_SIZE = 100


@dataclass(frozen=True)
class IndexSpan:
    """One index file and the filing dates taken from it."""
    path: str
    first: date
    last: date
    daily: bool

    @property
    def key(self) -> str:
        # The same quarterly file read for a wider window is new work, not done work.
        return f"{self.path}#{self.first}..{self.last}"

    @property
    def label(self) -> str:
        if self.daily:
            return self.first.isoformat()
        year, quarter = quarter_of(self.first)
        return f"{year} QTR{quarter}"


def edgar_today(settings) -> date:
    """EDGAR's calendar is New York's: a filing accepted at 21:00 ET belongs to that day."""
    return settings.clock().astimezone(NEW_YORK).date()


FULL_INDEX_SETTLES = timedelta(days=3)


def plan_indexes(since: date, until: date, today: date) -> list[IndexSpan]:
    if since > until:
        raise BadRequest(f"--since {since} is after --until {until}")
    until = min(until, today)
    spans = []
    year, quarter = quarter_of(since)
    while (year, quarter) <= quarter_of(until):
        start, end = quarter_bounds(year, quarter)
        first, last = max(since, start), min(until, end)
        # A quarter's full index gets its last days overnight: for a few days after the quarter
        # ends, its days are read from their daily indexes (checkpointed one by one; the full
        # index read later fetches only what those did not bring).
        if (year, quarter) < quarter_of(today - FULL_INDEX_SETTLES):
            spans.append(IndexSpan(full_index_path(year, quarter), first, last, daily=False))
        else:
            spans.extend(_daily_spans(first, last))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return spans


def _daily_spans(first: date, last: date) -> list[IndexSpan]:
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    # EDGAR accepts no filings on weekends, so there is no daily index to ask for.
    return [_daily_span(day) for day in days if day.weekday() < 5]


def _daily_span(day: date) -> IndexSpan:
    return IndexSpan(daily_index_path(day), day, day, daily=True)


@dataclass
class Tally:
    ingested: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # listed by an index, 404 in the archive

    @property
    def clean(self) -> bool:
        return not (self.rejected or self.missing)


@dataclass
class SyncSummary(Tally):
    indexes_read: int = 0
    listed: int = 0
    days_without_index: list[date] = field(default_factory=list)
    unreadable_rows: int = 0


class SyncCheckpoint:
    """`done`: index spans finished; `current`: how many filings of one span are durable,
    with a digest of that span's filing list so that a changed index starts over."""

    def __init__(self, path: Path):
        self.path = path
        self.state = load_json(path, {"done": [], "current": None})
        self.state.setdefault("missing", {})  # span key -> archive paths EDGAR answered 404 for
        self._done = set(self.state["done"])

    def is_done(self, span: IndexSpan) -> bool:
        return span.key in self._done

    def resume_at(self, span: IndexSpan, digest: str) -> int:
        current = self.state["current"]
        if current and current["key"] == span.key and current["digest"] == digest:
            return current["position"]
        return 0

    def advance(self, span: IndexSpan, digest: str, position: int, missing: list[str] = ()) -> None:
        """`position` filings of the span are durable; `missing` of them EDGAR did not have: the
        next run asks for those again (`still_missing`), so that a passing 404 loses nothing."""
        self.state["current"] = {"key": span.key, "digest": digest, "position": position}
        if missing:
            self.state["missing"][span.key] = sorted({*self.state["missing"].get(span.key, ()), *missing})
        save_json(self.path, self.state)

    def finish(self, span: IndexSpan) -> None:
        self._done.add(span.key)
        self.state["done"].append(span.key)
        self.state["current"] = None
        save_json(self.path, self.state)

    def still_missing(self, span: IndexSpan) -> list[str]:
        return self.state["missing"].get(span.key, [])

    def found(self, span: IndexSpan, missing: list[str]) -> None:
        if missing:
            self.state["missing"][span.key] = sorted(missing)
        else:
            self.state["missing"].pop(span.key, None)
        save_json(self.path, self.state)


def sync(
    client: EdgarClient,
    ingestor,
    checkpoint: SyncCheckpoint,
    spans: list[IndexSpan],
    progress=None,
    batch_size: int = BATCH_SIZE,
) -> SyncSummary:
    summary = SyncSummary()
    for span in spans:
        if checkpoint.is_done(span):
            retry = checkpoint.still_missing(span)
            if retry:  # listed by an earlier run, 404 then: asked again
                missing = fetch_and_ingest(client, ingestor, retry, summary)
                summary.missing.extend(client.url(path) for path in missing)
                checkpoint.found(span, missing)
            continue
        data = client.get(span.path, missing_ok=True)
        if data is None:
            if not span.daily:
                raise EdgarError(f"{client.url(span.path)} does not exist")
            # A holiday has no daily index, but neither has a day whose index is not out yet:
            # the day stays out of the checkpoint, so the next run asks again, and once the
            # quarter is over its full index brings whatever the day had.
            summary.days_without_index.append(span.first)
            continue
        summary.indexes_read += 1
        _sync_index(client, ingestor, checkpoint, span, data, summary, progress, batch_size)
    return summary


def _sync_index(client, ingestor, checkpoint, span, data, summary, progress, batch_size) -> None:
    entries, unreadable = parse_index(data)
    # A quarter that earlier runs read day by day, while it was current, is read again from
    # its full index once it is over: only the days no daily index brought are fetched.
    filings = [e for e in ownership_filings(entries) if span.first <= e.date_filed <= span.last
               and not checkpoint.is_done(_daily_span(e.date_filed))]
    digest = hashlib.sha256("\n".join(e.file_name for e in filings).encode()).hexdigest()
    start = checkpoint.resume_at(span, digest)
    summary.listed += len(filings)
    summary.unreadable_rows += unreadable
    task = progress.add_task(span.label, total=len(filings), completed=start) if progress else None
    for position in range(start, len(filings), batch_size):
        batch = filings[position:position + batch_size]
        missing = fetch_and_ingest(client, ingestor, [e.path for e in batch], summary)
        summary.missing.extend(client.url(path) for path in missing)
        checkpoint.advance(span, digest, position + len(batch), missing)
        if progress:
            progress.advance(task, len(batch))
    checkpoint.finish(span)


def fetch_and_ingest(client: EdgarClient, ingestor, paths: list[str], tally: Tally) -> list[str]:
    """Fetch complete submissions and ingest them in one batch; returns the paths EDGAR
    answered 404 for. When it returns, everything else is durable (stored, already stored,
    or rejected for good)."""
    bodies = client.get_many(paths, missing_ok=True)
    sources = [Source(client.url(path), body) for path, body in zip(paths, bodies) if body is not None]
    if sources:
        report = ingestor.ingest(sources)
        tally.ingested += report.ingested + report.replaced  # written
        tally.duplicates += report.duplicates
        tally.rejected.extend(report.rejected)
    return [path for path, body in zip(paths, bodies) if body is None]
