"""The one error path: every error, ours or Flask's, leaves as the same JSON shape

    {"status": "error", "error": {"code", "message", ...details}, "request_id", "timestamp"}

with the status its exception declares. Unexpected exceptions are logged with the request id and
answered 500 without a stack trace."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import orjson
from flask import Flask, Response, g
from werkzeug.exceptions import HTTPException

from insider.errors import InsiderError

log = logging.getLogger("insider.service")


def timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_response(status: int, code: str, message: str, headers: dict | None = None, **details) -> Response:
    body = {
        "status": "error",
        "error": {"code": code, "message": message, **details},
        "request_id": getattr(g, "request_id", None),
        "timestamp": timestamp(),
    }
    return Response(orjson.dumps(body), status=status, mimetype="application/json", headers=headers)


def _insider(exc: InsiderError):
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers or None, **exc.details)


def _http(exc: HTTPException):
    if exc.code == 422 and getattr(exc, "data", None):
        # webargs/marshmallow validation: a malformed body is the client's error (400)
        messages = exc.data.get("messages", {})
        return error_response(400, "bad_request", "the request body or parameters are invalid", fields=messages)
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)


def _unexpected(exc: Exception):
    log.exception("unhandled error in request %s", getattr(g, "request_id", None))
    return error_response(500, "internal_error", "unexpected server error; quote the request_id when reporting it")


def register(app: Flask) -> None:
    app.register_error_handler(InsiderError, _insider)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(Exception, _unexpected)
