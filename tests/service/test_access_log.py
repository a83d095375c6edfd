"""API keys sent in the query string never reach gunicorn's access log."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from service.access_log import MASK, redact_query

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
