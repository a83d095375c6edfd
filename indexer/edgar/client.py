"""The only way this project talks to EDGAR: declared User-Agent, gzip, one process-wide rate
limit, and retries that back off instead of hammering a struggling server."""
from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from indexer.edgar.limiter import RateLimiter, process_limiter
from insider.errors import EdgarError
from insider.settings import Settings

log = logging.getLogger(__name__)

# A few requests in flight let EDGAR's latency overlap; the limiter still caps the rate.
FETCH_WORKERS = 4
# EDGAR answers 429 when a client is over the limit and 5xx while it is overloaded or
# restarting: both pass. Other 4xx answers will not change by asking again.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# SEC's own throttle blocks an offending client for about ten minutes; a Retry-After longer
# than that is more likely a misconfigured proxy than advice worth stalling a backfill for.
MAX_RETRY_AFTER = 600.0
# What one answer may cost, whatever the server does: its decoded body (a gzip bomb inflates as it
# is read, and is counted so), its whole duration (a server dripping a byte at a time never trips a
# read timeout), and where it may send us (redirects stay on EDGAR's own origin).
MAX_BODY_BYTES = 256 * 1024 * 1024   # EDGAR's largest file read here, a quarter's master.idx, is ~50 MB
REQUEST_DEADLINE = 300.0
MAX_REDIRECTS = 5
# A redirect's or an error's body is read (so that the connection is reused, not closed) up to this.
DRAIN_BYTES = 64 * 1024


def _drain(response: httpx.Response) -> None:
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > DRAIN_BYTES:  # not worth it: the connection is closed instead
            return


class _TooSlow(Exception):
    """An answer still arriving at the request's deadline: retried like a timeout."""


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After holds either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


class Stopped(EdgarError):
    """The caller asked to stop (its `stop` event) while a request waited to be retried."""


class EdgarClient:
    """GET paths below EDGAR_BASE_URL. Every request, retries and redirects included, first
    takes a token from the process-wide limiter."""

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        stop: threading.Event | None = None,
        attempts: int = 6,
        timeout: float = 30.0,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_body: int = MAX_BODY_BYTES,
        deadline: float = REQUEST_DEADLINE,
    ):
        agent = settings.require_user_agent()
        self.base_url = settings.edgar_base_url
        self.limiter = limiter or process_limiter(settings.edgar_max_rps)
        self._stop = stop  # set (Ctrl-C, SIGTERM): a wait before a retry ends at once
        self._attempts = attempts
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_body = max_body
        self._deadline = deadline
        self._origin = httpx.URL(self.base_url)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # followed by `_fetch`, on EDGAR's origin only
            event_hooks={"request": [lambda request: self.limiter.acquire()]},
        )

    def __enter__(self) -> EdgarClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, *, missing_ok: bool = False) -> bytes | None:
        """The decoded body. A 404 returns None when `missing_ok` (an index not published
        yet, a weekend), else raises EdgarError like every failure that outlived the retries."""
        url = self.url(path)
        failure = ""
        for attempt in range(self._attempts):
            try:
                response, body = self._fetch(url)
            except (httpx.TransportError, httpx.DecodingError, _TooSlow) as exc:
                # Timeouts, refused or reset connections, and bodies cut short of their
                # Content-Length (RemoteProtocolError) all land here.
                failure = f"{type(exc).__name__}: {exc}"
                delay = self._delay(attempt)
            except httpx.HTTPError as exc:  # retrying would not help
                raise EdgarError(f"GET {url}: {type(exc).__name__}: {exc}") from exc
            else:
                if response.status_code == 200:
                    return body
                if response.status_code == 404 and missing_ok:
                    return None
                if response.status_code == 403:
                    raise EdgarError(
                        f"EDGAR refused {url} (403): SEC answers so to requests without a declared "
                        "User-Agent or over its rate limit; check SEC_USER_AGENT and EDGAR_MAX_RPS"
                    )
                if response.status_code not in RETRY_STATUSES:
                    raise EdgarError(f"GET {url}: HTTP {response.status_code}")
                failure = f"HTTP {response.status_code}"
                delay = self._delay(attempt, response)
            if attempt + 1 < self._attempts:
                log.warning("GET %s: %s; retrying in %.1fs", url, failure, delay)
                if self._stop is None:
                    time.sleep(delay)
                elif self._stop.wait(delay):
                    raise Stopped(f"GET {url}: stopped while waiting to retry ({failure})")
        raise EdgarError(f"GET {url}: gave up after {self._attempts} attempts, last: {failure}")

    def _fetch(self, url: str) -> tuple[httpx.Response, bytes | None]:
        """One GET, redirects followed on EDGAR's origin only: the final response, and its body
        when it is a 200 (read within the size limit and the deadline)."""
        for _ in range(MAX_REDIRECTS + 1):
            with self._http.stream("GET", url) as response:
                # The deadline runs from the answer's arrival: a wait on the rate limiter (minutes
                # after a 429) is not the server being slow.
                started = time.monotonic()
                location = response.headers.get("Location") if response.is_redirect else None
                if location is not None:
                    target = httpx.URL(url).join(location)
                    if (target.scheme, target.host, target.port) != (self._origin.scheme, self._origin.host, self._origin.port):
                        raise EdgarError(f"GET {url}: redirected off EDGAR, to {target}; not followed")
                    _drain(response)
                    url = str(target)
                    continue
                if response.status_code != 200:
                    _drain(response)
                    return response, None
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self._max_body:
                        raise EdgarError(f"GET {url}: the body passed {self._max_body:,} bytes; refused")
                    if time.monotonic() - started > self._deadline:
                        raise _TooSlow(f"still arriving after {self._deadline:.0f}s ({size:,} bytes)")
                    chunks.append(chunk)
                return response, b"".join(chunks)
        raise EdgarError(f"GET {url}: more than {MAX_REDIRECTS} redirects")

    def get_many(self, paths: list[str], *, missing_ok: bool = False) -> list[bytes | None]:
        """`get` for each path, in order. One request at a time would reach the rate limit
        only if EDGAR answered every request within 1/rate seconds."""
        with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
            return list(pool.map(lambda path: self.get(path, missing_ok=missing_ok), paths))

    def _delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        # Jitter keeps threads that failed together from retrying together.
        delay = min(self._max_backoff, self._backoff * 2**attempt) * random.uniform(0.5, 1.0)
        if response is None:
            return delay
        told = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(timezone.utc))
        if told is not None:
            delay = max(delay, min(told, MAX_RETRY_AFTER))
        if response.status_code == 429:
            self.limiter.hold(delay)
        return delay
