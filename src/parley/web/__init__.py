"""The browser-facing pages, served by the same app as the API."""

from flask import Blueprint, render_template

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


@bp.get("/")
def index() -> str:
    """The chat: the browser client (built from client/ by `make install`), on API v2."""
    return render_template("index.html")


@bp.get("/api/v2/docs")
def api_docs() -> str:
    """Interactive API v2 documentation (Swagger UI, built with the client from npm) over
    the generated OpenAPI document."""
    return render_template("api_docs.html")
