"""The Host header check, in front of everything the app serves.

Flask checks TRUSTED_HOSTS on its own routes only; Socket.IO's middleware answers
/socket.io/ before Flask sees the request. A page on a rebinding name
(`rebind.evil.example` resolving to this server) sends its own name as Host and, for a
same-origin request, no Origin header: checking Host first is what refuses it.
"""

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from parley.envelope import error_body

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class TrustedHostsMiddleware:
    """Answers 400, in the error envelope, a request whose Host is not trusted."""

    def __init__(self, app: "WSGIApplication", trusted_hosts: list[str]) -> None:
        self.app = app
        self.trusted_hosts = trusted_hosts

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        """Pass a trusted request on; refuse any other."""
        try:
            get_host(environ, self.trusted_hosts)
        except SecurityError:
            body = json.dumps(
                error_body(
                    400,
                    "This server does not answer to that host name.",
                    {"Host": ["Not a trusted host."]},
                )
            ).encode()
            start_response(
                "400 BAD REQUEST",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self.app(environ, start_response)


def is_own_origin(origin: Any, environ: "WSGIEnvironment") -> bool:
    """Whether a browser's Origin is this server's own: http(s) on the Host it asked for
    (which the middleware has found trusted)."""
    if not isinstance(origin, str):
        return False
    scheme, _, netloc = origin.partition("://")
    return scheme in ("http", "https") and netloc == environ.get("HTTP_HOST")
