"""Base error for every rule violation; ``field`` names the form/API field when there is one."""


class DomainError(Exception):
    """A business rule was broken. ``message`` is Vietnamese, fit to show a user."""

    code = "domain_error"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    """The object changed under the user (stale version, illegal state): HTTP 409."""

    code = "conflict"


class InvalidInput(DomainError):
    """A value has the wrong shape: HTTP 422."""

    code = "invalid"
