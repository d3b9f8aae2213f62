"""The package stands on its own: its wheel, installed into a fresh virtualenv outside
the repository, runs `parley serve` (migrations, deploy templates, the built client and
the API documentation's browser files all inside it) until it answers."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import ROOT, call, free_port, server_env
from tests.topology import wait_until_serving

UV = ROOT / ".tools" / "bin" / "uv"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv outside the repository holding the wheel and the locked
    dependencies (from uv's cache: `make install` fetched them); its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    uv = [str(UV), "--quiet"]
    subprocess.run([*uv, "build", "--wheel", "--out-dir", work, ROOT], check=True, cwd=work)
    [wheel] = work.glob("parley-*.whl")
    # The locked versions with their wheels' URLs: uv finds each in its cache.
    locked = work / "pylock.toml"
    export = ["export", "--frozen", "--no-dev", "--no-emit-project", "--format", "pylock.toml"]
    subprocess.run([*uv, *export, "--project", ROOT, "--output-file", locked], check=True, cwd=work)
    venv = work / "venv"
    subprocess.run([*uv, "venv", "--python", sys.executable, venv], check=True, cwd=work)
    install: list[str | Path] = [
        *uv,
        "pip",
        "install",
        "--offline",
        "--python",
        venv / "bin" / "python",
    ]
    subprocess.run([*install, "-r", locked], check=True, cwd=work)
    subprocess.run([*install, "--no-deps", wheel], check=True, cwd=work)
    return venv / "bin"


@pytest.fixture
def served(installed: Path, tmp_path: Path) -> Iterator[str]:
    """`parley serve` from the installed wheel, in a folder outside the repository."""
    port = free_port()
    env = {
        key: value
        for key, value in server_env(
            PARLEY_INSTANCE_PATH=str(tmp_path / "instance"), PARLEY_BIND=f"127.0.0.1:{port}"
        ).items()
        # Nothing of the repository's: not its sources, not its database or Redis.
        if key not in ("PYTHONPATH", "DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [installed / "parley", "serve"], env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, process, seconds=90)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=90)


def test_the_installed_wheel_serves_parley_from_outside_the_repository(
    installed: Path, served: str
) -> None:
    imported = subprocess.run(
        [installed / "python", "-c", "import parley; print(parley.__file__)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    health = call(f"{served}/healthz")
    page = call(f"{served}/")
    client = call(f"{served}/static/web/app/main.js")
    docs = call(f"{served}/static/web/app/vendor/swagger-ui-dist/swagger-ui-bundle.js")

    assert not imported.startswith(str(ROOT)), imported
    assert health[0] == 200
    assert page[0] == 200
    assert client[0] == 200
    assert docs[0] == 200
