"""Flask extensions, created unconfigured; the factory calls init_app on each."""

from apifairy import APIFairy
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_marshmallow import Marshmallow
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy

from parley.changes.session import Session
from parley.models.base import Base

# A session lives for one request or task: reloading every row right after its own
# commit (SQLAlchemy's default) only costs round trips.
db = SQLAlchemy(model_class=Base, session_options={"class_": Session, "expire_on_commit": False})
migrate = Migrate()
ma = Marshmallow()
apifairy = APIFairy()
socketio = SocketIO()
# Keyed by client address unless a limit says otherwise; parley.rate_limits writes the
# IETF RateLimit headers itself (Flask-Limiter's carry other names and an epoch).
limiter = Limiter(get_remote_address, headers_enabled=False)
