"""URL converters for the API's routes."""

from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from parley.models.base import MAX_ID
from parley.models.job import JOB_ID_LENGTH


class InvalidIdError(NotFound):
    """A path segment where an id belongs is not one; the body says why."""

    def __init__(self, value: str, rule: str = f"an integer from 1 to {MAX_ID}") -> None:
        self.reason = f"Must be {rule}, not {value!r}."
        super().__init__(f"No such resource: the id in the path is invalid. {self.reason}")


class IdConverter(BaseConverter):
    """`<id:name>`: a positive integer key; anything else is a 404 that says what was wrong.

    Werkzeug's `int` converter would give a bare 404 for "abc" and let
    99999999999999999999 through to the database, which rejects it with an error.
    """

    regex = r"[^/]+"

    def to_python(self, value: str) -> int:
        """Parse the segment or raise InvalidIdError."""
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ID:
            raise InvalidIdError(value)
        return int(value)

    def to_url(self, value: Any) -> str:
        """Render an id into a URL."""
        return str(int(value))


class JobIdConverter(BaseConverter):
    """`<job_id:name>`: a job's id, 32 lowercase hexadecimal characters (models.job)."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        """Check the segment or raise InvalidIdError (before any database sees it)."""
        if len(value) != JOB_ID_LENGTH or not all(c in "0123456789abcdef" for c in value):
            raise InvalidIdError(value, f"{JOB_ID_LENGTH} hexadecimal characters")
        return value
