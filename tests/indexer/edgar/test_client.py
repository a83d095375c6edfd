"""The polite client against a local EDGAR that misbehaves the way the real one does."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from indexer.edgar.client import EdgarClient, retry_after_seconds
from indexer.edgar.limiter import RateLimiter
from insider.errors import ConfigurationError, EdgarError
from tests.indexer.edgar.conftest import MAX_RPS, USER_AGENT, RecordingLimiter, assert_within_the_rate
from tests.indexer.edgar.fake_edgar import Fault, http_date


@pytest.fixture
def filing(catalog):
    return catalog["0001209191-21-044246"]


@pytest.fixture
def path(filing):
    return f"Archives/edgar/data/{filing.ciks[-1]}/{filing.accession}.txt"


def client_for(settings, **kwargs):
    kwargs.setdefault("backoff", 0.05)
    return EdgarClient(settings, **kwargs)


def test_every_request_declares_the_user_agent_and_asks_for_gzip(edgar, settings, filing, path):
    with client_for(settings) as client:
        body = client.get(path)
    assert body == filing.path.read_bytes()
    assert [(h.user_agent, "gzip" in h.accept_encoding) for h in edgar.hits] == [(USER_AGENT, True)]


@pytest.mark.parametrize("agent", [None, "", "no contact address"])
def test_refuses_to_start_without_a_declared_user_agent(settings, agent):
    with pytest.raises(ConfigurationError, match="SEC_USER_AGENT"):
        EdgarClient(replace(settings, sec_user_agent=agent))


def test_429_waits_as_long_as_retry_after_says(edgar, settings, filing, path):
    edgar.inject(f"/{path}", Fault("status", 429, {"Retry-After": "1"}))
    with client_for(settings) as client:
        assert client.get(path) == filing.path.read_bytes()
    first, second = (h.at for h in edgar.hits)
    assert second - first >= 1.0


def test_retry_after_as_an_http_date_is_honoured(edgar, settings, filing, path):
    edgar.inject(f"/{path}", Fault("status", 503, {"Retry-After": http_date(3)}))
    with client_for(settings) as client:
        assert client.get(path) == filing.path.read_bytes()
    first, second = (h.at for h in edgar.hits)
    # HTTP dates have whole-second resolution: "in 3 s", written before the client even starts,
    # can mean anything above 2 s minus the set-up time; at least 1 s is certain.
    assert second - first >= 1.0


def test_a_429_holds_back_every_request_of_the_process(edgar, settings, catalog, path):
    """Requests already on the wire cannot be called back; every request the process starts
    after EDGAR said 429 waits out the Retry-After, whichever thread makes it."""
    other = next(f for f in catalog.values() if f.accession not in path)
    other_path = f"Archives/edgar/data/{other.ciks[-1]}/{other.accession}.txt"
    edgar.inject(f"/{path}", Fault("status", 429, {"Retry-After": "1"}))
    limiter = RecordingLimiter(MAX_RPS)
    with client_for(settings, limiter=limiter) as client:
        refused_one = threading.Thread(target=client.get, args=(path,))
        refused_one.start()
        assert limiter.held.wait(10)  # the 429 has reached the client, which holds the limiter
        client.get_many([other_path] * 3)
        refused_one.join()
    refused, *others = (h.at for h in edgar.hits)
    assert len(others) == 4
    assert all(at >= refused + 1.0 for at in others)


def test_a_burst_of_503_is_outlived(edgar, settings, filing, path):
    edgar.inject(f"/{path}", *[Fault("status", 503)] * 4)
    with client_for(settings) as client:
        assert client.get(path) == filing.path.read_bytes()
    assert len(edgar.hits) == 5


def test_a_response_slower_than_the_timeout_is_asked_again(edgar, settings, filing, path):
    # The retry must answer within the timeout: 1 s leaves a loaded machine room to pause.
    edgar.inject(f"/{path}", Fault("slow", seconds=2.5))
    with client_for(settings, timeout=1.0) as client:
        assert client.get(path) == filing.path.read_bytes()
    assert len(edgar.hits) == 2


def test_a_body_cut_short_of_its_content_length_is_fetched_again(edgar, settings, filing, path):
    edgar.inject(f"/{path}", Fault("truncate"), Fault("truncate"))
    with client_for(settings) as client:
        assert client.get(path) == filing.path.read_bytes()
    assert len(edgar.hits) == 3


def test_gives_up_with_an_edgar_error_after_bounded_attempts(edgar, settings, path):
    edgar.inject(f"/{path}", *[Fault("status", 500)] * 10)
    with client_for(settings, attempts=3) as client, pytest.raises(EdgarError, match="gave up after 3 attempts"):
        client.get(path)
    assert len(edgar.hits) == 3


def test_not_found_is_not_retried(edgar, settings):
    with client_for(settings) as client:
        assert client.get("Archives/edgar/daily-index/2021/QTR3/master.20210704.idx", missing_ok=True) is None
        with pytest.raises(EdgarError, match="HTTP 404"):
            client.get("Archives/nothing-here.txt")
    assert len(edgar.hits) == 2


def test_403_explains_what_edgar_wants(edgar, settings, path):
    edgar.inject(f"/{path}", Fault("status", 403))
    with client_for(settings) as client, pytest.raises(EdgarError, match="User-Agent"):
        client.get(path)


def test_concurrent_requests_never_exceed_the_rate_limit(edgar, settings, path):
    started = time.monotonic()
    limiter = RecordingLimiter(MAX_RPS)
    with client_for(settings, limiter=limiter) as client:
        client.get_many([path] * 25)
    # 25 requests at MAX_RPS per window need at least two full windows after the first grant.
    assert time.monotonic() - started >= (25 - 1) // MAX_RPS * 1.0
    assert len(edgar.hits) == len(limiter.grants) == 25
    assert_within_the_rate(limiter, edgar)


def test_retry_after_parsing():
    now = time.time()
    from datetime import datetime, timezone

    moment = datetime.fromtimestamp(now, timezone.utc)
    assert retry_after_seconds("120", moment) == 120
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", moment) == 0
    assert retry_after_seconds("soon", moment) is None
    assert retry_after_seconds(None, moment) is None


def test_stopping_ends_a_wait_before_a_retry_at_once(edgar, settings, path):
    # EDGAR asks for five minutes (Retry-After: 300); Ctrl-C must not wait for them.
    edgar.inject("/" + path, Fault("status", 503, {"Retry-After": "300"}))
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with client_for(settings, stop=stop) as client, pytest.raises(EdgarError, match="stopped"):
        client.get(path)
    assert time.monotonic() - started < 5


def test_a_body_that_never_ends_is_refused_at_the_size_limit(edgar, settings, path):
    edgar.inject(f"/{path}", Fault("endless"))
    start = time.monotonic()
    with client_for(settings, max_body=1_000_000) as client, pytest.raises(EdgarError, match="passed 1,000,000 bytes"):
        client.get(path)
    assert time.monotonic() - start < 10


def test_a_gzip_bomb_is_refused_by_what_it_inflates_to(edgar, settings, path):
    edgar.inject(f"/{path}", Fault("bomb", size=50_000_000))  # ~50 KB on the wire
    with client_for(settings, max_body=1_000_000) as client, pytest.raises(EdgarError, match="passed 1,000,000 bytes"):
        client.get(path)


def test_an_answer_dripping_in_is_cut_at_the_deadline_and_asked_again(edgar, settings, filing, path):
    edgar.inject(f"/{path}", Fault("drip", seconds=0.05))
    start = time.monotonic()
    with client_for(settings, deadline=1.0) as client:
        assert client.get(path) == filing.path.read_bytes()  # the second answer is a normal one
    assert 1.0 <= time.monotonic() - start < 8


def test_redirects_are_followed_on_edgar_only(edgar, settings, filing, path):
    import http.server

    leaks = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            leaks.append((self.path, self.headers.get("User-Agent")))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"not EDGAR")

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        edgar.inject(f"/{path}", Fault("status", 302, {"Location": f"http://127.0.0.1:{other.server_address[1]}/leak"}))
        with client_for(settings) as client, pytest.raises(EdgarError, match="redirected off EDGAR"):
            client.get(path)
        assert leaks == []  # neither the request nor the declared User-Agent went there
        edgar.inject(f"/{path}", Fault("status", 301, {"Location": f"/{path}"}))
        with client_for(settings) as client:
            assert client.get(path) == filing.path.read_bytes()
    finally:
        other.shutdown()


def test_a_wait_on_the_rate_limiter_does_not_count_against_the_answer_deadline(edgar, settings, catalog, path):
    # After a 429 every request of the process waits out Retry-After; an answer that then comes
    # at once is used, not thrown away as "too slow" and asked for again.
    others = [f"Archives/edgar/data/{f.ciks[-1]}/{f.accession}.txt" for f in list(catalog.values())[:4]
              if f.accession not in path]
    edgar.inject(f"/{path}", Fault("status", 429, {"Retry-After": "2"}))
    with client_for(settings, limiter=RateLimiter(MAX_RPS), deadline=1.0) as client:
        client.get_many([path, *others])
    asked = [h.path.lstrip("/") for h in edgar.hits]
    assert asked.count(path) == 2 and all(asked.count(o) == 1 for o in others), asked


def test_answers_other_than_200_keep_the_connection(edgar, settings, filing, path):
    edgar.inject(f"/{path}", *[Fault("status", 301, {"Location": f"/{path}"}) for _ in range(3)])
    with client_for(settings) as client:
        for _ in range(5):
            assert client.get("Archives/edgar/data/0/missing.txt", missing_ok=True) is None
        assert client.get(path) == filing.path.read_bytes()
    assert edgar.connections == 1
