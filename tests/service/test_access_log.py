"""API keys sent in the query string never reach gunicorn's access log."""
from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from service.access_log import MASK, RedactingLogger, format_names, redact_query

ROOT = Path(__file__).resolve().parents[2]


def test_key_parameters_are_masked_wherever_they_stand():
    assert redact_query("token=abc") == f"token={MASK}"
    assert redact_query("GET /x?filed_at_days=30&token=abc&limit=5 HTTP/1.1") == \
        f"GET /x?filed_at_days=30&token={MASK}&limit=5 HTTP/1.1"
    assert redact_query("/x?api_Token=abc") == f"/x?api_Token={MASK}"
    assert redact_query("/x?TOKEN=abc;API_TOKEN=def") == f"/x?TOKEN={MASK};API_TOKEN={MASK}"
    # names the application decodes are decoded here too
    assert redact_query("/x?%74oken=abc&api%5FToken=def&to%6Ben=ghi") == \
        f"/x?%74oken={MASK}&api%5FToken={MASK}&to%6Ben={MASK}"
    # other parameters that merely end in "token" are left alone
    assert redact_query("/x?next_token=abc") == "/x?next_token=abc"


class _Req:
    def __init__(self, headers):
        self.headers = headers


class _Resp:
    def __init__(self, status, sent, headers):
        self.status, self.sent, self.headers = status, sent, headers


SECRET = "s3cret"
_ENVIRON = {
    "REMOTE_ADDR": "10.1.2.3", "REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1",
    "RAW_URI": f"/insider-module/api/insiders/summary/by-ticker/AAPL?token={SECRET}&x=1",
    "PATH_INFO": "/insider-module/api/insiders/summary/by-ticker/AAPL", "QUERY_STRING": f"token={SECRET}&x=1",
    "HTTP_REFERER": f"http://example.com/?api_Token={SECRET}", "HTTP_USER_AGENT": 'curl/8 "quoted"',
    "HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz", "wsgi.url_scheme": "http", "SERVER_PORT": "8000",
}
_HEADERS = [("HOST", "localhost"), ("USER-AGENT", 'curl/8 "quoted"'), ("AUTHORIZATION", "Basic dXNlcjpwYXNz"),
            ("REFERER", f"http://example.com/?api_Token={SECRET}"), ("X-FORWARDED-FOR", "1.1.1.1"),
            ("X-FORWARDED-FOR", "2.2.2.2")]
_FORMATS = [
    Config().access_log_format,  # gunicorn's default, the one gunicorn.conf.py leaves in place
    " ".join(f"%({name})s" for name in "hlutrsmUqHbBfaTDMLp") + " %(R)s %(zz)s",
    "%({X-Request-ID}o)s %({x-request-id}o)s %({content-type}O)s %({User-Agent}i)s %({authorization}i)s "
    "%({Referer}i)s %({x-forwarded-for}i)s %({raw_uri}e)s %({QUERY_STRING}e)s %({wsgi.url_scheme}e)s "
    "%({nope}i)s %({nope}o)s %({nope}e)s %({bad}x)s %(s)s %(s)s %({http_referer}e)s %({HTTP_AUTHORIZATION}e)s",
]


@pytest.mark.parametrize("fmt", _FORMATS, ids=["default", "letters", "braces"])
@pytest.mark.parametrize("sent", [1234, None])
def test_the_logged_line_is_gunicorns_own_with_the_keys_masked(fmt, sent, monkeypatch):
    """The access log builds only the atoms its format names (~10 % of a ticker request's time
    went to building them all): the line must be what gunicorn's own atoms would give."""
    cfg = Config()
    cfg.set("access_log_format", fmt)
    logger = RedactingLogger(cfg)
    monkeypatch.setattr(logger, "now", lambda: "[22/Nov/2026:16:00:00 +0000]")
    resp = _Resp("200 OK", sent, [("Content-Type", "application/json"), ("X-Request-ID", "rid-1")])
    req, took = _Req(_HEADERS), timedelta(seconds=1, microseconds=2345)
    reference = fmt % SafeAtoms(logger.atoms(resp, req, _ENVIRON, took))
    lean = fmt % logger.named_atoms(format_names(fmt), resp, req, _ENVIRON, took)
    assert lean == reference
    assert SECRET not in lean and "dXNlcjpwYXNz" not in lean


def test_any_mix_of_atoms_and_requests_logs_gunicorns_line(monkeypatch):
    """Formats drawn at random from every kind of atom, over requests with duplicate, quoted,
    missing and oddly cased headers: the line is always gunicorn's own, keys masked."""
    rng = random.Random(16)
    pool = (list("hlutrsmUqHbBfaTDMLp") + ["R", "zz", "{bad}x", "{}i"]
            + [f"{{{name}}}{kind}" for name in ("x-request-id", "X-Request-ID", "user-agent", "authorization",
                                                "referer", "x-forwarded-for", "content-type", "raw_uri",
                                                "query_string", "QUERY_STRING", "http_referer", "nope")
               for kind in "ioeIOE"])
    logger = RedactingLogger(Config())
    monkeypatch.setattr(logger, "now", lambda: "[22/Nov/2026:16:00:00 +0000]")
    for _ in range(300):
        fmt = " ".join(f'"%({name})s"' if rng.random() < 0.5 else f"%({name})s"
                       for name in rng.sample(pool, rng.randint(1, 12)))
        headers = rng.sample(_HEADERS, rng.randint(0, len(_HEADERS)))
        headers += [(rng.choice(["X-REQUEST-ID", "x-request-id"]), rng.choice(['a"b', "c", ""]))] * rng.randint(0, 2)
        environ = {k: v for k, v in _ENVIRON.items()  # gunicorn always sets the request line's three
                   if k in ("REQUEST_METHOD", "RAW_URI", "SERVER_PROTOCOL") or rng.random() < 0.8}
        resp = _Resp(rng.choice(["200 OK", "404 NOT FOUND", 503]), rng.choice([0, 17, None]),
                     rng.sample([("Content-Type", "application/json"), ("X-Request-ID", 'r"1'),
                                 ("x-request-id", "r2")], rng.randint(0, 3)))
        took = timedelta(microseconds=rng.randint(0, 3_000_000))
        reference = fmt % SafeAtoms(logger.atoms(resp, _Req(headers), environ, took))
        assert fmt % logger.named_atoms(format_names(fmt), resp, _Req(headers), environ, took) == reference, fmt
        assert SECRET not in reference and "dXNlcjpwYXNz" not in reference


def test_the_access_log_writes_the_line(tmp_path, monkeypatch):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = RedactingLogger(cfg)
    monkeypatch.setattr(logger, "now", lambda: "[22/Nov/2026:16:00:00 +0000]")
    logger.access(_Resp("401 UNAUTHORIZED", 55, []), _Req(_HEADERS), _ENVIRON, timedelta(microseconds=900))
    for handler in logger.access_log.handlers:
        handler.flush()
    assert (tmp_path / "access.log").read_text() == (
        f'10.1.2.3 - user [22/Nov/2026:16:00:00 +0000] "GET /insider-module/api/insiders/summary/by-ticker/AAPL'
        f'?token={MASK}&x=1 HTTP/1.1" 401 55 "http://example.com/?api_Token={MASK}" "curl/8 \\"quoted\\""\n')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_as_configured_logs_the_request_without_the_key(tmp_path):
    port = _free_port()
    env = {**os.environ, "INSIDER_DATA_DIR": str(tmp_path), "OPENSEARCH_URL": "", "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "service/gunicorn.conf.py", "service.app:create_app()",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    secret = "s3cret-key-that-must-not-be-logged"
    try:
        url = f"http://127.0.0.1:{port}/insider-module/api/insiders/summary/by-ticker/AAPL?token={secret}&filed_at_days=30"
        request = urllib.request.Request(url, headers={"Referer": f"http://example.com/page?api_Token={secret}"})
        status = None
        for _ in range(100):
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as exc:
                status = exc.code
                break
            except OSError:
                time.sleep(0.1)
        assert status == 401  # an unknown key; the request is logged all the same
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    request_lines = [line for line in output.splitlines() if "/summary/by-ticker/AAPL" in line]
    assert request_lines, output
    assert secret not in output
    assert f"token={MASK}&filed_at_days=30" in request_lines[0]
    assert f"page?api_Token={MASK}" in request_lines[0]  # the referer, in gunicorn's default format
