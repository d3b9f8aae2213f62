"""Server entry point: gevent patches the standard library before anything imports it.

Only servers import this module; the CLI, tests and workers import parley unpatched.
"""

from gevent import monkey

monkey.patch_all()

from parley import create_app  # noqa: E402 -- must come after patching

app = create_app()
