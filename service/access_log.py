"""gunicorn's access log without API keys.

A key may travel in the query string (`?token=KEY`, `?api_Token=KEY`, as sec-api allows), and
gunicorn's default access log line holds the whole request line: every key used that way would
sit in the logs in clear. `RedactingLogger` (service/gunicorn.conf.py sets it as `logger_class`)
masks those parameters in every atom a log format can name: the request line (`%(r)s`), the query
string (`%(q)s`, `{query_string}e`, `{raw_uri}e`) and the Authorization header (`{authorization}i`).
"""
from __future__ import annotations

import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

MASK = "[redacted]"
# The parameters service/app.py reads a key from, compared as the application sees their names:
# percent-decoded (`%74oken` is `token` to Werkzeug) and in any case (a key sent under a misspelt
# name is still a secret that should stay out of the logs).
_KEY_NAMES = {"token", "api_token"}
_PARAMETER = re.compile(r"(^|[?&;])([^=&;#\s?]*)=([^&;#\s]*)")


def redact_query(text: str) -> str:
    """`text` (a query string, a URI or a request line) with the key parameters' values masked."""
    def mask(m: re.Match) -> str:
        if unquote_plus(m.group(2)).strip().lower() in _KEY_NAMES:
            return f"{m.group(1)}{m.group(2)}={MASK}"
        return m.group(0)

    return _PARAMETER.sub(mask, text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q", "f", "{query_string}e", "{raw_uri}e", "{referer}i"):
            value = atoms.get(name)
            if isinstance(value, str):
                atoms[name] = redact_query(value)
        if "{authorization}i" in atoms:
            atoms["{authorization}i"] = MASK
        return atoms
