"""Parley: real-time team chat in Flask. The app comes from parley.app.create_app;
importing the package alone loads nothing else (parley.tether starts every supervised
program, and must start fast)."""
