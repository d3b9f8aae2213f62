"""The browser-facing pages, served by the same app as the API."""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

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


# The npm packages whose files the browser may load, and which of their files.
VENDOR_FILES = {
    "swagger-ui-dist": {"swagger-ui-bundle.js", "swagger-ui.css"},
}


@bp.get("/api/v2/docs")
def api_docs() -> str:
    """Interactive API v2 documentation (Swagger UI) over the generated OpenAPI document."""
    return render_template("api_docs.html")


@bp.get("/static/vendor/<package>/<filename>")
def vendor_file(package: str, filename: str) -> Response:
    """A file of an allowed npm package, from node_modules."""
    if filename not in VENDOR_FILES.get(package, ()):
        abort(404)
    folder = Path(current_app.config["NODE_MODULES_PATH"]) / package
    return send_from_directory(folder, filename, max_age=86400)
