"""GET /stats: Flack's request rate, counted across every web process."""

from apifairy import response
from flask import Blueprint

from parley.api.v1 import add_deprecation_headers
from parley.schemas.v1 import StatsSchema
from parley.stats import request_stats

bp = Blueprint("flack_root", __name__)
bp.after_request(add_deprecation_headers)


@bp.get("/stats")
@response(StatsSchema())
def get_stats() -> object:
    """Requests per second over the last 15 seconds, cluster-wide."""
    return {"requests_per_second": request_stats().requests_per_second()}
