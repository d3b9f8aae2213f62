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
    """The home page: what this server is and where its API lives."""
    return render_template("index.html")
