"""The application factory: a table of contents of what Parley is made of."""

import contextlib
import os
import secrets
import tempfile

from flask import Flask

from parley.changes.unit_of_work import UnitOfWorkFlask
from parley.config import Config, config_from_env
from parley.json_provider import OrjsonProvider


def create_app(config: type[Config] | None = None) -> Flask:
    """Build a Parley app; tests pass their own config class."""
    config = config or config_from_env()
    app = UnitOfWorkFlask(__name__, instance_path=config.INSTANCE_PATH, static_folder=None)
    app.json = OrjsonProvider(app)
    app.config.from_object(config)
    load_secret_key(app)
    register_extensions(app)
    register_event_subscribers(app)
    register_url_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_middleware(app)
    return app


def load_secret_key(app: Flask) -> None:
    """Use SECRET_KEY from the environment, or one kept in the instance folder.

    A generated key is written once, so every process of the embedded default and
    every restart sign and derive tokens with the same key. Production must set it.
    """
    if app.config["SECRET_KEY"]:
        return
    if not app.config["GENERATE_SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY must be set in the environment")
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)
    os.chmod(app.instance_path, 0o700)  # the key, the database: the server's alone
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        # Write the whole key to a private file, then link it into place: link() fails
        # if another process won the race, and nobody ever reads a half-written key.
        fd, draft = tempfile.mkstemp(dir=app.instance_path)
        with os.fdopen(fd, "w") as key_file:
            key_file.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        os.unlink(draft)
    with open(path) as key_file:
        app.config["SECRET_KEY"] = key_file.read().strip()


def register_extensions(app: Flask) -> None:
    """Configure the extensions created in parley.extensions."""
    from parley import database, rate_limits, read_cache, realtime, security, stats, tasks
    from parley.extensions import apifairy, db, ma, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config)
    db.init_app(app)
    database.init_app(app)
    # Migrations ship inside the package; batch mode lets SQLite alter tables.
    migrate.init_app(
        app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True
    )
    ma.init_app(app)
    apifairy.init_app(app)
    from parley.api.v2.openapi import complete_document

    apifairy.process_apispec(complete_document)
    security.init_app(app)
    rate_limits.init_app(app)
    stats.init_app(app)
    read_cache.init_app(app)
    realtime.init_app(app)
    tasks.init_app(app)


def register_event_subscribers(app: Flask) -> None:
    """Who hears of each committed change: parley.changes.wiring, in one place."""
    from parley.changes import wiring

    wiring.init_app(app)


def register_url_converters(app: Flask) -> None:
    """URL converters must exist before the routes that use them."""
    from parley.api.converters import IdConverter, JobIdConverter

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["job_id"] = JobIdConverter


def register_blueprints(app: Flask) -> None:
    """The browser pages and each API version."""
    from parley.api.health import bp as health
    from parley.api.jobs import bp as jobs
    from parley.api.v1 import build_api_blueprint, build_root_blueprint
    from parley.api.v2 import build_api_blueprint as build_api_v2_blueprint
    from parley.web import bp as web

    app.register_blueprint(web)
    app.register_blueprint(health)
    app.register_blueprint(jobs)
    api_v1 = build_api_blueprint()
    app.register_blueprint(api_v1, url_prefix="/api/v1")
    app.register_blueprint(api_v1, url_prefix="/api", name="flack_api")
    app.register_blueprint(build_root_blueprint())
    app.register_blueprint(build_api_v2_blueprint(), url_prefix="/api/v2")


def register_error_handlers(app: Flask) -> None:
    """One JSON error envelope for every error."""
    from parley.api.errors import register_error_handlers as register

    register(app)


def register_middleware(app: Flask) -> None:
    """Around everything, Socket.IO's middleware included: the Host check, and behind
    PROXY_COUNT trusted proxies the client address they forwarded."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from parley.trusted_hosts import TrustedHostsMiddleware

    checked = TrustedHostsMiddleware(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    app.wsgi_app = checked  # type: ignore[method-assign]
    if app.config["PROXY_COUNT"]:
        proxied = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"])
        app.wsgi_app = proxied  # type: ignore[method-assign]


def register_request_hooks(app: Flask) -> None:
    """Headers added to every response."""
    from parley import security_headers

    security_headers.init_app(app)
