"""The process-wide ceiling on EDGAR requests.

SEC fair access counts requests per second per user, whatever the number of threads or
clients, so every request of the process draws from one bucket."""
from __future__ import annotations

import threading
import time

from insider.errors import ConfigurationError

SEC_MAX_RPS = 10.0
# EDGAR counts requests when they arrive, after a network transit whose duration varies. Each
# interval is stretched by this much so that at 10/s, 11 requests span 1.03 s: transit jitter
# below 30 ms cannot squeeze them into one of EDGAR's seconds. The price is 3% of speed.
JITTER_ALLOWANCE = 0.003


class RateLimiter:
    """A token bucket holding a single token: grants are spaced at least 1/rate apart (plus
    the jitter allowance).

    A deeper bucket would let a burst through after an idle spell, and EDGAR would see more
    than `rate` requests inside one second. Each caller reserves its slot under the lock and
    sleeps outside it, so threads queue in arrival order without holding the lock."""

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_grant = 0.0
        self._holds = 0
        self._interval = _interval(rate)

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                grant = max(now, self._next_grant)
                self._next_grant = grant + self._interval
                holds = self._holds
            if grant > now:
                self._sleep(grant - now)
            with self._lock:
                if self._holds == holds:
                    return
            # A hold arrived while this caller waited for its slot: queue again behind it.

    def hold(self, seconds: float) -> None:
        """Delay every grant not yet used: a 429 tells the whole process to wait, not one thread."""
        with self._lock:
            self._next_grant = max(self._next_grant, self._clock() + seconds)
            self._holds += 1

    def slow_to(self, rate: float) -> None:
        with self._lock:
            self._interval = max(self._interval, _interval(rate))


def _interval(rate: float) -> float:
    if not 0 < rate <= SEC_MAX_RPS:
        raise ConfigurationError(f"EDGAR request rate must be in (0, {SEC_MAX_RPS:g}] per second, got {rate}")
    return 1.0 / rate + JITTER_ALLOWANCE


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
