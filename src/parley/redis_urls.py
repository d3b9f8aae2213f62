"""One Redis URL, spelled for each client: redis-py, kombu and limits each name a unix
socket their own way (`unix://`, `redis+socket://`, `redis+unix://`); TCP URLs are the
same for all three."""

_UNIX = "unix://"


def for_kombu(url: str) -> str:
    """A Redis URL as Celery's broker (kombu's Redis transport) reads it."""
    return "redis+socket://" + url.removeprefix(_UNIX) if url.startswith(_UNIX) else url


def for_limits(url: str) -> str:
    """A Redis URL as Flask-Limiter's storage (the limits library) reads it."""
    return "redis+unix://" + url.removeprefix(_UNIX) if url.startswith(_UNIX) else url
