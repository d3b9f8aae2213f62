"""The deployment files the package ships (parley/deploy: gunicorn's configuration and
the Jinja templates of HAProxy's and supervisord's), and their rendering: every variable
must be given, nothing is HTML-escaped."""

from importlib import resources
from pathlib import Path

import jinja2

# Package data: a folder on disk wherever the package is installed (a wheel unpacked in
# site-packages, or this checkout), which gunicorn and Jinja read by path.
DEPLOY_DIR = Path(str(resources.files("parley") / "deploy"))
GUNICORN_CONFIG = DEPLOY_DIR / "gunicorn.conf.py"


def render(template: str, target: Path, deploy_dir: Path = DEPLOY_DIR, **context: object) -> Path:
    """Render deploy_dir/template with `context` into `target` (its folder must exist)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(deploy_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 -- config files, not HTML
        keep_trailing_newline=True,
    )
    target.write_text(environment.get_template(template).render(**context))
    return target
