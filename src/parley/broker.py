"""The embedded broker: kombu's filesystem transport, for `make run` without servers.

Celery's queue and Socket.IO's cross-process channel each get a folder under the
instance folder; the web server and its worker, on one machine, share them. Scaled
deployments set REDIS_URL (or CELERY_BROKER_URL) instead.
"""

from pathlib import Path
from typing import Any

from flask import Flask

FILESYSTEM_URL = "filesystem://"
# How often a consumer looks for new messages: the latency the embedded default adds.
POLLING_INTERVAL = 0.05


def is_embedded(url: str) -> bool:
    """Whether a broker URL names the filesystem transport."""
    return url.startswith(FILESYSTEM_URL)


def transport_options(app: Flask, name: str) -> dict[str, Any]:
    """kombu transport options for one embedded channel, creating its folders."""
    root = Path(app.instance_path) / "broker" / name
    messages, control = root / "messages", root / "control"
    for folder in (messages, control):
        folder.mkdir(parents=True, exist_ok=True)
    return {
        # One folder both ways: producers and consumers are on the same machine.
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "control_folder": str(control),
        # One consumer per queue (one web server, one worker): the embedded topology.
        "polling_interval": POLLING_INTERVAL,
    }
