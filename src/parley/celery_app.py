"""Entry point of Celery processes: `celery -A parley.celery_app worker` (or `beat`).

Workers import Parley unpatched (no gevent) and publish Socket.IO events through
Redis without listening for them: they serve no sockets.
"""

from parley.app import create_app
from parley.config import config_from_env

flask_app = create_app(type("WorkerConfig", (config_from_env(),), {"SERVES_SOCKETS": False}))
celery = flask_app.extensions["celery"]
