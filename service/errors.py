"""The one error path: every error, ours or Flask's, leaves as the same JSON shape

    {"status": "error", "error": {"code", "message", ...details}, "request_id", "timestamp"}

with the status its exception declares. Unexpected exceptions are logged with the request id and
answered 500 without a stack trace."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import marshmallow as ma
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
    try:
        payload = orjson.dumps(body)
    except TypeError:  # text orjson refuses (a lone surrogate echoed from the request): escaped instead
        payload = json.dumps(body, ensure_ascii=True, default=str)
    return Response(payload, status=status, mimetype="application/json", headers=headers)


def _insider(exc: InsiderError):
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers or None, **exc.details)


def _http(exc: HTTPException):
    if exc.code in (400, 422) and isinstance(getattr(exc, "data", None), dict) and "messages" in exc.data:
        # webargs/marshmallow validation: a malformed body is the client's error (400)
        messages = exc.data["messages"]
        return error_response(400, "bad_request", "invalid request: " + _first_problem(messages), fields=messages)
    code = (exc.name or "error").lower().replace(" ", "_")
    # Keep what the status needs besides the body: `Allow` on a 405, say (RFC 9110 15.5.6).
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return error_response(exc.code or 500, code, exc.description or exc.name, headers=headers or None)


def _first_problem(messages: dict) -> str:
    """`field`: what is wrong with it, from webargs' {location: {field: [messages]}}."""
    for location, fields in messages.items():
        if isinstance(fields, list) and fields:  # about the whole body: {"json": ["Invalid JSON body."]}
            return f"the {location} body: {fields[0]}" if location == "json" else f"{location}: {fields[0]}"
        if isinstance(fields, dict):
            for name, problems in fields.items():
                problem = problems[0] if isinstance(problems, list) and problems else problems
                return f"`{name}`: {problem}"
    return "the request body or parameters are invalid"


class ErrorSchema(ma.Schema):
    """Every error response (OpenAPI): what `error_response` writes."""

    class Body(ma.Schema):
        code = ma.fields.String(metadata={"description": "machine-readable, e.g. bad_request, unknown_field"})
        message = ma.fields.String(metadata={"description": "for people"})

    status = ma.fields.String(metadata={"description": "always \"error\""})
    error = ma.fields.Nested(Body, metadata={"description": "code, message and any details of the error"})
    request_id = ma.fields.String(metadata={"description": "quote it when reporting a problem"})
    timestamp = ma.fields.String(metadata={"description": "UTC, ISO 8601"})


def _too_deep(exc: RecursionError):
    # A JSON body nested thousands deep exhausts the decoder's recursion: the client's error.
    return error_response(400, "bad_request", "the request is nested too deeply to read")


def _unexpected(exc: Exception):
    log.exception("unhandled error in request %s", getattr(g, "request_id", None))
    return error_response(500, "internal_error", "unexpected server error; quote the request_id when reporting it")


def register(app: Flask) -> None:
    app.register_error_handler(InsiderError, _insider)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(Exception, _unexpected)
