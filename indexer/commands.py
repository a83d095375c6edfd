"""`insider ingest`, `insider search`, `insider reindex`."""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Iterator

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from indexer.pipeline import Source, open_engine, open_ingestor, rebuild
from insider import settings as settings_module
from insider.errors import EngineUnavailable, RejectedInput
from mappings.filings import FILINGS
from search.query import ast

INPUT_SUFFIXES = (".xml", ".txt", ".nc", ".gz")


def _files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(INPUT_SUFFIXES)))
        else:
            found.append(path)
    return found


def _read(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most `limit`. Opened without blocking and checked once open:
    a FIFO named on the command line would otherwise wait for a writer forever, and /dev/zero
    (size 0 to stat) would be read until memory ran out; a file that grows after a size check is
    still cut off at the limit."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RejectedInput("not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise RejectedInput(f"file is over the {limit}-byte limit (INSIDER_MAX_FILE_BYTES)")
    return data


def _sources(files: list[Path], limit: int, rejected: list) -> Iterator[Source]:
    for path in files:
        try:
            yield Source(str(path), _read(path, limit))
        except (OSError, RejectedInput) as exc:
            rejected.append((str(path), getattr(exc, "message", None) or exc.strerror or str(exc)))


def run_ingest(args) -> int:
    settings = settings_module.load()
    files = _files(args.paths)
    console = Console(stderr=True)
    ingestor = open_ingestor(settings, workers=args.workers)
    unreadable: list[tuple[str, str]] = []
    with Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, disable=args.quiet) as bar:
        task = bar.add_task("ingest", total=len(files))
        report = ingestor.ingest(_sources(files, settings.max_file_bytes, unreadable),
                                 progress=lambda n: bar.advance(task, n))
    report.rejected[:0] = unreadable
    for name, reason in report.rejected:
        print(f"rejected {name}: {reason}", file=sys.stderr)
    replaced = f", replaced {report.replaced} (a more complete copy of a stored filing)" if report.replaced else ""
    print(f"ingested {report.ingested}{replaced}, duplicates {report.duplicates}, rejected {len(report.rejected)}")
    if not files:
        print(f"no files found under {', '.join(map(str, args.paths))}", file=sys.stderr)
        return 1
    return 1 if report.rejected else 0


def _sort_arg(text: str | None):
    if not text:
        return None
    keys = []
    for part in text.split(","):
        field, _, order = part.partition(":")
        keys.append({field.strip(): {"order": (order or "asc").strip()}})
    return keys


def run_search(args) -> int:
    from search.filings import SearchParams, search_filings

    settings = settings_module.load()
    engine = open_engine(settings)
    params = SearchParams.from_raw(args.query, args.offset, args.size, _sort_arg(args.sort))
    sys.stdout.buffer.write(orjson.dumps(search_filings(engine, params), option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def run_reindex(args) -> int:
    settings = settings_module.load()
    engine = open_engine(settings)
    try:  # an index to rebuild from: without one there is nothing to do, and nothing is created
        engine.search(FILINGS, ast.MatchAll(), [], 0, 0)
    except EngineUnavailable as exc:
        print(f"nothing to reindex: {exc.message}", file=sys.stderr)
        return 1
    count = rebuild(engine, settings)
    print(f"reindexed {count} filings into new indexes; the old ones are gone")
    return 0


def register(sub) -> None:
    p = sub.add_parser("ingest", help="ingest Form 3/4/5 files (XML, .txt, .nc, optionally .gz); directories recursively")
    p.add_argument("paths", nargs="+")
    p.add_argument("--workers", type=int, default=None, help="parser processes (default: up to 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_ingest)

    p = sub.add_parser("search", help="run a Lucene query; prints exactly what POST /insider-trading returns")
    p.add_argument("query")
    p.add_argument("--from", dest="offset", type=int, default=0)
    p.add_argument("--size", type=int, default=50)
    p.add_argument("--sort", help="FIELD:asc|desc[,FIELD:asc|desc...] (default filedAt:desc)")
    p.set_defaults(run=run_search)

    p = sub.add_parser("reindex", help="rebuild both indexes from the stored filings and swap them in")
    p.set_defaults(run=run_reindex)
