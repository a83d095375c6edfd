"""Per-key rate limiting: one fixed-window limit for every API request, counted with `limits`.

`limits` is the counting engine of flask-limiter, by the same maintainers. flask-limiter itself
was used here until it measured ~0.4 ms of every request (of ~2 ms for a ticker query at 1M
filings): it resolves route, blueprint, application and default limits and their exemptions on
each request. The service has one limit for everything but `/health` and the API docs, so it asks
`limits` directly (~10 µs) and sets the same headers flask-limiter did.

limits' `MemoryStorage` frees expired counters from a `threading.Timer` that lives 10 ms and is
started again by the next hit: under load a new thread about every 10 ms, each start waiting on
the GIL. `SweepingMemoryStorage` sweeps inline instead, at most once per `SWEEP_SECONDS`, one
thread at a time, tolerant of keys that other request threads expire meanwhile (the development
server is threaded). Correctness does not depend on the sweep (every read checks its own key's
expiry); it only frees memory held by keys nobody asks about any more.

Counters live in the memory of each server worker process (README: N workers admit up to N times
the limit).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import limits
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from insider.errors import ConfigurationError, RateLimited

SWEEP_SECONDS = 1.0


class SweepingMemoryStorage(MemoryStorage):
    """limits' memory storage for fixed-window counters, expired keys swept inline (limits is
    pinned: this overrides the name-mangled hook its `incr` and `decr` call)."""

    STORAGE_SCHEME = ["insider-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one the base class started; none replaces it
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.monotonic() < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + SWEEP_SECONDS
            self.sweep()
        finally:
            self._sweeping.release()

    def sweep(self) -> None:
        """Drop the counters whose window has ended. Another thread may drop one first (`get`
        does, for its own key): every removal tolerates a key already gone."""
        now = time.time()
        for key, expiry in list(self.expirations.items()):
            if expiry <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window ends

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(math.ceil(self.reset_at))}


class RateLimiter:
    def __init__(self, spec: str):
        try:
            self.limit = limits.parse(spec)
        except ValueError as exc:
            raise ConfigurationError(f"INSIDER_RATE_LIMIT={spec!r} is not a rate limit such as "
                                     f"'6000/minute': {exc}") from exc
        self.strategy = FixedWindowRateLimiter(SweepingMemoryStorage())

    def hit(self, key: str) -> Verdict:
        """Count one request for `key`; raises `RateLimited` (429, with the headers) past the limit."""
        allowed = self.strategy.hit(self.limit, key)
        reset_at, remaining = self.strategy.get_window_stats(self.limit, key)
        verdict = Verdict(self.limit.amount, remaining, reset_at)
        if not allowed:
            retry = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited(f"rate limit exceeded: {self.limit}; retry in {retry} s",
                              headers={**verdict.headers(), "Retry-After": str(retry)})
        return verdict
