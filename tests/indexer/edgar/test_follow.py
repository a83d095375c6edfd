"""`insider follow` against the local EDGAR: each filing the feed announces is ingested once,
however the feed repeats or reorders it; what the feed never showed comes from the daily
index after a restart; an outage is outlived; SIGTERM stops it cleanly."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

from indexer.edgar.checkpoint import load_json, state_dir
from indexer.edgar.client import EdgarClient
from indexer.edgar.follow import Follower, follow
from indexer.edgar.sync import edgar_today
from indexer.pipeline import open_engine, open_ingestor
from insider import settings as settings_module
from tests.indexer.edgar.conftest import assert_within_the_rate
from tests.indexer.edgar.fake_edgar import Fault

ROOT = Path(__file__).resolve().parents[3]
# A week of the corpus with Forms 3, 4 and 5: Monday 2020-02-03 to Friday 2020-02-07.
MONDAY, WEDNESDAY = date(2020, 2, 3), date(2020, 2, 5)


def settings_at(monkeypatch, now: str):
    monkeypatch.setenv("INSIDER_NOW", now)
    return settings_module.load()


def stored(settings) -> Counter:
    engine = open_engine(settings)
    try:
        return Counter(f["accessionNo"] for f in engine.iter_filings())
    finally:
        engine.close()


def follower_for(settings, **client_options) -> Follower:
    client = EdgarClient(settings, backoff=0.05, **client_options)
    return Follower(client, open_ingestor(settings, workers=1), state_dir(settings) / "follow.json",
                    lambda: edgar_today(settings))


def accessions(filings) -> set[str]:
    return {f.accession for f in filings}


def test_each_announced_filing_is_ingested_once_however_the_feed_repeats_or_reorders(edgar, env, monkeypatch, limiter):
    settings = settings_at(monkeypatch, "2020-02-05T20:00:00-05:00")
    edgar.feed_repeats = edgar.feed_shuffle = True
    wednesday = edgar.filed_between(WEDNESDAY, WEDNESDAY)
    edgar.publish(*wednesday)
    follower = follower_for(settings)
    first = follower.poll()
    assert {f.form_type for f in wednesday} == {"3", "4", "5"}
    assert stored(settings) == Counter(accessions(wednesday))
    assert first.ingested == len(wednesday)

    # A busy hour later: more than a page of new entries in the type=4 feed.
    later = sorted((f for f in edgar.catalog.values() if f.accepted > max(w.accepted for w in wednesday)),
                   key=lambda f: f.accepted)
    after = [f for f in later if f.form_type.startswith("4")][:40]
    edgar.publish(*after)
    follower.poll()
    assert stored(settings) == Counter(accessions(wednesday) | accessions(after))
    assert any("start=100" in h.query for h in edgar.hits)

    before = len(edgar.hits)
    follower.poll()  # nothing new: three feed pages, no submission
    assert [h.path for h in edgar.hits[before:]] == ["/cgi-bin/browse-edgar"] * 3
    assert Counter(edgar.archive_hits()) == Counter(accessions(wednesday) | accessions(after))
    assert_within_the_rate(limiter, edgar)


def follow_monday_with_some_hidden(edgar, monkeypatch):
    """Monday's filings published, every fourth hidden from the feed, followed on Monday evening:
    (Monday's filings, the hidden accession numbers)."""
    monday = edgar.filed_between(MONDAY, MONDAY)
    skipped = sorted(accessions(monday))[::4]
    edgar.publish(*monday)
    edgar.hidden_from_feed = set(skipped)
    follower_for(settings_at(monkeypatch, "2020-02-03T18:00:00-05:00")).poll()
    return monday, skipped


def test_a_filing_the_feed_never_showed_comes_from_the_daily_index_after_a_restart(edgar, env, monkeypatch):
    monday, skipped = follow_monday_with_some_hidden(edgar, monkeypatch)
    settings = settings_module.load()
    assert stored(settings) == Counter(accessions(monday) - set(skipped))

    before = len(edgar.hits)
    tuesday = settings_at(monkeypatch, "2020-02-04T09:00:00-05:00")
    follower_for(tuesday).poll()
    assert stored(tuesday) == Counter(accessions(monday))
    assert sorted(edgar.archive_hits()[-len(skipped):]) == skipped
    asked = [h.path for h in edgar.hits[before:]]
    assert asked.count("/Archives/edgar/daily-index/2020/QTR1/master.20200203.idx") == 1
    assert len([p for p in asked if p.startswith("/Archives/edgar/data/")]) == len(skipped)


def test_an_outage_longer_than_the_retries_is_outlived(edgar, env, monkeypatch, caplog):
    settings = settings_at(monkeypatch, "2020-02-05T20:00:00-05:00")
    wednesday = edgar.filed_between(WEDNESDAY, WEDNESDAY)
    edgar.publish(*wednesday)
    edgar.inject("/cgi-bin/browse-edgar", Fault("status", 503), Fault("status", 503))
    follower = follower_for(settings, attempts=2)
    stop = threading.Event()
    polls = []

    def report(tally):
        polls.append(tally)
        if stored(settings) == Counter(accessions(wednesday)):
            stop.set()

    with caplog.at_level(logging.WARNING):
        worker = threading.Thread(target=follow, args=(follower, 0.05, False, stop, report))
        worker.start()
        worker.join(timeout=20)
    assert not worker.is_alive()
    assert "poll failed" in caplog.text
    assert stored(settings) == Counter(accessions(wednesday))


def test_sigterm_stops_follow_cleanly_with_its_state_saved(edgar, env, monkeypatch):
    settings = settings_at(monkeypatch, "2020-02-05T20:00:00-05:00")
    wednesday = edgar.filed_between(WEDNESDAY, WEDNESDAY)
    edgar.publish(*wednesday)
    environment = {**os.environ, **env, "INSIDER_NOW": "2020-02-05T20:00:00-05:00", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "insider.cli", "follow", "--interval", "0.2"],
                               env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state_file = state_dir(settings) / "follow.json"
    deadline = time.monotonic() + 20
    while len(load_json(state_file, {}).get("seen", ())) < len(wednesday) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "stopped" in out
    state = load_json(state_file, {})
    assert accessions(wednesday) <= set(state["seen"])
    assert stored(settings) == Counter(accessions(wednesday))


def test_the_first_run_leaves_earlier_days_to_sync_but_remembers_today(edgar, env, monkeypatch):
    settings = settings_at(monkeypatch, "2020-02-05T20:00:00-05:00")
    follower_for(settings).poll()
    assert load_json(state_dir(settings) / "follow.json", {})["reconciled_through"] == "2020-02-04"
    assert not any("daily-index" in h.path for h in edgar.hits)


def test_a_late_daily_index_is_asked_again_and_what_it_lists_is_not_lost(edgar, env, monkeypatch):
    monday, skipped = follow_monday_with_some_hidden(edgar, monkeypatch)

    # Two days later Monday's index is still not out: Tuesday is checked, Monday stays pending.
    edgar.unpublished_days = {MONDAY}
    wednesday = settings_at(monkeypatch, "2020-02-05T09:00:00-05:00")
    follower_for(wednesday).poll()
    state = load_json(state_dir(wednesday) / "follow.json", {})
    assert state["late_days"] == ["2020-02-03"] and state["reconciled_through"] == "2020-02-04"
    assert stored(wednesday) == Counter(accessions(monday) - set(skipped)
                                        | accessions(edgar.filed_between(date(2020, 2, 4), date(2020, 2, 4))))

    edgar.unpublished_days = set()
    follower_for(settings_at(monkeypatch, "2020-02-05T10:00:00-05:00")).poll()
    assert set(skipped) <= set(stored(wednesday))
    assert load_json(state_dir(wednesday) / "follow.json", {})["late_days"] == []


def test_a_filing_the_daily_index_lists_but_edgar_does_not_serve_yet_is_asked_again(edgar, env, monkeypatch):
    monday, skipped = follow_monday_with_some_hidden(edgar, monkeypatch)
    absent = skipped[0]
    cik = edgar.catalog[absent].ciks[0]
    edgar.inject(f"/Archives/edgar/data/{cik}/{absent}.txt", Fault("status", 404))
    tuesday = settings_at(monkeypatch, "2020-02-04T09:00:00-05:00")
    follower_for(tuesday).poll()
    assert stored(tuesday) == Counter(accessions(monday) - {absent})
    assert load_json(state_dir(tuesday) / "follow.json", {})["late_days"] == ["2020-02-03"]

    follower_for(settings_at(monkeypatch, "2020-02-04T10:00:00-05:00")).poll()
    assert stored(tuesday) == Counter(accessions(monday))
    assert load_json(state_dir(tuesday) / "follow.json", {})["late_days"] == []


def test_a_federal_holiday_has_no_index_to_wait_for(edgar, env, monkeypatch):
    friday = settings_at(monkeypatch, "2020-02-14T18:00:00-05:00")
    follower_for(friday).poll()
    wednesday = settings_at(monkeypatch, "2020-02-19T09:00:00-05:00")   # Monday the 17th: Washington's Birthday
    follower_for(wednesday).poll()
    state = load_json(state_dir(wednesday) / "follow.json", {})
    assert state["late_days"] == [] and state["reconciled_through"] == "2020-02-18"
    assert any(p.endswith("master.20200217.idx") for p in edgar.paths())


def test_an_index_missing_for_more_than_a_week_is_given_up_with_a_warning(edgar, env, monkeypatch, caplog):
    follower_for(settings_at(monkeypatch, "2020-02-03T18:00:00-05:00")).poll()
    edgar.unpublished_days = {MONDAY}
    later = settings_at(monkeypatch, "2020-02-12T09:00:00-05:00")
    with caplog.at_level(logging.WARNING):
        follower_for(later).poll()
    state = load_json(state_dir(later) / "follow.json", {})
    assert state["late_days"] == [] and state["reconciled_through"] == "2020-02-11"
    assert "no daily index for 2020-02-03" in caplog.text and "insider sync --since 2020-02-03" in caplog.text


def test_follow_outlives_failed_polls_and_frees_the_index_once_quiet(monkeypatch):
    # EDGAR answering garbage and the index held by `insider ingest` are both outlived; the
    # writer is let go after polls that wrote nothing for IDLE_RELEASE_SECONDS, kept otherwise.
    from types import SimpleNamespace

    import indexer.edgar.follow as follow_module
    from indexer.edgar.sync import Tally
    from insider.errors import EdgarError, EngineUnavailable

    monkeypatch.setattr(follow_module, "IDLE_RELEASE_SECONDS", 0.0)
    busy, quiet = Tally(), Tally()
    busy.ingested = 2
    released, reported = [], []
    script = [EdgarError("feed is not Atom XML"), busy, EngineUnavailable("the index is locked by another writer"),
              quiet]
    stop = threading.Event()

    def poll(_stop):
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        if not script:
            stop.set()
        return step

    follower = SimpleNamespace(poll=poll, ingestor=SimpleNamespace(engine=SimpleNamespace(
        release_writer=lambda: released.append(len(reported)))))
    follow(follower, 0.01, False, stop, reported.append)
    assert reported == [busy, quiet]
    assert released == [2]  # after the quiet poll only


def test_a_released_writer_lets_another_process_write(tmp_path):
    from search.engines.base import Batch
    from search.engines.tantivy_engine import TantivyEngine
    from insider.errors import EngineUnavailable

    follower, other = TantivyEngine(tmp_path), TantivyEngine(tmp_path)
    follower.ensure_ready()
    row = {"id": "R1", "ticker": "A"}
    follower.write(Batch(filings=[], rows=[row]))
    import pytest

    with pytest.raises(EngineUnavailable, match="locked"):
        other.write(Batch(filings=[], rows=[{**row, "id": "R2"}]))
    follower.release_writer()
    other.write(Batch(filings=[], rows=[{**row, "id": "R2"}]))
    other.close()
    follower.close()


def test_follow_once_exits_1_when_a_filing_is_missing_as_sync_does(edgar, env, monkeypatch):
    import argparse

    from indexer.edgar.commands import run_follow

    monday, skipped = follow_monday_with_some_hidden(edgar, monkeypatch)
    absent = edgar.catalog[skipped[0]]
    edgar.inject(f"/Archives/edgar/data/{absent.ciks[0]}/{absent.accession}.txt", Fault("status", 404))
    settings_at(monkeypatch, "2020-02-04T09:00:00-05:00")
    assert run_follow(argparse.Namespace(interval=0.1, once=True)) == 1  # Monday's index lists it, 404
    assert run_follow(argparse.Namespace(interval=0.1, once=True)) == 0  # asked again: there now


def test_a_late_day_does_not_hold_back_a_day_that_just_ended(edgar, env, monkeypatch):
    follow_monday_with_some_hidden(edgar, monkeypatch)
    edgar.unpublished_days = {MONDAY}
    settings = settings_at(monkeypatch, "2020-02-05T09:00:00-05:00")
    today = [date(2020, 2, 5)]
    follower = Follower(EdgarClient(settings, backoff=0.05), open_ingestor(settings, workers=1),
                        state_dir(settings) / "follow.json", lambda: today[0])
    follower.poll()  # Tuesday read; Monday late, asked again in 15 minutes
    today[0] = date(2020, 2, 6)
    follower.poll()  # Wednesday just ended: read now, not after Monday's retry delay
    state = load_json(state_dir(settings) / "follow.json", {})
    assert state["reconciled_through"] == "2020-02-05" and state["late_days"] == ["2020-02-03"]
    assert accessions(edgar.filed_between(WEDNESDAY, WEDNESDAY)) <= set(stored(settings))
