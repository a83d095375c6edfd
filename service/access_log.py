"""gunicorn's access log without API keys.

A key may travel in the query string (`?token=KEY`, `?api_Token=KEY`, as sec-api allows), and
gunicorn's default access log line holds the whole request line: every key used that way would
sit in the logs in clear. `RedactingLogger` (service/gunicorn.conf.py sets it as `logger_class`)
masks those parameters in every atom a log format can name: the request line (`%(r)s`), the query
string (`%(q)s`, `{query_string}e`, `{raw_uri}e`) and the Authorization header (`{authorization}i`).
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

MASK = "[redacted]"
# The parameters service/app.py reads a key from (any spelling of their case: a key sent under a
# misspelt name is still a secret that should stay out of the logs).
_KEY_PARAMS = re.compile(r"(?i)((?:^|[?&;])(?:token|api_token)=)[^&;#\s]*")


def redact_query(text: str) -> str:
    """`text` (a query string, a URI or a request line) with the key parameters' values masked."""
    return _KEY_PARAMS.sub(lambda m: m.group(1) + MASK, text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q", "{query_string}e", "{raw_uri}e"):
            value = atoms.get(name)
            if isinstance(value, str):
                atoms[name] = redact_query(value)
        if "{authorization}i" in atoms:
            atoms["{authorization}i"] = MASK
        return atoms
