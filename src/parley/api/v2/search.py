"""v2 search: full-text search over every message you may read."""

from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app

from parley.api.auth import access_auth, current_user_id
from parley.api.route_limits import per_user
from parley.api.v2 import HIDDEN
from parley.schemas.v2 import SearchPageSchema, SearchQuerySchema
from parley.services import search as search_service

bp = Blueprint("search", __name__)


@bp.get("/search")
@authenticate(access_auth)
@per_user("search")
@arguments(SearchQuerySchema())
@response(SearchPageSchema())
@other_responses({404: HIDDEN})
def search(query: dict[str, Any]) -> object:
    """Messages matching `q` in the channels you may read (public ones, and yours),
    newest first, each with a snippet: PostgreSQL full-text search, or SQLite FTS5. A
    page looks at the newest `SEARCH_SCAN_MAX` matches below `before` at most, so it may
    hold fewer results than `limit`, even none: go on while `next` is not null."""
    config = current_app.config
    limit = min(query.get("limit") or config["SEARCH_PAGE_SIZE"], config["HISTORY_PAGE_MAX"])
    filters = search_service.Filters(
        channel_id=query.get("channel_id"),
        author_id=query.get("author_id"),
        since=query.get("since"),
        until=query.get("until"),
        has_link=query.get("has") == "link",
    )
    found, following = search_service.search(
        current_user_id(),
        query["q"],
        filters,
        before_id=query.get("before"),
        limit=limit,
        scan=config["SEARCH_SCAN_MAX"],
    )
    return {"results": found, "next": following}
