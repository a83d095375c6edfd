"""`python -m bench.feed_latency`: how long a filing takes from appearing in EDGAR's feed to
being searchable through the query API, with `insider follow`'s real code path.

A local EDGAR (tests/indexer/edgar/fake_edgar.py, serving the corpus's real submissions on
127.0.0.1) announces one Form 4 at a time in its getcurrent feed. The clock starts when the
feed page that first lists the filing is served, so the wait for the next poll (the poll
interval) is excluded; it stops when `search_filings` for `accessionNo:"..."` returns it. The
split shows where the time goes: waiting for the rate limiter's next slot (EDGAR fair access:
two consecutive requests are at least 1/EDGAR_MAX_RPS apart), then fetch + parse + commit.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time

from indexer.edgar.client import EdgarClient
from indexer.edgar.checkpoint import state_dir
from indexer.edgar.follow import Follower, follow
from indexer.edgar.sync import edgar_today
from indexer.pipeline import open_ingestor
from insider import settings as settings_module
from search.filings import SearchParams, search_filings
from tests.indexer.edgar.fake_edgar import FakeEdgar, load_catalog


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(samples_s: list[float]) -> dict:
    ms = [s * 1000 for s in samples_s]
    return {"median_ms": round(statistics.median(ms), 1), "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1)}


def measure(filings: int, interval: float, gap: float) -> dict:
    catalog = load_catalog()
    chosen = sorted((f for f in catalog.values() if f.form_type == "4"), key=lambda f: f.accepted)[-filings:]
    with FakeEdgar(catalog) as edgar, tempfile.TemporaryDirectory() as data:
        os.environ.update(EDGAR_BASE_URL=edgar.url, INSIDER_DATA_DIR=data,
                          SEC_USER_AGENT=os.environ.get("SEC_USER_AGENT", "Insider bench admin@example.com"))
        settings = settings_module.load()
        ingestor = open_ingestor(settings, workers=1)
        client = EdgarClient(settings)
        follower = Follower(client, ingestor, state_dir(settings) / "follow.json", lambda: edgar_today(settings))
        stop = threading.Event()
        poller = threading.Thread(target=follow, args=(follower, interval, False, stop, lambda tally: None))
        poller.start()
        visible: dict[str, float] = {}
        try:
            for filing in chosen:
                edgar.publish(filing)
                params = SearchParams.from_raw(f'accessionNo:"{filing.accession}"')
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if search_filings(ingestor.engine, params)["total"]["value"]:
                        visible[filing.accession] = time.monotonic()
                        break
                    time.sleep(0.001)
                time.sleep(gap)
        finally:
            stop.set()
            poller.join()
            client.close()
        fetched = {}
        for hit in edgar.hits:
            if hit.path.startswith("/Archives/edgar/data/"):
                fetched.setdefault(hit.path.rsplit("/", 1)[1][:-4], hit.at)
        seen = [f.accession for f in chosen if f.accession in visible]
        return {
            "filings": len(chosen), "searchable": len(seen), "edgar_max_rps": settings.edgar_max_rps,
            "feed_to_searchable": summary([visible[a] - edgar.first_listed[a] for a in seen]),
            "feed_to_fetch_request": summary([fetched[a] - edgar.first_listed[a] for a in seen]),
            "fetch_request_to_searchable": summary([visible[a] - fetched[a] for a in seen]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=100, help="filings announced one by one (default 100)")
    parser.add_argument("--interval", type=float, default=0.5, help="follow's poll interval, seconds")
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between a filing being searchable and the next announcement")
    args = parser.parse_args()
    print(json.dumps(measure(args.filings, args.interval, args.gap), indent=2))


if __name__ == "__main__":
    main()
