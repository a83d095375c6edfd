"""The limiter on a virtual clock: never more than `rate` grants in any second, yet no wait for
an idle client's poll-then-fetch."""
from __future__ import annotations

import threading

import pytest

from indexer.edgar.limiter import JITTER_ALLOWANCE, WINDOW, RateLimiter, process_limiter
from insider.errors import ConfigurationError
from tests.indexer.edgar.fake_edgar import max_in_any_window


class VirtualClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def grants(limiter: RateLimiter, clock: VirtualClock, count: int, gap: float = 0.0) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire()
        times.append(clock.now)
        clock.now += gap
    return times


@pytest.mark.parametrize("rate", [1, 3, 8, 10])
def test_a_long_burst_never_puts_more_than_rate_requests_in_any_second(rate):
    clock = VirtualClock()
    times = grants(RateLimiter(rate, clock, clock.sleep), clock, 100)
    assert max_in_any_window(times, 1.0) == rate
    # And the limiter does not waste the allowance: 100 requests take about 100/rate windows.
    assert times[-1] - times[0] == pytest.approx((100 // rate - (100 % rate == 0)) * WINDOW)


def test_an_idle_client_sends_its_poll_and_the_fetch_that_follows_at_once():
    clock = VirtualClock()
    limiter = RateLimiter(8, clock, clock.sleep)
    for _ in range(20):  # a poll every half second, each followed by one fetch
        start = clock.now
        grants(limiter, clock, 2, gap=0.005)
        assert clock.now - start == pytest.approx(0.010)
        clock.now += 0.5


def test_irregular_traffic_stays_under_the_rate():
    clock = VirtualClock()
    limiter = RateLimiter(5, clock, clock.sleep)
    times = []
    for gap in [0.0, 0.01, 0.3, 0.0, 0.0, 0.7, 0.0, 0.0, 0.0, 0.0, 0.2, 0.0, 1.5, 0.0] * 10:
        times += grants(limiter, clock, 1, gap)
    assert max_in_any_window(times, 1.0) <= 5


def test_a_rate_below_one_spaces_grants():
    clock = VirtualClock()
    times = grants(RateLimiter(0.5, clock, clock.sleep), clock, 4)
    assert [round(b - a, 3) for a, b in zip(times, times[1:])] == [2.0 + JITTER_ALLOWANCE] * 3


def test_a_hold_delays_every_later_grant():
    clock = VirtualClock()
    limiter = RateLimiter(10, clock, clock.sleep)
    limiter.acquire()
    limiter.hold(2.0)
    start = clock.now
    limiter.acquire()
    assert clock.now - start == pytest.approx(2.0)


def test_threads_share_one_window():
    limiter = RateLimiter(10)
    times: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            granted = limiter.acquire()  # its moment, taken under the limiter's lock
            with lock:
                times.append(granted)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(times) == 25
    assert max_in_any_window(sorted(times), 1.0) <= 10


def test_slowing_down_keeps_the_lower_rate():
    clock = VirtualClock()
    limiter = RateLimiter(10, clock, clock.sleep)
    limiter.slow_to(4)
    limiter.slow_to(9)
    assert max_in_any_window(grants(limiter, clock, 40), 1.0) == 4


@pytest.mark.parametrize("rate", [0, -1, 10.5])
def test_rates_outside_fair_access_are_refused(rate):
    with pytest.raises(ConfigurationError, match="EDGAR request rate"):
        RateLimiter(rate)


def test_the_process_has_one_limiter():
    assert process_limiter(8) is process_limiter(9)
