"""gunicorn settings for one Parley web instance: one gevent worker.

One worker per instance: Socket.IO sessions live in a process, so instances
scale out behind a load balancer rather than with more workers per instance.
"""

import os

bind = os.environ.get("PARLEY_BIND", "127.0.0.1:5000")
workers = 1
worker_class = "gevent"
worker_connections = int(os.environ.get("PARLEY_WORKER_CONNECTIONS", "2000"))
# PARLEY_ACCESS_LOG="" turns the access log off (benchmarks: one line per request costs).
accesslog = os.environ.get("PARLEY_ACCESS_LOG", "-") or None
errorlog = "-"
# The app is created in each worker after the fork, never shared across a fork.
preload_app = False
# gunicorn 27's control socket has one default path per user: instances on one
# machine would fight over it, and a supervisor (not gunicornc) manages them here.
control_socket_disable = True
# Socket.IO connections never finish by themselves: on shutdown, give requests in
# flight a short grace, then close; clients reconnect through the load balancer.
graceful_timeout = 10
