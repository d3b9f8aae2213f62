"""The `parley` command: Flask's CLI (db, run, shell, routes) bound to the factory."""

from flask.cli import FlaskGroup

from parley.app import create_app

cli = FlaskGroup(create_app=create_app, help="Parley, real-time team chat.")
