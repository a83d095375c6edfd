"""`insider sync` against the local EDGAR: every filing of the window stored exactly once,
whatever EDGAR throws at it, whenever it is killed, and never faster than the rate limit."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from indexer.edgar.checkpoint import state_dir
from indexer.edgar.client import EdgarClient
from indexer.edgar.sync import SyncCheckpoint, edgar_today, plan_indexes, sync
from indexer.pipeline import open_engine, open_ingestor
from insider import settings as settings_module
from tests.indexer.edgar.conftest import assert_within_the_rate
from tests.indexer.edgar.fake_edgar import Fault

ROOT = Path(__file__).resolve().parents[3]
SINCE = date(2021, 9, 20)
# A Friday evening in New York: 2021 Q3 comes from its full index, Q4 from daily indexes.
NOW = "2021-10-08T23:00:00-04:00"
TODAY = date(2021, 10, 8)
# Tests about the daily indexes alone read less, to stay fast at 10 requests a second.
OCTOBER = date(2021, 10, 1)


@pytest.fixture
def settings(env, monkeypatch):
    monkeypatch.setenv("INSIDER_NOW", NOW)
    return settings_module.load()


@pytest.fixture
def expected(edgar):
    return {f.accession for f in edgar.filed_between(SINCE, TODAY)}


@pytest.fixture
def october(edgar):
    return {f.accession for f in edgar.filed_between(OCTOBER, TODAY)}


def run_sync(settings, ingestor, since=SINCE, batch_size=5, timeout=30.0):
    # The client's default timeout unless a test's slow fault needs a short one: a request that a
    # loaded machine answers past a short timeout is asked again, and the counts of the tests that
    # assert what was fetched would then be off by one.
    with EdgarClient(settings, timeout=timeout, backoff=0.05) as client:
        spans = plan_indexes(since, TODAY, edgar_today(settings))
        checkpoint = SyncCheckpoint(state_dir(settings) / "sync.json")
        return sync(client, ingestor, checkpoint, spans, batch_size=batch_size)


def stored(settings) -> Counter:
    engine = open_engine(settings)
    try:
        return Counter(f["accessionNo"] for f in engine.iter_filings())
    finally:
        engine.close()


def test_every_filing_of_the_window_is_stored_once_despite_faults(edgar, settings, expected, limiter):
    edgar.inject("/Archives/edgar/full-index/2021/QTR3/master.idx", Fault("status", 429, {"Retry-After": "1"}))
    edgar.inject("/Archives/edgar/daily-index/2021/QTR4/master.20211005.idx", Fault("truncate"))
    some = sorted(expected)
    for accession, fault in zip(some, [Fault("status", 503), Fault("slow", seconds=1.5), Fault("truncate")]):
        cik = edgar.catalog[accession].ciks[0]
        edgar.inject(f"/Archives/edgar/data/{cik}/{accession}.txt", fault, Fault("status", 503))

    summary = run_sync(settings, open_ingestor(settings, workers=1), timeout=1.0)  # the slow fault: 1.5 s

    assert len(expected) > 25
    assert stored(settings) == Counter(expected)
    assert (summary.ingested, summary.duplicates, summary.rejected, summary.missing) == (len(expected), 0, [], [])
    # Nothing but ownership filings fetched (the indexes also list 8-Ks), each once when served.
    assert set(edgar.archive_hits()) == expected
    assert_within_the_rate(limiter, edgar)


def test_a_rerun_fetches_only_what_was_not_there_yet(edgar, settings, october):
    late = date(2021, 10, 6)
    edgar.unpublished_days = {late}
    first = run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    held_back = {f.accession for f in edgar.filed_between(late, late)}
    # 10-04 and 10-07 had no filings: EDGAR has no index for them either.
    assert first.days_without_index == [date(2021, 10, 4), late, date(2021, 10, 7)]
    assert held_back and stored(settings) == Counter(october - held_back)

    edgar.unpublished_days = set()
    before = len(edgar.hits)
    second = run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    assert stored(settings) == Counter(october)
    assert (second.ingested, second.duplicates) == (len(held_back), 0)
    asked = sorted(h.path.rsplit("/", 1)[1] for h in edgar.hits[before:])
    assert asked == sorted(["master.20211004.idx", "master.20211006.idx", "master.20211007.idx",
                            *(f"{a}.txt" for a in held_back)])


def test_a_finished_quarter_is_not_fetched_again_from_its_full_index(edgar, settings, october, monkeypatch):
    run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    before = len(edgar.hits)
    monkeypatch.setenv("INSIDER_NOW", "2022-01-10T12:00:00-05:00")
    later = settings_module.load()
    with EdgarClient(later, backoff=0.05) as client:
        spans = plan_indexes(OCTOBER, TODAY, edgar_today(later))
        sync(client, open_ingestor(later, workers=1), SyncCheckpoint(state_dir(later) / "sync.json"), spans)
    asked = [h.path for h in edgar.hits[before:]]
    assert asked == ["/Archives/edgar/full-index/2021/QTR4/master.idx"]
    assert stored(settings) == Counter(october)


class Crash(Exception):
    pass


class CrashingIngestor:
    """The real ingestor, until the process 'dies' before the checkpoint of batch `after`."""

    def __init__(self, ingestor, after: int):
        self.ingestor, self.after, self.calls = ingestor, after, 0

    def ingest(self, sources, progress=None):
        self.calls += 1
        report = self.ingestor.ingest(sources)
        if self.calls == self.after:
            raise Crash
        return report


def test_resuming_refetches_only_the_batch_that_was_in_flight(edgar, settings, october):
    # Batches of two: 10-01 is one batch, 10-05 two; the crash hits the second of 10-05.
    with pytest.raises(Crash):
        run_sync(settings, CrashingIngestor(open_ingestor(settings, workers=1), after=3), OCTOBER, batch_size=2)
    in_flight = edgar.archive_hits()[-2:]
    run_sync(settings, open_ingestor(settings, workers=1), OCTOBER, batch_size=2)
    assert stored(settings) == Counter(october)
    fetched = Counter(edgar.archive_hits())
    assert sorted(a for a, n in fetched.items() if n > 1) == sorted(in_flight)


SYNC_OCTOBER = [sys.executable, "-m", "insider.cli", "sync", "--since", OCTOBER.isoformat(), "--until", TODAY.isoformat()]


def test_kill_9_at_any_moment_then_rerun_stores_every_filing_once(edgar, settings, october, env):
    environment = {**os.environ, **env, "INSIDER_NOW": NOW, "PYTHONPATH": str(ROOT)}
    checkpoint = state_dir(settings) / "sync.json"

    def days_done() -> int:
        return len(json.loads(checkpoint.read_text())["done"]) if checkpoint.exists() else 0

    def kill_when(condition) -> None:
        process = subprocess.Popen(SYNC_OCTOBER, env=environment, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "sync ended before it could be killed"

    start = len(edgar.hits)
    kill_when(lambda: len(edgar.hits) - start >= 2)  # fetching the first day's filings
    kill_when(lambda: days_done() >= 2)  # just after a checkpoint, two days of five in
    done = subprocess.run(SYNC_OCTOBER, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ingested" in done.stdout
    assert stored(settings) == Counter(october)


def test_a_filing_edgar_did_not_have_is_asked_again_by_the_next_run(edgar, settings, october):
    # A passing 404 must not lose the filing: the index is done, but what it listed and EDGAR
    # did not serve is remembered and fetched by the next run, which then exits clean.
    absent = sorted(october)[0]
    cik = edgar.catalog[absent].ciks[0]
    path = f"/Archives/edgar/data/{cik}/{absent}.txt"
    edgar.inject(path, Fault("status", 404))
    first = run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    assert [m.rsplit("/", 1)[1] for m in first.missing] == [f"{absent}.txt"]
    assert stored(settings) == Counter(october - {absent})

    before = len(edgar.hits)
    second = run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    assert (second.ingested, second.missing) == (1, [])
    assert stored(settings) == Counter(october)
    assert [h.path for h in edgar.hits[before:] if h.path.startswith("/Archives/edgar/data/")] == [path]
    third = run_sync(settings, open_ingestor(settings, workers=1), since=OCTOBER)
    assert (third.ingested, third.missing) == (0, [])


def test_a_quarter_that_just_ended_is_read_day_by_day_until_its_full_index_settles():
    # On 2021-10-01 the Q3 full index may still lack 09-30: reading it then would checkpoint Q3
    # without that day. Its days come from their daily indexes instead, for three days.
    for today, full in ((date(2021, 10, 1), False), (date(2021, 10, 3), False), (date(2021, 10, 4), True)):
        spans = plan_indexes(date(2021, 9, 27), today, today)
        q3 = [s for s in spans if s.first <= date(2021, 9, 30)]
        assert [s.daily for s in q3] == ([False] if full else [True] * 4), today
