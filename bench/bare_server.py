"""The practical ceiling for fan-out: a bare python-socketio server, no Flask, no database.

Run like a Parley instance (gunicorn, one gevent worker, Redis between instances):
POST /broadcast emits its JSON body as `updated_model` to every connected client.
bench/fanout.py starts it; it is not part of Parley.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
from collections.abc import Callable, Iterable  # noqa: E402
from typing import Any  # noqa: E402

import socketio  # noqa: E402

from parley.realtime.compression import DeclineWebSocketCompression  # noqa: E402

manager = socketio.RedisManager(os.environ["REDIS_URL"], channel=os.environ["SOCKETIO_CHANNEL"])
server = socketio.Server(async_mode="gevent", client_manager=manager)


def broadcast(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """POST /broadcast: emit the body; GET /healthz: answer (readiness and HAProxy's check)."""
    if environ["PATH_INFO"] == "/broadcast" and environ["REQUEST_METHOD"] == "POST":
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        server.emit("updated_model", json.loads(body))
        start_response("201 CREATED", [("Content-Type", "application/json")])
        return [b"{}"]
    if environ["PATH_INFO"] == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
    start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
    return [b"not found"]


# Configured like Parley's instances, so that the comparison is of the message path.
app = DeclineWebSocketCompression(socketio.WSGIApp(server, broadcast))
