"""GET /healthz: whether this instance answers HTTP requests (the load balancer's check)."""

from flask import Blueprint

from parley.extensions import limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt  # the balancer checks every second; a 429 would take the instance out
def healthz() -> dict[str, str]:
    """Answer as long as the process serves requests.

    It reaches neither the database nor Redis on purpose: when one of those fails, every
    instance would fail the check at once and the balancer would have none left to send
    clients to, while routes that do not need it could still answer.
    """
    return {"status": "ok"}
