import json

import orjson
from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from insider.errors import BadRequest, LengthRequired
from search.filings import SearchParams, search_filings
from service.engine import current_engine
from service.insider_trading.schemas import SearchRequestSchema, SearchResponseSchema

blp = Blueprint("insider-trading", __name__, description="sec-api compatible Lucene search over Form 3/4/5 filings")


class _Parser(FlaskParser):
    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers these itself
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits (Python's int limit)
            raise BadRequest(f"the request body is not usable JSON: {exc}") from None


blp.ARGUMENTS_PARSER = _Parser()


@blp.before_request
def _json_body():
    if request.method == "POST" and request.content_length is None and "chunked" in \
            request.headers.get("Transfer-Encoding", "").lower():
        # Werkzeug cuts a chunked body at MAX_CONTENT_LENGTH without a word: the request would
        # run on a body other than the one sent. With a Content-Length, an oversize body is a 413.
        raise LengthRequired("send the request body with a Content-Length header (chunked bodies are not taken)")
    # Without a JSON content type the body is not read at all, and the answer would be a puzzling
    # "query: missing" for `curl -d '{"query": ...}'` (which sends a form content type).
    if request.method == "POST" and request.content_length and not request.is_json:
        raise BadRequest("the request body must be JSON, sent with `Content-Type: application/json`",
                         content_type=request.content_type)


@blp.route("/insider-trading")
class InsiderTrading(MethodView):
    # An instance: a class is instantiated per request. Invalid arguments answer 400 (errors.py).
    @blp.arguments(SearchRequestSchema(), error_status_code=400)
    @blp.response(200, SearchResponseSchema)
    def post(self, body):
        """Search filings with a Lucene query

        Returns one item per filing, sorted by `filedAt` descending unless `sort` says otherwise.
        """
        params = SearchParams.from_raw(body["query"], body["from_"], body["size"], body["sort"])
        result = search_filings(current_engine(), params, raw=True)
        return Response(orjson.dumps(result), mimetype="application/json")
