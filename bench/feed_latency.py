"""`python -m bench.feed_latency`: how long a filing takes from appearing in EDGAR's feed to
being searchable through the query API, with the processes laid out as deployed.

- A local EDGAR (tests/indexer/edgar/fake_edgar.py, serving the corpus's real submissions on
  127.0.0.1) runs in this process and announces one Form 4 at a time in its getcurrent feed.
- `insider follow` runs as its own process (the real command, embedded engine), polling the
  feed every `--interval` seconds.
- A reader process, standing in for the service, opens the same index and asks
  `search_filings` for `accessionNo:"..."` every millisecond until the filing is there.

The clock starts when the feed page that first lists the filing is served, so the wait for the
next poll (the poll interval) is excluded, and stops when the reader finds it (time.monotonic
is one clock for all processes). The split shows where the time goes: from the feed page to the
fetch request (parsing the feed, the rate limiter), then fetch + parse + commit + reader reload.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.indexer.edgar.fake_edgar import FakeEdgar, load_catalog

ROOT = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {"median_ms": round(statistics.median(ms), 1), "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1)}


def watch() -> None:
    """The reader process: for each accession number read from stdin, poll the index until it
    is searchable and print `accession monotonic-seconds` (or `accession -` after 30 s)."""
    from insider import settings as settings_module
    from search.engines.tantivy_engine import TantivyEngine
    from search.filings import SearchParams, search_filings

    engine = None
    for line in sys.stdin:
        accession = line.strip()
        params = SearchParams.from_raw(f'accessionNo:"{accession}"')
        deadline = time.monotonic() + 30
        found = "-"
        while time.monotonic() < deadline:
            if engine is None and (Path(settings_module.load().data_dir) / "index" / "CURRENT").exists():
                engine = TantivyEngine(settings_module.load().data_dir)
            if engine is not None and search_filings(engine, params)["total"]["value"]:
                found = repr(time.monotonic())
                break
            time.sleep(0.001)
        print(accession, found, flush=True)


def measure(filings: int, interval: float, gap: float) -> dict:
    catalog = load_catalog()
    chosen = sorted((f for f in catalog.values() if f.form_type == "4"), key=lambda f: f.accepted)[-filings:]
    with FakeEdgar(catalog) as edgar, tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "EDGAR_BASE_URL": edgar.url, "INSIDER_DATA_DIR": data, "PYTHONPATH": str(ROOT),
               "SEC_USER_AGENT": os.environ.get("SEC_USER_AGENT", "Insider bench admin@example.com")}
        follower = subprocess.Popen([sys.executable, "-m", "insider.cli", "follow", "--interval", str(interval)],
                                    env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        reader = subprocess.Popen([sys.executable, "-m", "bench.feed_latency", "--watch"], env=env, cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        visible: dict[str, float] = {}
        try:
            for filing in chosen:
                edgar.publish(filing)
                reader.stdin.write(filing.accession + "\n")
                reader.stdin.flush()
                accession, at = reader.stdout.readline().split()
                if at != "-":
                    visible[accession] = float(at)
                time.sleep(gap)
        finally:
            reader.stdin.close()
            reader.wait(timeout=30)
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=30)
        fetched = {}
        for hit in edgar.hits:
            if hit.path.startswith("/Archives/edgar/data/"):
                fetched.setdefault(hit.path.rsplit("/", 1)[1][:-4], hit.at)
        seen = [f.accession for f in chosen if f.accession in visible]
        return {
            "filings": len(chosen), "searchable": len(seen),
            "edgar_max_rps": float(os.environ.get("EDGAR_MAX_RPS") or 8.0), "poll_interval_s": interval,
            "feed_to_searchable": summary([visible[a] - edgar.first_listed[a] for a in seen]),
            "feed_to_fetch_request": summary([fetched[a] - edgar.first_listed[a] for a in seen]),
            "fetch_request_to_searchable": summary([visible[a] - fetched[a] for a in seen]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=100, help="filings announced one by one (default 100)")
    parser.add_argument("--interval", type=float, default=0.5, help="follow's poll interval, seconds")
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between a filing being searchable and the next announcement")
    parser.add_argument("--watch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch:
        watch()
        return
    print(json.dumps(measure(args.filings, args.interval, args.gap), indent=2))


if __name__ == "__main__":
    main()
