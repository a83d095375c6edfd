"""`insider follow`: ingest Forms 3/4/5 as EDGAR's current-filings feed announces them.

The feed is fast but lossy: it holds only the latest entries, repeats and reorders them, and
anything announced while we were down may have scrolled off. So each filing is keyed by its
accession number (a `seen` set, persisted), and every day the feed was followed is later
checked against that day's daily index, which is complete: whatever the feed missed is
ingested from there (a late index is waited for, see GIVE_UP_DAYS). State lives in
INSIDER_DATA_DIR/edgar/follow.json, saved after each durable ingest; a kill -9 can only make the
next run fetch a filing again, and ingest is idempotent by accession number."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, time as clock_time, timedelta
from pathlib import Path

import holidays

from indexer.edgar.checkpoint import load_json, save_json
from indexer.edgar.client import EdgarClient
from indexer.edgar.feed import PAGE_SIZE, getcurrent_path, ownership_entries, parse_feed
from indexer.edgar.indexes import daily_index_path, ownership_filings, parse_index
from indexer.edgar.sync import BATCH_SIZE, NEW_YORK, Tally, fetch_and_ingest
from insider.errors import EdgarError, EngineUnavailable

log = logging.getLogger(__name__)

FEED_FORMS = ("3", "4", "5")
# getcurrent pages back about a thousand entries; past that only the daily index helps.
MAX_PAGES = 10
# An entry can show up in the feed after younger ones were already read (dissemination is
# not strictly in acceptance order): paging goes this far below the previous high-water mark.
LATE_ARRIVALS = timedelta(minutes=5)
# Long enough that the feed no longer shows an accession number when we forget it.
SEEN_DAYS = 7
# Daily indexes appear overnight: after a 404, ask again this much later.
INDEX_RETRY_SECONDS = 15 * 60
# EDGAR accepts no filings on federal holidays (observed dates included) and publishes no daily
# index for them. Any other weekday's index that is missing is late: it is asked for again at
# every retry, while later days go on being checked, until this many days have passed; then the
# day is given up with a warning that names the `insider sync` that reads it once it appears.
GIVE_UP_DAYS = 7
_HOLIDAYS = holidays.US()


class Follower:
    def __init__(self, client: EdgarClient, ingestor, state_path: Path, today: Callable[[], date]):
        self.client = client
        self.ingestor = ingestor
        self.state_path = state_path
        self.today = today
        self.state = load_json(state_path, {"high_water": {}, "seen": {}, "reconciled_through": None})
        if self.state["reconciled_through"] is None:
            # Days before the first run are `insider sync`'s job, not the feed's. Saved now:
            # a restart tomorrow must still check today against its daily index.
            self.state["reconciled_through"] = (today() - timedelta(days=1)).isoformat()
            save_json(state_path, self.state)
        self._index_retry_at = 0.0

    def poll(self, stop: threading.Event | None = None) -> Tally:
        """One pass over the three feeds, then over any daily index not yet checked."""
        tally = Tally()
        for form in FEED_FORMS:
            self._poll_feed(form, tally, stop)
        self.reconcile(tally)
        return tally

    def _poll_feed(self, form: str, tally: Tally, stop: threading.Event | None) -> None:
        high_water = self._high_water(form)
        floor = high_water - LATE_ARRIVALS
        newest = high_water
        for page in range(MAX_PAGES):
            if stop is not None and stop.is_set():
                return
            entries = parse_feed(self.client.get(getcurrent_path(form, page * PAGE_SIZE)))
            if not entries:
                break
            fresh = [e for e in ownership_entries(entries) if e.accession not in self.state["seen"]]
            if fresh:
                missing = set(fetch_and_ingest(self.client, self.ingestor, [e.submission_path for e in fresh], tally))
                for entry in fresh:
                    if entry.submission_path in missing:
                        # The feed can announce a filing a moment before the archive serves
                        # it: left unseen, the next poll (or the daily index) fetches it.
                        log.info("%s is not in the archive yet", entry.accession)
                    else:
                        self.state["seen"][entry.accession] = entry.updated.astimezone(NEW_YORK).date().isoformat()
                save_json(self.state_path, self.state)
            newest = max(newest, *(e.updated for e in entries))
            if len(entries) < PAGE_SIZE or min(e.updated for e in entries) < floor:
                break  # the end of the feed, or back where the last poll had read
        if newest > high_water:
            self.state["high_water"][form] = newest.isoformat()
            save_json(self.state_path, self.state)

    def _high_water(self, form: str) -> datetime:
        stamp = self.state["high_water"].get(form)
        if stamp:
            return datetime.fromisoformat(stamp)
        return datetime.combine(self.today(), clock_time(), NEW_YORK)

    def reconcile(self, tally: Tally) -> None:
        """Ingest what each finished day's daily index lists and the feed did not deliver."""
        today = self.today()
        late = list(self.state.get("late_days", []))
        # Late days are asked again every INDEX_RETRY_SECONDS; a day that just ended is read at once.
        retry_late = time.monotonic() >= self._index_retry_at
        if retry_late:
            late = [d for d in late if not self._reconcile_day(date.fromisoformat(d), today, tally)]
        day = date.fromisoformat(self.state["reconciled_through"]) + timedelta(days=1)
        while day < today:
            if day.weekday() < 5 and not self._reconcile_day(day, today, tally):
                late.append(day.isoformat())
            self.state["reconciled_through"] = day.isoformat()
            oldest = min([day, *(date.fromisoformat(d) for d in late)])
            self._forget_before(oldest - timedelta(days=SEEN_DAYS))
            self.state["late_days"] = late
            save_json(self.state_path, self.state)
            day += timedelta(days=1)
        if late != self.state.get("late_days", []):
            self.state["late_days"] = late
            save_json(self.state_path, self.state)
        if late and retry_late:
            self._index_retry_at = time.monotonic() + INDEX_RETRY_SECONDS

    def _reconcile_day(self, day: date, today: date, tally: Tally) -> bool:
        """False while the day's index is late (see GIVE_UP_DAYS); True once the day is done."""
        data = self.client.get(daily_index_path(day), missing_ok=True)
        if data is None:
            if day in _HOLIDAYS:
                return True
            if (today - day).days <= GIVE_UP_DAYS:
                return False
            log.warning("EDGAR has published no daily index for %s in %d days; the day is no longer checked. "
                        "If it appears, `insider sync --since %s --until %s` ingests what it lists.",
                        day, GIVE_UP_DAYS, day, day)
            return True
        entries, _ = parse_index(data)
        unseen = [e for e in ownership_filings(entries) if e.accession not in self.state["seen"]]
        absent = 0
        for start in range(0, len(unseen), BATCH_SIZE):
            batch = unseen[start:start + BATCH_SIZE]
            missing = set(fetch_and_ingest(self.client, self.ingestor, [e.path for e in batch], tally))
            tally.missing.extend(self.client.url(path) for path in missing)
            absent += len(missing)
            for entry in batch:
                if entry.path not in missing:  # a filing EDGAR did not serve is asked again
                    self.state["seen"][entry.accession] = entry.date_filed.isoformat()
            save_json(self.state_path, self.state)
        if absent and (today - day).days <= GIVE_UP_DAYS:
            return False  # the day stays late: its missing filings are asked again at the next check
        if absent:
            log.warning("%d filing(s) listed for %s were still missing from EDGAR's archive after %d days; "
                        "the day is no longer checked", absent, day, GIVE_UP_DAYS)
        return True

    def _forget_before(self, cutoff: date) -> None:
        horizon = cutoff.isoformat()
        self.state["seen"] = {acc: day for acc, day in self.state["seen"].items() if day >= horizon}


IDLE_RELEASE_SECONDS = 10.0


def follow(follower: Follower, interval: float, once: bool, stop: threading.Event, report: Callable[[Tally], None]) -> None:
    """Poll until `stop` is set. An EDGAR outage is logged and outlived: the next polls and
    the daily index catch up on what it hid."""
    last_write = time.monotonic()
    while not stop.is_set():
        try:
            tally = follower.poll(stop)
            report(tally)
            # Once quiet for a while, the index is left free for `insider ingest` or `sync` to
            # write (re-creating the writer for every poll would add ~60 ms to each new filing).
            if tally.ingested or tally.duplicates:
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= IDLE_RELEASE_SECONDS:
                follower.ingestor.engine.release_writer()
        except (EdgarError, EngineUnavailable) as exc:
            # EDGAR down or answering garbage, or the index held by another writer (`insider
            # ingest`, `sync`): outlived, the state says what is still to do.
            if stop.is_set():
                return
            if once:
                raise
            log.warning("poll failed, trying again in %ss: %s", interval, exc.message)
        if once:
            return
        stop.wait(interval)
