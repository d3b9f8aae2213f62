"""Parley: real-time team chat in Flask."""

from parley.app import create_app

__all__ = ["create_app"]
