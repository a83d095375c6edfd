"""Sub-commands that bring EDGAR in: `sync`, `follow`, `load-datasets`."""
from __future__ import annotations

import argparse
import signal
import threading
from datetime import date, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from indexer.edgar.checkpoint import state_dir
from indexer.edgar.client import EdgarClient
from indexer.edgar.datasets import build_documents, read_dataset
from indexer.edgar.follow import Follower, follow
from indexer.edgar.sync import SyncCheckpoint, SyncSummary, Tally, edgar_today, plan_indexes, sync
from insider import settings as settings_module
from insider.errors import BadRequest


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sync",
        help="backfill Forms 3/4/5 from EDGAR's quarterly and daily indexes (resumable)",
        description="Read EDGAR's full-index (past quarters) and daily-index (current quarter) "
        "files, fetch every Form 3, 3/A, 4, 4/A, 5, 5/A filed in the window and ingest it. "
        "Interrupted or killed, the same command resumes where the last durable batch ended.",
    )
    p.add_argument("--since", type=_day, required=True, help="first filing date, YYYY-MM-DD")
    p.add_argument("--until", type=_day, help="last filing date, YYYY-MM-DD (default: today in New York)")
    p.set_defaults(run=run_sync)

    p = subparsers.add_parser(
        "follow",
        help="ingest new Forms 3/4/5 from EDGAR's current-filings feed as they are accepted",
        description="Poll the getcurrent Atom feeds for forms 3, 4 and 5, ingest each new filing "
        "at once, and check every finished day against its daily index so that nothing the feed "
        "missed (or that was filed while this was not running) is lost. Stops on Ctrl-C/SIGTERM.",
    )
    p.add_argument("--interval", type=float, default=2.0, help="seconds between polls (default 2: three feed requests, 1.5 requests/s)")
    p.add_argument("--once", action="store_true", help="poll once, then exit")
    p.set_defaults(run=run_follow)

    p = subparsers.add_parser(
        "load-datasets",
        help="load SEC Insider Transactions Data Sets (quarterly ZIPs or folders of TSVs)",
        description="Join the data sets' TSVs on ACCESSION_NUMBER into the same filing documents "
        "the XML parser builds and ingest them. Faster than `sync` for years of history; "
        "docs/edgar.md lists what the data sets lack compared with the XML.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a data set ZIP or folder")
    p.set_defaults(run=run_load_datasets)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def _open_ingestor(settings, **options):
    # Imported here so that `insider --help` does not load the engines.
    from indexer.pipeline import open_ingestor

    return open_ingestor(settings, **options)


def run_sync(args) -> int:
    settings = settings_module.load()
    today = edgar_today(settings)
    if args.until is None and args.since > today:
        raise BadRequest(f"--since {args.since} is after today on EDGAR's calendar ({today})")
    spans = plan_indexes(args.since, args.until or today, today)
    errors = Console(stderr=True)
    with EdgarClient(settings) as client:
        ingestor = _open_ingestor(settings)
        checkpoint = SyncCheckpoint(state_dir(settings) / "sync.json")
        progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=errors, disable=not errors.is_terminal,
        )
        with progress:
            summary = sync(client, ingestor, checkpoint, spans, progress)
    _print_sync_summary(Console(), args, summary)
    return 0 if summary.clean else 1


def _print_sync_summary(console: Console, args, summary: SyncSummary) -> None:
    until = args.until.isoformat() if args.until else "today"
    console.print(
        f"sync {args.since} .. {until}: {summary.indexes_read} index files read, "
        f"{summary.listed} ownership filings listed"
    )
    _print_tally(console, summary)
    if summary.unreadable_rows:
        console.print(f"  {summary.unreadable_rows} index lines could not be read and were skipped")
    if summary.days_without_index:
        days = ", ".join(d.isoformat() for d in summary.days_without_index)
        console.print(f"  no daily index (yet) for {days}: a holiday has none, a late one is read by the next run")


def _print_tally(console: Console, tally: Tally) -> None:
    console.print(
        f"  ingested {tally.ingested}, already stored {tally.duplicates}, "
        f"rejected {len(tally.rejected)}, missing from the archive {len(tally.missing)}"
    )
    for name, reason in tally.rejected:
        console.print(f"  rejected {name}: {reason}", markup=False)
    for url in tally.missing:
        console.print(f"  missing {url}", markup=False)


def run_follow(args) -> int:
    settings = settings_module.load()
    console = Console()
    stop = threading.Event()

    clean = True

    def report(tally: Tally) -> None:
        nonlocal clean
        clean = clean and not (tally.rejected or tally.missing)
        if tally.ingested or tally.duplicates or tally.rejected or tally.missing:
            console.print(f"{datetime.now():%H:%M:%S}", end="")
            _print_tally(console, tally)

    with EdgarClient(settings, stop=stop) as client:
        # A handful of filings per poll: parsing in-process beats starting worker processes.
        ingestor = _open_ingestor(settings, workers=1)
        follower = Follower(client, ingestor, state_dir(settings) / "follow.json", lambda: edgar_today(settings))
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            follow(follower, args.interval, args.once, stop, report)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if stop.is_set():
        console.print("follow: stopped; state saved")
    # Like sync: --once exits 1 when a filing was rejected or missing (a long run logs them).
    return 1 if args.once and not clean else 0


def run_load_datasets(args) -> int:
    settings = settings_module.load()
    ingestor = _open_ingestor(settings)
    console, errors = Console(), Console(stderr=True)
    clean = True
    for path in args.paths:
        dataset = read_dataset(path)
        if dataset.missing:
            clean = False
            errors.print(f"{path}: no {', '.join(t + '.tsv' for t in dataset.missing)}: read as empty, "
                         "so its filings lack those rows", markup=False)
        rejected: list[tuple[str, str]] = []

        def documents():
            for accession, document, reason in build_documents(dataset):
                if document is None:
                    rejected.append((accession, reason))
                else:
                    yield document

        with Progress(TextColumn(path.name), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=errors, disable=not errors.is_terminal) as bar:
            task = bar.add_task(path.name, total=len(dataset.rows["SUBMISSION"]))
            report = ingestor.ingest_documents(documents(), progress=lambda n: bar.advance(task, n))
        console.print(f"{path}: ingested {report.ingested}, already stored {report.duplicates}, "
                      f"rejected {len(rejected)}", markup=False)
        for accession, reason in rejected[:20]:
            console.print(f"  rejected {accession}: {reason}", markup=False)
        if len(rejected) > 20:
            console.print(f"  ... and {len(rejected) - 20} more", markup=False)
        clean = clean and not rejected
    return 0 if clean else 1
