"""Server entry point: gevent patches the standard library before anything imports it.

Only servers import this module; the CLI, tests and workers import parley unpatched.
"""

from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402

from parley.app import create_app  # noqa: E402 -- must come after patching

app = create_app()
# What the app made at start lives as long as the process: frozen, the collector's full
# passes leave it alone. Walking it takes about 90 ms on this worker's one thread, every
# request and socket stalled meanwhile (bench/README.md, "One user's cost to another").
gc.freeze()
