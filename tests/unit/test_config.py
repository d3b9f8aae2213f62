"""Configuration read from the environment."""

from pathlib import Path

import pytest

from parley.app import create_app
from parley.config import DevelopmentConfig, config_from_env, database_url


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///parley.db", "sqlite:///parley.db"),
    ],
)
def test_database_urls_use_psycopg3(raw: str, url: str) -> None:
    assert database_url(raw) == url


def test_parley_env_picks_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_ENV", "production")
    assert config_from_env().__name__ == "ProductionConfig"
    monkeypatch.setenv("PARLEY_ENV", "nonsense")
    with pytest.raises(ValueError, match="PARLEY_ENV"):
        config_from_env()


def test_generated_secret_key_is_kept_in_the_instance_folder(tmp_path: Path) -> None:
    class Local(DevelopmentConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        INSTANCE_PATH = str(tmp_path)

    first = create_app(Local)
    second = create_app(Local)

    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == first.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o777 == 0o600
