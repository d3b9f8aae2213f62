"""GET /healthz: whether this instance answers HTTP requests (the load balancer's check)."""

from flask import Blueprint

from parley.changes import events
from parley.extensions import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt  # the balancer checks every second; a 429 would take the instance out
def healthz() -> dict[str, object]:
    """Answer as long as the process serves requests.

    It reaches neither the database nor Redis on purpose: when one of those fails, every
    instance would fail the check at once and the balancer would have none left to send
    clients to, while routes that do not need it could still answer. It says how many
    times a subscriber of domain events failed in this process (events.failures): a
    committed change some client did not hear of.
    """
    return {"status": "ok", "subscriber_failures": sum(events.failures.values())}
