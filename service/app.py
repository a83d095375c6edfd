"""The Flask application: one route table (blueprints), one error handler, auth, request ids."""
from __future__ import annotations

import os
import re
from http import HTTPStatus

from flask import Flask, g, request, send_from_directory
from flask_smorest import Api
from swagger_ui_bundle import swagger_ui_path

from insider import settings as settings_module
from insider.errors import Unauthorized
from insider.memory import freeze_long_lived_objects, keep_freed_memory
from insider.settings import Settings
from service import errors, ratelimit
from service.keys import KeyStore

PUBLIC_ENDPOINTS = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui", "health", "static", "index", "docs_assets"}
DOCS_ASSETS = "/docs/assets/"


def _presented_key() -> str | None:
    header = request.headers.get("Authorization", "").strip()
    if header.lower().startswith("bearer "):
        header = header[7:].strip()
    return header or request.args.get("token") or request.args.get("api_Token") or None


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


class _Api(Api):
    """flask-smorest's Api, documenting errors in the shape service/errors.py renders them."""

    ERROR_SCHEMA = errors.ErrorSchema


def create_app(settings: Settings | None = None, engine=None) -> Flask:
    settings = settings or settings_module.load()
    keep_freed_memory(settings.malloc_keep_mb)
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Insider trading data API",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        # A query is at most 2,000 characters: a body past this is refused (413) before parsing.
        MAX_CONTENT_LENGTH=64 * 1024,
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=DOCS_ASSETS,
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "Authorization"},
                "token": {"type": "apiKey", "in": "query", "name": "token"},
                "api_Token": {"type": "apiKey", "in": "query", "name": "api_Token"},
            }},
            "security": [{"apiKey": []}, {"token": []}, {"api_Token": []}],
        },
    )
    app.extensions["insider.settings"] = settings
    app.extensions["insider.keys"] = KeyStore(settings.data_dir)
    if engine is not None:
        app.extensions["insider.engine"] = engine

    api = _Api(app)
    errors.register(app)
    limiter = ratelimit.RateLimiter(settings.rate_limit)

    @app.before_request
    def _identify():
        # A caller's id is kept when it is a plain token; anything else gets one of ours: 16 random
        # bytes in hex, as nginx's $request_id (str(uuid.uuid4()) measured ~2 % of a ticker request)
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else os.urandom(16).hex()
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if settings.auth_enabled:
            try:
                g.api_key_name = _authenticate()
            except Unauthorized:
                # Failed attempts spend the address's budget (guessing keys is rate limited) and
                # their 401 carries the same X-RateLimit-* headers as any answer.
                g.rate = limiter.hit(f"addr:{request.remote_addr}")
                raise
        # counted per API key, or per client address when auth is off
        name = getattr(g, "api_key_name", None)
        g.rate = limiter.hit(f"key:{name}" if name else f"addr:{request.remote_addr}")
        return None

    def _authenticate() -> str:
        key = _presented_key()
        if not key:
            raise Unauthorized("an API key is required: `Authorization: KEY` header or `?token=KEY`")
        name = app.extensions["insider.keys"].identify(key)
        if name is None:
            raise Unauthorized("the API key is not valid (unknown or revoked)")
        return name

    @app.after_request
    def _stamp(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        rate = getattr(g, "rate", None)
        if rate is not None:
            response.headers.update(rate.headers())
        return response

    app.add_url_rule("/health", "health", health)

    from service.insider_trading.routes import blp as insider_trading
    from service.analytics.routes import blp as analytics

    api.register_blueprint(insider_trading)
    api.register_blueprint(analytics)
    _document_errors(api)

    @app.get("/")
    def index():
        return {"service": app.config["API_TITLE"], "docs": "/docs", "openapi": "/openapi.json", "health": "/health"}

    # The API docs page's script and styles, served from the pinned swagger-ui-bundle package: a
    # self-hosted machine without internet access still shows the page.
    @app.get(f"{DOCS_ASSETS}<path:name>")
    def docs_assets(name: str):
        return send_from_directory(swagger_ui_path, name, max_age=86400)

    freeze_long_lived_objects()  # the modules and the app live as long as the process (insider/memory.py)
    return app


# Errors every API operation can answer (beside 400 and the default), in the one error shape.
_COMMON_ERRORS = ("UNAUTHORIZED", "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE")


def _document_errors(api: Api) -> None:
    for path, operations in api.spec._paths.items():
        for method, operation in operations.items():
            if method not in ("get", "post"):  # e.g. the path's shared "parameters"
                continue
            names = _COMMON_ERRORS + (("NOT_FOUND",) if "{ticker}" in path else ()) + \
                (("REQUEST_ENTITY_TOO_LARGE", "LENGTH_REQUIRED") if method == "post" else ())
            for name in names:
                operation["responses"].setdefault(str(HTTPStatus[name].value), api.spec.components.get_ref("response", name))


def health():
    from service.engine import current_engine

    engine = current_engine()
    engine.ensure_ready()
    return {"status": "ok", "engine": engine.name}
