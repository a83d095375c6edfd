"""The one exception tree. Every error knows its HTTP status and a stable machine code;
service/errors.py renders all of them in one JSON shape, the CLI prints their message."""
from __future__ import annotations


class InsiderError(Exception):
    status = 500
    code = "internal_error"
    headers: dict[str, str] = {}  # extra response headers (read only)

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigurationError(InsiderError):
    status = 500
    code = "configuration_error"


class BadRequest(InsiderError):
    status = 400
    code = "bad_request"


class QuerySyntaxError(BadRequest):
    """The Lucene query does not parse; `details` carries the position."""
    code = "query_syntax_error"


class UnknownField(BadRequest):
    code = "unknown_field"


class InvalidQuery(BadRequest):
    """Parses, but asks for something the fields cannot do (a range on a boolean, an unsafe regex...)."""
    code = "invalid_query"


class Unauthorized(InsiderError):
    status = 401
    code = "unauthorized"


class RateLimited(InsiderError):
    """Past the per-key request rate; `headers` tells when to come back."""
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, headers: dict[str, str] | None = None, **details):
        super().__init__(message, **details)
        self.headers = headers or {}


class LengthRequired(InsiderError):
    """A request body without a Content-Length (chunked): its size limit could not be kept whole."""
    status = 411
    code = "length_required"


class NotFound(InsiderError):
    status = 404
    code = "not_found"


class EngineUnavailable(InsiderError):
    """The search engine cannot be reached or failed; never leaks a stack trace."""
    status = 503
    code = "engine_unavailable"


class WorkerFailed(InsiderError):
    """A parse worker process died (killed, out of memory): the batches committed so far stay."""
    status = 500
    code = "worker_failed"


class RejectedInput(InsiderError):
    """An input file that cannot become a filing (malformed, not an ownership document, too big...)."""
    status = 422
    code = "rejected_input"


class EdgarError(InsiderError):
    """EDGAR could not be reached or kept failing after retries."""
    status = 502
    code = "edgar_error"
