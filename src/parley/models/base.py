"""The declarative base of every model, and the column types and defaults they share."""

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# The largest key an INTEGER column holds on every supported database.
MAX_ID = 2**31 - 1
# The largest seq a BIGINT column holds.
MAX_SEQ = 2**63 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def to_timestamp(moment: datetime) -> int:
    """Integer Unix seconds, the wire format of API v1."""
    return int(moment.timestamp())


def from_timestamp(seconds: int) -> datetime:
    """A UTC datetime from Unix seconds."""
    return datetime.fromtimestamp(seconds, UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so naive UTC is
    stored there and the zone is put back when a row is loaded.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes (ambiguous) and normalise to UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"UTCDateTime needs an aware datetime, got {value!r}")
        moment = value.astimezone(UTC)
        return moment if dialect.name == "postgresql" else moment.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes whatever the database gave back."""
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def enum_type(kind: type[enum.StrEnum], length: int = 16) -> Enum:
    """A portable VARCHAR column type that stores a StrEnum's values."""
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda k: [m.value for m in k]
    )


# Named constraints let Alembic alter them later, on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Parley model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
