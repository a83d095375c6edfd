"""The process-wide ceiling on EDGAR requests.

SEC fair access counts requests per second per user, whatever the number of threads or
clients, so every request of the process draws from one limiter."""
from __future__ import annotations

import collections
import threading
import time

from insider.errors import ConfigurationError

SEC_MAX_RPS = 10.0
# EDGAR counts requests when they arrive, after a network transit (and, on a busy machine, a
# thread scheduling delay) whose duration varies. The window is stretched by this much: `rate`
# grants are never closer than WINDOW apart, so jitter below 100 ms cannot squeeze rate + 1
# arrivals into one of EDGAR's seconds. (30 ms was seen to be too little on a loaded 2-core
# machine: 11 arrivals within a second at a limit of 10.)
JITTER_ALLOWANCE = 0.1
WINDOW = 1.0 + JITTER_ALLOWANCE


class RateLimiter:
    """A sliding window: at most `rate` grants in any WINDOW seconds (rate is rounded down to a
    whole number of requests, and at least 1; below 1/s the grants are spaced 1/rate apart).

    Unlike a one-token bucket (grants 1/rate apart), an idle client may send its feed poll and
    the fetch that follows it back to back, which is what makes a new filing searchable within
    a few tens of milliseconds of being listed; yet EDGAR never sees more than `rate` requests
    in any second, however the grants bunch.

    A grant is only ever made for "now", right before the caller sends: a caller that must wait
    sleeps, then looks again. Reserving future slots instead would let a thread that oversleeps
    (a busy machine) send late, next to the following window's requests."""

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0
        self._per_window, self._window = _shape(rate)
        self._grants: collections.deque[float] = collections.deque(maxlen=self._per_window)

    def acquire(self) -> float:
        """Waits for a grant and returns its moment (on the limiter's clock): at most `rate` of
        these lie in any WINDOW seconds."""
        while True:
            with self._lock:
                now = self._clock()
                ready = self._not_before
                if len(self._grants) == self._per_window:
                    ready = max(ready, self._grants[0] + self._window)
                if ready <= now:
                    self._grants.append(now)
                    return now
            self._sleep(ready - now)

    def hold(self, seconds: float) -> None:
        """Delay every grant not yet made: a 429 tells the whole process to wait, not one thread."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def slow_to(self, rate: float) -> None:
        per_window, window = _shape(rate)
        with self._lock:
            if per_window / window < self._per_window / self._window:
                self._per_window, self._window = per_window, window
                self._grants = collections.deque(self._grants, maxlen=per_window)


def _shape(rate: float) -> tuple[int, float]:
    """(grants, window seconds) for a rate: 8/s is 8 grants per WINDOW; 0.5/s is 1 per 2 s."""
    if not 0 < rate <= SEC_MAX_RPS:
        raise ConfigurationError(f"EDGAR request rate must be in (0, {SEC_MAX_RPS:g}] per second, got {rate}")
    if rate >= 1:
        return int(rate), WINDOW
    return 1, 1.0 / rate + JITTER_ALLOWANCE


_process_limiter: RateLimiter | None = None
_process_lock = threading.Lock()


def process_limiter(rate: float) -> RateLimiter:
    """The one limiter of this process. Asked again with another rate, it keeps the lower one:
    two clients in one process must never add up to more than either ceiling allows."""
    global _process_limiter
    with _process_lock:
        if _process_limiter is None:
            _process_limiter = RateLimiter(rate)
        else:
            _process_limiter.slow_to(rate)
        return _process_limiter
