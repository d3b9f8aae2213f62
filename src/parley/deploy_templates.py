"""Configuration files rendered from the Jinja templates in deploy/ (HAProxy's,
supervisord's): every variable must be given, nothing is HTML-escaped."""

from pathlib import Path

import jinja2

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"


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
