"""Smaller attacks: an update that changes nothing, a Basic header with trailing junk,
and the embedded database's file modes."""

import base64
import os
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from parley.app import create_app
from tests.conftest import config_for, dispose_engine
from tests.factories import PASSWORD, bearer, make_user


def test_an_update_with_nothing_to_change_is_a_400_naming_what_is_accepted(
    client: FlaskClient,
) -> None:
    user = make_user("ada")

    response = client.put(f"/api/users/{user.id}", json={}, headers=bearer(user))

    assert response.status_code == 400
    assert response.json["errors"] == {"body": ["Send nickname, password, or both."]}


@pytest.mark.parametrize("suffix", [" junk", "junk", " ", "\tx", "==", " Zm9v", "!!"])
@pytest.mark.parametrize("path", ["/api/tokens", "/api/v2/tokens"])
def test_a_basic_header_with_anything_after_the_credentials_is_refused(
    client: FlaskClient, path: str, suffix: str
) -> None:
    make_user("ada")
    encoded = base64.b64encode(f"ada:{PASSWORD}".encode()).decode()

    good = client.post(path, headers={"Authorization": f"Basic {encoded}"})
    bad = client.post(path, headers={"Authorization": f"Basic {encoded}{suffix}"})

    assert good.status_code in (200, 201)
    assert bad.status_code == 401


def test_the_embedded_database_and_its_folder_are_private(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    database = instance / "parley.db"
    database.touch(mode=0o644)
    (instance / "parley.db-wal").touch(mode=0o644)

    app: Flask = create_app(
        config_for(f"sqlite:///{database}", INSTANCE_PATH=str(instance), SECRET_KEY=None)
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        dispose_engine()

    def mode(path: Path) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    assert mode(instance) == 0o700
    assert {p.name: mode(p) for p in instance.iterdir()} == dict.fromkeys(os.listdir(instance), 384)
    assert {"parley.db", "secret_key"} <= set(os.listdir(instance))
