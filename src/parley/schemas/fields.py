"""Field types and validators shared by the schemas."""

import re
from datetime import UTC, datetime
from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate

from parley.models.base import from_timestamp, to_timestamp

# datetime cannot go past year 9999; a larger timestamp is refused, not a 500.
MAX_TIMESTAMP = 253402300799


class UnixTimestamp(fields.Field[datetime]):
    """A UTC datetime as integer Unix seconds, API v1's time format."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> int | None:
        return None if value is None else to_timestamp(value)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        seconds = fields.Integer(validate=validate.Range(0, MAX_TIMESTAMP)).deserialize(value)
        return from_timestamp(seconds)


class UTCDateTime(fields.AwareDateTime):
    """An ISO 8601 date and time (UTC when it names no offset), as UTC: a time whose
    offset takes it past year 1 or 9999 is refused, where converting it would raise."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as error:
            raise ValidationError("Out of range: from year 1 to 9999 in UTC.") from error


class DecimalInteger(fields.Integer):
    """An integer given as a JSON number or as plain decimal digits, with an optional
    minus: Python's int() would also take "+1", " 1", "1_0" and "٣", which no client
    means and which would make two spellings of one cursor."""

    _DIGITS = re.compile(r"-?[0-9]+")
    default_error_messages = {  # noqa: RUF012 -- marshmallow's own class attribute
        "invalid": "Not a valid integer: decimal digits only.",
    }

    def _validated(self, value: Any) -> int:
        if isinstance(value, str) and not self._DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        if isinstance(value, bool | float):
            raise self.make_error("invalid")
        return super()._validated(value)


def not_blank(value: str) -> None:
    """Refuse a string of only white space."""
    if not value.strip():
        raise ValidationError("Must not be blank.")


def no_control_characters(value: str) -> None:
    """Refuse control characters (newlines, NUL ...) in a one-line name."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError("Must not contain control characters.")


def no_nul_characters(value: str) -> None:
    """Refuse NUL, which PostgreSQL text cannot store."""
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")


class EncodableText:
    """Schema mixin: refuse, by field, a string that UTF-8 cannot encode.

    JSON may escape a lone surrogate (`"\\ud800"`) and Python's parser lets it through;
    no database can store it, so it would fail at the first query instead of here.
    """

    @pre_load
    def refuse_unencodable_text(self, data: Any, **kwargs: Any) -> Any:
        """Name each top-level string field holding a lone surrogate."""
        if isinstance(data, dict):
            errors = {
                name: ["Must be valid Unicode text (no lone surrogates)."]
                for name, value in data.items()
                if isinstance(value, str) and not _encodable(value)
            }
            if errors:
                raise ValidationError(errors)
        return data


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
