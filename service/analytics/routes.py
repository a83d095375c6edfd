"""The finradar-style analytics endpoints. Views only parse parameters and wrap the answers of
search.analytics in the success envelope; docs/analytics.md says what every number means."""
from __future__ import annotations

import orjson
from flask import Response, g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from search.analytics import by_sector, clusters, market, summary, tape
from service.analytics import schemas
from service.engine import current_engine, now
from service.errors import timestamp

blp = Blueprint("analytics", __name__, url_prefix="/insider-module/api/insiders",
                description="Insider sentiment, sector flows, trade tapes, cluster buys and market stats")


def success(data, meta: dict | None = None) -> Response:
    body = {"status": "success", "data": data}
    if meta is not None:
        body["meta"] = meta
    body.update(request_id=g.request_id, timestamp=timestamp())
    return Response(orjson.dumps(body), mimetype="application/json")


def _query(schema):
    # an instance: given a class, webargs instantiates it for every request (~0.3 ms)
    return blp.arguments(schema(), location="query", unknown=RAISE, error_status_code=400)


# A ticker may be written with a slash (BRK/B): the path converter keeps it whole.
@blp.route("/summary/by-ticker/<path:ticker>")
class SummaryByTicker(MethodView):
    @_query(schemas.SummaryQueryArgsSchema)
    @blp.response(200, schemas.SummaryResponseSchema)
    def get(self, args, ticker):
        """Insider sentiment summary for a ticker

        404 when no filing ever named the ticker.
        """
        return success(summary.by_ticker(current_engine(), ticker, now(), **args))


@blp.route("/aggregation/by-sector")
class AggregationBySector(MethodView):
    @_query(schemas.SectorQueryArgsSchema)
    @blp.response(200, schemas.SectorResponseSchema)
    def get(self, args):
        """Insider activity per sector or industry"""
        result = by_sector.by_sector(current_engine(), now(), **args)
        return success(result["data"], result["meta"])


@blp.route("/transactions/by-ticker/<path:ticker>")
class TransactionsByTicker(MethodView):
    @_query(schemas.TapeQueryArgsSchema)
    @blp.response(200, schemas.TapeResponseSchema)
    def get(self, args, ticker):
        """The trade tape behind the summary, newest trade first"""
        result = tape.by_ticker(current_engine(), ticker, now(), **args)
        return success(result["data"], result["meta"])


@blp.route("/clusters")
class Clusters(MethodView):
    @_query(schemas.ClusterQueryArgsSchema)
    @blp.response(200, schemas.ClusterResponseSchema)
    def get(self, args):
        """Issuers where several insiders bought within a few days"""
        result = clusters.find(current_engine(), now(), **args)
        return success(result["data"], result["meta"])


@blp.route("/stats/global")
class GlobalStats(MethodView):
    @_query(schemas.StatsQueryArgsSchema)
    @blp.response(200, schemas.StatsResponseSchema)
    def get(self, args):
        """Market-wide totals, top trades, top issuers and the daily trend"""
        result = market.global_stats(current_engine(), now(), **args)
        return success(result["data"], result["meta"])
