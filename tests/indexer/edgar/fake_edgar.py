"""A local EDGAR: EDGAR's URL layout on 127.0.0.1, built from the real complete submissions in
shared/corpus/raw/submissions_txt, with faults that tests inject.

Served:
- `/Archives/edgar/data/{cik}/{accession}.txt` (index file names) and
  `/Archives/edgar/data/{cik}/{accession-no-dashes}/{accession}.txt` (feed links), under every
  CIK the filing names, gzip-encoded when the client accepts it;
- `/Archives/edgar/full-index/{Y}/QTR{n}/master.idx` and
  `/Archives/edgar/daily-index/{Y}/QTR{n}/master.{YYYYMMDD}.idx`, in EDGAR's layout (one row per
  CIK, other forms mixed in), generated from the catalogue; a day without filings is a 404;
- `/cgi-bin/browse-edgar?action=getcurrent&type=T&start=S&count=C&output=atom`, an Atom feed in
  EDGAR's format listing the filings tests `publish()`, newest first, one entry per CIK, with
  other forms that share the type prefix mixed in.

Every request is logged with its arrival time, so tests can check the rate EDGAR would see.
"""
from __future__ import annotations

import gzip
import random
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "raw"
NEW_YORK = ZoneInfo("America/New_York")

_FIELD = re.compile(rb"^\s*(ACCESSION NUMBER|CONFORMED SUBMISSION TYPE|FILED AS OF DATE):\s*(\S+)", re.M)
_ACCEPTED = re.compile(rb"<ACCEPTANCE-DATETIME>\s*(\d{14})")
_PARTY = re.compile(rb"^(REPORTING-OWNER|ISSUER):", re.M)
_NAME = re.compile(rb"COMPANY CONFORMED NAME:\s*([^\r\n]+)")
_CIK = re.compile(rb"CENTRAL INDEX KEY:\s*(\d+)")


@dataclass(frozen=True)
class Filing:
    accession: str
    form_type: str
    filed: date
    accepted: datetime
    parties: tuple[tuple[str, str, str], ...]  # (cik without zeros, name, "Reporting" | "Issuer")
    path: Path

    @property
    def ciks(self) -> list[str]:
        return [cik for cik, _, _ in self.parties]


def read_filing(path: Path) -> Filing:
    head = path.read_bytes()[:60_000]
    header = head[: head.find(b"<DOCUMENT>")]
    fields = {k.decode(): v.decode() for k, v in _FIELD.findall(header)}
    filed = datetime.strptime(fields["FILED AS OF DATE"], "%Y%m%d").date()
    stamp = _ACCEPTED.search(header)
    accepted = (
        datetime.strptime(stamp.group(1).decode(), "%Y%m%d%H%M%S")
        if stamp else datetime.combine(filed, datetime.min.time()) + timedelta(hours=16)
    ).replace(tzinfo=NEW_YORK)
    parties = []
    blocks = list(_PARTY.finditer(header))
    for i, block in enumerate(blocks):
        text = header[block.end(): blocks[i + 1].start() if i + 1 < len(blocks) else len(header)]
        name, cik = _NAME.search(text), _CIK.search(text)
        role = "Issuer" if block.group(1) == b"ISSUER" else "Reporting"
        parties.append((str(int(cik.group(1))), name.group(1).decode("latin-1").strip(), role))
    return Filing(fields["ACCESSION NUMBER"], fields["CONFORMED SUBMISSION TYPE"], filed, accepted,
                  tuple(parties), path)


def load_catalog(root: Path = CORPUS / "submissions_txt") -> dict[str, Filing]:
    filings = (read_filing(p) for p in sorted(root.rglob("*.txt")))
    return {f.accession: f for f in filings if f.parties}


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    """The most requests that arrived within any `window` seconds (half-open windows that
    start at a request: the worst case of every possible window)."""
    times = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


@dataclass
class Hit:
    at: float
    path: str
    query: str
    user_agent: str
    accept_encoding: str


@dataclass
class Fault:
    """What to do instead of a normal answer: `status` (with headers), `slow` (seconds of
    silence, then the normal answer), `truncate` (half the body under a full Content-Length),
    `endless` (a 200 whose chunked body never ends), `bomb` (`size` zero bytes, gzip-encoded:
    a small download that inflates), `drip` (a 200 whose body comes a byte every `seconds`)."""
    kind: str
    status: int = 200
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    size: int = 0


class FakeEdgar:
    def __init__(self, catalog: dict[str, Filing]):
        self.catalog = catalog
        self._archive = {}
        for filing in catalog.values():
            for cik in filing.ciks:
                self._archive[f"/Archives/edgar/data/{cik}/{filing.accession}.txt"] = filing
                plain = filing.accession.replace("-", "")
                self._archive[f"/Archives/edgar/data/{cik}/{plain}/{filing.accession}.txt"] = filing
        self.lock = threading.Lock()
        self.hits: list[Hit] = []
        self.faults: dict[str, deque[Fault]] = {}
        self.unpublished_days: set[date] = set()
        self.published: list[Filing] = []
        self.hidden_from_feed: set[str] = set()
        self.feed_repeats = False   # each page starts a few entries before the previous page ended
        self.feed_shuffle = False   # neighbouring entries swap places
        self.first_listed: dict[str, float] = {}  # accession -> when a feed page first showed it
        self.connections = 0  # TCP connections accepted (HTTP/1.1 keeps one per client while it can)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeEdgar:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- what tests set up -------------------------------------------------------------
    def inject(self, path: str, *faults: Fault) -> None:
        with self.lock:
            self.faults.setdefault(path, deque()).extend(faults)

    def publish(self, *filings: Filing) -> None:
        with self.lock:
            self.published.extend(filings)

    def filed_between(self, first: date, last: date) -> list[Filing]:
        return [f for f in self.catalog.values() if first <= f.filed <= last]

    def archive_hits(self) -> list[str]:
        """Accession numbers of every submission requested, one per request that was served."""
        return [p.rsplit("/", 1)[1][:-4] for p in self.paths() if p.startswith("/Archives/edgar/data/")]

    def paths(self) -> list[str]:
        with self.lock:
            return [h.path for h in self.hits]

    # --- what the server answers ---------------------------------------------------------
    def respond(self, path: str, query: dict) -> tuple[int, bytes, str]:
        if path in self._archive:
            return 200, self._archive[path].path.read_bytes(), "text/plain"
        if path == "/cgi-bin/browse-edgar" and query.get("action") == ["getcurrent"]:
            return 200, self._feed(query), "application/atom+xml"
        match = re.fullmatch(r"/Archives/edgar/full-index/(\d{4})/QTR([1-4])/master\.idx", path)
        if match:
            year, quarter = int(match[1]), int(match[2])
            first = date(year, 3 * quarter - 2, 1)
            last = (date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1))
            return 200, self._index(self.filed_between(first, last), first, last, daily=False), "text/plain"
        match = re.fullmatch(r"/Archives/edgar/daily-index/\d{4}/QTR[1-4]/master\.(\d{8})\.idx", path)
        if match:
            day = datetime.strptime(match[1], "%Y%m%d").date()
            filings = self.filed_between(day, day)
            if filings and day not in self.unpublished_days:
                return 200, self._index(filings, day, day, daily=True), "text/plain"
        return 404, b"Not Found", "text/plain"

    def _index(self, filings: list[Filing], first: date, last: date, daily: bool) -> bytes:
        layout = "%Y%m%d" if daily else "%Y-%m-%d"
        rows = []
        for filing in filings:
            for cik, name, _ in filing.parties:
                rows.append(f"{cik}|{name}|{filing.form_type}|{filing.filed:{layout}}|"
                            f"edgar/data/{cik}/{filing.accession}.txt")
            # Other forms filed the same day, which sync must never fetch.
            rows.append(f"{filing.parties[-1][0]}|{filing.parties[-1][1]}|8-K|{filing.filed:{layout}}|"
                        f"edgar/data/{filing.parties[-1][0]}/9999999999-{filing.accession[-9:]}.txt")
        rows.sort()
        title = "Daily Index" if daily else "Master Index"
        head = (f"Description:           {title} of EDGAR Dissemination Feed\n"
                f"Last Data Received:    {last:%B %d, %Y}\n"
                "Comments:              webmaster@sec.gov\n"
                "Anonymous FTP:         ftp://ftp.sec.gov/edgar/\n\n\n\n\n"
                "CIK|Company Name|Form Type|Date Filed|File Name\n" + "-" * 80 + "\n")
        return (head + "\n".join(rows) + "\n").encode("latin-1")

    def _feed(self, query: dict) -> bytes:
        form = query.get("type", [""])[0]
        start = int(query.get("start", ["0"])[0])
        count = int(query.get("count", ["40"])[0])
        with self.lock:
            shown = [f for f in self.published if f.accession not in self.hidden_from_feed]
        entries = []
        for filing in sorted(shown, key=lambda f: f.accepted, reverse=True):
            if filing.form_type.startswith(form):
                entries.extend((filing, party) for party in filing.parties)
                # type=4 also lists 424B2 and friends: the follower must skip them.
                entries.append((filing, ("1", "NOISE BANK", "Filer")))
        if self.feed_shuffle:
            rng = random.Random(start)
            for i in range(0, len(entries) - 1, 2):
                if rng.random() < 0.5:
                    entries[i], entries[i + 1] = entries[i + 1], entries[i]
        first = max(0, start - 3) if self.feed_repeats and start else start
        page = entries[first:start + count]
        now = time.monotonic()
        with self.lock:
            for filing, _ in page:
                self.first_listed.setdefault(filing.accession, now)
        return _atom(page).encode("latin-1")


def _atom(page) -> str:
    parts = ['<?xml version="1.0" encoding="ISO-8859-1" ?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
             "<title>Latest Filings</title>\n<updated>2021-01-01T00:00:00-05:00</updated>\n"]
    for filing, (cik, name, role) in page:
        if role == "Filer":
            accession, form = f"9999999999-{filing.accession[-9:]}", "424B2"
        else:
            accession, form = filing.accession, filing.form_type
        folder = accession.replace("-", "")
        parts.append(
            f"<entry>\n<title>{form} - {_escape(name)} ({int(cik):010d}) ({role})</title>\n"
            f'<link rel="alternate" type="text/html" href="https://www.sec.gov/Archives/edgar/data/{cik}/{folder}/{accession}-index.htm"/>\n'
            f'<summary type="html">\n &lt;b&gt;Filed:&lt;/b&gt; {filing.filed} &lt;b&gt;AccNo:&lt;/b&gt; {accession}\n</summary>\n'
            f"<updated>{filing.accepted.isoformat()}</updated>\n"
            f'<category scheme="https://www.sec.gov/" label="form type" term="{form}"/>\n'
            f"<id>urn:tag:sec.gov,2008:accession-number={accession}</id>\n</entry>\n")
    parts.append("</feed>\n")
    return "".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _handler(edgar: FakeEdgar):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the body would wait for
        # the client's delayed ACK (40 ms on Linux), a stall EDGAR's own servers do not have.
        disable_nagle_algorithm = True

        def setup(self):
            super().setup()
            with edgar.lock:
                edgar.connections += 1

        def do_GET(self):
            arrived = time.monotonic()
            target = urlsplit(self.path)
            with edgar.lock:
                edgar.hits.append(Hit(arrived, target.path, target.query, self.headers.get("User-Agent", ""),
                                      self.headers.get("Accept-Encoding", "")))
                queue = edgar.faults.get(target.path)
                fault = queue.popleft() if queue else None
            if fault and fault.kind == "status":
                return self._send(fault.status, b"busy", "text/plain", fault.headers)
            if fault and fault.kind == "slow":
                time.sleep(fault.seconds)
            if fault and fault.kind in ("endless", "bomb", "drip"):
                return getattr(self, f"_{fault.kind}")(fault)
            status, body, kind = edgar.respond(target.path, parse_qs(target.query))
            if fault and fault.kind == "truncate":
                return self._truncate(body, kind)
            self._send(status, body, kind)

        def _send(self, status, body, kind, headers=None):
            encoded = "gzip" in self.headers.get("Accept-Encoding", "") and status == 200
            if encoded:
                body = gzip.compress(body)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if encoded:
                self.send_header("Content-Encoding", "gzip")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _truncate(self, body, kind):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

        def _endless(self, fault):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:  # the client hung up
                self.close_connection = True

        def _bomb(self, fault):
            body = gzip.compress(b"\0" * fault.size, compresslevel=9)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)

        def _drip(self, fault):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(fault.seconds)
            except OSError:
                self.close_connection = True

        def log_message(self, *args):
            pass

    return Handler


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now), usegmt=True)
