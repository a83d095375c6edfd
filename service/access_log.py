"""gunicorn's access log without API keys.

A key may travel in the query string (`?token=KEY`, `?api_Token=KEY`, as sec-api allows), and
gunicorn's default access log line holds the whole request line: every key used that way would
sit in the logs in clear. `RedactingLogger` (service/gunicorn.conf.py sets it as `logger_class`)
masks those parameters in every atom a log format can name: the request line (`%(r)s`), the query
string (`%(q)s`, `{query_string}e`, `{raw_uri}e`), the referer (`%(f)s`, `{referer}i`,
`{http_referer}e`) and the Authorization header (`{authorization}i`, `{http_authorization}e`).

It also builds only the atoms its format names. gunicorn's `Logger.atoms` makes one for every
request header, response header and environ variable, ~25 of them a request, and escapes each:
with the logging call, ~10 % of a worker's time on a ticker query under load (py-spy, 1M
filings). Each atom a format names has a reader made once per format (`_plan`); building every
one-letter atom and picking from them cost ~110k instructions a request more (callgrind, a
worker at ~3,000k). The line written is the one gunicorn's own path writes, tested on formats
naming every kind of atom (tests/service/test_access_log.py).
"""
from __future__ import annotations

import functools
import os
import re
import traceback
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

    return _PARAMETER.sub(mask, text) if "=" in text else text  # no parameter has a value without one


_REDACTED = frozenset({"r", "q", "f", "{query_string}e", "{raw_uri}e", "{referer}i", "{http_referer}e"})
_AUTHORIZATION = frozenset({"{authorization}i", "{http_authorization}e"})  # masked whole
_MASKED = _REDACTED | _AUTHORIZATION
_FORMAT_NAME = re.compile(r"%\(([^)]*)\)")


def _redacted(name: str, value):
    """`value` of the atom `name` (lower case) as the log may show it."""
    if name in _AUTHORIZATION:
        return MASK
    if name in _REDACTED and isinstance(value, str):
        return redact_query(value)
    return value


_MISSING = object()


@functools.lru_cache(maxsize=16)
def format_names(fmt: str) -> tuple[str, ...]:
    """The atoms a log format names, each once."""
    return tuple(dict.fromkeys(_FORMAT_NAME.findall(fmt)))


def _last(pairs, name: str):
    """The value of the last (key, value) pair whose key is `name` in any case, or _MISSING: the
    one gunicorn's atoms keep (each later pair overwrites the earlier)."""
    found = _MISSING
    for key, value in (pairs.items() if hasattr(pairs, "items") else pairs):
        if key.lower() == name:
            found = value
    return found


def _status(resp):
    status = resp.status
    return status.split(None, 1)[0] if isinstance(status, str) else status


# The one-letter atoms, each as gunicorn's Logger.atoms computes it:
# (logger, resp, req, environ, request_time) -> value, the readers' signature (`_atom`)
_LETTERS = {
    "h": lambda log, resp, req, env, took: env.get("REMOTE_ADDR", "-"),
    "l": lambda log, resp, req, env, took: "-",
    "u": lambda log, resp, req, env, took: log._get_user(env) or "-",
    "t": lambda log, resp, req, env, took: log.now(),
    "r": lambda log, resp, req, env, took: "%s %s %s" % (env["REQUEST_METHOD"], env["RAW_URI"], env["SERVER_PROTOCOL"]),
    "s": lambda log, resp, req, env, took: _status(resp),
    "m": lambda log, resp, req, env, took: env.get("REQUEST_METHOD"),
    "U": lambda log, resp, req, env, took: env.get("PATH_INFO"),
    "q": lambda log, resp, req, env, took: env.get("QUERY_STRING"),
    "H": lambda log, resp, req, env, took: env.get("SERVER_PROTOCOL"),
    "b": lambda log, resp, req, env, took: getattr(resp, "sent", None) is not None and str(resp.sent) or "-",
    "B": lambda log, resp, req, env, took: getattr(resp, "sent", None),
    "f": lambda log, resp, req, env, took: env.get("HTTP_REFERER", "-"),
    "a": lambda log, resp, req, env, took: env.get("HTTP_USER_AGENT", "-"),
    "T": lambda log, resp, req, env, took: took.seconds,
    "D": lambda log, resp, req, env, took: (took.seconds * 1000000) + took.microseconds,
    "M": lambda log, resp, req, env, took: (took.seconds * 1000) + int(took.microseconds / 1000),
    "L": lambda log, resp, req, env, took: "%d.%06d" % (took.seconds, took.microseconds),
    "p": lambda log, resp, req, env, took: "<%s>" % os.getpid(),
}


def _atom(name: str):
    """How to read the atom `name` of a request: (logger, resp, req, environ, request_time) ->
    its value as gunicorn's SafeAtoms would give it (`"` escaped, "-" for one that does not
    exist, `{...}` names in any case), with the keys masked."""
    key = name.lower() if name.startswith("{") else name
    inner, where = key[1:-2], key[-2:]
    if not key.startswith("{"):
        read = _LETTERS.get(key)
    elif where == "}i":
        read = lambda log, resp, req, env, took: _last(getattr(req, "headers", req), inner)  # noqa: E731
    elif where == "}o":
        read = lambda log, resp, req, env, took: _last(resp.headers, inner)  # noqa: E731
    elif where == "}e":
        read = lambda log, resp, req, env, took: _last(env, inner)  # noqa: E731
    else:
        read = None
    if read is None:
        return lambda log, resp, req, env, took: "-"
    masked = key in _MASKED

    def atom(log, resp, req, env, took):
        value = read(log, resp, req, env, took)
        if value is _MISSING:
            return "-"
        if masked:
            value = _redacted(key, value)
        return value.replace('"', '\\"') if isinstance(value, str) else value
    return atom


@functools.lru_cache(maxsize=16)
def _plan(names: tuple[str, ...]) -> tuple:
    """(name, reader) for each atom of a format, made once per format."""
    return tuple((name, _atom(name)) for name in names)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        """Every atom, as gunicorn makes them, with the keys masked: what `access` logs a subset
        of (tests/service compare the two; gunicorn code that calls `atoms` gets them masked)."""
        atoms = super().atoms(resp, req, environ, request_time)
        for name in _MASKED:
            if name in atoms:
                atoms[name] = _redacted(name, atoms[name])
        return atoms

    def named_atoms(self, names, resp, req, environ, request_time) -> dict:
        """The atoms `names` asks for, as gunicorn's SafeAtoms would give them (`"` escaped, "-"
        for one that does not exist, `{...}` names in any case), with the keys masked."""
        return {name: atom(self, resp, req, environ, request_time) for name, atom in _plan(names)}

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        fmt = self.cfg.access_log_format
        try:
            self.access_log.info(fmt, self.named_atoms(format_names(fmt), resp, req, environ, request_time))
        except Exception:
            self.error(traceback.format_exc())
