"""Domain errors; each API maps them onto its own status codes."""


class ServiceError(Exception):
    """Base of the errors a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnauthorizedError(ServiceError):
    """The credentials presented are not (or no longer) valid."""


class NotFoundError(ServiceError):
    """The thing asked for does not exist, or the caller may not know it does."""


class ForbiddenError(ServiceError):
    """The caller is known but may not do this."""


class ConflictError(ServiceError):
    """The request clashes with the current state, e.g. a taken nickname."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidError(ServiceError):
    """A value no schema could judge alone is wrong, e.g. a seq past the channel's last."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class StaleCursorError(ServiceError):
    """Events after this cursor can no longer be replayed: the client must resync."""


class BusyError(ServiceError):
    """Too much of this work is waiting already: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientLeftError(ServiceError):
    """The client closed its connection while its request waited: nobody is listening."""
